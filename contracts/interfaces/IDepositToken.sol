// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/**
 * @title IDepositToken
 * @notice A permissioned ERC-20 for a tokenized bank deposit (DCJPY: 1 unit = 1 yen unless
 * configured by `decimals`).
 *
 * Issuance is the on-chain side of a deposit-account debit: the bank debits the holder's deposit
 * account off-chain and mints against that debit's reference, at most once per reference.
 * Redemption is the reverse: the holder (or the bank on its behalf) burns with a reference that
 * tells the bank which deposit account to credit, and {Redeemed} carries everything the bank's ledger
 * needs. Supply always equals {totalIssued} minus {totalRedeemed}.
 *
 * Accounts: only an address the bank opened an account for ({openAccount}, bound to the deposit
 * account it debits and credits) may hold, send or receive DCJPY. The bank's account book lives
 * in this contract, in the same storage word as the balance, so the eligibility rules cost no
 * extra read or call on a transfer. The bank suspends an account by freezing it.
 *
 * Transfer rules (one place: {canTransfer} reports exactly the error a transfer raises):
 * 1. `to` is not the zero address ({IERC20Errors-ERC20InvalidReceiver}); 2. not paused;
 * 3. sender not frozen; 4. receiver not frozen; 5. sender's account open ("eligible");
 * 6. receiver's account open; 7. enough unfrozen units (balance minus the partial freeze).
 * Issuance checks rules 2, 4 and 6 for the receiver; redemption checks 2, 3, 5 and 7 for the holder
 * (a bank redemption on a holder's behalf skips 3 and 5, never 7: frozen units never move).
 *
 * Transfer authorizations ({transferWithAuthorization}), in the spirit of ERC-3009 but bound to a
 * spender: the holder signs an EIP-712 `TransferWithAuthorization(address from,address to,uint256
 * value,address spender,uint256 validBefore,bytes32 nonce)` under this token's domain (the
 * ERC-2612 one: its name, version "1"); only `spender` may execute it, once (nonces are random
 * 32-byte values, any number open at a time, not sequential), before `validBefore`, under the
 * transfer rules. A DVP executes one for exactly one settlement (`to` the seller, `value` its
 * amount, `nonce` its ID), so a front-runner can neither use it elsewhere nor redirect it. The
 * ERC-2612 {IERC20Permit-permit} stays for other uses.
 *
 * Roles (OpenZeppelin AccessControl; the default admin is handed over in two steps):
 * | role          | powers                                                                  |
 * | ------------- | ----------------------------------------------------------------------- |
 * | default admin | grant/revoke roles                                                      |
 * | REGISTRAR_ROLE| {openAccount}, {openAccounts}, {closeAccount}                            |
 * | ISSUER_ROLE   | {issue}, {fulfilIssuanceRequest}, {rejectIssuanceRequest}               |
 * | REDEEMER_ROLE | {redeemFrom} (redemption on a holder's behalf)                          |
 * | FREEZER_ROLE  | {setAccountFrozen}, {freezePartial}, {unfreezePartial}                  |
 * | PAUSER_ROLE   | {pause}, {unpause}                                                      |
 */
interface IDepositToken is IERC20Metadata, IERC20Permit {
    /// @notice Lifecycle of an issuance request filed by a holder.
    enum RequestStatus {
        None,
        Pending,
        Fulfilled,
        Rejected,
        Cancelled
    }

    /// @notice A holder's request for issuance against its deposit account (four storage slots:
    /// the account and the status share the first).
    /// @param account The account to mint to.
    /// @param status Current status.
    /// @param amount The amount requested.
    /// @param depositAccountRef Which deposit account the bank should debit (opaque to the chain).
    /// @param bankReference The bank reference it was fulfilled with (zero until then).
    struct IssuanceRequest {
        address account;
        RequestStatus status;
        uint256 amount;
        bytes32 depositAccountRef;
        bytes32 bankReference;
    }

    /**
     * @notice One issuance or redemption as recorded under its reference.
     * Laid out in two storage slots: the account and the time share the first. A reference is
     * used exactly when its record's `account` is non-zero (never the block time, which may be 0
     * on a development chain).
     * @param account The account minted to (issuance) or burnt from (redemption); never zero once
     * the reference is used.
     * @param timestamp The block time of the issuance or redemption.
     * @param amount The amount minted or burnt.
     */
    struct ReferenceRecord {
        address account;
        uint64 timestamp;
        uint256 amount;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice `amount` was minted to `account` against the deposit-account debit `bankReference`.
     * @param bankReference The bank's reference of the deposit-account debit.
     * @param account The account minted to.
     * @param amount The amount minted.
     */
    event Issued(bytes32 indexed bankReference, address indexed account, uint256 amount);
    /**
     * @notice `amount` of `account` was burnt; the bank credits the deposit account named by
     * `redemptionRef`. `operator` is the holder itself or the bank acting for it.
     * @param redemptionRef The reference telling the bank which deposit account to credit.
     * @param account The account whose units were burnt.
     * @param amount The amount burnt.
     * @param operator The caller: `account` itself ({redeem}) or a REDEEMER_ROLE holder
     * ({redeemFrom}).
     */
    event Redeemed(
        bytes32 indexed redemptionRef,
        address indexed account,
        uint256 amount,
        address indexed operator
    );
    /**
     * @notice A holder filed an issuance request.
     * @param requestId The new request's id.
     * @param account The requester, to be minted to.
     * @param amount The amount requested.
     * @param depositAccountRef The deposit account the bank should debit (opaque to the chain).
     */
    event IssuanceRequested(
        uint256 indexed requestId,
        address indexed account,
        uint256 amount,
        bytes32 depositAccountRef
    );
    /**
     * @notice The bank fulfilled request `requestId` by minting against `bankReference`.
     * @param requestId The fulfilled request.
     * @param bankReference The bank's reference of the deposit-account debit minted against.
     */
    event IssuanceRequestFulfilled(uint256 indexed requestId, bytes32 indexed bankReference);
    /**
     * @notice The bank rejected request `requestId`.
     * @param requestId The rejected request.
     * @param reason The bank's reason code (opaque to the chain).
     */
    event IssuanceRequestRejected(uint256 indexed requestId, bytes32 reason);
    /// @notice The holder cancelled its pending request `requestId`.
    /// @param requestId The cancelled request.
    event IssuanceRequestCancelled(uint256 indexed requestId);
    /**
     * @notice `account` was frozen or unfrozen as a whole.
     * @param account The account concerned.
     * @param frozen True when `account` is now frozen, false when unfrozen.
     */
    event AccountFrozen(address indexed account, bool frozen);
    /**
     * @notice The partially frozen amount of `account` is now `frozenAmount`.
     * @param account The account concerned.
     * @param frozenAmount The new partially frozen amount (the total, not the change).
     */
    event PartialFreezeChanged(address indexed account, uint256 frozenAmount);
    /**
     * @notice `spender` executed the transfer authorization `nonce` of `authorizer`
     * ({transferWithAuthorization}); the nonce is now used.
     * @param authorizer The holder that signed it (`from`).
     * @param nonce The authorization's nonce.
     */
    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    /**
     * @notice `authorizer` cancelled its unused transfer authorization `nonce`
     * ({cancelAuthorization}); the nonce is now used.
     * @param authorizer The holder that cancelled it.
     * @param nonce The authorization's nonce.
     */
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);
    /// @notice The token was paused by `account`.
    /// @param account The PAUSER_ROLE holder that paused.
    event Paused(address account);
    /// @notice The token was unpaused by `account`.
    /// @param account The PAUSER_ROLE holder that unpaused.
    event Unpaused(address account);
    /**
     * @notice The bank opened a DCJPY account for `account`, bound to a deposit account.
     * @param account The address that may now hold, send and receive DCJPY.
     * @param depositAccountRef The bank's reference of the deposit account behind it.
     */
    event AccountOpened(address indexed account, bytes32 indexed depositAccountRef);
    /**
     * @notice The bank closed the (empty) DCJPY account of `account`.
     * @param account The address that may no longer hold, send or receive DCJPY.
     * @param depositAccountRef The deposit account it was bound to.
     */
    event AccountClosed(address indexed account, bytes32 indexed depositAccountRef);

    // ---------------------------------------------------------------- errors

    /// @notice The token is paused.
    error DepositTokenPaused();
    /// @notice `account` is frozen.
    error DepositTokenAccountFrozen(address account);
    /// @notice `account` may not send: it has no open DCJPY account.
    error DepositTokenIneligibleSender(address account);
    /// @notice `account` may not receive: it has no open DCJPY account.
    error DepositTokenIneligibleReceiver(address account);
    /// @notice `account` has `available` unfrozen units and the call needs `needed`.
    error DepositTokenInsufficientAvailableBalance(
        address account,
        uint256 available,
        uint256 needed
    );
    /// @notice Reference `bankReference` was already used for an issuance.
    /// @param bankReference The deposit-account debit reference that was already minted against.
    error DepositTokenIssuanceReferenceUsed(bytes32 bankReference);
    /// @notice Reference `redemptionRef` was already used for a redemption.
    error DepositTokenRedemptionReferenceUsed(bytes32 redemptionRef);
    /// @notice A reference must not be zero.
    error DepositTokenZeroReference();
    /// @notice The amount is zero.
    error DepositTokenZeroAmount();
    /// @notice Request `requestId` is in status `current`, and the call needs `Pending`.
    error DepositTokenUnexpectedRequestStatus(uint256 requestId, RequestStatus current);
    /// @notice `caller` is not the account of request `requestId`.
    error DepositTokenNotRequester(uint256 requestId, address caller);
    /// @notice Unfreezing `amount` exceeds the `frozen` amount of `account`.
    error DepositTokenUnfreezeExceedsFrozen(address account, uint256 frozen, uint256 amount);
    /// @notice An account cannot be opened for the zero address.
    error DepositTokenInvalidAccount(address account);
    /// @notice `account` already has an open DCJPY account.
    error DepositTokenAccountAlreadyOpen(address account);
    /// @notice `account` has no open DCJPY account.
    error DepositTokenAccountNotOpen(address account);
    /// @notice `account` still holds `balance` units: redeem them before closing it.
    error DepositTokenAccountNotEmpty(address account, uint256 balance);
    /// @notice The transfer authorization `nonce` of `authorizer` was used or cancelled already.
    error DepositTokenAuthorizationUsed(address authorizer, bytes32 nonce);
    /// @notice The transfer authorization `nonce` of `authorizer` was valid before `validBefore`;
    /// the block time is `nowTime`.
    error DepositTokenAuthorizationExpired(
        address authorizer,
        bytes32 nonce,
        uint256 validBefore,
        uint256 nowTime
    );
    /// @notice `signature` is not `authorizer`'s transfer authorization `nonce` for the given
    /// values with `spender` (the caller) as spender.
    error DepositTokenInvalidAuthorization(address authorizer, address spender, bytes32 nonce);
    /// @notice {openAccounts} got `accounts` addresses but `refs` references.
    error DepositTokenLengthMismatch(uint256 accounts, uint256 refs);
    /**
     * @notice Minting `value` on top of `supply` would pass the supply cap `cap` (2^128 - 1, so
     * that a balance fits the half of the account slot it is kept in).
     * @param supply The total supply before the mint.
     * @param value The amount to mint.
     * @param cap The supply cap.
     */
    error DepositTokenSupplyCapExceeded(uint256 supply, uint256 value, uint256 cap);

    // ---------------------------------------------------------------- roles

    /**
     * @notice Role that mints against deposit-account debits: {issue}, and fulfils or rejects
     * holders' issuance requests.
     * @return The role identifier.
     */
    function ISSUER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that redeems (burns) a holder's units on its behalf ({redeemFrom}).
     * @return The role identifier.
     */
    function REDEEMER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that freezes and unfreezes accounts, as a whole or in part.
     * @return The role identifier.
     */
    function FREEZER_ROLE() external view returns (bytes32);

    /**
     * @notice Role that opens and closes DCJPY accounts (the bank's account onboarding).
     * @return The role identifier.
     */
    function REGISTRAR_ROLE() external view returns (bytes32);
    /**
     * @notice Role that pauses and unpauses the token.
     * @return The role identifier.
     */
    function PAUSER_ROLE() external view returns (bytes32);

    // ---------------------------------------------------------------- bank

    /**
     * @notice Mints `amount` to `account` against the deposit-account debit `bankReference`.
     * @dev Requirements: ISSUER_ROLE; `bankReference` not zero and never used for issuance;
     * `amount` > 0; not paused; `account` open and not frozen. Emits {Issued} and
     * {IERC20-Transfer}.
     * @param account The account to mint to.
     * @param amount The amount to mint.
     * @param bankReference The bank's reference of the deposit-account debit; usable once.
     */
    function issue(address account, uint256 amount, bytes32 bankReference) external;

    /**
     * @notice Fulfils a pending issuance request by minting its amount against `bankReference`.
     * @dev Requirements: ISSUER_ROLE; request `Pending`; as {issue}. Emits
     * {IssuanceRequestFulfilled}, {Issued} and {IERC20-Transfer}.
     * @param requestId The pending request to fulfil.
     * @param bankReference The bank's reference of the deposit-account debit; usable once.
     */
    function fulfilIssuanceRequest(uint256 requestId, bytes32 bankReference) external;

    /**
     * @notice Rejects a pending issuance request.
     * @dev Requirements: ISSUER_ROLE; request `Pending`. Emits {IssuanceRequestRejected}.
     * @param requestId The pending request to reject.
     * @param reason The bank's reason code, emitted in {IssuanceRequestRejected}.
     */
    function rejectIssuanceRequest(uint256 requestId, bytes32 reason) external;

    /**
     * @notice Redeems `amount` of `account` on its behalf (e.g. closing a frozen-out account's
     * position after unfreezing, or a holder's instruction received off-chain).
     * @dev Requirements: REDEEMER_ROLE; `redemptionRef` not zero and never used for redemption;
     * `amount` > 0; not paused; `account` has `amount` unfrozen. Emits {Redeemed} and
     * {IERC20-Transfer}.
     * @param account The holder whose units are burnt.
     * @param amount The amount to burn.
     * @param redemptionRef The reference telling the bank which deposit account to credit; usable
     * once.
     */
    function redeemFrom(address account, uint256 amount, bytes32 redemptionRef) external;

    /**
     * @notice Freezes or unfreezes `account` as a whole. Requirements: FREEZER_ROLE.
     * Emits {AccountFrozen}.
     * @param account The account concerned.
     * @param frozen True to freeze `account`, false to unfreeze it.
     */
    function setAccountFrozen(address account, bool frozen) external;

    /**
     * @notice Adds `amount` to the frozen part of `account`'s balance. The frozen part may exceed
     * the balance (it then also holds back future receipts).
     * @dev Requirements: FREEZER_ROLE; `amount` > 0. Emits {PartialFreezeChanged}.
     * @param account The account concerned.
     * @param amount The amount to add to its frozen part.
     */
    function freezePartial(address account, uint256 amount) external;

    /**
     * @notice Removes `amount` from the frozen part of `account`'s balance.
     * @dev Requirements: FREEZER_ROLE; `amount` > 0 and at most the frozen amount.
     * Emits {PartialFreezeChanged}.
     * @param account The account concerned.
     * @param amount The amount to remove from its frozen part.
     */
    function unfreezePartial(address account, uint256 amount) external;

    /// @notice Pauses every transfer, issuance and redemption. Requirements: PAUSER_ROLE.
    function pause() external;

    /// @notice Lifts the pause. Requirements: PAUSER_ROLE.
    function unpause() external;

    /**
     * @notice Opens a DCJPY account for `account`, bound to the deposit account
     * `depositAccountRef`: from now on it may hold, send and receive DCJPY (unless frozen).
     * @dev Requirements: REGISTRAR_ROLE; `account` non-zero and without an open account;
     * `depositAccountRef` non-zero. Emits {AccountOpened}.
     * @param account The address to open the account for.
     * @param depositAccountRef The bank's reference of the deposit account behind it.
     */
    function openAccount(address account, bytes32 depositAccountRef) external;

    /**
     * @notice {openAccount} for each `accounts[i]` with `depositAccountRefs[i]`, all or nothing.
     * @dev Requirements: those of {openAccount} for every item; equal lengths
     * ({DepositTokenLengthMismatch}).
     * @param accounts The addresses to open accounts for.
     * @param depositAccountRefs Their deposit-account references, in the same order.
     */
    function openAccounts(
        address[] calldata accounts,
        bytes32[] calldata depositAccountRefs
    ) external;

    /**
     * @notice Closes the DCJPY account of `account`: it may no longer hold, send or receive.
     * Freezes on it are kept (they apply again if it is reopened).
     * @dev Requirements: REGISTRAR_ROLE; the account is open and holds nothing (so no yen can be
     * stranded: the bank redeems a balance first, {redeemFrom}). Emits {AccountClosed}. To close
     * out an account that others could still pay into, the bank freezes it first (a frozen account
     * cannot receive), then lifts the freeze, redeems the balance and closes it in one
     * `multicall` transaction (the token is OpenZeppelin {Multicall}).
     * @param account The address whose account closes.
     */
    function closeAccount(address account) external;

    // ---------------------------------------------------------------- holder

    /**
     * @notice Files a request that the bank debit `depositAccountRef` and mint `amount` to the
     * caller.
     * @dev Requirements: `amount` > 0; the caller's account open. Emits {IssuanceRequested}.
     * @return requestId The new request's id (sequential from 1).
     * @param amount The amount requested.
     * @param depositAccountRef The deposit account the bank should debit (opaque to the chain).
     */
    function requestIssuance(
        uint256 amount,
        bytes32 depositAccountRef
    ) external returns (uint256 requestId);

    /**
     * @notice Cancels the caller's pending request.
     * @dev Requirements: caller is the request's account; request `Pending`.
     * Emits {IssuanceRequestCancelled}.
     * @param requestId The caller's pending request.
     */
    function cancelIssuanceRequest(uint256 requestId) external;

    /**
     * @notice Burns `amount` of the caller's units; the bank credits the deposit account named by
     * `redemptionRef`.
     * @dev Requirements: `redemptionRef` not zero and never used for redemption; `amount` > 0; not
     * paused; the caller's account open, not frozen, with `amount` unfrozen. Emits {Redeemed} and
     * {IERC20-Transfer}.
     * @param amount The amount to burn.
     * @param redemptionRef The reference telling the bank which deposit account to credit; usable
     * once.
     */
    function redeem(uint256 amount, bytes32 redemptionRef) external;

    // ---------------------------------------------------------------- transfer authorizations

    /**
     * @notice The EIP-712 type hash of `TransferWithAuthorization(address from,address to,uint256
     * value,address spender,uint256 validBefore,bytes32 nonce)`.
     * @return The type hash.
     */
    function TRANSFER_WITH_AUTHORIZATION_TYPEHASH() external view returns (bytes32);

    /**
     * @notice The caller, as the named spender, moves `value` from `from` to `to` with `from`'s
     * signed authorization: `from` needs no allowance and no transaction of its own.
     * @dev Requirements: block time before `validBefore` ({DepositTokenAuthorizationExpired});
     * `nonce` unused by `from` ({DepositTokenAuthorizationUsed}); `signature` is `from`'s EIP-712
     * signature (ECDSA, or ERC-1271 when `from` has code) of the authorization with the caller as
     * `spender` ({DepositTokenInvalidAuthorization}); then the transfer rules, as for `transfer`.
     * Marks the nonce used. Emits {AuthorizationUsed} and {IERC20-Transfer}.
     * @param from The holder that signed the authorization; pays.
     * @param to The receiver.
     * @param value The amount.
     * @param validBefore The authorization is valid strictly before this unix time.
     * @param nonce A 32-byte value `from` never used for an authorization (e.g. a settlement ID).
     * @param signature `from`'s signature over the authorization.
     */
    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /**
     * @notice The caller cancels its transfer authorization `nonce` before anyone executes it.
     * @dev Requirements: `nonce` unused by the caller ({DepositTokenAuthorizationUsed}). Marks it
     * used. Emits {AuthorizationCanceled}.
     * @param nonce The authorization's nonce.
     */
    function cancelAuthorization(bytes32 nonce) external;

    // ---------------------------------------------------------------- views

    /**
     * @notice Whether `authorizer`'s transfer authorization `nonce` was used or cancelled.
     * @param authorizer The holder.
     * @param nonce The authorization's nonce.
     * @return True when the nonce can no longer be used.
     */
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);

    /**
     * @notice Whether a transfer of `value` from `from` to `to` would succeed now.
     * @return ok True when it would succeed.
     * @return reason Empty when `ok`; otherwise the ABI-encoded custom error the transfer raises.
     * @param from The sender.
     * @param to The receiver.
     * @param value The amount to transfer.
     */
    function canTransfer(
        address from,
        address to,
        uint256 value
    ) external view returns (bool ok, bytes memory reason);

    /**
     * @notice The issuance recorded under `bankReference` (all zero if none).
     * @param bankReference The issuance reference.
     * @return The issuance recorded under it.
     */
    function issuanceOf(bytes32 bankReference) external view returns (ReferenceRecord memory);

    /**
     * @notice The redemption recorded under `redemptionRef` (all zero if none).
     * @param redemptionRef The redemption reference.
     * @return The redemption recorded under it.
     */
    function redemptionOf(bytes32 redemptionRef) external view returns (ReferenceRecord memory);

    /// @notice Sum of all issuances ever.
    /// @return The total amount ever minted.
    function totalIssued() external view returns (uint256);

    /// @notice Sum of all redemptions ever.
    /// @return The total amount ever burnt.
    function totalRedeemed() external view returns (uint256);

    /**
     * @notice Issuance request `requestId` (all zero if unknown).
     * @param requestId The request's id.
     * @return The request's record.
     */
    function issuanceRequest(uint256 requestId) external view returns (IssuanceRequest memory);

    /// @notice Number of issuance requests filed so far (the last id).
    /// @return The number of requests filed, equal to the highest id issued.
    function issuanceRequestCount() external view returns (uint256);

    /**
     * @notice Whether `account` is frozen as a whole.
     * @param account The account to check.
     * @return True when `account` is frozen as a whole.
     */
    function isAccountFrozen(address account) external view returns (bool);

    /**
     * @notice The partially frozen amount of `account`.
     * @param account The account to check.
     * @return The partially frozen amount, which may exceed the balance.
     */
    function frozenOf(address account) external view returns (uint256);

    /**
     * @notice Units of `account` that may move now: balance minus the partial freeze (0 if the
     * account is frozen as a whole).
     * @param account The account to check.
     * @return The amount of `account` that may move now.
     */
    function availableBalanceOf(address account) external view returns (uint256);

    /// @notice Whether the token is paused.
    /// @return True when the token is paused.
    function paused() external view returns (bool);

    /// @notice Whether `account` has an open DCJPY account.
    /// @param account The account to check.
    /// @return True when the bank opened an account for `account` and has not closed it.
    function isAccountOpen(address account) external view returns (bool);

    /// @notice The deposit account the DCJPY account of `account` is bound to.
    /// @param account The account to check.
    /// @return The deposit-account reference; zero when `account` has no open account.
    function depositAccountOf(address account) external view returns (bytes32);
}
