// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "./ICrossLedger.sol";

/**
 * @title ICrossLedgerPayment
 * @notice The cash-ledger side of a two-ledger settlement: the buyer's DCJPY, escrowed for one
 * settlement whose ST leg is on another chain, goes to the seller on the verifier's signed pay
 * order or back to the buyer on its refuse order or, once the deadline passed, on anyone's call.
 * The outcome of the settlement is decided here, once. See {ICrossLedger} for the seven steps
 * across both ledgers and the ST ledger's attestation.
 *
 * Steps on this ledger:
 * 4. The buyer instructs: {instruct} (after approving this contract) or
 *    {instructWithAuthorization} (anyone submits the buyer's DCJPY transfer authorization to this
 *    contract, whose nonce is the terms hash, so it serves these exact terms only). `amount` DCJPY
 *    moves from the buyer into escrow: this contract's own DCJPY account, which the bank opens
 *    for it like any holder's. The settlement is `Instructed` if the terms name this chain and
 *    this contract as the cash ledger, a listed counterpart as the ST ledger, a listed cash token,
 *    a VERIFIER_ROLE holder, and a deadline not passed.
 * 5. Anyone submits the verifier's order: {pay} with a `Paid` order (up to the deadline) moves the
 *    escrow to the seller; {refuse} with a `Refunded` order moves it back to the buyer. After the
 *    deadline, anyone may {refund} an `Instructed` settlement without the verifier (the buyer gets
 *    its DCJPY back without anyone's help).
 *
 * The order is not the ST ledger's key. It is the verifier's EIP-712 `PaymentOrder(CrossLedgerTerms
 * terms,uint8 outcome)` under this contract's own domain (name "Kessai CrossLedgerPayment",
 * version "1", this chain, this contract): a different type and a different domain from the
 * `Outcome` attestation that {ICrossLedgerDelivery-deliver} and {ICrossLedgerDelivery-returnToSeller}
 * accept, so an order read in the mempool or in a reverted {pay} moves nothing on the ST ledger.
 * The verifier signs the ST ledger's `Paid` attestation only after this ledger shows `Paid` with
 * its confirmations, and `Refunded` only after it shows `Refunded` (or, never instructed, a
 * confirmed block past the deadline): like ERC-7573's oracle, the key is released after the
 * transfer, never before. No event of this contract carries a signature.
 *
 * A decision always lands once its order is valid: it neither depends on the pause nor
 * re-checks the verifier's role, and a DCJPY refusal of the transfer it makes (the payee frozen,
 * its account closed, DCJPY paused) does not revert it: the amount stays in escrow, owed to the
 * payee ({TransferDeferred}), and anyone moves it with {completeTransfer} once DCJPY allows.
 *
 * State machine (terminal states kept forever; an ID is never reused):
 *   None --instruct / instructWithAuthorization (step 4)--> Instructed
 *   Instructed --pay, `Paid` order, up to the deadline, anyone--> Paid
 *   Instructed --refuse, `Refunded` order, anyone--> Refunded
 *   Instructed --refund, after the deadline, anyone--> Refunded
 * A record also has `transferPending`: set when the decision's transfer was refused by DCJPY,
 * cleared by {completeTransfer}.
 *
 * Books: this contract's DCJPY balance == sum of the `Instructed` amounts + sum of the amounts
 * whose transfer is pending (nobody else can move its DCJPY; DCJPY sent to it by mistake stays
 * there, and only the bank's own powers over any DCJPY account reach it).
 *
 * Who may call what:
 * | function                     | caller                                             | states      |
 * | ---------------------------- | -------------------------------------------------- | ----------- |
 * | instruct                     | the buyer (not paused)                             | None        |
 * | instructWithAuthorization    | anyone, with the buyer's DCJPY authorization (not paused) | None |
 * | pay                          | anyone, with the verifier's `Paid` order, up to the deadline | Instructed |
 * | refuse                       | anyone, with the verifier's `Refunded` order       | Instructed  |
 * | refund                       | anyone, after the deadline                         | Instructed  |
 * | completeTransfer             | anyone, when a transfer is pending                 | Paid, Refunded |
 * | setCashTokenListed, setCounterpartListed | default admin                          | -           |
 * | pause, unpause               | PAUSER_ROLE (stops step 4 only)                    | -           |
 */
