// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {EncodedError} from "../utils/EncodedError.sol";
import {PackedBalance} from "../utils/PackedBalance.sol";
import {PackedERC20} from "./PackedERC20.sol";

/**
 * @title DepositToken
 * @notice DCJPY: a permissioned ERC-20 for a tokenized bank deposit, issued against deposit-account
 * debits and redeemed back to deposit accounts, once per bank reference.
 * @dev Every balance change (transfer, issuance, redemption) passes through {_update}, which asks
 * {_transferError} — the same function {canTransfer} reports from — so a view and a transfer can never
 * disagree. The path (transfer, issuance, holder redemption, bank redemption on a holder's behalf)
 * follows from `from`/`to`, except for the two redemptions, which a transient flag tells apart.
 *
 * Storage is laid out for the transfer path: an account's balance, partial freeze, whole-account
 * freeze and open flag share one slot (a {PackedBalance} word), so a transfer reads each party's
 * slot once and checks every per-account rule from it; the pause flag has its own slot. The
 * ERC-20 (metadata, allowances, the supply, capped at 2^128 - 1) is {PackedERC20}, which the
 * security token shares; ERC-2612 {permit} is OpenZeppelin's {EIP712} and {Nonces}.
 *
 * OpenZeppelin's {Multicall} batches calls to this contract in one transaction, each checked as if
 * sent alone (same sender, same roles). The bank's close-out of an account uses it so that no
 * transfer can land between its steps: after freezing the account (which also stops it receiving),
 * one `multicall` of `setAccountFrozen(account, false)`, `unfreezePartial` (if any),
 * `redeemFrom(account, balance, ref)` and `closeAccount(account)`.
 */
