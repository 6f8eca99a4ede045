// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedger} from "../interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../interfaces/ICrossLedgerDelivery.sol";
import {ILockBook} from "../interfaces/ILockBook.sol";
import {CrossLedgerBase} from "./CrossLedgerBase.sol";
import {LockBook} from "./LockBook.sol";
import {LockBookReceiver} from "./LockBookReceiver.sol";

/**
 * @title CrossLedgerDelivery
 * @notice The ST-ledger contract of a two-ledger settlement: holds the seller's units locked for
 * one settlement and delivers them to the buyer on the verifier's `Paid` attestation, or returns
 * them to the seller on its `Refunded` attestation. See {ICrossLedgerDelivery} for the steps, the
 * state machine and the table of who may call what, and {ICrossLedger} for the attestation.
 *
 * Implementation notes:
 * - One storage slot per settlement ({ICrossLedgerDelivery-Delivery}); the terms travel in
 *   calldata and in {DeliveryRegistered} and are checked against the stored 28-byte commitment.
 * - The attestation's domain is this contract's own EIP-712 domain (OpenZeppelin {EIP712}, with
 *   ERC-5267 `eip712Domain()`): name "Kessai CrossLedgerDelivery", version "1", this chain, this
 *   contract. Registration requires `terms.stChainId == block.chainid` and `terms.stLedger ==
 *   this`, so the cash ledger, which rebuilds the domain from the terms, verifies the same digest.
 *   On a fork that changes the chain ID the domain follows the new ID: an attestation signed for
 *   the old chain is void there.
 * - The seller's units for all its settlements on a token sit in one lock bucket; the books of
 *   units that belong to no settlement are kept by {LockBook}, with the single-chain DVP's rules
 *   and event.
 * - Only registration is paused; deliveries, returns, waivers and the forced-path callbacks work
 *   while paused. No function of this contract depends on time after registration.
 */
