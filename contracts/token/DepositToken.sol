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
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";

/**
 * @title DepositToken
 * @notice DCJPY: a permissioned ERC-20 for a tokenized bank deposit, issued against deposit-account
 * debits and redeemed back to deposit accounts, once per bank reference.
 * @dev Every balance change (transfer, issuance, redemption) passes through {_update}, which asks
 * {_checkRules} — the same function {canTransfer} reports from — so a view and a transfer can never
 * disagree. The path (transfer, issuance, holder redemption, bank redemption on a holder's behalf)
 * follows from `from`/`to`, except for the two redemptions, which a transient flag tells apart.
 *
 * Storage is laid out for the transfer path: an account's balance, partial freeze, whole-account
 * freeze and open flag share one slot ({Account}), so a transfer reads each party's slot once and
 * checks every per-account rule from it; the pause flag has its own slot. Balances and the
 * supply are therefore kept here, not in OpenZeppelin's {ERC20} (whose balance mapping and supply
 * stay unused): {_update}, {balanceOf} and {totalSupply} are overridden, and the supply is capped
 * at 2^128 - 1.
 *
 * OpenZeppelin's {Multicall} batches calls to this contract in one transaction, each checked as if
 * sent alone (same sender, same roles). The bank's close-out of an account uses it so that no
 * transfer can land between its steps: after freezing the account (which also stops it receiving),
 * one `multicall` of `setAccountFrozen(account, false)`, `unfreezePartial` (if any),
 * `redeemFrom(account, balance, ref)` and `closeAccount(account)`.
 */
