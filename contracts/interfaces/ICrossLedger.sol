// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title ICrossLedger
 * @notice What the two contracts of a two-ledger settlement share: the terms, the digest of the
 * verifier's outcome attestation, the administration (counterpart ledgers, verifier role, pause) and the
 * errors of bad input. The security token (ST) lives on one chain (the ST ledger, contract
 * {ICrossLedgerDelivery}), DCJPY on another (the cash ledger, contract {ICrossLedgerPayment}).
 *
 * The seven steps across two ledgers:
 * 1. ST ledger: the seller calls `securityToken.lock(delivery, quantity, abi.encode(terms))`; its
 *    units stay in its balance, locked to the delivery contract, which registers the settlement
 *    (`Locked`). The seller is bound by that call.
 * 2. Both firms agreed the terms off-chain (ID, parties, both chains and contracts, both tokens,
 *    quantity, amount, deadline, verifier); each ledger commits to their struct hash.
 * 3. (Bank, off-chain) the buyer obtains DCJPY against its deposit account.
 * 4. Cash ledger: the buyer instructs: `amount` DCJPY moves from the buyer into escrow in the
 *    payment contract (`Instructed`); the buyer is bound by that call (or by its DCJPY transfer
 *    authorization whose nonce is the terms hash).
 * 5. The verifier (DeCurret DCP's role) checks both records (equal terms hash, the lock, the
 *    instruction, eligibility, the deadline) and signs an order for the cash ledger: an EIP-712
 *    `PaymentOrder` under the payment contract's own domain ({ICrossLedgerPayment-orderDigest}),
 *    `Paid` or `Refunded`. Anyone submits it; the cash ledger verifies it and pays the escrow to
 *    the seller (`Paid`) or back to the buyer (`Refunded`). The outcome is decided there, once;
 *    `Paid` only up to the deadline; after the deadline anyone may refund an undecided
 *    instruction. The order is worthless on the ST ledger.
 * 6. The verifier sees the outcome on the cash ledger with its confirmations and only then signs
 *    the ST ledger's {Outcome} attestation of that outcome; anyone presents it: `Paid` delivers
 *    the locked units to the buyer, `Refunded` returns them to the seller. The token's rules apply
 *    to the delivery (a paused token or a suspended buyer reverts it, and it stays deliverable).
 *    No time-out on this ledger can hand the units back to the seller.
 * 7. (Bank, off-chain) the seller redeems DCJPY.
 *
 * The attestation: EIP-712 typed data `Outcome(CrossLedgerTerms terms,uint8 outcome)` signed by
 * `terms.verifier` (an EOA, or an ERC-1271 contract such as a {IVerifierQuorum} of m-of-n keys)
 * under the delivery contract's domain: name "Kessai CrossLedgerDelivery", version "1",
 * `chainId = terms.stChainId`, `verifyingContract = terms.stLedger`. The domain binds it to one
 * chain and one contract; the message binds it to the full terms (ID, both chain IDs, both
 * contracts, both tokens, parties, quantity, amount, deadline, verifier) and to one outcome. Only
 * the delivery contract verifies it. The verifier releases it after the cash ledger executed the
 * outcome (as ERC-7573's oracle releases a key only after the transfer): a `Paid` attestation
 * that exists is one whose payment the cash ledger shows, so a late or reverted payment never
 * leaves a delivery key public while the buyer can still be refunded. Neither ledger re-checks
 * the verifier's role after the settlement was registered: no admin action can invalidate or
 * replace the verifier of an open settlement.
 *
 * Administration (both contracts; OpenZeppelin AccessControl, default admin handed over in two
 * steps after a delay):
 * | role          | powers                                                                  |
 * | ------------- | ----------------------------------------------------------------------- |
 * | default admin | grant/revoke roles, list tokens, {setCounterpartListed}                 |
 * | VERIFIER_ROLE | none by itself: a settlement may name only a holder as its verifier, checked when it is registered on each ledger |
 * | PAUSER_ROLE   | {pause}, {unpause}: stops registration (step 1, step 4) only, never a decision, delivery, return or refund |
 */
interface ICrossLedger {
    /// @notice The verifier's decision on one settlement.
    enum Outcome {
        None,
        Paid,
        Refunded
    }

    /**
     * @notice The terms of one two-ledger settlement, as both firms agreed them (step 2). Every
     * member is a static type: `abi.encode(terms)` is 13 words (416 bytes), the lock data of step 1.
     * @param id The settlement ID, unique for each contract's lifetime.
     * @param seller Holder of the ST on the ST ledger; receives DCJPY on the cash ledger.
     * @param buyer Payer on the cash ledger; receives the ST on the ST ledger.
     * @param stChainId Chain ID of the ST ledger.
     * @param stLedger The {ICrossLedgerDelivery} contract on the ST ledger.
     * @param securityToken The ST contract on the ST ledger.
     * @param quantity ST units delivered.
     * @param cashChainId Chain ID of the cash ledger.
     * @param cashLedger The {ICrossLedgerPayment} contract on the cash ledger.
     * @param cashToken The DCJPY contract on the cash ledger.
     * @param amount DCJPY units paid.
     * @param deadline Last unix time (each ledger's block time) at which the buyer may instruct
     * and the payment may execute; after it anyone may refund the buyer.
     * @param verifier Who signs the outcome: a VERIFIER_ROLE holder on both ledgers when the
     * settlement is registered there.
     */
    struct CrossLedgerTerms {
        bytes32 id;
        address seller;
        address buyer;
        uint256 stChainId;
        address stLedger;
        address securityToken;
        uint256 quantity;
        uint256 cashChainId;
        address cashLedger;
        address cashToken;
        uint256 amount;
        uint64 deadline;
        address verifier;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice The admin listed or delisted the contract `ledger` on chain `chainId` as the other
     * ledger of settlements registered here.
     * @param chainId The other ledger's chain ID.
     * @param ledger The other ledger's contract.
     * @param listed True when now listed.
     */
    event CounterpartListed(uint256 indexed chainId, address indexed ledger, bool listed);

    // ---------------------------------------------------------------- errors

    /// @notice The terms given for `id` do not match the commitment stored when it was registered.
    error CrossLedgerTermsMismatch(bytes32 id);
    /// @notice The settlement ID is zero.
    error CrossLedgerZeroSettlementId();
    /// @notice The terms name chain `chainId` and contract `ledger` for this side; this contract
    /// is `expectedLedger` on chain `expectedChainId`.
    error CrossLedgerWrongLedger(
        uint256 chainId,
        address ledger,
        uint256 expectedChainId,
        address expectedLedger
    );
    /// @notice The terms name contract `ledger` on chain `chainId` for the other side, which is
    /// not a listed counterpart of this contract.
    error CrossLedgerUnknownCounterpart(uint256 chainId, address ledger);
    /// @notice Seller and buyer must be distinct non-zero accounts.
    error CrossLedgerInvalidParties(address seller, address buyer);
    /// @notice Quantity and amount must both be non-zero.
    error CrossLedgerZeroValue(uint256 quantity, uint256 amount);
    /// @notice The deadline of `id` has passed (`nowTime` is the block time).
    error CrossLedgerDeadlinePassed(bytes32 id, uint64 deadline, uint256 nowTime);
    /// @notice The deadline of `id` has not passed yet (`nowTime` is the block time).
    error CrossLedgerDeadlineNotPassed(bytes32 id, uint64 deadline, uint256 nowTime);
    /// @notice `verifier` does not hold VERIFIER_ROLE on this ledger.
    error CrossLedgerInvalidVerifier(address verifier);
    /// @notice The attestation given for `id` is not `verifier`'s signature of `outcome` for the
    /// terms.
    error CrossLedgerInvalidAttestation(bytes32 id, address verifier, Outcome outcome);
    /// @notice `caller` may not do this to settlement `id`.
    error CrossLedgerUnauthorized(bytes32 id, address caller);

    // ---------------------------------------------------------------- roles

    /**
     * @notice Role that may pause and unpause. The pause stops registrations only (step 1 on the
     * ST ledger, step 4 on the cash ledger); decisions, deliveries, returns, refunds and the
     * security token's forced-path callbacks work while paused.
     * @return The role identifier.
     */
    function PAUSER_ROLE() external view returns (bytes32);

    /**
     * @notice Role an account must hold to be named as a settlement's verifier, checked when the
     * settlement is registered on this ledger (never again: revoking it stops new settlements
     * naming it, not the open ones, whose outcome must stay verifiable).
     * @return The role identifier.
     */
    function VERIFIER_ROLE() external view returns (bytes32);

    /**
     * @notice EIP-712 type hash of {CrossLedgerTerms}: `CrossLedgerTerms(bytes32 id,address
     * seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256
     * quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64
     * deadline,address verifier)`.
     * @return The type hash.
     */
    function TERMS_TYPEHASH() external view returns (bytes32);

    /**
     * @notice EIP-712 type hash of the attestation `Outcome(CrossLedgerTerms terms,uint8
     * outcome)` (followed by the {CrossLedgerTerms} type, as EIP-712 encodes nested types).
     * @return The type hash.
     */
    function OUTCOME_TYPEHASH() external view returns (bytes32);

    // ---------------------------------------------------------------- admin

    /**
     * @notice Lists or delists contract `ledger` on chain `chainId` as the other ledger of new
     * settlements (the cash ledger's payment contract for the ST ledger, and the reverse).
     * Delisting stops new registrations only.
     * @dev Requirements: default admin. Emits {CounterpartListed}.
     * @param chainId The other ledger's chain ID.
     * @param ledger The other ledger's contract.
     * @param listed True to list, false to delist.
     */
    function setCounterpartListed(uint256 chainId, address ledger, bool listed) external;

    /// @notice Pauses registrations (never a decision, delivery, return or refund).
    /// Requirements: PAUSER_ROLE.
    function pause() external;

    /// @notice Lifts the pause. Requirements: PAUSER_ROLE.
    function unpause() external;

    // ---------------------------------------------------------------- views

    /**
     * @notice The EIP-712 struct hash of `terms` (type {TERMS_TYPEHASH}), the same on both
     * ledgers; its first 28 bytes are each record's commitment.
     * @param terms The terms to hash.
     * @return The struct hash.
     */
    function hashTerms(CrossLedgerTerms calldata terms) external pure returns (bytes32);

    /**
     * @notice Whether `terms` match the commitment stored for `terms.id` on this ledger.
     * @param terms The terms to check.
     * @return True when a record for `terms.id` exists and its commitment equals the first 28
     * bytes of {hashTerms}.
     */
    function verifyTerms(CrossLedgerTerms calldata terms) external view returns (bool);

    /**
     * @notice The EIP-712 digest of the ST ledger's attestation of `outcome` on `terms`:
     * `Outcome(terms, outcome)` under the delivery contract's domain on the ST ledger
     * (`terms.stChainId`, `terms.stLedger`). Both ledgers compute the same digest; only the
     * delivery contract verifies it (the cash ledger takes an order, not this).
     * @param terms The settlement's terms.
     * @param outcome `Paid` or `Refunded`.
     * @return The digest.
     */
    function outcomeDigest(
        CrossLedgerTerms calldata terms,
        Outcome outcome
    ) external view returns (bytes32);

    /**
     * @notice Whether contract `ledger` on chain `chainId` is a listed counterpart.
     * @param chainId The other ledger's chain ID.
     * @param ledger The other ledger's contract.
     * @return True when listed.
     */
    function isCounterpartListed(uint256 chainId, address ledger) external view returns (bool);

    /// @notice Whether registrations are paused.
    /// @return True when paused.
    function paused() external view returns (bool);
}
