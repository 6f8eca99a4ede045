// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {ISecurityToken, ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";
import {EncodedError} from "../utils/EncodedError.sol";
import {PackedBalance} from "../utils/PackedBalance.sol";
import {PackedERC20} from "./PackedERC20.sol";

/**
 * @title SecurityToken
 * @notice The security-token core shared by Kessai's products: ERC-20 balances with locks, issuer
 * enforcement and transfer restrictions. See {ISecurityToken}.
 *
 * @dev Storage is laid out for a cheap transfer between eligible holders:
 * - each holder is one slot, a {PackedBalance} word (balance and total locked, 128 bits each), so
 *   the supply is capped at 2^128-1 ({PackedERC20});
 * - the registry address and the four switches share one slot, {Config}, read once per transfer;
 * - the registry is asked once per transfer ({IInvestorRegistry-checkPair}); the exemption list is
 *   read only for an account the registry reports ineligible.
 *
 * All transfer rules live in {_transferError}, which returns the ABI-encoded custom error (empty
 * when allowed). {canTransfer} returns it, and every mutating path reverts with it, so the two can
 * never disagree. Every balance change goes through {_update}.
 *
 * Reentrancy: the only external calls that can re-enter are the lock receiver callbacks
 * ({ISecurityTokenLockReceiver}): {lock}'s, and the notifications of the issuer and enforcement
 * paths that change a contract's lock ({issue} and {redeem} with a lock address, {forceLock},
 * {forceUnlock}, {forceChangeLockedAccount}). Each is made after every effect and event of its
 * call (checks-effects-interactions), so a re-entrant call (a DVP releasing the rest of a
 * settlement it fails) sees a consistent state. No other function makes a state-changing
 * external call, so no reentrancy guard is used.
 *
 * The token's own address is the lock address of pending transfer applications; that bucket is
 * managed only by the application workflow (holders, the issuer and enforcement cannot use it).
 *
 * This core is the ERC-20 with locks, the issuer's issuance and switches, and the rules. The
 * transfer approval workflow ({SecurityTokenTransferApproval}) and the enforcement powers
 * ({SecurityTokenEnforcement}) are abstract extensions on top of it, in the manner of
 * OpenZeppelin's `ERC20Pausable` and `ERC20Permit`; a product ({ShareToken},
 * {StraightBondToken}) inherits both, and so implements all of {ISecurityToken}.
 */