contract DepositToken is
    IDepositToken,
    PackedERC20,
    EIP712,
    Nonces,
    AccessControlDefaultAdminRules,
    Multicall
{
    using EncodedError for bytes;
    using PackedBalance for uint256;
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
    /// @dev EIP-712 type hash of ERC-2612's `Permit`.
    bytes32 private constant _PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    /// @inheritdoc IDepositToken
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,address spender,uint256 validBefore,bytes32 nonce)"
    );
    /* solhint-enable gas-small-strings */

    /// @notice What the token is deployed with (the security token's {SecurityToken-Setup} without
    /// a registry: DCJPY keeps its account book itself).
    /// @param name Token name; also the EIP-712 domain name (version "1").
    /// @param symbol Token symbol.
    /// @param decimals Decimals (0 for 1 unit = 1 yen).
    /// @param admin The default admin (grants roles; handed over in two steps).
    /// @param adminDelay Delay of a default-admin handover, in seconds.
    struct Setup {
        string name;
        string symbol;
        uint8 decimals;
        address admin;
        uint48 adminDelay;
    }

    /// @dev Which set of transfer rules a balance change is held to (see the interface's header).
    enum Path {
        Transfer,
        Issuance,
        HolderRedemption,
        BankRedemption
    }

    /// @notice ERC-2612: the permit's `deadline` has passed (OpenZeppelin {ERC20Permit}'s error).
    /// @param deadline The permit's deadline.
    error ERC2612ExpiredSignature(uint256 deadline);
    /// @notice ERC-2612: the permit is signed by `signer`, not by `owner` (OpenZeppelin
    /// {ERC20Permit}'s error).
    /// @param signer The address the signature recovers to.
    /// @param owner The owner the permit names.
    error ERC2612InvalidSigner(address signer, address owner);

    bool private _paused;
    mapping(address account => bytes32 depositAccountRef) private _depositAccounts;
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
     * @param setup The token's metadata and default admin ({Setup}); its name is also the EIP-712
     * domain name (version "1").
     */
    constructor(
        Setup memory setup
    )
        PackedERC20(setup.name, setup.symbol, setup.decimals)
        EIP712(setup.name, "1")
        AccessControlDefaultAdminRules(setup.adminDelay, setup.admin)
    {}

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
        PackedBalance.Slot storage slot = _balanceSlot(account);
        uint256 word = slot.word;
        if (!word.isOpen()) revert DepositTokenAccountNotOpen(account);
        uint256 balance = word.balance();
        if (balance != 0) revert DepositTokenAccountNotEmpty(account, balance);
        slot.word = word.withOpen(false);
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
        PackedBalance.Slot storage slot = _balanceSlot(account);
        slot.word = slot.word.withFrozen(frozen);
        emit AccountFrozen(account, frozen);
    }

    /// @inheritdoc IDepositToken
    function freezePartial(address account, uint256 amount) external onlyRole(FREEZER_ROLE) {
        if (amount == 0) revert DepositTokenZeroAmount();
        PackedBalance.Slot storage slot = _balanceSlot(account);
        uint256 word = slot.word;
        uint112 frozenAmount = (word.partialFrozen() + amount).toUint112();
        slot.word = word.withPartialFrozen(frozenAmount);
        emit PartialFreezeChanged(account, frozenAmount);
    }

    /// @inheritdoc IDepositToken
    function unfreezePartial(address account, uint256 amount) external onlyRole(FREEZER_ROLE) {
        if (amount == 0) revert DepositTokenZeroAmount();
        PackedBalance.Slot storage slot = _balanceSlot(account);
        uint256 word = slot.word;
        uint256 frozenAmount = word.partialFrozen();
        if (amount > frozenAmount) {
            revert DepositTokenUnfreezeExceedsFrozen(account, frozenAmount, amount);
        }
        // unchecked: amount <= frozenAmount was checked just above.
        unchecked {
            frozenAmount -= amount;
        }
        slot.word = word.withPartialFrozen(frozenAmount);
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
        if (!_balanceSlot(account).word.isOpen()) revert DepositTokenIneligibleReceiver(account);
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

    // ---------------------------------------------------------------- ERC-20 and ERC-2612

    /// @inheritdoc IERC20
    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(_msgSender(), to, value);
        return true;
    }

    /// @inheritdoc IERC20
    /// @dev Order of checks: the allowance, then the zero addresses, then the transfer rules.
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        _spendAllowance(from, _msgSender(), value);
        _transfer(from, to, value);
        return true;
    }

    /// @inheritdoc IERC20Permit
    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 structHash = keccak256(
            abi.encode(_PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline)
        );
        address signer = ECDSA.recover(_hashTypedDataV4(structHash), v, r, s);
        if (signer != owner) revert ERC2612InvalidSigner(signer, owner);
        _approve(owner, spender, value);
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
        reason = _transferError(Path.Transfer, from, to, value);
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
        return _balanceSlot(account).word.isFrozen();
    }

    /// @inheritdoc IDepositToken
    function frozenOf(address account) external view returns (uint256) {
        return _balanceSlot(account).word.partialFrozen();
    }

    /// @inheritdoc IDepositToken
    function availableBalanceOf(address account) external view returns (uint256) {
        return _balanceSlot(account).word.unfrozen();
    }

    /// @inheritdoc IDepositToken
    function paused() external view returns (bool) {
        return _paused;
    }

    /// @inheritdoc IDepositToken
    function isAccountOpen(address account) external view returns (bool) {
        return _balanceSlot(account).word.isOpen();
    }

    /// @inheritdoc IDepositToken
    function depositAccountOf(address account) external view returns (bytes32) {
        return _depositAccounts[account];
    }

    /* solhint-disable func-name-mixedcase */
    /// @inheritdoc IERC20Permit
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
    /* solhint-enable func-name-mixedcase */

    // ---------------------------------------------------------------- public

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    // ---------------------------------------------------------------- internal

    /**
     * @dev The single door for every balance change: applies the rules of the path this change
     * belongs to and reverts with exactly the error {canTransfer} would report.
     */
    function _update(address from, address to, uint256 value) private {
        Path path;
        if (from == address(0)) path = Path.Issuance;
        else if (to == address(0)) {
            path = _redeemingOnBehalf ? Path.BankRedemption : Path.HolderRedemption;
        } else path = Path.Transfer;
        _transferError(path, from, to, value).revertIfAny();

        if (path == Path.Issuance) {
            if (!_increaseSupply(value)) {
                revert DepositTokenSupplyCapExceeded(totalSupply(), value, _SUPPLY_CAP);
            }
        } else {
            // Rule 7 (checked above for every path with a sender) holds `value` <= available <=
            // balance.
            PackedBalance.Slot storage sender = _balanceSlot(from);
            sender.word = sender.word.subBalance(value);
        }
        if (path == Path.Transfer || path == Path.Issuance) _credit(to, value);
        else _decreaseSupply(value);
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
    function _transferError(
        Path path,
        address from,
        address to,
        uint256 value
    ) internal view returns (bytes memory) {
        if (path == Path.Transfer) {
            if (to == address(0)) {
                return abi.encodeWithSelector(ERC20InvalidReceiver.selector, to);
            }
            if (from == address(0)) {
                return abi.encodeWithSelector(ERC20InvalidSender.selector, from);
            }
        }
        if (_paused) return abi.encodeWithSelector(DepositTokenPaused.selector);

        bool hasSender = path != Path.Issuance;
        bool hasReceiver = path == Path.Transfer || path == Path.Issuance;
        bool senderActs = path == Path.Transfer || path == Path.HolderRedemption;

        uint256 sender = hasSender ? _balanceSlot(from).word : 0;
        uint256 receiver = hasReceiver ? _balanceSlot(to).word : 0;
        if (senderActs && sender.isFrozen()) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, from);
        }
        if (hasReceiver && receiver.isFrozen()) {
            return abi.encodeWithSelector(DepositTokenAccountFrozen.selector, to);
        }
        if (senderActs && !sender.isOpen()) {
            return abi.encodeWithSelector(DepositTokenIneligibleSender.selector, from);
        }
        if (hasReceiver && !receiver.isOpen()) {
            return abi.encodeWithSelector(DepositTokenIneligibleReceiver.selector, to);
        }

        if (hasSender) {
            uint256 available = sender.unfrozen();
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
     * ({IERC20Errors-ERC20InvalidReceiver}), so the check does not depend on the block time, which
     * may be 0 on a development chain.
     */
    function _issue(address account, uint256 amount, bytes32 bankReference) private {
        if (bankReference == bytes32(0)) revert DepositTokenZeroReference();
        if (_issuances[bankReference].account != address(0)) {
            revert DepositTokenIssuanceReferenceUsed(bankReference);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _issuances[bankReference] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalIssued += amount;
        if (account == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(address(0), account, amount);
        emit Issued(bankReference, account, amount);
    }

    /**
     * @dev Burns `amount` of `account` against `redemptionRef`, once per reference; used, as for
     * {_issue}, when its record names an account (never the zero address:
     * {IERC20Errors-ERC20InvalidSender}).
     */
    function _redeem(address account, uint256 amount, bytes32 redemptionRef) private {
        if (redemptionRef == bytes32(0)) revert DepositTokenZeroReference();
        if (_redemptions[redemptionRef].account != address(0)) {
            revert DepositTokenRedemptionReferenceUsed(redemptionRef);
        }
        if (amount == 0) revert DepositTokenZeroAmount();
        _redemptions[redemptionRef] = ReferenceRecord(account, uint64(block.timestamp), amount);
        _totalRedeemed += amount;
        if (account == address(0)) revert ERC20InvalidSender(address(0));
        _update(account, address(0), amount);
        emit Redeemed(redemptionRef, account, amount, _msgSender());
    }

    /// @dev Opens the account of `account` bound to `depositAccountRef` (see {openAccount}).
    function _openAccount(address account, bytes32 depositAccountRef) private {
        if (account == address(0)) revert DepositTokenInvalidAccount(account);
        if (depositAccountRef == bytes32(0)) revert DepositTokenZeroReference();
        PackedBalance.Slot storage slot = _balanceSlot(account);
        uint256 word = slot.word;
        if (word.isOpen()) revert DepositTokenAccountAlreadyOpen(account);
        slot.word = word.withOpen(true);
        _depositAccounts[account] = depositAccountRef;
        emit AccountOpened(account, depositAccountRef);
    }

    /// @dev A transfer between two accounts: neither address zero (sender first, as OpenZeppelin's
    /// ERC-20), then the transfer rules in {_update}.
    function _transfer(address from, address to, uint256 value) private {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(from, to, value);
    }

    /// @dev Request `requestId`, which must be pending.
    function _pendingRequest(uint256 requestId) internal view returns (IssuanceRequest storage) {
        IssuanceRequest storage request = _requests[requestId];
        if (request.status != RequestStatus.Pending) {
            revert DepositTokenUnexpectedRequestStatus(requestId, request.status);
        }
        return request;
    }
}
