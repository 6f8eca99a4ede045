// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "./ICrossLedger.sol";
import {ILockBook} from "./ILockBook.sol";
import {ISecurityTokenLockReceiver} from "./ISecurityToken.sol";

/**
 * @title ICrossLedgerDelivery
 * @notice The ST-ledger side of a two-ledger settlement: the seller's units, locked for one
 * settlement whose cash leg is on another chain, go to the buyer on the verifier's `Paid`
 * attestation or back to the seller on its `Refunded` attestation, presented by anyone. See
 * {ICrossLedger} for the seven steps across both ledgers and the attestation.
 *
 * Steps on this ledger:
 * 1. The seller calls `securityToken.lock(delivery, quantity, abi.encode(terms))`: its units are
 *    locked to this contract (they stay in its balance) and the token calls
 *    {onSecurityTokenLocked}, which registers the settlement (`Locked`) if the terms name this
 *    chain and this contract as the ST ledger, a listed counterpart as the cash ledger, a listed
 *    security token (the caller), a VERIFIER_ROLE holder, and a future deadline.
 * 6. Anyone calls {deliver} with the `Paid` attestation (which the verifier signs only once the
 *    cash ledger's `SettlementPaid` has its confirmations; the cash ledger's pay order is not an
 *    attestation and is refused here): the units go to the buyer under the token's rules. A refusal of the token (paused, inactive, buyer suspended)
 *    reverts the call and the settlement stays `Locked` and deliverable: retry later; the issuer
 *    can also resolve it (below). Or anyone calls {returnToSeller} with the `Refunded`
 *    attestation: the units go back to the seller (releasing a lock to its own holder works in
 *    every token state).
 *
 * No time-out: nothing on this ledger returns the units to the seller because time passed, so
 * nothing can race a settlement the cash ledger paid (a hashed-timelock swap's failure mode). The
 * units leave a `Locked` settlement only by the verifier's attestation, by the buyer giving up its
 * claim ({waive}), or by the issuer's enforcement naming the settlement.
 *
 * Liveness when the verifier is down: both outcomes need the verifier's attestation, which it
 * signs after the cash ledger executed them (once signed, anyone presents it, at any time).
 * Without it the seller's units stay locked until the verifier returns, the buyer waives (after a
 * refund), or the issuer steps in. The issuer's path: `forceUnlock(delivery, seller,
 * recipient, value, abi.encode(terms))` naming the settlement, with FORCE_UNLOCK_ROLE on the token:
 * the settlement becomes `Failed`, `value` units go to `recipient` (the buyer, if the cash ledger
 * shows `Paid`; the seller, if it shows `Refunded` or no instruction before the deadline) and the
 * rest back to the seller. Issuer paths ignore the token's pause, status and transfer switches
 * and need only an eligible recipient, so they also resolve a paid delivery the token refuses.
 *
 * State machine (terminal states kept forever; an ID is never reused):
 *   None --lock (step 1)--> Locked
 *   Locked --deliver, `Paid` attestation, anyone--> Delivered
 *   Locked --returnToSeller, `Refunded` attestation, anyone--> Returned
 *   Locked --waive, the buyer--> Returned
 *   Locked --the issuer's forced removal naming the settlement (forceUnlock,
 *            forceChangeLockedAccount with data = abi.encode(terms))--> Failed
 *
 * Books ({ILockBook}, the same rules and event as the single-chain DVP's): for every token and seller,
 *   lockedOf(this, seller) == sum of its Locked settlements' quantities + unassignedLockOf(token, seller);
 * a forced removal must name the settlement it takes from (data = `abi.encode(terms)`, 416 bytes,
 * which any further bytes may follow; malformed terms there are refused with
 * {DeliveryMalformedTerms}) or take only unassigned units ({DeliveryForcedRemovalExceedsUnassigned}).
 *
 * Who may call what:
 * | function                     | caller                                                 | states |
 * | ---------------------------- | ------------------------------------------------------ | ------ |
 * | onSecurityTokenLocked        | a listed security token, for the seller's lock (not paused) | None |
 * | onSecurityTokenLockAdded     | a security token (its own books only)                  | -      |
 * | onSecurityTokenLockRemoved   | a security token; naming a settlement: its own         | Locked |
 * | deliver                      | anyone, with the verifier's `Paid` attestation         | Locked |
 * | returnToSeller               | anyone, with the verifier's `Refunded` attestation     | Locked |
 * | waive                        | the buyer                                              | Locked |
 * | setSecurityTokenListed, setCounterpartListed | default admin                          | -      |
 * | pause, unpause               | PAUSER_ROLE (stops step 1 only)                        | -      |
 * The contract holds no ST of its own: it only holds locks on sellers' units.
 */
interface ICrossLedgerDelivery is ICrossLedger, ISecurityTokenLockReceiver, ILockBook {
    /// @notice Lifecycle of a settlement on the ST ledger.
    enum State {
        None,
        Locked,
        Delivered,
        Returned,
        Failed
    }