contract CrossLedgerDelivery is ICrossLedgerDelivery, CrossLedgerBase, EIP712, LockBookReceiver {
    /// @dev Bit masks of accepted states, in the format of {DeliveryUnexpectedState}.
    bytes32 private constant _NONE = bytes32(uint256(1) << uint8(State.None));
    bytes32 private constant _LOCKED = bytes32(uint256(1) << uint8(State.Locked));

    // ---------------------------------------------------------------- storage

    mapping(bytes32 id => Delivery) private _deliveries;

    // ---------------------------------------------------------------- constructor

    /**
     * @notice Deploys the delivery contract with `initialAdmin` as default admin; no token or
     * counterpart is listed and no other role is granted yet.
     * @param initialDelay Delay of a default-admin handover, in seconds.
     * @param initialAdmin The default admin; it grants PAUSER_ROLE and VERIFIER_ROLE and lists
     * the security tokens and the cash ledger.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin
    )
        CrossLedgerBase(initialDelay, initialAdmin)
        EIP712(_DELIVERY_NAME, _DELIVERY_VERSION)
        LockBookReceiver(
            type(ICrossLedgerDelivery).interfaceId,
            DeliveryUnlistedSecurityToken.selector,
            _TERMS_ENCODED_LENGTH,
            DeliveryMalformedTerms.selector,
            // The words of `abi.encode(terms)` that hold an address (seller 1, buyer 2, stLedger 4,
            // securityToken 5, cashLedger 8, cashToken 9, verifier 12), then the one that holds
            // the `uint64` deadline (11).
            (1 << 1) | (1 << 2) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 12),
            1 << 11,
            DeliveryLockMismatch.selector,
            DeliveryForcedRemovalExceedsUnassigned.selector
        )
    {}

    // ---------------------------------------------------------------- step 6

    /**
     * @inheritdoc ICrossLedgerDelivery
     * @dev The state is written before the token call; a refusal of the token reverts the whole
     * call, so the record stays `Locked`.
     */
    function deliver(
        CrossLedgerTerms calldata terms,
        bytes calldata attestation
    ) external nonReentrant {
        bytes32 hashed = _load(terms);
        _requireAttestation(terms, hashed, Outcome.Paid, attestation);
        bytes32 id = terms.id;
        _deliveries[id].state = State.Delivered;
        LockBook.release(terms.securityToken, terms.seller, terms.buyer, terms.quantity, id);
        emit SettlementDelivered(id, terms.buyer, terms.quantity, msg.sender);
    }

    /// @inheritdoc ICrossLedgerDelivery
    function returnToSeller(
        CrossLedgerTerms calldata terms,
        bytes calldata attestation
    ) external nonReentrant {
        bytes32 hashed = _load(terms);
        _requireAttestation(terms, hashed, Outcome.Refunded, attestation);
        _return(terms);
    }

    /// @inheritdoc ICrossLedgerDelivery
    function waive(CrossLedgerTerms calldata terms) external nonReentrant {
        _load(terms);
        if (msg.sender != terms.buyer) revert CrossLedgerUnauthorized(terms.id, msg.sender);
        emit SettlementWaived(terms.id, msg.sender);
        _return(terms);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc ICrossLedgerDelivery
    function setSecurityTokenListed(address token, bool listed) external {
        _setListed(_securityTokenListed, token, listed);
        emit SecurityTokenListed(token, listed);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICrossLedgerDelivery
    function deliveryOf(bytes32 id) external view returns (Delivery memory) {
        return _deliveries[id];
    }

    /// @inheritdoc ICrossLedgerDelivery
    function stateOf(bytes32 id) external view returns (State) {
        return _deliveries[id].state;
    }

    /// @inheritdoc ILockBook
    function unassignedLockOf(address token, address account) external view returns (uint256) {
        return _unassigned[token][account];
    }

    /// @inheritdoc ICrossLedgerDelivery
    function isSecurityTokenListed(address token) external view returns (bool) {
        return _securityTokenListed[token];
    }

    /// @inheritdoc ICrossLedger
    function verifyTerms(CrossLedgerTerms calldata terms) external view returns (bool) {
        Delivery memory record = _deliveries[terms.id];
        return record.state != State.None && record.termsDigest == bytes28(_hashTerms(terms));
    }

    /// @inheritdoc ICrossLedger
    function paused() public view override(ICrossLedger, CrossLedgerBase, Pausable) returns (bool) {
        return super.paused();
    }

    /**
     * @notice ERC-165: {ICrossLedgerDelivery} and {ISecurityTokenLockReceiver}, reported by
     * {LockBookReceiver}, besides the access control's interfaces.
     * @param interfaceId The interface identifier.
     * @return Whether the contract implements it.
     */
    function supportsInterface(
        bytes4 interfaceId
    ) public view override(AccessControlDefaultAdminRules, LockBookReceiver) returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internal

    /// @dev The attestation's digest under this contract's EIP-712 domain.
    function _outcomeDigest(
        CrossLedgerTerms calldata,
        bytes32 hashedTerms,
        Outcome outcome
    ) internal view override returns (bytes32) {
        return _hashTypedDataV4(_outcomeStructHash(hashedTerms, outcome));
    }

    /**
     * @dev {LockBookReceiver-onSecurityTokenLocked} registers the settlement whose terms are
     * `data` (`abi.encode(terms)`, exactly 416 bytes: {DeliveryMalformedTerms} otherwise).
     * Requirements, in this order: not paused; the caller is a listed security token
     * ({DeliveryUnlistedSecurityToken}); `data` 416 bytes long; then here: the caller is
     * `terms.securityToken`, `account` is `terms.seller` and `amount` is `terms.quantity`
     * ({DeliveryLockMismatch}); then {CrossLedgerBase-_checkNewTerms} with this contract as the
     * ST side; state `None`. Emits {DeliveryRegistered}.
     */
    function _register(address account, uint256 amount, bytes calldata data) internal override {
        CrossLedgerTerms calldata terms = _termsIn(data);
        bytes32 id = terms.id;
        if (
            terms.securityToken != msg.sender || terms.seller != account || terms.quantity != amount
        ) revert DeliveryLockMismatch(id, msg.sender, account, amount);
        _checkNewTerms(terms, true);
        State current = _deliveries[id].state;
        if (current != State.None) revert DeliveryUnexpectedState(id, current, _NONE);

        bytes32 hashed = _hashTerms(terms);
        _deliveries[id] = Delivery({state: State.Locked, termsDigest: bytes28(hashed)});
        emit DeliveryRegistered(id, account, terms.buyer, hashed, terms);
    }

    /**
     * @dev {LockBookReceiver}, read as the single-chain DVP reads its forced removals: `data`
     * starts with clean terms (at least 416 bytes, each address and the deadline a clean value of
     * its type, {DeliveryMalformedTerms}(`data.length`) otherwise); the state must be `Locked`,
     * the terms match, the caller be `terms.securityToken`, the account be `terms.seller` and
     * the amount at most `terms.quantity` ({DeliveryLockMismatch} otherwise). It becomes `Failed`
     * at once and the rest of its quantity goes back to the seller; emits {SettlementFailed}.
     */
    function _failSettlement(bytes calldata data, ForcedRemoval memory removal) internal override {
        CrossLedgerTerms calldata terms = _termsIn(data);
        _load(terms);
        bytes32 id = terms.id;
        _deliveries[id].state = State.Failed;
        uint256 rest = _releaseRest(id, terms.securityToken, terms.seller, terms.quantity, removal);
        emit SettlementFailed(id, removal.operator, removal.amount, rest);
    }

    /// @dev Marks the `Locked` settlement `Returned` and releases its quantity to the seller (an
    /// unlock to its own holder, allowed in every token state). Emits {SettlementReturned}.
    function _return(CrossLedgerTerms calldata terms) private {
        bytes32 id = terms.id;
        _deliveries[id].state = State.Returned;
        LockBook.release(terms.securityToken, terms.seller, terms.seller, terms.quantity, id);
        emit SettlementReturned(id, terms.seller, terms.quantity, msg.sender);
    }

    /**
     * @dev Reverts unless the record of `terms.id` is `Locked` ({DeliveryUnexpectedState}) and
     * `terms` match its commitment ({CrossLedgerTermsMismatch}). Returns the struct hash of
     * `terms`.
     */
    function _load(CrossLedgerTerms calldata terms) private view returns (bytes32 hashed) {
        Delivery memory record = _deliveries[terms.id];
        if (record.state != State.Locked) {
            revert DeliveryUnexpectedState(terms.id, record.state, _LOCKED);
        }
        hashed = _hashTerms(terms);
        if (record.termsDigest != bytes28(hashed)) revert CrossLedgerTermsMismatch(terms.id);
    }

    /**
     * @dev `data` (`abi.encode(terms)` first, length checked by the caller) read in place as
     * `CrossLedgerTerms`: its thirteen static words are the calldata layout of the struct; member
     * reads are validated by the ABI decoder (dirty address bits revert).
     */
    function _termsIn(bytes calldata data) private pure returns (CrossLedgerTerms calldata terms) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            terms := data.offset
        }
    }
}
