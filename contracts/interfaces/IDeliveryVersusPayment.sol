// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityTokenLockReceiver} from "./ISecurityToken.sol";

/**
 * @title IDeliveryVersusPayment
 * @notice Atomic settlement of a security token (ST) against a deposit token (DCJPY) on a
 * settlement ID both firms agreed: the ST moves if and only if the DCJPY moves, in one transaction.
 *
 * The seven steps:
 * 1. The seller calls `securityToken.lock(dvp, quantity, abi.encode(terms))`: its units are locked
 *    to this contract (they stay in its balance) and, in the same transaction, the token calls
 *    {onSecurityTokenLocked}, which registers the settlement. The seller is bound by that call.
 * 2. The buyer affirms the exact terms: {affirm}, or an EIP-712 `Affirm` signature that anyone
 *    submits with {affirmBySig}, or implicitly by calling {settle} itself.
 * 3. (Off-chain bank step) the buyer obtains DCJPY against its deposit account.
 * 4.-6. {settle} (or {settleWithAuthorization}): verifies the terms, the deadline, the agent's
 *    approval if one is named, then releases the seller's `quantity` locked units to the buyer
 *    (the security leg, first) and moves `amount` DCJPY buyer -> seller (the cash leg). Each
 *    token applies its own rules (eligibility, pause, status, freezes) inside the call; if either
 *    leg fails, the whole call reverts and nothing moves.
 * 7. (Off-chain bank step) the seller redeems DCJPY.
 *
 * Storage keeps one slot per settlement: its {State}, agreement flags and a 28-byte commitment to
 * the terms ({hashTerms}), and the epoch of the named agent's approval. The terms themselves
 * travel in calldata and in {SettlementCreated}; every call that acts on a settlement takes them
 * and checks them against the commitment.
 *
 * State machine (terminal states are kept forever; an ID is never reused):
 *   None --create--> Pending --affirm--> Affirmed --settle--> Settled
 *   Pending|Affirmed --cancel (seller or buyer alone while Pending; both while Affirmed)--> Cancelled
 *   Pending|Affirmed --reclaim, after the deadline, anyone--> Expired
 *   Pending|Affirmed --reject, by the named agent--> Rejected
 *   Pending|Affirmed --terminate, by the security token's FORCE_UNLOCK_ROLE holder--> Failed
 *   Pending|Affirmed --the issuer's forced removal naming the settlement (forceUnlock,
 *                      forceChangeLockedAccount with data = abi.encode(terms), optionally
 *                      followed by free bytes such as a court's reference)--> Failed
 * Every exit other than Settled releases the settlement's own units to the seller: all of
 * `terms.quantity`, or what a forced removal naming it left.
 *
 * Books: the seller's units for all its open settlements on one token sit in one lock bucket,
 * `lockedOf(this, seller)`. The security token tells this contract of every change an issuer or
 * enforcement path makes to that bucket ({ISecurityTokenLockReceiver}); units that belong to no
 * settlement (issued or force-locked to this contract, relocated into it) are kept apart in
 * {unassignedLockOf}. So, for every token and seller,
 *   lockedOf(this, seller) == sum of the open settlements' quantities + unassignedLockOf(token, seller),
 * an open settlement is always fully backed, and a settlement only ever consumes or releases its
 * own units. What this contract refuses from the issuer: a forced removal from a seller's bucket
 * that names no settlement and takes more than {unassignedLockOf}
 * ({DvpForcedRemovalExceedsUnassigned}; `redeem` from the lock names none). The issuer's paths
 * instead: {terminate}, or `forceUnlock` / `forceChangeLockedAccount` with
 * `data = abi.encode(terms)` (288 bytes, which any further bytes may follow) naming the open
 * settlement it takes from; malformed terms there are refused with {DvpMalformedTerms}.
 *
 * Who may call what:
 * | function                         | caller                                        | states            |
 * | -------------------------------- | --------------------------------------------- | ----------------- |
 * | onSecurityTokenLocked (create)   | a listed security token, for the seller's lock | None              |
 * | onSecurityTokenLockAdded         | a security token (its own books only)         | -                 |
 * | onSecurityTokenLockRemoved       | a security token; naming a settlement: its own | Pending, Affirmed |
 * | affirm                           | buyer                                         | Pending           |
 * | affirmBySig                      | anyone, with the buyer's signature            | Pending           |
 * | approveSettlement / ...BySig      | the named agent / anyone with its signature   | Pending, Affirmed |
 * | settle, settleWithAuthorization, batch | buyer (affirms too); anyone once Affirmed | Pending, Affirmed |
 * | cancel                           | seller or buyer                               | Pending, Affirmed |
 * | reject                           | the named agent                               | Pending, Affirmed |
 * | reclaim                          | anyone, after the deadline                    | Pending, Affirmed |
 * | terminate                        | FORCE_UNLOCK_ROLE holder of the security token | Pending, Affirmed |
 * | setSecurityTokenListed, setCashTokenListed | default admin                       | -                 |
 * | pause, unpause                   | PAUSER_ROLE (pause stops create, affirm, approve, settle; never cancel, reject, reclaim, terminate, the forced-path callbacks) | - |
 * A named agent must hold SETTLEMENT_AGENT_ROLE when the settlement is created and whenever it
 * approves or rejects, and its approval counts at settlement only if the role was not revoked
 * since it approved: revoking the role (or the agent renouncing it) withdraws every approval the
 * agent gave to settlements not yet settled, and granting the role again does not revive them.
 * Each account has an agent epoch ({agentEpochOf}) that every loss of the role moves on; an
 * approval is recorded with the epoch it was given in ({isApprovalValid}), and an approval
 * signature covers it, so a revoked agent's unsubmitted signatures die too (an account can lose
 * the role at most 65,535 times: {DvpAgentEpochsExhausted}). The open settlements
 * that name a revoked agent can then only be cancelled or expire (the seller reclaims), unless the
 * agent, granted the role again, approves them again.
 * The contract holds no ST and no cash of its own: it only holds locks on sellers' units.
 */
