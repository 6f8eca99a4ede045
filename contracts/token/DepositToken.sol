// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/**
 * @title DepositToken
 * @notice DCJPY: a permissioned ERC-20 for a tokenized bank deposit, issued against deposit-account
 * debits and redeemed back to deposit accounts, once per bank reference.
 * @dev Every balance change (transfer, issuance, redemption) passes through {_update}, which asks
 * {_checkRules} — the same function {canTransfer} reports from — so a view and a transfer can never
 * disagree. The path (transfer, issuance, holder redemption, bank redemption on a holder's behalf)
 * follows from `from`/`to`, except for the two redemptions, which a transient flag tells apart.
 *
 * Storage is laid out for the transfer path: the registry address and the pause flag share one
 * slot; an account's balance, partial freeze and whole-account freeze share another ({Account}),
 * so a transfer reads each party's slot once. Balances and the supply are therefore kept here, not
 * in OpenZeppelin's {ERC20} (whose balance mapping and supply stay unused): {_update},
 * {balanceOf} and {totalSupply} are overridden, and the supply is capped at 2^128 - 1.
 */
contract DepositToken is IDepositToken, ERC20Permit, AccessControlDefaultAdminRules {
    using SafeCast for uint256;

    /// @inheritdoc IDepositToken
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant REDEEMER_ROLE = keccak256("REDEEMER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant FREEZER_ROLE = keccak256("FREEZER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @dev Which set of transfer rules a balance change is held to (see the interface's header).
    enum Path {
        Transfer,
        Issuance,
        HolderRedemption,
        BankRedemption
    }

    /// @dev The registry and the pause flag, read together on every balance change (one slot).
    struct Config {
        IInvestorRegistry registry;
        bool paused;
    }

    /// @dev One account's balance and freeze state, one slot (read once per party per transfer).
    struct Account {
        uint128 balance;
        uint120 partialFrozen;
        bool frozen;
    }

    /// @dev Bound of the total supply, and so of every balance and partial freeze's useful range.
    uint256 internal constant SUPPLY_CAP = type(uint128).max;

    uint8 private immutable _decimals;

    Config private _config;
    mapping(address account => Account) private _accounts;
    uint256 private _supply;
    mapping(bytes32 bankReference => ReferenceRecord) private _issuances;
    mapping(bytes32 redemptionRef => ReferenceRecord) private _redemptions;
    mapping(uint256 requestId => IssuanceRequest) private _requests;
    uint256 private _totalIssued;
    uint256 private _totalRedeemed;
    uint256 private _requestCount;

    /// @dev Set only for the duration of a {redeemFrom} burn: the bank acts on a holder's behalf.
    bool private transient _redeemingOnBehalf;

    /**
     * @notice Deploys the token with no roles but the default admin's, which grants them.
     * @param name_ Token name; also the EIP-712 domain name (version "1").
     * @param symbol_ Token symbol.
     * @param decimals_ Decimals (0 for 1 unit = 1 yen).
     * @param registry The eligibility registry to consult.
     * @param admin The default admin (grants roles; handed over in two steps).
     * @param adminDelay Delay of a default-admin handover, in seconds.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IInvestorRegistry registry,
        address admin,
        uint48 adminDelay
    ) ERC20(name_, symbol_) ERC20Permit(name_) AccessControlDefaultAdminRules(adminDelay, admin) {
        _decimals = decimals_;
        _setInvestorRegistry(registry);
    }

    // ---------------------------------------------------------------- bank

    /// @inheritdoc IDepositToken
    function issue(
        address account,
        uint256 amount,
        bytes32 bankReference
    ) external onlyRole(ISSUER_ROLE) {
        _issue(account, amount, bankReference);
    }

    /// @inheritdoc IDepositToken
    function fulfilIssuanceRequest(
        uint256 requestId,
        bytes32 bankReference
    ) external onlyRole(ISSUER_ROLE) {
        IssuanceRequest storage request = _pendingRequest(requestId);
        request.status = RequestStatus.Fulfilled;
        request.bankReference = bankReference;
        _issue(request.account, request.amount, bankReference);
        emit IssuanceRequestFulfilled(requestId, bankReference);
    }

    /// @inheritdoc IDepositToken
    function rejectIssuanceRequest(
        uint256 requestId,
        bytes32 reason
    ) external onlyRole(ISSUER_ROLE) {
        _pendingRequest(requestId).status = RequestStatus.Rejected;
        emit IssuanceRequestRejected(requestId, reason);
    }

    /// @inheritdoc IDepositToken
    function redeemFrom(
        address account,
        uint256 amount,
        bytes32 redemptionRef
    ) external onlyRole(REDEEMER_ROLE) {
        _redeemingOnBehalf = true;
        _redeem(account, amount, redemptionRef);
        _redeemingOnBehalf = false;
    }

    /// @inheritdoc IDepositToken
    function setAccountFrozen(address account, bool frozen) external onlyRole(FREEZER_ROLE) {
        _accounts[account].frozen = frozen;
        emit AccountFrozen(account, frozen);
    }

    /// @inheritdoc IDepositToken
    function freezePartial(address account, uint256 amount) external onlyRole(FREEZER_ROLE) {
        if (amount == 0) revert DepositTokenZeroAmount();
        Account storage state = _accounts[account];
        uint120 frozenAmount = (state.partialFrozen + amount).toUint120();
        state.partialFrozen = frozenAmount;
        emit PartialFreezeChanged(account, frozenAmount);
    }

    /// @inheritdoc IDepositToken
    function unfreezePartial(address account, uint256 amount) external onlyRole(FREEZER_ROLE) {
        if (amount == 0) revert DepositTokenZeroAmount();
        Account storage state = _accounts[account];
        uint256 frozenAmount = state.partialFrozen;
        if (amount > frozenAmount) {
            revert DepositTokenUnfreezeExceedsFrozen(account, frozenAmount, amount);
        }
        // unchecked: amount <= frozenAmount was checked just above.
        unchecked {
            frozenAmount -= amount;
        }
        state.partialFrozen = uint120(frozenAmount);
        emit PartialFreezeChanged(account, frozenAmount);
    }

    /// @inheritdoc IDepositToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _config.paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IDepositToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _config.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @inheritdoc IDepositToken
    function setInvestorRegistry(IInvestorRegistry registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setInvestorRegistry(registry);
    }

    // ---------------------------------------------------------------- holder

    /// @inheritdoc IDepositToken
    function requestIssuance(
        uint256 amount,
        bytes32 depositAccountRef
    ) external returns (uint256 requestId) {
        if (amount == 0) revert DepositTokenZeroAmount();
        address account = _msgSender();
        if (!_config.registry.isEligible(account)) revert DepositTokenIneligibleReceiver(account);
        requestId = ++_requestCount;
        _requests[requestId] = IssuanceRequest({
            account: account,
            amount: amount,
            depositAccountRef: depositAccountRef,
            bankReference: bytes32(0),
            status: RequestStatus.Pending
        });
        emit IssuanceRequested(requestId, account, amount, depositAccountRef);
    }

    /// @inheritdoc IDepositToken
    function cancelIssuanceRequest(uint256 requestId) external {
        IssuanceRequest storage request = _requests[requestId];
        if (request.account != _msgSender())
            revert DepositTokenNotRequester(requestId, _msgSender());
        _pendingRequest(requestId).status = RequestStatus.Cancelled;
        emit IssuanceRequestCancelled(requestId);
    }

    /// @inheritdoc IDepositToken
    function redeem(uint256 amount, bytes32 redemptionRef) external {
        _redeem(_msgSender(), amount, redemptionRef);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDepositToken
    function canTransfer(
        address from,
        address to,
        uint256 value
    ) external view returns (bool ok, bytes memory reason) {
        reason = _checkRules(Path.Transfer, from, to, value);
        ok = reason.length == 0;
    }

    /// @inheritdoc IDepositToken
    function issuanceOf(bytes32 bankReference) external view returns (ReferenceRecord memory) {
        return _issuances[bankReference];
    }

    /// @inheritdoc IDepositToken
    function redemptionOf(bytes32 redemptionRef) external view returns (ReferenceRecord memory) {
        return _redemptions[redemptionRef];
    }

    /// @inheritdoc IDepositToken
    function totalIssued() external view returns (uint256) {
        return _totalIssued;
    }

    /// @inheritdoc IDepositToken
    function totalRedeemed() external view returns (uint256) {
        return _totalRedeemed;
    }

    /// @inheritdoc IDepositToken
    function issuanceRequest(uint256 requestId) external view returns (IssuanceRequest memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IDepositToken
    function issuanceRequestCount() external view returns (uint256) {
        return _requestCount;
    }

    /// @inheritdoc IDepositToken
    function isAccountFrozen(address account) external view returns (bool) {
        return _accounts[account].frozen;
    }

    /// @inheritdoc IDepositToken
    function frozenOf(address account) external view returns (uint256) {
        return _accounts[account].partialFrozen;
    }

    /// @inheritdoc IDepositToken
    function availableBalanceOf(address account) external view returns (uint256) {
        return _available(_accounts[account]);
    }

    /// @inheritdoc IDepositToken
    function paused() external view returns (bool) {
        return _config.paused;
    }

    /// @inheritdoc IDepositToken
    function investorRegistry() external view returns (IInvestorRegistry) {
        return _config.registry;
    }

    // ---------------------------------------------------------------- public

    /// @inheritdoc IERC20
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        return _accounts[account].balance;
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return _supply;
    }

    /// @inheritdoc IERC20Metadata
    function decimals() public view override(ERC20, IERC20Metadata) returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IERC20Permit
    function nonces(
        address owner
    ) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    // ---------------------------------------------------------------- internal

    /**
     * @dev The single door for every balance change: applies the rules of the path this change
     * belongs to and reverts with exactly the error {canTransfer} would report.
     */
    function _update(address from, address to, uint256 value) internal override {
        Path path;
        if (from == address(0)) path = Path.Issuance;
        else if (to == address(0)) {
            path = _redeemingOnBehalf ? Path.BankRedemption : Path.HolderRedemption;
        } else path = Path.Transfer;
        bytes memory reason = _checkRules(path, from, to, value);
        if (reason.length != 0) LowLevelCall.bubbleRevert(reason);

        if (path == Path.Issuance) {
            uint256 supply = _supply;
            if (value > SUPPLY_CAP - supply) {
                revert DepositTokenSupplyCapExceeded(supply, value, SUPPLY_CAP);
            }
            _supply = supply + value;
        } else {
            // Rule 7 (checked above for every path with a sender) holds `value` <= available <=
            // balance: no borrow out of the balance, the low 128 bits of the account word.
            _debitBalance(from, value);
        }
        if (path == Path.Transfer || path == Path.Issuance) {
            // balance + value <= supply <= SUPPLY_CAP: no carry into the freeze bits.
            _creditBalance(to, value);
        } else {
            // value <= the holder's balance <= supply.
            unchecked {
                _supply -= value;
            }
        }
        emit Transfer(from, to, value);
    }

    /**
     * @dev The transfer rules, in the interface's order; returns the ABI-encoded error of the first
     * rule broken, or empty bytes.
     * - Transfer: 1 (receiver not zero), 2 (not paused), 3/4 (neither frozen), 5/6 (both eligible,
     *   one registry call), 7 (enough unfrozen units).
     * - Issuance: 2, 4, 6 for the receiver.
     * - Holder redemption: 2, 3, 5, 7 for the holder.
     * - Bank redemption on behalf: 2, 7 (frozen units never move: a frozen account has none free).
     */
    function _checkRules(
        Path path,
        address from,
        address to,
        uint256 value
    ) internal view returns (bytes memory) {
        if (path == Path.Transfer) {
            if (to == address(0)) {
                return abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, to);
            }
            if (from == address(0)) {
                return abi.encodeWithSelector(IERC20Errors.ERC20InvalidSender.selector, from);
            }
        }
        Config memory config = _config;
        if (config.paused) return abi.encodeWithSelector(DepositTokenPaused.selector);

        bool hasSender = path != Path.Issuance;
        bool hasReceiver = path == Path.Transfer || path == Path.Issuance;
        bool senderActs = path == Path.Transfer || path == Path.HolderRedemption;

        Account memory senderState;
        if (hasSender) senderState = _accounts[from];
        if (senderActs && senderState.frozen) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, from);
        }
        if (hasReceiver && _accounts[to].frozen) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, to);
        }

        bytes memory ineligible = _checkEligibility(config.registry, path, from, to);
        if (ineligible.length != 0) return ineligible;

        if (hasSender) {
            uint256 available = _available(senderState);
            if (value > available) {
                return
                    abi.encodeWithSelector(
                        DepositTokenInsufficientAvailableBalance.selector,
                        from,
                        available,
                        value
                    );
            }
        }
        return "";
    }

    /// @dev Rules 5 and 6: asks the registry once, about the parties this path holds to them.
    function _checkEligibility(
        IInvestorRegistry registry,
        Path path,
        address from,
        address to
    ) internal view returns (bytes memory) {
        if (path == Path.Transfer) {
            (bool fromEligible, bool toEligible) = registry.checkPair(from, to);
            if (!fromEligible) return _ineligibleSender(from);
            if (!toEligible) return _ineligibleReceiver(to);
        } else if (path == Path.Issuance) {
            if (!registry.isEligible(to)) return _ineligibleReceiver(to);
        } else if (path == Path.HolderRedemption) {
            if (!registry.isEligible(from)) return _ineligibleSender(from);
        }
        return "";
    }

    /// @dev Mints `amount` to `account` against `bankReference`, once per reference.
    function _issue(address account, uint256 amount, bytes32 bankReference) internal {
        if (bankReference == bytes32(0)) revert DepositTokenZeroReference();
        if (_issuances[bankReference].timestamp != 0) {
            revert DepositTokenIssuanceReferenceUsed(bankReference);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _issuances[bankReference] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalIssued += amount;
        _mint(account, amount);
        emit Issued(bankReference, account, amount);
    }

    /// @dev Burns `amount` of `account` against `redemptionRef`, once per reference.
    function _redeem(address account, uint256 amount, bytes32 redemptionRef) internal {
        if (redemptionRef == bytes32(0)) revert DepositTokenZeroReference();
        if (_redemptions[redemptionRef].timestamp != 0) {
            revert DepositTokenRedemptionReferenceUsed(redemptionRef);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _redemptions[redemptionRef] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalRedeemed += amount;
        _burn(account, amount);
        emit Redeemed(redemptionRef, account, amount, _msgSender());
    }

    /// @dev Points the token at `registry`, which must be a contract.
    function _setInvestorRegistry(IInvestorRegistry registry) internal {
        if (address(registry).code.length == 0) {
            revert DepositTokenInvalidRegistry(address(registry));
        }
        emit InvestorRegistryChanged(address(_config.registry), address(registry));
        _config.registry = registry;
    }

    /**
     * @dev Subtracts `value` from the balance of `account`, the low 128 bits of its {Account}
     * word, in one read and one write. The caller guarantees `value` <= balance (no borrow into
     * the freeze fields).
     */
    function _debitBalance(address account, uint256 value) private {
        Account storage state = _accounts[account];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(state.slot, sub(sload(state.slot), value))
        }
    }

    /**
     * @dev Adds `value` to the balance of `account`, the low 128 bits of its {Account} word. The
     * caller guarantees balance + `value` <= 2^128 - 1 (no carry into the freeze fields).
     */
    function _creditBalance(address account, uint256 value) private {
        Account storage state = _accounts[account];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            sstore(state.slot, add(sload(state.slot), value))
        }
    }

    /// @dev Request `requestId`, which must be pending.
    function _pendingRequest(uint256 requestId) internal view returns (IssuanceRequest storage) {
        IssuanceRequest storage request = _requests[requestId];
        if (request.status != RequestStatus.Pending) {
            revert DepositTokenUnexpectedRequestStatus(requestId, request.status);
        }
        return request;
    }

    /// @dev Units of an account that may move: none when frozen, else balance minus partial freeze.
    function _available(Account memory state) internal pure returns (uint256) {
        if (state.frozen) return 0;
        uint256 balance = state.balance;
        uint256 frozenAmount = state.partialFrozen;
        // unchecked: only subtracts when balance > frozenAmount.
        unchecked {
            return balance > frozenAmount ? balance - frozenAmount : 0;
        }
    }

    // ---------------------------------------------------------------- private

    function _ineligibleSender(address account) private pure returns (bytes memory) {
        return abi.encodeWithSelector(DepositTokenIneligibleSender.selector, account);
    }

    function _ineligibleReceiver(address account) private pure returns (bytes memory) {
        return abi.encodeWithSelector(DepositTokenIneligibleReceiver.selector, account);
    }
}
