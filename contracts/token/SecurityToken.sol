// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {ISecurityToken, ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";

/**
 * @title SecurityToken
 * @notice The security-token core shared by Kessai's products: ERC-20 balances with locks, issuer
 * enforcement and transfer restrictions. See {ISecurityToken}.
 *
 * @dev Storage is laid out for a cheap transfer between eligible holders:
 * - each holder is one slot, {Holding} (balance and total locked, 128 bits each), so the supply is
 *   capped at 2^128-1;
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
 */
abstract contract SecurityToken is ISecurityToken, IERC20Errors, AccessControlDefaultAdminRules {
    /// @notice One holder, one slot.
    struct Holding {
        uint128 balance;
        uint128 totalLocked;
    }

    /// @notice The switches and the registry, one slot.
    struct Config {
        IInvestorRegistry registry;
        bool active;
        bool transferable;
        bool approvalRequired;
        bool paused;
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
    uint256 private constant ACTIVE = 1 << 160;
    uint256 private constant TRANSFERABLE = 1 << 168;
    uint256 private constant APPROVAL_REQUIRED = 1 << 176;
    uint256 private constant PAUSED = 1 << 184;
    uint256 private constant SWITCHES = ACTIVE | TRANSFERABLE | APPROVAL_REQUIRED | PAUSED;

    /// @dev Which transfer rules a movement obeys ({_transferError}'s `path`). A path is the mask
    /// of the switches it checks (none for enforcement), so the common case is one comparison.
    /// Normal (transfer, transferFrom, bulkTransfer, unlock to another account): rules 1 to 8.
    uint256 private constant PATH_NORMAL = SWITCHES;
    /// Approved (applyForTransfer, approveTransfer): every rule but the approval switch.
    uint256 private constant PATH_APPROVED = SWITCHES & ~APPROVAL_REQUIRED;
    /// Enforcement (issue, forced paths): only a non-zero, eligible receiver and enough units.
    uint256 private constant PATH_ENFORCEMENT = 0;

    /// @notice Largest total supply (balances are stored in 128 bits).
    uint256 internal constant SUPPLY_CAP = type(uint128).max;

    uint8 private immutable _decimals;
    Config private _config;
    uint256 private _totalSupply;
    uint256 private _applicationCount;
    string private _name;
    string private _symbol;

    mapping(address account => Holding) private _holdings;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;
    mapping(address lockAddress => mapping(address account => uint256)) private _locks;
    mapping(address account => bool) private _exempt;
    mapping(uint256 applicationId => TransferApplication) private _applications;
    mapping(address lockAddress => bool) private _notificationsWaived;

    /**
     * @notice Deploys an active, transferable, unpaused token without the approval workflow.
     * @param name_ Token name.
     * @param symbol_ Token symbol.
     * @param decimals_ Decimals (0 for whole units).
     * @param registry The eligibility registry (a contract).
     * @param admin The default admin, who grants every other role.
     * @param adminDelay Delay of a default admin handover, in seconds.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IInvestorRegistry registry,
        address admin,
        uint48 adminDelay
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        _checkRegistry(registry);
        _name = name_;
        _symbol = symbol_;
        _decimals = decimals_;
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
        _revertIf(_rulesError(from, to, PATH_NORMAL));
        _spendAllowance(from, msg.sender, value);
        _update(from, to, value);
        return true;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
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
        _revertIf(_balanceError(msg.sender, value, address(0)));
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
            _revertIf(_balanceError(account, value, msg.sender));
        } else {
            _revertIf(_transferError(account, recipient, value, PATH_NORMAL, msg.sender));
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

    /// @inheritdoc ISecurityToken
    function applyForTransfer(
        address to,
        uint256 value,
        bytes calldata data
    ) external returns (uint256 applicationId) {
        _checkAmount(value);
        _revertIf(_transferError(msg.sender, to, value, PATH_APPROVED, address(0)));
        applicationId = ++_applicationCount;
        _applications[applicationId] = TransferApplication({
            from: msg.sender,
            to: to,
            value: value,
            status: ApplicationStatus.Pending
        });
        _addLock(address(this), msg.sender, value);
        emit Lock(address(this), msg.sender, value, data);
        emit TransferApplied(applicationId, msg.sender, to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function cancelTransfer(uint256 applicationId, bytes calldata data) external {
        TransferApplication storage application = _pendingApplication(applicationId);
        address from = application.from;
        if (msg.sender != from && !hasRole(TRANSFER_APPROVER_ROLE, msg.sender)) {
            revert SecurityTokenUnauthorizedCancel(applicationId, msg.sender);
        }
        application.status = ApplicationStatus.Cancelled;
        uint256 value = application.value;
        _release(address(this), from, from, value);
        emit Unlock(address(this), from, from, value, data);
        emit TransferCancelled(applicationId, from, application.to, value, data);
    }

    // ------------------------------------------------------------------ transfer approver

    /// @inheritdoc ISecurityToken
    function approveTransfer(
        uint256 applicationId,
        bytes calldata data
    ) external onlyRole(TRANSFER_APPROVER_ROLE) {
        TransferApplication storage application = _pendingApplication(applicationId);
        address from = application.from;
        address to = application.to;
        uint256 value = application.value;
        _revertIf(_transferError(from, to, value, PATH_APPROVED, address(this)));
        application.status = ApplicationStatus.Approved;
        _release(address(this), from, to, value);
        emit Unlock(address(this), from, to, value, data);
        emit TransferApproved(applicationId, from, to, value, data);
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

    // ------------------------------------------------------------------ enforcement

    /// @inheritdoc ISecurityToken
    function forcedTransfer(
        address from,
        address to,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_TRANSFER_ROLE) {
        _forcedTransfer(from, to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function bulkForcedTransfer(
        address[] calldata from,
        address[] calldata to,
        uint256[] calldata values,
        bytes calldata data
    ) external onlyRole(FORCE_TRANSFER_ROLE) {
        _checkLength(from.length, to.length);
        _checkLength(from.length, values.length);
        for (uint256 i = 0; i < from.length; ++i) {
            _forcedTransfer(from[i], to[i], values[i], data);
        }
    }

    /// @inheritdoc ISecurityToken
    function forceLock(
        address lockAddress,
        address account,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_LOCK_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        _revertIf(_balanceError(account, value, address(0)));
        _addLock(lockAddress, account, value);
        emit ForceLock(lockAddress, account, value, data);
        _notifyLockAdded(lockAddress, account, value, data);
    }

    /// @inheritdoc ISecurityToken
    function forceUnlock(
        address lockAddress,
        address account,
        address recipient,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_UNLOCK_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        if (recipient == account) {
            _revertIf(_balanceError(account, value, lockAddress));
        } else {
            _revertIf(_transferError(account, recipient, value, PATH_ENFORCEMENT, lockAddress));
        }
        _release(lockAddress, account, recipient, value);
        emit ForceUnlock(lockAddress, account, recipient, value, data);
        _notifyLockRemoved(lockAddress, account, value, data);
    }

    /// @inheritdoc ISecurityToken
    function forceChangeLockedAccount(
        address lockAddress,
        address fromAccount,
        address toAccount,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_RELOCATE_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        _revertIf(_transferError(fromAccount, toAccount, value, PATH_ENFORCEMENT, lockAddress));
        _release(lockAddress, fromAccount, toAccount, value);
        _addLock(lockAddress, toAccount, value);
        emit ForceChangeLockedAccount(lockAddress, fromAccount, toAccount, value, data);
        _notifyLockRemoved(lockAddress, fromAccount, value, data);
        _notifyLockAdded(lockAddress, toAccount, value, data);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IERC20Metadata
    function name() external view returns (string memory) {
        return _name;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IERC20Metadata
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IERC20
    function totalSupply() external view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _holdings[account].balance;
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @inheritdoc ISecurityToken
    function lockedOf(address lockAddress, address account) external view returns (uint256) {
        return _locks[lockAddress][account];
    }

    /// @inheritdoc ISecurityToken
    function totalLockedOf(address account) external view returns (uint256) {
        return _holdings[account].totalLocked;
    }

    /// @inheritdoc ISecurityToken
    function availableBalanceOf(address account) external view returns (uint256) {
        Holding memory holding = _holdings[account];
        return holding.balance - holding.totalLocked;
    }

    /// @inheritdoc ISecurityToken
    function canTransfer(
        address from,
        address to,
        uint256 value
    ) external view returns (bool ok, bytes memory reason) {
        reason = _transferError(from, to, value, PATH_NORMAL, address(0));
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

    /// @inheritdoc ISecurityToken
    function transferApplication(
        uint256 applicationId
    ) external view returns (TransferApplication memory) {
        return _applications[applicationId];
    }

    /// @inheritdoc ISecurityToken
    function applicationCount() external view returns (uint256) {
        return _applicationCount;
    }

    // ------------------------------------------------------------------ rules

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
     * @dev Rules 1 to 7 for `path` (see the PATH_ constants); empty bytes when they pass. A path
     * that moves unlocked units checks rule 8 in {_update}, which reverts with {_balanceError}'s
     * error, so the order of the rules (and {canTransfer}'s answer) is the same.
     */
    function _rulesError(
        address from,
        address to,
        uint256 path
    ) internal view returns (bytes memory err) {
        if (to == address(0)) return abi.encodeWithSelector(ERC20InvalidReceiver.selector, to);
        if (path == PATH_ENFORCEMENT) {
            if (!_isEligible(to)) {
                return abi.encodeWithSelector(SecurityTokenIneligibleReceiver.selector, to);
            }
        } else {
            uint256 config = _loadConfig();
            // one comparison for the common case: unpaused, active, transferable, (no approval)
            if (config & path != ACTIVE | TRANSFERABLE) {
                if (config & PAUSED != 0)
                    return abi.encodeWithSelector(SecurityTokenPaused.selector);
                if (config & ACTIVE == 0)
                    return abi.encodeWithSelector(SecurityTokenInactive.selector);
                if (config & TRANSFERABLE == 0) {
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
            Holding storage holding = _holdings[account];
            uint256 packed;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                packed := sload(holding.slot)
            }
            // unchecked: totalLocked (high half) <= balance (low half) always
            uint256 available;
            unchecked {
                available = uint128(packed) - (packed >> 128);
            }
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

    /// @dev Exempt or eligible in the registry.
    function _isEligible(address account) internal view returns (bool) {
        return _exempt[account] || _config.registry.isEligible(account);
    }

    // ------------------------------------------------------------------ balance changes

    /**
     * @dev The one door for every balance change: mints when `from` is zero, burns when `to` is
     * zero, emits {IERC20-Transfer}. Enforces rule 8 (`from` holds `value` unlocked units; a path
     * drawing on a lock releases it first) and, when minting, the supply cap, which bounds every
     * balance by 2^128-1.
     */
    function _update(address from, address to, uint256 value) internal {
        if (from == address(0)) {
            uint256 supply = _totalSupply;
            if (value > SUPPLY_CAP - supply) {
                revert SecurityTokenSupplyCapExceeded(supply, value, SUPPLY_CAP);
            }
            _totalSupply = supply + value;
        } else {
            Holding storage holding = _holdings[from];
            uint256 packed;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                packed := sload(holding.slot)
            }
            // rule 8: only unlocked units move (totalLocked, the high half, <= balance always)
            if (uint128(packed) - (packed >> 128) < value) {
                _revertIf(_balanceError(from, value, address(0)));
            }
            // balance >= value: no borrow out of the low half
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                sstore(holding.slot, sub(packed, value))
            }
        }
        if (to == address(0)) {
            // unchecked: value <= balance of `from` <= totalSupply
            unchecked {
                _totalSupply -= value;
            }
        } else {
            // balance + value <= totalSupply <= SUPPLY_CAP, so no carry into the high half
            _addToHolding(to, value);
        }
        emit Transfer(from, to, value);
    }

    /**
     * @dev Adds `delta` to the {Holding} word of `account`: `value` for the balance (low 128 bits),
     * `value << 128` for the total locked (high 128 bits). The callers guarantee that the half
     * stays below 2^128, so no carry crosses halves.
     */
    function _addToHolding(address account, uint256 delta) private {
        Holding storage holding = _holdings[account];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(holding.slot, add(sload(holding.slot), delta))
        }
    }

    /// @dev Subtracts `delta` from the {Holding} word of `account` (see {_addToHolding}); the
    /// callers guarantee that the half holds at least the amount, so no borrow crosses halves.
    function _subFromHolding(address account, uint256 delta) private {
        Holding storage holding = _holdings[account];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(holding.slot, sub(sload(holding.slot), delta))
        }
    }

    /// @dev Transfer under the normal rules.
    function _transferChecked(address from, address to, uint256 value) private {
        _revertIf(_rulesError(from, to, PATH_NORMAL));
        _update(from, to, value);
    }

    /// @dev Issue path shared by {issue} and {bulkIssue}.
    function _issue(address to, address lockAddress, uint256 value) private {
        if (lockAddress == address(this)) revert SecurityTokenInvalidLockAddress(lockAddress);
        _checkAmount(value);
        _revertIf(_rulesError(address(0), to, PATH_ENFORCEMENT));
        _update(address(0), to, value);
        if (lockAddress != address(0)) {
            _addLock(lockAddress, to, value);
            emit Lock(lockAddress, to, value, "");
        }
        emit Issue(to, lockAddress, value);
        if (lockAddress != address(0)) _notifyLockAdded(lockAddress, to, value, "");
    }

    /// @dev Redeem path shared by {redeem} and {bulkRedeem}.
    function _redeem(address from, address lockAddress, uint256 value) private {
        if (lockAddress == address(this)) revert SecurityTokenInvalidLockAddress(lockAddress);
        _checkAmount(value);
        _revertIf(_balanceError(from, value, lockAddress));
        if (lockAddress == address(0)) {
            _update(from, address(0), value);
        } else {
            _release(lockAddress, from, address(0), value);
            emit Unlock(lockAddress, from, from, value, "");
        }
        emit Redeem(from, lockAddress, value);
        if (lockAddress != address(0)) _notifyLockRemoved(lockAddress, from, value, "");
    }

    /// @dev Forced transfer shared by {forcedTransfer} and {bulkForcedTransfer}.
    function _forcedTransfer(address from, address to, uint256 value, bytes calldata data) private {
        _checkAmount(value);
        _revertIf(_rulesError(from, to, PATH_ENFORCEMENT));
        _update(from, to, value);
        emit ForcedTransfer(from, to, value, data);
    }

    /// @dev Records a lock of `value` units of `account` to `lockAddress` (caller checked them).
    function _addLock(address lockAddress, address account, uint256 value) private {
        _locks[lockAddress][account] += value;
        // totalLocked + value <= balance <= SUPPLY_CAP after the caller's check: no overflow
        _addToHolding(account, value << 128);
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
    ) private {
        // unchecked: the caller checked lock >= value, and totalLocked >= lock
        unchecked {
            _locks[lockAddress][account] -= value;
        }
        _subFromHolding(account, value << 128);
        if (recipient != account) _update(account, recipient, value);
    }

    /// @dev Deducts `value` from the allowance of `spender` over `owner`'s units (unless infinite).
    function _spendAllowance(address owner, address spender, uint256 value) private {
        uint256 current = _allowances[owner][spender];
        if (current != type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
            // unchecked: current >= value
            unchecked {
                _allowances[owner][spender] = current - value;
            }
        }
    }

    /// @dev Tells the contract `lockAddress` (unless its notifications are waived) that an issuer
    /// or enforcement path added `value` units of `account` to its lock.
    function _notifyLockAdded(
        address lockAddress,
        address account,
        uint256 value,
        bytes memory data
    ) private {
        if (lockAddress.code.length == 0 || _notificationsWaived[lockAddress]) return;
        _callLockReceiver(
            lockAddress,
            abi.encodeCall(
                ISecurityTokenLockReceiver.onSecurityTokenLockAdded,
                (msg.sender, account, value, data)
            )
        );
    }

    /// @dev Tells the contract `lockAddress` (unless its notifications are waived) that an issuer
    /// or enforcement path took `value` units of `account` out of its lock; it may refuse.
    function _notifyLockRemoved(
        address lockAddress,
        address account,
        uint256 value,
        bytes memory data
    ) private {
        if (lockAddress.code.length == 0 || _notificationsWaived[lockAddress]) return;
        _callLockReceiver(
            lockAddress,
            abi.encodeCall(
                ISecurityTokenLockReceiver.onSecurityTokenLockRemoved,
                (msg.sender, account, value, data)
            )
        );
    }

    /**
     * @dev Calls the lock receiver with `callData` (one of the {ISecurityTokenLockReceiver}
     * callbacks); reverts unless it returns that callback's selector. A revert with data is
     * bubbled (so a DVP's own errors reach the caller); any other failure is a rejection.
     */
    function _callLockReceiver(address lockAddress, bytes memory callData) private {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory returned) = lockAddress.call(callData);
        if (!success && returned.length != 0) _revertIf(returned);
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

    /// @dev The pending application `applicationId`, or a revert.
    function _pendingApplication(
        uint256 applicationId
    ) private view returns (TransferApplication storage application) {
        application = _applications[applicationId];
        ApplicationStatus current = application.status;
        if (current != ApplicationStatus.Pending) {
            revert SecurityTokenUnexpectedApplicationStatus(applicationId, current);
        }
    }

    /// @dev Reverts with `err` when it is not empty.
    function _revertIf(bytes memory err) private pure {
        if (err.length != 0) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(err, 0x20), mload(err))
            }
        }
    }

    function _checkAmount(uint256 value) private pure {
        if (value == 0) revert SecurityTokenZeroAmount();
    }

    function _checkLength(uint256 expected, uint256 actual) private pure {
        if (expected != actual) revert SecurityTokenLengthMismatch(expected, actual);
    }

    /// @dev A lock address is neither zero nor the token (whose lock holds transfer applications).
    function _checkLockAddress(address lockAddress) private view {
        if (lockAddress == address(0) || lockAddress == address(this)) {
            revert SecurityTokenInvalidLockAddress(lockAddress);
        }
    }

    function _checkRegistry(IInvestorRegistry registry) private view {
        if (address(registry).code.length == 0)
            revert SecurityTokenInvalidRegistry(address(registry));
    }
}