interface ICrossLedgerPayment is ICrossLedger {
    /// @notice Lifecycle of a settlement on the cash ledger.
    enum State {
        None,
        Instructed,
        Paid,
        Refunded
    }

    /**
     * @notice The stored record of one settlement (one storage slot).
     * @param state Current state.
     * @param transferPending Whether the decided transfer (to the seller when `Paid`, to the buyer
     * when `Refunded`) was refused by the cash token and still waits in escrow.
     * @param termsDigest The first 28 bytes of {ICrossLedger-hashTerms} of the terms.
     */
    struct Payment {
        State state;
        bool transferPending;
        bytes28 termsDigest;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice Step 4: the buyer instructed; `terms.amount` DCJPY is in escrow.
     * @param id The settlement ID.
     * @param buyer The buyer (`terms.buyer`), who paid into escrow.
     * @param seller The seller (`terms.seller`).
     * @param termsHash The full {ICrossLedger-hashTerms} of the terms (equal on both ledgers for
     * the same settlement).
     * @param terms The full terms; every later call on `id` must present them unchanged.
     */
    event PaymentInstructed(
        bytes32 indexed id,
        address indexed buyer,
        address indexed seller,
        bytes32 termsHash,
        CrossLedgerTerms terms
    );
    /**
     * @notice Step 5, `Paid`: the escrow was paid to the seller (or, if {TransferDeferred} came
     * first in the same transaction, is owed to it). Once this event has the verifier's
     * confirmations, the verifier signs the ST ledger's `Paid` attestation.
     * @param id The settlement ID.
     * @param seller The seller, payee of `amount`.
     * @param amount The amount paid (`terms.amount`).
     */
    event SettlementPaid(bytes32 indexed id, address indexed seller, uint256 amount);
    /**
     * @notice Step 5, `Refunded`: the escrow went back to the buyer (or, after {TransferDeferred}
     * in the same transaction, is owed to it), by the verifier's refuse order ({refuse}) or by
     * anyone after the deadline ({refund}). Once this event has the verifier's confirmations, the
     * verifier signs the ST ledger's `Refunded` attestation.
     * @param id The settlement ID.
     * @param buyer The buyer, payee of `amount`.
     * @param amount The amount refunded (`terms.amount`).
     */
    event SettlementRefunded(bytes32 indexed id, address indexed buyer, uint256 amount);
    /**
     * @notice The cash token refused the decided transfer of `amount` to `to`; it stays in escrow,
     * owed to `to`, until {completeTransfer}.
     * @param id The settlement ID.
     * @param to The payee (the seller after `Paid`, the buyer after `Refunded`).
     * @param amount The amount owed.
     * @param reason The cash token's revert data (typically an ABI-encoded custom error).
     */
    event TransferDeferred(bytes32 indexed id, address indexed to, uint256 amount, bytes reason);
    /**
     * @notice A deferred transfer was completed: `amount` left escrow for `to`.
     * @param id The settlement ID.
     * @param to The payee.
     * @param amount The amount moved.
     */
    event DeferredTransferCompleted(bytes32 indexed id, address indexed to, uint256 amount);
    /**
     * @notice A cash token was listed or delisted.
     * @param token The cash token contract.
     * @param listed True when now listed.
     */
    event CashTokenListed(address indexed token, bool listed);

    // ---------------------------------------------------------------- errors