interface IDeliveryVersusPayment is ISecurityTokenLockReceiver {
    /// @notice Lifecycle of a settlement.
    enum State {
        None,
        Pending,
        Affirmed,
        Settled,
        Cancelled,
        Expired,
        Rejected,
        Failed
    }

    /**
     * @notice The terms of one settlement, as both firms agreed them off-chain (step 2).
     * @param id The settlement ID, unique for the contract's lifetime.
     * @param seller Holder of the ST, receives the cash.
     * @param buyer Payer of the cash, receives the ST.
     * @param securityToken The ST contract.
     * @param quantity ST units delivered.
     * @param cashToken The deposit-token contract.
     * @param amount Cash units paid.
     * @param deadline Last unix time at which it may settle; after it the seller may reclaim.
     * @param agent Settlement agent whose approval is required, or zero for none.
     */
    struct Terms {
        bytes32 id;
        address seller;
        address buyer;
        address securityToken;
        uint256 quantity;
        address cashToken;
        uint256 amount;
        uint64 deadline;
        address agent;
    }

    /**
     * @notice The record of one settlement, as {settlementOf} reads it from its one storage slot
     * (where the consents are bits and the approval is the agent's epoch + 1).
     * @param state Current state.
     * @param agentApproved Whether the named agent ever approved; the approval counts only while
     * it was given in the agent's current epoch ({isApprovalValid}).
     * @param sellerCancelConsent Whether the seller asked to cancel (needed with the buyer's once
     * Affirmed).
     * @param buyerCancelConsent Whether the buyer asked to cancel.
     * @param termsDigest The first 28 bytes of {hashTerms} of the terms.
     */
    struct Settlement {
        State state;
        bool agentApproved;
        bool sellerCancelConsent;
        bool buyerCancelConsent;
        bytes28 termsDigest;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice Step 1: a settlement was registered and the seller's units locked.
     * @param id The settlement ID.
     * @param seller The seller (`terms.seller`).
     * @param buyer The buyer (`terms.buyer`).
     * @param terms The full terms; every later call on `id` must present them unchanged.
     */
    event SettlementCreated(
        bytes32 indexed id,
        address indexed seller,
        address indexed buyer,
        Terms terms
    );
    /**
     * @notice Step 2: the buyer affirmed the terms; `submitter` sent the transaction.
     * @param id The settlement ID.
     * @param buyer The buyer whose affirmation was recorded.
     * @param submitter The account that sent the transaction (the buyer, or anyone relaying its
     * signature or settling a batch).
     */
    event SettlementAffirmed(bytes32 indexed id, address indexed buyer, address submitter);
    /**
     * @notice Step 5: the named agent approved.
     * @param id The settlement ID.
     * @param agent The named agent that approved.
     */
    event SettlementApproved(bytes32 indexed id, address indexed agent);
    /**
     * @notice Step 6: both legs moved, exactly as the terms of {SettlementCreated} for `id` say
     * (`quantity` ST units seller to buyer, `amount` cash units buyer to seller). The event
     * carries no copy of the terms: `id` joins it to {SettlementCreated}.
     * @param id The settlement ID.
     * @param seller The seller, who received the cash.
     * @param buyer The buyer, who received the ST.
     */
    event SettlementSettled(bytes32 indexed id, address indexed seller, address indexed buyer);
    /**
     * @notice `party` asked to cancel an affirmed settlement; it cancels once both have.
     * @param id The settlement ID.
     * @param party The seller or buyer that consented.
     */
    event SettlementCancelConsented(bytes32 indexed id, address indexed party);
    /**
     * @notice The settlement was cancelled; `released` units went back to the seller.
     * @param id The settlement ID.
     * @param released The seller's units released back to it: `terms.quantity`.
     */
    event SettlementCancelled(bytes32 indexed id, uint256 released);
    /**
     * @notice The deadline passed and the seller's units were reclaimed (`released` of them).
     * @param id The settlement ID.
     * @param released The seller's units released back to it: `terms.quantity`.
     */
    event SettlementExpired(bytes32 indexed id, uint256 released);
    /**
     * @notice The agent rejected the settlement; `released` units went back to the seller.
     * @param id The settlement ID.
     * @param agent The named agent that rejected.
     * @param reason The agent's reason code (opaque to the contract).
     * @param released The seller's units released back to it: `terms.quantity`.
     */
    event SettlementRejected(
        bytes32 indexed id,
        address indexed agent,
        bytes32 reason,
        uint256 released
    );
    /**
     * @notice An issuer or enforcement path of the security token took `removed` of the
     * settlement's units out of this contract's lock and named the settlement (`forceUnlock` or
     * `forceChangeLockedAccount` with `data = abi.encode(terms)`): it is now `Failed` and the rest
     * of its quantity, `released`, went back to the seller (`removed + released == quantity`).
     * @param id The settlement ID.
     * @param operator The role holder that called the security token.
     * @param removed The units the forced path took (released to its recipient, or relocated).
     * @param released The settlement's remaining units, released back to the seller.
     */
    event SettlementFailed(
        bytes32 indexed id,
        address indexed operator,
        uint256 removed,
        uint256 released
    );
    /**
     * @notice The security token's issuer ended the settlement ({terminate}); `released` units
     * went back to the seller. The settlement is now `Failed`.
     * @param id The settlement ID.
     * @param issuer The FORCE_UNLOCK_ROLE holder of the security token that terminated it.
     * @param reason The issuer's reason code (opaque to the contract).
     * @param released The seller's units released back to it: `terms.quantity`.
     */
    event SettlementTerminated(
        bytes32 indexed id,
        address indexed issuer,
        bytes32 reason,
        uint256 released
    );
    /**
     * @notice In a per-item batch, settling the open settlement `id` was tried and reverted with
     * `reason`; it stays open.
     * @param id The settlement ID of the item.
     * @param reason The item's revert data (typically an ABI-encoded custom error).
     */
    event SettlementAttemptFailed(bytes32 indexed id, bytes reason);
    /**
     * @notice In a per-item batch, the item `id` was not tried: it is not open (`state` is
     * `None` for an ID never created, or a terminal state, e.g. settled earlier in the batch).
     * @param id The settlement ID of the item.
     * @param state The state the item was found in.
     */
    event SettlementAttemptSkipped(bytes32 indexed id, State state);
    // The units of no settlement change with {ILockBook-UnassignedLockChanged}, emitted by the
    // contract's books (`LockBook`): declared once there, so the contract's ABI holds it once.
    /**
     * @notice A security token was listed or delisted.
     * @param token The security token contract.
     * @param listed True when now listed, false when delisted.
     */
    event SecurityTokenListed(address indexed token, bool listed);
    /**
     * @notice A cash token was listed or delisted.
     * @param token The cash token contract.
     * @param listed True when now listed, false when delisted.
     */
    event CashTokenListed(address indexed token, bool listed);