contract DepositToken is IDepositToken, ERC20Permit, AccessControlDefaultAdminRules, Multicall {
    using SafeCast for uint256;

    /// @inheritdoc IDepositToken
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant REDEEMER_ROLE = keccak256("REDEEMER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant FREEZER_ROLE = keccak256("FREEZER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IDepositToken
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /* solhint-disable gas-small-strings */
    /// @inheritdoc IDepositToken
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,address spender,uint256 validBefore,bytes32 nonce)"
    );
    /* solhint-enable gas-small-strings */

    /// @dev Which set of transfer rules a balance change is held to (see the interface's header).
    enum Path {
        Transfer,
        Issuance,
        HolderRedemption,
        BankRedemption
    }

    /**
     * @dev One account, one slot (read once per party per transfer): the balance in the low 128
     * bits, then the partial freeze, the whole-account freeze and whether the bank opened it.
     */
    struct Account {
        uint128 balance;
        uint112 partialFrozen;
        bool frozen;
        bool open;
    }

    /// @dev Bound of the total supply, and so of every balance (a partial freeze is bounded
    /// separately, by 2^112 - 1).
    uint256 internal constant SUPPLY_CAP = type(uint128).max;

    /// @dev Fields of the {Account} word read as one `uint256` on the transfer path (the layout
    /// of the struct: balance in bits 0-127, partial freeze 128-239, frozen 240-247, open 248-255).
    uint256 private constant _PARTIAL_FROZEN_SHIFT = 128;
    uint256 private constant _FROZEN = 1 << 240;
    uint256 private constant _OPEN = 1 << 248;

    uint8 private immutable _decimals;

    bool private _paused;
    mapping(address account => Account) private _accounts;
    mapping(address account => bytes32 depositAccountRef) private _depositAccounts;
    uint256 private _supply;
    mapping(bytes32 bankReference => ReferenceRecord) private _issuances;
    mapping(bytes32 redemptionRef => ReferenceRecord) private _redemptions;
    mapping(uint256 requestId => IssuanceRequest) private _requests;
    uint256 private _totalIssued;
    uint256 private _totalRedeemed;
    uint256 private _requestCount;
    mapping(address authorizer => mapping(bytes32 nonce => bool)) private _authorizationUsed;

    /// @dev Set only for the duration of a {redeemFrom} burn: the bank acts on a holder's behalf.
    bool private transient _redeemingOnBehalf;

    /**
     * @notice Deploys the token with no roles but the default admin's, which grants them.
     * @param name_ Token name; also the EIP-712 domain name (version "1").
     * @param symbol_ Token symbol.
     * @param decimals_ Decimals (0 for 1 unit = 1 yen).
     * @param admin The default admin (grants roles; handed over in two steps).
     * @param adminDelay Delay of a default-admin handover, in seconds.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address admin,
        uint48 adminDelay
    ) ERC20(name_, symbol_) ERC20Permit(name_) AccessControlDefaultAdminRules(adminDelay, admin) {
        _decimals = decimals_;
    }

    // ---------------------------------------------------------------- bank

    /// @inheritdoc IDepositToken
    function openAccount(
        address account,
        bytes32 depositAccountRef
    ) external onlyRole(REGISTRAR_ROLE) {
        _openAccount(account, depositAccountRef);
    }

    /// @inheritdoc IDepositToken
    function openAccounts(
        address[] calldata accounts,
        bytes32[] calldata depositAccountRefs
    ) external onlyRole(REGISTRAR_ROLE) {
        uint256 length = accounts.length;
        if (depositAccountRefs.length != length) {
            revert DepositTokenLengthMismatch(length, depositAccountRefs.length);
        }
        for (uint256 i = 0; i < length; ++i) {
            _openAccount(accounts[i], depositAccountRefs[i]);
        }
    }

    /// @inheritdoc IDepositToken
    function closeAccount(address account) external onlyRole(REGISTRAR_ROLE) {
        Account storage state = _accounts[account];
        if (!state.open) revert DepositTokenAccountNotOpen(account);
        uint256 balance = state.balance;
        if (balance != 0) revert DepositTokenAccountNotEmpty(account, balance);
        state.open = false;
        bytes32 depositAccountRef = _depositAccounts[account];
        delete _depositAccounts[account];
        emit AccountClosed(account, depositAccountRef);
    }

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
        uint112 frozenAmount = (state.partialFrozen + amount).toUint112();
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
        state.partialFrozen = uint112(frozenAmount);
        emit PartialFreezeChanged(account, frozenAmount);
    }

    /// @inheritdoc IDepositToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _paused = true;
        emit Paused(_msgSender());
    }

    /// @inheritdoc IDepositToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _paused = false;
        emit Unpaused(_msgSender());
    }

    // ---------------------------------------------------------------- holder

    /// @inheritdoc IDepositToken
    function requestIssuance(
        uint256 amount,
        bytes32 depositAccountRef
    ) external returns (uint256 requestId) {
        if (amount == 0) revert DepositTokenZeroAmount();
        address account = _msgSender();
        if (!_accounts[account].open) revert DepositTokenIneligibleReceiver(account);
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

    // ---------------------------------------------------------------- transfer authorizations

    /// @inheritdoc IDepositToken
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        if (block.timestamp >= validBefore) {
            revert DepositTokenAuthorizationExpired(from, nonce, validBefore, block.timestamp);
        }
        if (_authorizationUsed[from][nonce]) revert DepositTokenAuthorizationUsed(from, nonce);
        address spender = _msgSender();
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
                    from,
                    to,
                    value,
                    spender,
                    validBefore,
                    nonce
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(from, digest, signature)) {
            revert DepositTokenInvalidAuthorization(from, spender, nonce);
        }
        _authorizationUsed[from][nonce] = true;
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }

    /// @inheritdoc IDepositToken
    function cancelAuthorization(bytes32 nonce) external {
        address authorizer = _msgSender();
        if (_authorizationUsed[authorizer][nonce]) {
            revert DepositTokenAuthorizationUsed(authorizer, nonce);
        }
        _authorizationUsed[authorizer][nonce] = true;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDepositToken
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationUsed[authorizer][nonce];
    }

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
        return _available(_accountWord(account));
    }

    /// @inheritdoc IDepositToken
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IDepositToken
    function isAccountOpen(address account) external view returns (bool) {
        return _accounts[account].open;
    }

    /// @inheritdoc IDepositToken
    function depositAccountOf(address account) external view returns (bytes32) {
        return _depositAccounts[account];
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
     * - Transfer: 1 (receiver not zero), 2 (not paused), 3/4 (neither frozen), 5/6 (both accounts
     *   open), 7 (enough unfrozen units).
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
        if (_paused) return abi.encodeWithSelector(DepositTokenPaused.selector);

        bool hasSender = path != Path.Issuance;
        bool hasReceiver = path == Path.Transfer || path == Path.Issuance;
        bool senderActs = path == Path.Transfer || path == Path.HolderRedemption;

        uint256 sender = hasSender ? _accountWord(from) : 0;
        uint256 receiver = hasReceiver ? _accountWord(to) : 0;
        if (senderActs && sender & _FROZEN != 0) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, from);
        }
        if (hasReceiver && receiver & _FROZEN != 0) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, to);
        }
        if (senderActs && sender & _OPEN == 0) {
            return abi.encodeWithSelector(DepositTokenIneligibleSender.selector, from);
        }
        if (hasReceiver && receiver & _OPEN == 0) {
            return abi.encodeWithSelector(DepositTokenIneligibleReceiver.selector, to);
        }

        if (hasSender) {
            uint256 available = _available(sender);
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

    /**
     * @dev Mints `amount` to `account` against `bankReference`, once per reference. A reference
     * is used when its record names an account: a real issuance never mints to the zero address
     * ({ERC20-_mint} reverts), so the check does not depend on the block time, which may be 0 on
     * a development chain.
     */
    function _issue(address account, uint256 amount, bytes32 bankReference) internal {
        if (bankReference == bytes32(0)) revert DepositTokenZeroReference();
        if (_issuances[bankReference].account != address(0)) {
            revert DepositTokenIssuanceReferenceUsed(bankReference);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _issuances[bankReference] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalIssued += amount;
        _mint(account, amount);
        emit Issued(bankReference, account, amount);
    }

    /**
     * @dev Burns `amount` of `account` against `redemptionRef`, once per reference; used, as for
     * {_issue}, when its record names an account ({ERC20-_burn} reverts for the zero address).
     */
    function _redeem(address account, uint256 amount, bytes32 redemptionRef) internal {
        if (redemptionRef == bytes32(0)) revert DepositTokenZeroReference();
        if (_redemptions[redemptionRef].account != address(0)) {
            revert DepositTokenRedemptionReferenceUsed(redemptionRef);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _redemptions[redemptionRef] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalRedeemed += amount;
        _burn(account, amount);
        emit Redeemed(redemptionRef, account, amount, _msgSender());
    }

    /// @dev Opens the account of `account` bound to `depositAccountRef` (see {openAccount}).
    function _openAccount(address account, bytes32 depositAccountRef) private {
        if (account == address(0)) revert DepositTokenInvalidAccount(account);
        if (depositAccountRef == bytes32(0)) revert DepositTokenZeroReference();
        Account storage state = _accounts[account];
        if (state.open) revert DepositTokenAccountAlreadyOpen(account);
        state.open = true;
        _depositAccounts[account] = depositAccountRef;
        emit AccountOpened(account, depositAccountRef);
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

    /// @dev The {Account} word of `account`, in one storage read.
    function _accountWord(address account) private view returns (uint256 word) {
        Account storage state = _accounts[account];
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            word := sload(state.slot)
        }
    }

    /// @dev Units of an {Account} word that may move: none when frozen, else balance minus the
    /// partial freeze.
    function _available(uint256 word) private pure returns (uint256) {
        if (word & _FROZEN != 0) return 0;
        uint256 balance = uint128(word);
        uint256 frozenAmount = uint112(word >> _PARTIAL_FROZEN_SHIFT);
        // unchecked: only subtracts when balance > frozenAmount.
        unchecked {
            return balance > frozenAmount ? balance - frozenAmount : 0;
        }
    }
}