    /// @notice Settlement `id` is in state `current`; `expectedStates` has bit `1 << s` set for
    /// each state `s` the call accepts.
    error PaymentUnexpectedState(bytes32 id, State current, bytes32 expectedStates);
    /// @notice `token` is not a listed cash token.
    error PaymentUnlistedCashToken(address token);
    /// @notice Settlement `id` has no deferred transfer to complete.
    error PaymentNoTransferPending(bytes32 id);
    /// @notice The order given for `id` is not `verifier`'s signature of `PaymentOrder(terms,
    /// outcome)` under this contract's domain (an `Outcome` attestation of the ST ledger is not
    /// an order).
    error PaymentInvalidOrder(bytes32 id, address verifier, Outcome outcome);

    // ---------------------------------------------------------------- the order

    /**
     * @notice EIP-712 type hash of the verifier's order: `PaymentOrder(CrossLedgerTerms
     * terms,uint8 outcome)` followed by the {ICrossLedger-CrossLedgerTerms} type; `outcome` is 1
     * (`Paid`, for {pay}) or 2 (`Refunded`, for {refuse}).
     * @return The type hash.
     */
    function ORDER_TYPEHASH() external view returns (bytes32);

    /**
     * @notice The EIP-712 digest the verifier signs to order `outcome` on `terms` here:
     * `PaymentOrder(terms, outcome)` under this contract's domain (name "Kessai
     * CrossLedgerPayment", version "1", this chain, this contract; ERC-5267 `eip712Domain()`).
     * @param terms The settlement's terms.
     * @param outcome `Paid` (for {pay}) or `Refunded` (for {refuse}).
     * @return The digest.
     */
    function orderDigest(
        CrossLedgerTerms calldata terms,
        Outcome outcome
    ) external view returns (bytes32);

    // ---------------------------------------------------------------- step 4

    /**
     * @notice The buyer instructs the payment: `terms.amount` DCJPY moves from it into escrow.
     * @dev Requirements: not paused; caller is `terms.buyer` ({CrossLedgerUnauthorized}); ID
     * non-zero; `terms.cashChainId == block.chainid` and `terms.cashLedger == this`
     * ({CrossLedgerWrongLedger}); (`terms.stChainId`, `terms.stLedger`) a listed counterpart;
     * seller and buyer distinct and non-zero; quantity and amount non-zero; deadline not passed;
     * verifier a VERIFIER_ROLE holder; cash token listed; state `None`; this contract allowed to
     * spend `amount` of the buyer's DCJPY, and DCJPY's rules for buyer -> this contract (its
     * error reverts the call). Emits {PaymentInstructed}.
     * @param terms The settlement's full terms.
     */
    function instruct(CrossLedgerTerms calldata terms) external;

    /**
     * @notice {instruct} with the buyer's DCJPY transfer authorization instead of an allowance
     * and of the buyer's own transaction; anyone may submit it. The authorization is
     * {IDepositToken-transferWithAuthorization} of `terms.amount` from the buyer to this contract,
     * with this contract as the only spender and the terms hash ({ICrossLedger-hashTerms}) as
     * nonce: it serves these exact terms only, so a front-runner can neither redirect it nor
     * attach it to other terms.
     * @dev Requirements as {instruct} except the caller and the allowance: `block.timestamp <
     * validBefore`, the nonce unused by the buyer and `signature` the buyer's EIP-712
     * `TransferWithAuthorization(from = buyer, to = this contract, value = amount, spender = this
     * contract, validBefore, nonce = hashTerms(terms))` under the cash token's domain; the cash
     * token's errors revert the call. Emits {PaymentInstructed} and the cash token's
     * {IDepositToken-AuthorizationUsed}.
     * @param terms The settlement's full terms.
     * @param validBefore The authorization's `validBefore` (the buyer signed it).
     * @param signature The buyer's signature over the authorization.
     */
    function instructWithAuthorization(
        CrossLedgerTerms calldata terms,
        uint256 validBefore,
        bytes calldata signature
    ) external;