    // ---------------------------------------------------------------- errors

    /// @notice Settlement `id` is in state `current`; `expectedStates` has bit `1 << s` set for
    /// each state `s` the call accepts.
    error DvpUnexpectedState(bytes32 id, State current, bytes32 expectedStates);
    /// @notice The terms given for `id` do not match the commitment stored at creation.
    error DvpTermsMismatch(bytes32 id);
    /// @notice The settlement ID is zero.
    error DvpZeroSettlementId();
    /// @notice The data of a holder's lock to this contract is `length` bytes long, not the 288 of
    /// `abi.encode(terms)`; or the `length` bytes of a forced removal's data start with terms
    /// whose address or deadline word is not a clean value of its type (dirty high bits).
    error DvpMalformedTerms(uint256 length);
    /// @notice `token` is not a listed security token.
    error DvpUnlistedSecurityToken(address token);
    /// @notice `token` is not a listed cash token.
    error DvpUnlistedCashToken(address token);
    /// @notice A lock notification does not match the terms of `id`: `token` locked (or, by a
    /// forced removal naming `id`, took more than the quantity or not the seller's) `amount` units
    /// of `account`.
    error DvpLockMismatch(bytes32 id, address token, address account, uint256 amount);
    /// @notice A forced removal of `value` units of `account` from this contract's lock on `token`
    /// named no settlement, and only `unassigned` of them belong to none.
    error DvpForcedRemovalExceedsUnassigned(
        address token,
        address account,
        uint256 value,
        uint256 unassigned
    );
    /// @notice Seller and buyer must be distinct non-zero accounts.
    error DvpInvalidParties(address seller, address buyer);
    /// @notice Quantity and amount must both be non-zero.
    error DvpZeroValue(uint256 quantity, uint256 amount);
    /// @notice `agent` does not hold SETTLEMENT_AGENT_ROLE (at creation, approval or rejection), or
    /// is the seller or the buyer (at creation).
    error DvpInvalidAgent(address agent);
    /// @notice The deadline of `id` has passed (`nowTime` is the block time).
    error DvpDeadlinePassed(bytes32 id, uint64 deadline, uint256 nowTime);
    /// @notice The deadline of `id` has not passed yet.
    error DvpDeadlineNotPassed(bytes32 id, uint64 deadline, uint256 nowTime);
    /// @notice `caller` may not do this to settlement `id`.
    error DvpUnauthorized(bytes32 id, address caller);
    /// @notice The signature for `id` is not `expectedSigner`'s.
    error DvpInvalidSignature(bytes32 id, address expectedSigner);
    /// @notice Settlement `id` names `agent`, whose approval is still missing.
    error DvpAgentApprovalMissing(bytes32 id, address agent);
    /// @notice `agent` approved settlement `id`, but lost SETTLEMENT_AGENT_ROLE since: the approval
    /// was withdrawn (an agent granted the role again must approve again).
    error DvpAgentApprovalRevoked(bytes32 id, address agent);
    /// @notice Settlement `id` already carries the approval of `agent` in its current epoch.
    error DvpAlreadyApproved(bytes32 id, address agent);
    /// @notice `account` lost SETTLEMENT_AGENT_ROLE 65,535 times: it cannot be granted the role
    /// again (its approvals are stamped in 16 bits, which must never wrap); use another address.
    error DvpAgentEpochsExhausted(address account);
    /// @notice Batch arrays or inputs are empty or inconsistent.
    error DvpEmptyBatch();
    /// @notice Only the contract itself may call this.
    error DvpOnlySelf(address caller);