    /**
     * @notice The stored record of one settlement (one storage slot).
     * @param state Current state.
     * @param termsDigest The first 28 bytes of {ICrossLedger-hashTerms} of the terms.
     */
    struct Delivery {
        State state;
        bytes28 termsDigest;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice Step 1: the settlement was registered and the seller's units locked.
     * @param id The settlement ID.
     * @param seller The seller (`terms.seller`).
     * @param buyer The buyer (`terms.buyer`).
     * @param termsHash The full {ICrossLedger-hashTerms} of the terms (equal on both ledgers for
     * the same settlement).
     * @param terms The full terms; every later call on `id` must present them unchanged.
     */
    event DeliveryRegistered(
        bytes32 indexed id,
        address indexed seller,
        address indexed buyer,
        bytes32 termsHash,
        CrossLedgerTerms terms
    );
    /**
     * @notice Step 6 on a `Paid` outcome: `quantity` units went from the seller's lock to the buyer.
     * @param id The settlement ID.
     * @param buyer The buyer, who received the units.
     * @param quantity The units delivered (`terms.quantity`).
     * @param submitter The account that presented the attestation.
     */
    event SettlementDelivered(
        bytes32 indexed id,
        address indexed buyer,
        uint256 quantity,
        address submitter
    );
    /**
     * @notice Step 6 on a `Refunded` outcome, or the buyer's waiver: `released` units went back
     * to the seller.
     * @param id The settlement ID.
     * @param seller The seller, whose units were released.
     * @param released The units released (`terms.quantity`).
     * @param submitter The account that presented the attestation, or the buyer that waived.
     */
    event SettlementReturned(
        bytes32 indexed id,
        address indexed seller,
        uint256 released,
        address submitter
    );
    /**
     * @notice The buyer gave up its claim on the units ({waive}); {SettlementReturned} follows.
     * @param id The settlement ID.
     * @param buyer The buyer.
     */
    event SettlementWaived(bytes32 indexed id, address indexed buyer);
    /**
     * @notice An issuer or enforcement path of the security token took `removed` of the
     * settlement's units out of this contract's lock and named the settlement: it is now
     * `Failed` and the rest, `released`, went back to the seller (`removed + released ==
     * quantity`).
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
     * @notice A security token was listed or delisted.
     * @param token The security token contract.
     * @param listed True when now listed.
     */
    event SecurityTokenListed(address indexed token, bool listed);

    // ---------------------------------------------------------------- errors

    /// @notice Settlement `id` is in state `current`; `expectedStates` has bit `1 << s` set for
    /// each state `s` the call accepts.
    error DeliveryUnexpectedState(bytes32 id, State current, bytes32 expectedStates);
    /// @notice The data of a holder's lock to this contract is `length` bytes long, not the 416 of
    /// `abi.encode(terms)`; or the data of a forced removal naming a settlement (`length` >= 416)
    /// holds terms whose address or deadline word is not a clean value of its type (dirty high
    /// bits).
    error DeliveryMalformedTerms(uint256 length);
    /// @notice `token` is not a listed security token.
    error DeliveryUnlistedSecurityToken(address token);
    /// @notice A lock notification does not match the terms of `id`: `token` locked (or, by a
    /// forced removal naming `id`, took more than the quantity or not the seller's) `amount` units
    /// of `account`.
    error DeliveryLockMismatch(bytes32 id, address token, address account, uint256 amount);
    /// @notice A forced removal of `value` units of `account` from this contract's lock on `token`
    /// named no settlement, and only `unassigned` of them belong to none.
    error DeliveryForcedRemovalExceedsUnassigned(
        address token,
        address account,
        uint256 value,
        uint256 unassigned
    );

    // ---------------------------------------------------------------- step 6

    /**
     * @notice Delivers on a `Paid` outcome: the seller's `quantity` locked units go to the buyer.
     * Anyone may call (the buyer, a relayer, the verifier's service).
     * @dev Requirements: state `Locked`; terms match; `attestation` is `terms.verifier`'s
     * signature (ECDSA, or ERC-1271 for a contract verifier) of {outcomeDigest}(terms, `Paid`)
     * ({CrossLedgerInvalidAttestation} otherwise); the security token's rules for a transfer
     * seller -> buyer (its error reverts the call; the settlement stays `Locked`). No deadline,
     * no pause, no role re-check. Emits {SettlementDelivered}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param attestation The verifier's `Paid` attestation.
     */
    function deliver(CrossLedgerTerms calldata terms, bytes calldata attestation) external;

    /**
     * @notice Returns on a `Refunded` outcome: the seller's `quantity` locked units go back to it.
     * Anyone may call.
     * @dev Requirements: state `Locked`; terms match; `attestation` is `terms.verifier`'s
     * signature of {outcomeDigest}(terms, `Refunded`). Works while paused and in every token
     * state. Emits {SettlementReturned}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     * @param attestation The verifier's `Refunded` attestation.
     */
    function returnToSeller(CrossLedgerTerms calldata terms, bytes calldata attestation) external;

    /**
     * @notice The buyer gives up its claim: the seller's units go back to it without an
     * attestation (e.g. the buyer was refunded and the verifier is down). The buyer's own risk:
     * a payment it made is not undone.
     * @dev Requirements: caller is `terms.buyer`; state `Locked`; terms match. Works while
     * paused. Emits {SettlementWaived}, then {SettlementReturned}.
     * @param terms The settlement's full terms, checked against the stored commitment.
     */
    function waive(CrossLedgerTerms calldata terms) external;

    // ---------------------------------------------------------------- admin

    /**
     * @notice Lists or delists a security token. Delisting stops new settlements only.
     * @dev Requirements: default admin. Emits {SecurityTokenListed}.
     * @param token The security token contract.
     * @param listed True to list, false to delist.
     */
    function setSecurityTokenListed(address token, bool listed) external;

    // ---------------------------------------------------------------- views

    /**
     * @notice The stored record of settlement `id` (all zero when unknown).
     * @param id The settlement ID.
     * @return The stored record.
     */
    function deliveryOf(bytes32 id) external view returns (Delivery memory);

    /**
     * @notice The state of settlement `id`.
     * @param id The settlement ID.
     * @return The current state (`None` when unknown).
     */
    function stateOf(bytes32 id) external view returns (State);

    /**
     * @notice Whether `token` is a listed security token.
     * @param token The contract to check.
     * @return True when listed.
     */
    function isSecurityTokenListed(address token) external view returns (bool);
}