    // ---------------------------------------------------------------- step 5

    /**
     * @notice Executes the verifier's pay order: the escrow goes to the seller. Anyone may call.
     * Nothing here is usable on the ST ledger: the verifier signs the delivery attestation only
     * after it sees this payment confirmed.
     * @dev Requirements: state `Instructed`; terms match; deadline not passed
     * ({CrossLedgerDeadlinePassed}); `order` is `terms.verifier`'s signature (ECDSA, or ERC-1271
     * for a contract verifier) of {orderDigest}(terms, `Paid`) ({PaymentInvalidOrder}). Neither
     * the pause nor the verifier's current role matters. If the cash token refuses the transfer,
     * the decision stands and the amount is owed to the seller ({TransferDeferred}, then
     * {completeTransfer}). Emits {SettlementPaid}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param order The verifier's `Paid` order.
     */
    function pay(CrossLedgerTerms calldata terms, bytes calldata order) external;

    /**
     * @notice Executes the verifier's refuse order: the escrow goes back to the buyer. Anyone may
     * call.
     * @dev Requirements: state `Instructed`; terms match; `order` is `terms.verifier`'s signature
     * of {orderDigest}(terms, `Refunded`) ({PaymentInvalidOrder}). Any time, paused or not; a
     * refused transfer is deferred as in {pay}. Emits {SettlementRefunded}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param order The verifier's `Refunded` order.
     */
    function refuse(CrossLedgerTerms calldata terms, bytes calldata order) external;

    /**
     * @notice After the deadline, refunds an undecided instruction: the escrow goes back to the
     * buyer. Anyone may call; nobody's signature is needed.
     * @dev Requirements: state `Instructed`; terms match; deadline passed. Works while paused; a
     * refused transfer is deferred as in {pay}. Emits {SettlementRefunded}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function refund(CrossLedgerTerms calldata terms) external;

    /**
     * @notice Completes a deferred transfer: the amount owed leaves escrow for the seller
     * (`Paid`) or the buyer (`Refunded`). Anyone may call.
     * @dev Requirements: state `Paid` or `Refunded`; terms match; a transfer pending
     * ({PaymentNoTransferPending}); the cash token's rules (its error reverts the call and the
     * transfer stays pending). Emits {DeferredTransferCompleted}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function completeTransfer(CrossLedgerTerms calldata terms) external;

    // ---------------------------------------------------------------- admin

    /**
     * @notice Lists or delists a cash token. Delisting stops new instructions only.
     * @dev Requirements: default admin. Emits {CashTokenListed}.
     * @param token The cash token contract.
     * @param listed True to list, false to delist.
     */
    function setCashTokenListed(address token, bool listed) external;

    // ---------------------------------------------------------------- views

    /**
     * @notice The stored record of settlement `id` (all zero when unknown).
     * @param id The settlement ID.
     * @return The stored record.
     */
    function paymentOf(bytes32 id) external view returns (Payment memory);

    /**
     * @notice The state of settlement `id`.
     * @param id The settlement ID.
     * @return The current state (`None` when unknown).
     */
    function stateOf(bytes32 id) external view returns (State);

    /**
     * @notice The EIP-712 domain separator of the delivery contract `ledger` on chain `chainId`
     * (name "Kessai CrossLedgerDelivery", version "1"): the domain of the ST ledger's attestations
     * (this contract verifies none; clients use it with {ICrossLedger-outcomeDigest}).
     * @param chainId The ST ledger's chain ID.
     * @param ledger The delivery contract.
     * @return The domain separator.
     */
    function deliveryDomainSeparator(
        uint256 chainId,
        address ledger
    ) external pure returns (bytes32);

    /**
     * @notice Whether `token` is a listed cash token.
     * @param token The contract to check.
     * @return True when listed.
     */
    function isCashTokenListed(address token) external view returns (bool);
}