    // ---------------------------------------------------------------- roles

    /**
     * @notice Role that may pause and unpause (the pause stops creation, affirmation, approval
     * and settlement; never cancel, reject, reclaim, terminate or the security token's forced-path
     * callbacks, so a seller's units can always be released).
     * @return The role identifier.
     */
    function PAUSER_ROLE() external view returns (bytes32);

    /**
     * @notice Role an account must hold to be named as a settlement's agent: checked when the
     * settlement is created, when the named agent approves or rejects, and (through the agent's
     * epoch) when the settlement settles. The named agent alone may approve or reject it; revoking
     * the role withdraws the agent's approvals.
     * @return The role identifier.
     */
    function SETTLEMENT_AGENT_ROLE() external view returns (bytes32);

    // ---------------------------------------------------------------- step 2: matching

    /**
     * @notice The buyer affirms the exact terms of a pending settlement.
     * @dev Requirements: not paused; caller is `terms.buyer`; state `Pending`; terms match;
     * deadline not passed. Emits {SettlementAffirmed}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function affirm(Terms calldata terms) external;

    /**
     * @notice Affirms on the buyer's behalf with its EIP-712 `Affirm` signature (ECDSA, or
     * ERC-1271 for a contract buyer). Anyone may submit it.
     * @dev As {affirm}, with the signature in place of the caller check. A signature covers one
     * settlement ID and its exact terms, and the state moves once, so it cannot be replayed.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param signature The buyer's EIP-712 `Affirm` signature over the terms ({affirmDigest}).
     */
    function affirmBySig(Terms calldata terms, bytes calldata signature) external;