abstract contract SecurityToken is ISecurityToken, PackedERC20, AccessControlDefaultAdminRules {
    using EncodedError for bytes;
    using PackedBalance for uint256;

    /// @notice The switches and the registry, one slot.
    struct Config {
        IInvestorRegistry registry;
        bool active;
        bool transferable;
        bool approvalRequired;
        bool paused;
    }

    /// @notice What a token is deployed with; a product's constructor takes it and its own terms.
    /// @param name Token name.
    /// @param symbol Token symbol.
    /// @param decimals Decimals (0 for whole units).
    /// @param registry The eligibility registry (a contract).
    /// @param admin The default admin, who grants every other role.
    /// @param adminDelay Delay of a default admin handover, in seconds.
    struct Setup {
        string name;
        string symbol;
        uint8 decimals;
        IInvestorRegistry registry;
        address admin;
        uint48 adminDelay;
    }

    /// @inheritdoc ISecurityToken
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant TRANSFER_APPROVER_ROLE = keccak256("TRANSFER_APPROVER_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant FORCE_TRANSFER_ROLE = keccak256("FORCE_TRANSFER_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant FORCE_LOCK_ROLE = keccak256("FORCE_LOCK_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant FORCE_UNLOCK_ROLE = keccak256("FORCE_UNLOCK_ROLE");
    /// @inheritdoc ISecurityToken
    bytes32 public constant FORCE_RELOCATE_ROLE = keccak256("FORCE_RELOCATE_ROLE");

    /// @dev Bit masks of the {Config} slot read as one word: the registry in bits 0-159, then one
    /// byte per switch in declaration order.
    uint256 private constant _ACTIVE = 1 << 160;
    uint256 private constant _TRANSFERABLE = 1 << 168;
    uint256 private constant _APPROVAL_REQUIRED = 1 << 176;
    uint256 private constant _PAUSED = 1 << 184;
    uint256 private constant _SWITCHES = _ACTIVE | _TRANSFERABLE | _APPROVAL_REQUIRED | _PAUSED;

    /// @dev Which transfer rules a movement obeys ({_transferError}'s `path`). A path is the mask
    /// of the switches it checks (none for enforcement), so the common case is one comparison.
    /// Normal (transfer, transferFrom, bulkTransfer, unlock to another account): rules 1 to 8.
    uint256 private constant _PATH_NORMAL = _SWITCHES;
    /// Approved (applyForTransfer, approveTransfer): every rule but the approval switch.
    uint256 internal constant _PATH_APPROVED = _SWITCHES & ~_APPROVAL_REQUIRED;
    /// Enforcement (issue, forced paths): only a non-zero, eligible receiver and enough units.
    uint256 internal constant _PATH_ENFORCEMENT = 0;

    /// @dev The lock receiver's callbacks for {_notifyLock}.
    bytes4 internal constant _LOCK_ADDED = ISecurityTokenLockReceiver
        .onSecurityTokenLockAdded
        .selector;
    bytes4 internal constant _LOCK_REMOVED = ISecurityTokenLockReceiver
        .onSecurityTokenLockRemoved
        .selector;

    Config private _config;

    mapping(address lockAddress => mapping(address account => uint256)) private _locks;
    mapping(address account => bool) private _exempt;
    mapping(address lockAddress => bool) private _notificationsWaived;

    /**
     * @notice Deploys an active, transferable, unpaused token without the approval workflow.
     * @param setup The token's metadata, registry and default admin ({Setup}).
     */
    constructor(
        Setup memory setup
    )
        PackedERC20(setup.name, setup.symbol, setup.decimals)
        AccessControlDefaultAdminRules(setup.adminDelay, setup.admin)
    {
        IInvestorRegistry registry = setup.registry;
        _checkRegistry(registry);
        _config = Config({
            registry: registry,
            active: true,
            transferable: true,
            approvalRequired: false,
            paused: false
        });
        emit InvestorRegistryChanged(address(0), address(registry));
    }

    // ------------------------------------------------------------------ ERC-20

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _transferChecked(msg.sender, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @dev Order of checks: rules 1 to 7, then the allowance, then rule 8 (in {_update}).
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _rulesError(from, to, _PATH_NORMAL).revertIfAny();
        _spendAllowance(from, msg.sender, value);
        _update(from, to, value);
        return true;
    }

    // ------------------------------------------------------------------ holder actions

    /// @inheritdoc ISecurityToken
    function lock(address lockAddress, uint256 value, bytes calldata data) external {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        Config memory config = _config;
        if (config.paused) revert SecurityTokenPaused();
        if (!config.active) revert SecurityTokenInactive();
        _balanceError(msg.sender, value, address(0)).revertIfAny();
        _addLock(lockAddress, msg.sender, value);
        emit Lock(lockAddress, msg.sender, value, data);
        if (lockAddress.code.length != 0) {
            _callLockReceiver(
                lockAddress,
                abi.encodeCall(
                    ISecurityTokenLockReceiver.onSecurityTokenLocked,
                    (msg.sender, value, data)
                )
            );
        }
    }

    /// @inheritdoc ISecurityToken
    function unlock(
        address account,
        address recipient,
        uint256 value,
        bytes calldata data
    ) external {
        _checkAmount(value);
        if (recipient == account) {
            _balanceError(account, value, msg.sender).revertIfAny();
        } else {
            _transferError(account, recipient, value, _PATH_NORMAL, msg.sender).revertIfAny();
        }
        _release(msg.sender, account, recipient, value);
        emit Unlock(msg.sender, account, recipient, value, data);
    }

    /// @inheritdoc ISecurityToken
    function bulkTransfer(address[] calldata to, uint256[] calldata values) external {
        _checkLength(to.length, values.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _transferChecked(msg.sender, to[i], values[i]);
        }
    }

    // ------------------------------------------------------------------ issuer

    /// @inheritdoc ISecurityToken
    function issue(address to, address lockAddress, uint256 value) external onlyRole(ISSUER_ROLE) {
        _issue(to, lockAddress, value);
    }

    /// @inheritdoc ISecurityToken
    function redeem(
        address from,
        address lockAddress,
        uint256 value
    ) external onlyRole(ISSUER_ROLE) {
        _redeem(from, lockAddress, value);
    }

    /// @inheritdoc ISecurityToken
    function bulkIssue(
        address[] calldata to,
        uint256[] calldata values
    ) external onlyRole(ISSUER_ROLE) {
        _checkLength(to.length, values.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _issue(to[i], address(0), values[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function bulkRedeem(
        address[] calldata from,
        uint256[] calldata values
    ) external onlyRole(ISSUER_ROLE) {
        _checkLength(from.length, values.length);
        for (uint256 i = 0; i < from.length; ++i) {
            _redeem(from[i], address(0), values[i]);
        }
    }

    /// @inheritdoc ISecurityToken
    function setStatus(bool active) external onlyRole(ISSUER_ROLE) {
        _config.active = active;
        emit StatusChanged(active);
    }

    /// @inheritdoc ISecurityToken
    function setTransferable(bool transferable_) external onlyRole(ISSUER_ROLE) {
        _config.transferable = transferable_;
        emit TransferableChanged(transferable_);
    }

    /// @inheritdoc ISecurityToken
    function setTransferApprovalRequired(bool required) external onlyRole(ISSUER_ROLE) {
        _config.approvalRequired = required;
        emit TransferApprovalRequiredChanged(required);
    }

    /// @inheritdoc ISecurityToken
    function setEligibilityExempt(address account, bool exempt) external onlyRole(ISSUER_ROLE) {
        _exempt[account] = exempt;
        emit EligibilityExemptionChanged(account, exempt);
    }

    /// @inheritdoc ISecurityToken
    function setInvestorRegistry(IInvestorRegistry registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkRegistry(registry);
        address previous = address(_config.registry);
        _config.registry = registry;
        emit InvestorRegistryChanged(previous, address(registry));
    }

    /// @inheritdoc ISecurityToken
    function setLockNotificationsWaived(
        address lockAddress,
        bool waived
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _notificationsWaived[lockAddress] = waived;
        emit LockNotificationsWaived(lockAddress, waived);
    }

    /// @inheritdoc ISecurityToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _config.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ISecurityToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _config.paused = false;
        emit Unpaused(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ISecurityToken
    function lockedOf(address lockAddress, address account) external view returns (uint256) {
        return _locks[lockAddress][account];
    }

    /// @inheritdoc ISecurityToken
    function totalLockedOf(address account) external view returns (uint256) {
        return _balanceSlot(account).word.totalLocked();
    }

    /// @inheritdoc ISecurityToken
    function availableBalanceOf(address account) external view returns (uint256) {
        return _balanceSlot(account).word.unlocked();
    }

    /// @inheritdoc ISecurityToken
    function canTransfer(
        address from,
        address to,
        uint256 value
    ) external view returns (bool ok, bytes memory reason) {
        reason = _transferError(from, to, value, _PATH_NORMAL, address(0));
        ok = reason.length == 0;
    }

    /// @inheritdoc ISecurityToken
    function status() external view returns (bool) {
        return _config.active;
    }

    /// @inheritdoc ISecurityToken
    function transferable() external view returns (bool) {
        return _config.transferable;
    }

    /// @inheritdoc ISecurityToken
    function transferApprovalRequired() external view returns (bool) {
        return _config.approvalRequired;
    }

    /// @inheritdoc ISecurityToken
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc ISecurityToken
    function investorRegistry() external view returns (IInvestorRegistry) {
        return _config.registry;
    }

    /// @inheritdoc ISecurityToken
    function lockNotificationsWaived(address lockAddress) external view returns (bool) {
        return _notificationsWaived[lockAddress];
    }

    /// @inheritdoc ISecurityToken
    function isEligibilityExempt(address account) external view returns (bool) {
        return _exempt[account];
    }

    /// @inheritdoc ISecurityToken
    function isEligible(address account) external view returns (bool) {
        return _isEligible(account);
    }

    // ------------------------------------------------------------------ internal

    /**
     * @dev The transfer rules, in one place. Returns the ABI-encoded custom error a movement of
     * `value` units from `from` to `to` raises, or empty bytes when it is allowed: rules 1 to 7
     * ({_rulesError}), then rule 8 ({_balanceError}) on `from`'s unlocked units when `lockAddress`
     * is zero, or on its lock to `lockAddress` otherwise.
     */
    function _transferError(
        address from,
        address to,
        uint256 value,
        uint256 path,
        address lockAddress
    ) internal view returns (bytes memory err) {
        err = _rulesError(from, to, path);
        if (err.length == 0) err = _balanceError(from, value, lockAddress);
    }

    /**
     * @dev Rules 1 to 7 for `path` (see the `_PATH_` constants); empty bytes when they pass. A path
     * that moves unlocked units checks rule 8 in {_update}, which reverts with {_balanceError}'s
     * error, so the order of the rules (and {canTransfer}'s answer) is the same.
     */
    function _rulesError(
        address from,
        address to,
        uint256 path
    ) internal view returns (bytes memory err) {
        if (to == address(0)) return abi.encodeWithSelector(ERC20InvalidReceiver.selector, to);
        if (path == _PATH_ENFORCEMENT) {
            if (!_isEligible(to)) {
                return abi.encodeWithSelector(SecurityTokenIneligibleReceiver.selector, to);
            }
        } else {
            uint256 config = _loadConfig();
            // one comparison for the common case: unpaused, active, transferable, (no approval)
            if (config & path != _ACTIVE | _TRANSFERABLE) {
                if (config & _PAUSED != 0)
                    return abi.encodeWithSelector(SecurityTokenPaused.selector);
                if (config & _ACTIVE == 0)
                    return abi.encodeWithSelector(SecurityTokenInactive.selector);
                if (config & _TRANSFERABLE == 0) {
                    return abi.encodeWithSelector(SecurityTokenNotTransferable.selector);
                }
                return abi.encodeWithSelector(SecurityTokenTransferApprovalRequired.selector);
            }
            (bool fromEligible, bool toEligible) = _checkPair(address(uint160(config)), from, to);
            if (!(fromEligible && toEligible)) {
                if (!fromEligible && !_exempt[from]) {
                    return abi.encodeWithSelector(SecurityTokenIneligibleSender.selector, from);
                }
                if (!toEligible && !_exempt[to]) {
                    return abi.encodeWithSelector(SecurityTokenIneligibleReceiver.selector, to);
                }
            }
        }
    }

    /**
     * @dev Rule 8 or its lock variant: the error when `account` lacks `value` unlocked units
     * (`lockAddress` zero) or `value` units locked to `lockAddress`; empty bytes otherwise.
     */
    function _balanceError(
        address account,
        uint256 value,
        address lockAddress
    ) internal view returns (bytes memory err) {
        if (lockAddress == address(0)) {
            uint256 available = _balanceSlot(account).word.unlocked();
            if (available < value) {
                return
                    abi.encodeWithSelector(
                        SecurityTokenInsufficientUnlockedBalance.selector,
                        account,
                        available,
                        value
                    );
            }
        } else {
            uint256 locked = _locks[lockAddress][account];
            if (locked < value) {
                return
                    abi.encodeWithSelector(
                        SecurityTokenInsufficientLock.selector,
                        lockAddress,
                        account,
                        locked,
                        value
                    );
            }
        }
    }

    /// @dev Exempt or eligible in the registry.
    function _isEligible(address account) internal view returns (bool) {
        return _exempt[account] || _config.registry.isEligible(account);
    }

    /**
     * @dev The one door for every balance change: mints when `from` is zero, burns when `to` is
     * zero, emits {IERC20-Transfer}. Enforces rule 8 (`from` holds `value` unlocked units; a path
     * drawing on a lock releases it first) and, when minting, the supply cap, which bounds every
     * balance by 2^128-1.
     */
    function _update(address from, address to, uint256 value) internal {
        if (from == address(0)) {
            if (!_increaseSupply(value)) {
                revert SecurityTokenSupplyCapExceeded(totalSupply(), value, _SUPPLY_CAP);
            }
        } else {
            // one read of the sender's word serves rule 8 and the debit
            PackedBalance.Slot storage sender = _balanceSlot(from);
            uint256 word = sender.word;
            if (word.unlocked() < value) _balanceError(from, value, address(0)).revertIfAny();
            sender.word = word.subBalance(value);
        }
        if (to == address(0)) _decreaseSupply(value);
        else _credit(to, value);
        emit Transfer(from, to, value);
    }

    /// @dev Records a lock of `value` units of `account` to `lockAddress`; the caller checked
    /// that they are unlocked (so the total locked stays within the balance).
    function _addLock(address lockAddress, address account, uint256 value) internal {
        _locks[lockAddress][account] += value;
        PackedBalance.Slot storage holding = _balanceSlot(account);
        holding.word = holding.word.addLocked(value);
    }

    /**
     * @dev Releases `value` units of `account` locked to `lockAddress` (caller checked the lock)
     * and, when `recipient` differs from `account`, moves them to `recipient` (zero burns).
     */
    function _release(
        address lockAddress,
        address account,
        address recipient,
        uint256 value
    ) internal {
        // unchecked: the caller checked lock >= value, and totalLocked >= lock
        unchecked {
            _locks[lockAddress][account] -= value;
        }
        PackedBalance.Slot storage holding = _balanceSlot(account);
        holding.word = holding.word.subLocked(value);
        if (recipient != account) _update(account, recipient, value);
    }

    /**
     * @dev Tells the contract `lockAddress` (unless it has no code or its notifications are
     * waived) that an issuer or enforcement path added `value` units of `account` to its lock
     * (`callback` {_LOCK_ADDED}) or took them out of it ({_LOCK_REMOVED}; the receiver may refuse).
     * Both callbacks take `(operator, account, amount, data)`, `operator` being the caller.
     */
    function _notifyLock(
        bytes4 callback,
        address lockAddress,
        address account,
        uint256 value,
        bytes memory data
    ) internal {
        if (lockAddress.code.length == 0 || _notificationsWaived[lockAddress]) return;
        _callLockReceiver(
            lockAddress,
            abi.encodeWithSelector(callback, msg.sender, account, value, data)
        );
    }

    function _checkAmount(uint256 value) internal pure {
        if (value == 0) revert SecurityTokenZeroAmount();
    }

    function _checkLength(uint256 expected, uint256 actual) internal pure {
        if (expected != actual) revert SecurityTokenLengthMismatch(expected, actual);
    }

    /// @dev A lock address is neither zero nor the token (whose lock holds transfer applications).
    function _checkLockAddress(address lockAddress) internal view {
        if (lockAddress == address(0) || lockAddress == address(this)) {
            revert SecurityTokenInvalidLockAddress(lockAddress);
        }
    }

    // ------------------------------------------------------------------ private

    /// @dev The {Config} slot as one word (see the bit masks at the top).
    function _loadConfig() private view returns (uint256 config) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            config := sload(_config.slot)
        }
    }

    /**
     * @dev {IInvestorRegistry-checkPair} without the ABI helpers (this sits on every transfer's
     * path). A registry revert is bubbled; missing return data reads as "not eligible".
     */
    function _checkPair(
        address registry,
        address from,
        address to
    ) private view returns (bool fromEligible, bool toEligible) {
        bytes4 selector = IInvestorRegistry.checkPair.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), from)
            mstore(add(ptr, 0x24), to)
            mstore(0x00, 0)
            mstore(0x20, 0)
            if iszero(staticcall(gas(), registry, ptr, 0x44, 0x00, 0x40)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            fromEligible := iszero(iszero(mload(0x00)))
            toEligible := iszero(iszero(mload(0x20)))
        }
    }

    /// @dev Transfer under the normal rules.
    function _transferChecked(address from, address to, uint256 value) private {
        _rulesError(from, to, _PATH_NORMAL).revertIfAny();
        _update(from, to, value);
    }

    /// @dev Issue path shared by {issue} and {bulkIssue}.
    function _issue(address to, address lockAddress, uint256 value) private {
        if (lockAddress == address(this)) revert SecurityTokenInvalidLockAddress(lockAddress);
        _checkAmount(value);
        _rulesError(address(0), to, _PATH_ENFORCEMENT).revertIfAny();
        _update(address(0), to, value);
        if (lockAddress != address(0)) {
            _addLock(lockAddress, to, value);
            emit Lock(lockAddress, to, value, "");
        }
        emit Issue(to, lockAddress, value);
        if (lockAddress != address(0)) _notifyLock(_LOCK_ADDED, lockAddress, to, value, "");
    }

    /// @dev Redeem path shared by {redeem} and {bulkRedeem}.
    function _redeem(address from, address lockAddress, uint256 value) private {
        if (lockAddress == address(this)) revert SecurityTokenInvalidLockAddress(lockAddress);
        _checkAmount(value);
        _balanceError(from, value, lockAddress).revertIfAny();
        if (lockAddress == address(0)) {
            _update(from, address(0), value);
        } else {
            _release(lockAddress, from, address(0), value);
            emit Unlock(lockAddress, from, from, value, "");
        }
        emit Redeem(from, lockAddress, value);
        if (lockAddress != address(0)) _notifyLock(_LOCK_REMOVED, lockAddress, from, value, "");
    }

    /**
     * @dev Calls the lock receiver with `callData` (one of the {ISecurityTokenLockReceiver}
     * callbacks); reverts unless it returns that callback's selector. A revert with data is
     * bubbled (so a DVP's own errors reach the caller); any other failure is a rejection.
     */
    function _callLockReceiver(address lockAddress, bytes memory callData) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory returned) = lockAddress.call(callData);
        if (!success) returned.revertIfAny();
        bytes32 word;
        if (returned.length >= 32) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                word := mload(add(returned, 0x20))
            }
        }
        bytes4 expected;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            expected := mload(add(callData, 0x20))
        }
        if (!success || bytes4(word) != expected) {
            revert SecurityTokenLockRejected(lockAddress);
        }
    }

    function _checkRegistry(IInvestorRegistry registry) private view {
        if (address(registry).code.length == 0)
            revert SecurityTokenInvalidRegistry(address(registry));
    }
}