    // ---------------------------------------------------------------- step 5: verification

    /**
     * @notice The named agent approves the settlement, in its current epoch.
     * @dev Requirements: not paused; state `Pending` or `Affirmed`; terms match; caller is
     * `terms.agent`, which still holds SETTLEMENT_AGENT_ROLE ({DvpInvalidAgent} otherwise);
     * deadline not passed; no approval of this agent's current epoch yet ({DvpAlreadyApproved}:
     * after its role was revoked and granted again, the agent may approve again). Emits
     * {SettlementApproved}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function approveSettlement(Terms calldata terms) external;

    /**
     * @notice {approveSettlement} with the agent's EIP-712 `Approve(Terms terms,uint256
     * agentEpoch)` signature; anyone may submit. The signature covers the agent's epoch, so it is
     * void once the agent's role is revoked, and a replay reverts with {DvpAlreadyApproved}.
     * @dev Requirements as {approveSettlement}, with the signature (ECDSA, or ERC-1271 for a
     * contract agent) in place of the caller check; the role is checked before the signature.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param signature The agent's EIP-712 `Approve` signature over the terms and its current
     * epoch ({approveDigest}).
     */
    function approveSettlementBySig(Terms calldata terms, bytes calldata signature) external;

    /**
     * @notice The named agent rejects the settlement; the seller's units are released to it.
     * @dev Requirements: state `Pending` or `Affirmed`; terms match; caller is `terms.agent`,
     * which still holds SETTLEMENT_AGENT_ROLE ({DvpInvalidAgent} otherwise). Works while paused.
     * Emits {SettlementRejected}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param reason The agent's reason code, emitted in {SettlementRejected}.
     */
    function reject(Terms calldata terms, bytes32 reason) external;

    /**
     * @notice The security token's issuer ends one open settlement, its last resort on units
     * locked to this contract: the settlement becomes `Failed` and exactly its own units
     * (`terms.quantity`) go back to the seller, so the seller's other open settlements keep
     * theirs. To move the units elsewhere instead, the issuer names the settlement in
     * {ISecurityToken-forceUnlock}'s `data` (`abi.encode(terms)`).
     * @dev Requirements: state `Pending` or `Affirmed`; terms match; the caller holds
     * `FORCE_UNLOCK_ROLE` on `terms.securityToken` (asked from the token; {DvpUnauthorized}
     * otherwise). Works while paused. Emits {SettlementTerminated}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param reason The issuer's reason code, emitted in {SettlementTerminated}.
     */
    function terminate(Terms calldata terms, bytes32 reason) external;

    // ---------------------------------------------------------------- steps 4-6: settlement

    /**
     * @notice Settles: `amount` cash moves buyer -> seller and `quantity` locked ST moves
     * seller -> buyer, in this one call. The buyer calling it affirms the terms if it had not.
     * @dev Requirements: not paused; terms match; state `Affirmed`, or `Pending` with the buyer
     * calling; deadline not passed; if an agent is named, its approval given in its current epoch
     * ({DvpAgentApprovalMissing}, or {DvpAgentApprovalRevoked} when its role was revoked since
     * it approved); this contract allowed to
     * spend `amount` of the buyer's cash; both tokens' rules pass (a token's refusal reverts the
     * call with that token's error, and nothing moves). The security leg moves first, then the
     * cash leg. Emits {SettlementSettled} (after {SettlementAffirmed} when the buyer affirms here).
     * @return settled Always true: a settlement that cannot settle reverts.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function settle(Terms calldata terms) external returns (bool settled);

    /**
     * @notice {settle} with the buyer's signed payment instead of an allowance: the cash leg is the
     * cash token's {IDepositToken-transferWithAuthorization} of `terms.amount` from the buyer to
     * `terms.seller` with this contract as the only spender and `terms.id` as the nonce. The
     * signature therefore serves this settlement only (no other settlement, amount, payee or
     * spender; a front-runner cannot redirect it), and a buyer may sign any number of them at once
     * (nonces are the settlement IDs, not a sequence).
     * @dev Requirements as {settle}, except the allowance: the cash token must implement
     * {IDepositToken-transferWithAuthorization} (DCJPY does), `block.timestamp < validBefore`, the
     * nonce `terms.id` unused by the buyer and `signature` the buyer's EIP-712
     * `TransferWithAuthorization(from = buyer, to = seller, value = amount, spender = this
     * contract, validBefore, nonce = id)` under the cash token's domain; the cash token's errors
     * revert the call. Emits {SettlementSettled} (after {SettlementAffirmed} when the buyer
     * affirms here), and the cash token's {IDepositToken-AuthorizationUsed}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param validBefore The authorization's `validBefore` (the buyer signed it).
     * @param signature The buyer's signature over the authorization.
     * @return settled Always true: a settlement that cannot settle reverts.
     */
    function settleWithAuthorization(
        Terms calldata terms,
        uint256 validBefore,
        bytes calldata signature
    ) external returns (bool settled);

    /**
     * @notice Settles many settlements in one transaction, all or nothing: if any item cannot
     * settle the whole call reverts with that item's error.
     * @dev Each item as {settle}.
     * @param terms The terms of each settlement.
     */
    function settleBatch(Terms[] calldata terms) external;

    /**
     * @notice Settles many settlements in one transaction, each on its own: an item whose ID is
     * not open (never created, settled, cancelled, expired, rejected, failed) is not tried and is
     * reported with {SettlementAttemptSkipped} and its state; an open item whose settle reverts is
     * left as it was and reported with {SettlementAttemptFailed} and its revert data; both report
     * false, and the others go on.
     * @return settled For each item, whether both legs moved.
     * @param terms The terms of each settlement.
     */
    function settleBatchPerItem(Terms[] calldata terms) external returns (bool[] memory settled);

    /**
     * @notice Settles one item of a per-item batch. Only callable by this contract.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param caller The sender of the {settleBatchPerItem} call, checked as the caller of {settle}.
     * @return settled Always true: an item that cannot settle reverts.
     */
    function settleItem(Terms calldata terms, address caller) external returns (bool settled);

    // ---------------------------------------------------------------- failure paths

    /**
     * @notice Cancels by consent. While `Pending`, the seller or the buyer alone cancels; once
     * `Affirmed`, both must call (the second call cancels). The seller's units are released to it.
     * @dev Requirements: caller is the seller or the buyer; state `Pending` or `Affirmed`; terms
     * match. Works while paused. Emits {SettlementCancelConsented} and/or {SettlementCancelled}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function cancel(Terms calldata terms) external;

    /**
     * @notice After the deadline, releases the seller's units back to it. Anyone may call.
     * @dev Requirements: state `Pending` or `Affirmed`; terms match; deadline passed. Works while
     * paused. Emits {SettlementExpired}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function reclaim(Terms calldata terms) external;

    // ---------------------------------------------------------------- admin

    /**
     * @notice Lists or delists a security token. Requirements: default admin.
     * Emits {SecurityTokenListed}. Delisting stops new settlements only.
     * @param token The security token contract.
     * @param listed True to list, false to delist.
     */
    function setSecurityTokenListed(address token, bool listed) external;

    /**
     * @notice Lists or delists a cash token. Requirements: default admin. Emits {CashTokenListed}.
     * @param token The cash token contract.
     * @param listed True to list, false to delist.
     */
    function setCashTokenListed(address token, bool listed) external;

    /// @notice Pauses creation, affirmation, approval and settlement (never cancel, reject,
    /// reclaim, terminate or the forced-path callbacks). Requirements: PAUSER_ROLE.
    function pause() external;

    /// @notice Lifts the pause. Requirements: PAUSER_ROLE.
    function unpause() external;

    // ---------------------------------------------------------------- views

    /**
     * @notice The stored record of settlement `id` (all zero when unknown).
     * @param id The settlement ID.
     * @return The stored record.
     */
    function settlementOf(bytes32 id) external view returns (Settlement memory);

    /**
     * @notice The state of settlement `id`.
     * @param id The settlement ID.
     * @return The current state (`None` when unknown).
     */
    function stateOf(bytes32 id) external view returns (State);

    /**
     * @notice The EIP-712 struct hash of `terms` (type `Terms(bytes32 id,address seller,...)`).
     * @param terms The terms to hash.
     * @return The struct hash; its first 28 bytes are the stored commitment.
     */
    function hashTerms(Terms calldata terms) external view returns (bytes32);

    /**
     * @notice Whether `terms` match the commitment stored for `terms.id`.
     * @param terms The terms to check.
     * @return True when the stored commitment for `terms.id` equals the first 28 bytes of
     * {hashTerms}.
     */
    function verifyTerms(Terms calldata terms) external view returns (bool);

    /**
     * @notice The EIP-712 digest the buyer signs to affirm `terms`.
     * @param terms The terms to affirm.
     * @return The EIP-712 digest of `Affirm(Terms terms)` under this contract's domain.
     */
    function affirmDigest(Terms calldata terms) external view returns (bytes32);

    /**
     * @notice The EIP-712 digest the agent signs to approve `terms`, in its current epoch.
     * @param terms The terms to approve.
     * @return The EIP-712 digest of `Approve(Terms terms,uint256 agentEpoch)` with
     * `agentEpoch = agentEpochOf(terms.agent)`, under this contract's domain.
     */
    function approveDigest(Terms calldata terms) external view returns (bytes32);

    /**
     * @notice How many times `agent` lost SETTLEMENT_AGENT_ROLE (revoked or renounced): the epoch
     * its approvals and approval signatures are given in.
     * @param agent The account.
     * @return The agent's current epoch.
     */
    function agentEpochOf(address agent) external view returns (uint256);

    /**
     * @notice Whether the settlement of `terms` carries an approval of its agent (`terms.agent`)
     * that counts now: the settlement is open (`Pending` or `Affirmed`), `terms` match its
     * commitment, and the approval was given in the agent's current epoch (so the agent holds its
     * role and was not revoked since). False in every other case (unknown, settled or ended
     * settlement; other terms; no agent named; no approval, or one the agent lost); never reverts.
     * @param terms The settlement's terms; the agent is `terms.agent`.
     * @return True when {settle} would accept the approval (its other checks aside: the buyer's
     * affirmation, the deadline, the legs).
     */
    function isApprovalValid(Terms calldata terms) external view returns (bool);

    /**
     * @notice Units of `account` locked to this contract on security token `token` that belong to
     * no settlement (issued or force-locked to this contract, relocated into it). Only the
     * token's issuer and enforcement paths change it; for every token and seller,
     * `lockedOf(this, seller)` equals the open settlements' quantities plus this.
     * @param token The security token.
     * @param account The holder.
     * @return The unassigned units.
     */
    function unassignedLockOf(address token, address account) external view returns (uint256);

    /**
     * @notice Whether `token` is a listed security token.
     * @param token The contract to check.
     * @return True when `token` is listed as a security token.
     */
    function isSecurityTokenListed(address token) external view returns (bool);

    /**
     * @notice Whether `token` is a listed cash token.
     * @param token The contract to check.
     * @return True when `token` is listed as a cash token.
     */
    function isCashTokenListed(address token) external view returns (bool);

    /// @notice Whether the contract is paused.
    /// @return True when the contract is paused.
    function paused() external view returns (bool);
}
