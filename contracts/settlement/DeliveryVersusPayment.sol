// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDeliveryVersusPayment} from "../interfaces/IDeliveryVersusPayment.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {CalldataWords} from "../utils/CalldataWords.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";
import {LockBook} from "./LockBook.sol";
import {LockBookReceiver} from "./LockBookReceiver.sol";
import {TokenListing} from "./TokenListing.sol";

/**
 * @title DeliveryVersusPayment
 * @notice Settles a security token against a deposit token (DCJPY) atomically on a settlement ID
 * both firms agreed. See {IDeliveryVersusPayment} for the seven steps, the state machine and the
 * table of who may call what.
 *
 * Implementation notes:
 * - One storage slot per settlement ({IDeliveryVersusPayment-Settlement}); the terms travel in
 *   calldata and are checked against the stored 28-byte commitment on every call.
 * - Pause is OpenZeppelin {Pausable}: a paused call reverts with `EnforcedPause()`; pausing emits
 *   `Paused(account)`. Cancel, reject, reclaim, terminate and the security token's forced-path
 *   callbacks work while paused, so a seller's units can always be released.
 * - Every external function that changes state is `nonReentrant` (transient-storage guard), except
 *   {settleItem}, which only this contract may call and which runs under the guard taken by
 *   {settleBatchPerItem}.
 * - {settleBatch} is all or nothing; {settleBatchPerItem} skips an item that is not open
 *   ({SettlementAttemptSkipped}) and settles each other item through an external self-call in a
 *   try/catch, so a failing item reverts only its own effects and is reported with
 *   {SettlementAttemptFailed}.
 * - An agent's approval is recorded in the settlement's own slot as the agent's epoch
 *   ({agentEpochOf}, which {_revokeRole} moves on) plus one, in 16 bits: an approval writes no new
 *   slot, and a settlement that names an agent reads one more slot (the agent's epoch) to settle.
 * - The seller's locked units sit in one bucket per seller and token (`lockedOf(this, seller)`),
 *   shared by all its open settlements on that token. The books stay exact without touching the
 *   settlement paths: the token notifies every change it makes to the bucket behind this
 *   contract's back ({ISecurityTokenLockReceiver}), and units that belong to no settlement (issued
 *   or force-locked to this contract, moved into it by relocation) are counted per token and
 *   seller in {unassignedLockOf}, a mapping only those rare notifications touch. So for every
 *   token and seller, `lockedOf(this, seller)` equals the open settlements' quantities plus
 *   {unassignedLockOf}: an open settlement is always fully backed, every exit releases exactly
 *   `terms.quantity` (with `unlock(seller, seller, ...)`, which the token allows in every state),
 *   and a settlement only ever consumes or releases its own units. A forced removal must name the
 *   settlement it takes from, which then fails at once, or take only unassigned units.
 */
contract DeliveryVersusPayment is
    IDeliveryVersusPayment,
    AccessControlDefaultAdminRules,
    EIP712,
    Pausable,
    ReentrancyGuardTransient,
    TokenListing,
    LockBookReceiver
{
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- constants

    /// @inheritdoc IDeliveryVersusPayment
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc IDeliveryVersusPayment
    bytes32 public constant SETTLEMENT_AGENT_ROLE = keccak256("SETTLEMENT_AGENT_ROLE");

    /* solhint-disable gas-small-strings */
    /// @notice EIP-712 type hash of {IDeliveryVersusPayment-Terms}.
    bytes32 public constant TERMS_TYPEHASH = keccak256(
        "Terms(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)"
    );
    /// @notice EIP-712 type hash of the buyer's `Affirm(Terms terms)` message.
    bytes32 public constant AFFIRM_TYPEHASH = keccak256(
        "Affirm(Terms terms)Terms(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)"
    );
    /// @notice EIP-712 type hash of the agent's `Approve(Terms terms,uint256 agentEpoch)` message.
    bytes32 public constant APPROVE_TYPEHASH = keccak256(
        "Approve(Terms terms,uint256 agentEpoch)Terms(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)"
    );

    /* solhint-enable gas-small-strings */

    /**
     * @dev The stored form of {IDeliveryVersusPayment-Settlement}, one slot: the state, the two
     * cancel consents as bits of `consents`, the named agent's approval as the agent's epoch + 1
     * when it approved (zero: never approved; at most 2^16 - 1, see {_grantRole}), and the
     * 28-byte commitment to the terms.
     */
    struct Record {
        State state;
        uint8 consents;
        uint16 approvalStamp;
        bytes28 termsDigest;
    }

    /// @dev Bits of {Record-consents}.
    uint8 private constant _SELLER_CONSENT = 1;
    uint8 private constant _BUYER_CONSENT = 2;

    /// @dev Length of `abi.encode(terms)`: nine static words.
    uint256 private constant _TERMS_ENCODED_LENGTH = 9 * 32;

    /// @dev Bit masks of accepted states, in the format of {DvpUnexpectedState}.
    bytes32 private constant _NONE = bytes32(uint256(1) << uint8(State.None));
    bytes32 private constant _PENDING = bytes32(uint256(1) << uint8(State.Pending));
    bytes32 private constant _OPEN = bytes32(
        (uint256(1) << uint8(State.Pending)) | (uint256(1) << uint8(State.Affirmed))
    );

    // ---------------------------------------------------------------- storage

    mapping(bytes32 id => Record) private _settlements;
    mapping(address token => bool) private _cashTokenListed;
    /// @dev How many times each account lost SETTLEMENT_AGENT_ROLE ({_revokeRole}); read only by
    /// approvals and by settlements that name an agent.
    mapping(address agent => uint256) private _agentEpochs;

    // ---------------------------------------------------------------- constructor

    /**
     * @notice Deploys the DVP with `initialAdmin` as default admin; no token is listed and no
     * other role is granted yet.
     * @param initialDelay Delay of a default-admin handover, in seconds.
     * @param initialAdmin The default admin; it grants PAUSER_ROLE and SETTLEMENT_AGENT_ROLE and
     * lists the tokens.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin
    )
        AccessControlDefaultAdminRules(initialDelay, initialAdmin)
        EIP712("Kessai DVP", "1")
        LockBookReceiver(
            type(IDeliveryVersusPayment).interfaceId,
            DvpUnlistedSecurityToken.selector,
            _TERMS_ENCODED_LENGTH,
            DvpMalformedTerms.selector,
            // The words of `abi.encode(terms)` that hold an address (seller 1, buyer 2,
            // securityToken 3, cashToken 5, agent 8), then the one that holds the `uint64`
            // deadline (7).
            (1 << 1) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8),
            1 << 7,
            DvpLockMismatch.selector,
            DvpForcedRemovalExceedsUnassigned.selector
        )
    {}

    // ---------------------------------------------------------------- step 1: creation

    /**
     * @dev {LockBookReceiver-onSecurityTokenLocked} creates the settlement whose terms are `data`
     * (`abi.encode(terms)`, exactly 288 bytes: {DvpMalformedTerms} otherwise). Requirements: not
     * paused; the caller is a listed security token ({DvpUnlistedSecurityToken}) and
     * `terms.securityToken`; `account` is `terms.seller` and `amount` is `terms.quantity`
     * ({DvpLockMismatch} otherwise); the cash token is listed; the ID is non-zero and unused;
     * seller and buyer distinct and non-zero; quantity and amount non-zero; deadline in the
     * future; the agent zero or a SETTLEMENT_AGENT_ROLE holder that is neither party. Emits
     * {SettlementCreated}.
     */
    function _register(address account, uint256 amount, bytes calldata data) internal override {
        Terms calldata terms = _termsIn(data);
        bytes32 id = terms.id;
        if (id == bytes32(0)) revert DvpZeroSettlementId();
        if (
            terms.securityToken != msg.sender || terms.seller != account || terms.quantity != amount
        ) revert DvpLockMismatch(id, msg.sender, account, amount);
        if (!_cashTokenListed[terms.cashToken]) revert DvpUnlistedCashToken(terms.cashToken);
        State current = _settlements[id].state;
        if (current != State.None) revert DvpUnexpectedState(id, current, _NONE);
        address seller = terms.seller;
        address buyer = terms.buyer;
        if (seller == address(0) || buyer == address(0) || seller == buyer) {
            revert DvpInvalidParties(seller, buyer);
        }
        if (terms.quantity == 0 || terms.amount == 0) {
            revert DvpZeroValue(terms.quantity, terms.amount);
        }
        if (terms.deadline <= block.timestamp) {
            revert DvpDeadlinePassed(id, terms.deadline, block.timestamp);
        }
        address agent = terms.agent;
        if (
            agent != address(0) &&
            (agent == seller || agent == buyer || !hasRole(SETTLEMENT_AGENT_ROLE, agent))
        ) revert DvpInvalidAgent(agent);

        _settlements[id] = Record({
            state: State.Pending,
            consents: 0,
            approvalStamp: 0,
            termsDigest: bytes28(_hashTerms(terms))
        });
        emit SettlementCreated(id, seller, buyer, terms);
    }

    // ---------------------------------------------------------------- step 2: matching

    /// @inheritdoc IDeliveryVersusPayment
    function affirm(Terms calldata terms) external whenNotPaused nonReentrant {
        _load(terms, _PENDING);
        if (msg.sender != terms.buyer) revert DvpUnauthorized(terms.id, msg.sender);
        _requireBeforeDeadline(terms);
        _settlements[terms.id].state = State.Affirmed;
        emit SettlementAffirmed(terms.id, terms.buyer, msg.sender);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function affirmBySig(
        Terms calldata terms,
        bytes calldata signature
    ) external whenNotPaused nonReentrant {
        (, , bytes32 hashed) = _load(terms, _PENDING);
        _requireSignature(
            terms.id,
            terms.buyer,
            keccak256(abi.encode(AFFIRM_TYPEHASH, hashed)),
            signature
        );
        _requireBeforeDeadline(terms);
        _settlements[terms.id].state = State.Affirmed;
        emit SettlementAffirmed(terms.id, terms.buyer, msg.sender);
    }

    // ---------------------------------------------------------------- step 5: verification

    /// @inheritdoc IDeliveryVersusPayment
    function approveSettlement(Terms calldata terms) external whenNotPaused nonReentrant {
        _load(terms, _OPEN);
        address agent = terms.agent;
        if (msg.sender != agent) revert DvpUnauthorized(terms.id, msg.sender);
        _requireAgentRole(agent);
        _approve(terms, _agentEpochs[agent]);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function approveSettlementBySig(
        Terms calldata terms,
        bytes calldata signature
    ) external whenNotPaused nonReentrant {
        (, , bytes32 hashed) = _load(terms, _OPEN);
        address agent = terms.agent;
        _requireAgentRole(agent);
        uint256 epoch = _agentEpochs[agent];
        _requireSignature(terms.id, agent, _approveStructHash(hashed, epoch), signature);
        _approve(terms, epoch);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function reject(Terms calldata terms, bytes32 reason) external nonReentrant {
        _load(terms, _OPEN);
        if (msg.sender != terms.agent) revert DvpUnauthorized(terms.id, msg.sender);
        _requireAgentRole(terms.agent);
        _settlements[terms.id].state = State.Rejected;
        uint256 released = _release(terms);
        emit SettlementRejected(terms.id, msg.sender, reason, released);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function terminate(Terms calldata terms, bytes32 reason) external nonReentrant {
        _load(terms, _OPEN);
        ISecurityToken securityToken = ISecurityToken(terms.securityToken);
        if (
            !IAccessControl(address(securityToken)).hasRole(
                securityToken.FORCE_UNLOCK_ROLE(),
                msg.sender
            )
        ) {
            revert DvpUnauthorized(terms.id, msg.sender);
        }
        _settlements[terms.id].state = State.Failed;
        uint256 released = _release(terms);
        emit SettlementTerminated(terms.id, msg.sender, reason, released);
    }

    // ---------------------------------------------------------------- steps 4-6: settlement

    /// @inheritdoc IDeliveryVersusPayment
    function settle(
        Terms calldata terms
    ) external whenNotPaused nonReentrant returns (bool settled) {
        return _settle(terms, msg.sender);
    }

    /**
     * @inheritdoc IDeliveryVersusPayment
     * @dev The cash leg is the cash token's {IDepositToken-transferWithAuthorization} with this
     * contract as the spender, `to = terms.seller`, `value = terms.amount` and
     * `nonce = terms.id`, all read from the verified terms: the signature serves this settlement
     * only. The cash token's own errors (expired, used, invalid authorization, transfer rules)
     * revert the call.
     */
    function settleWithAuthorization(
        Terms calldata terms,
        uint256 validBefore,
        bytes calldata signature
    ) external whenNotPaused nonReentrant returns (bool settled) {
        bool affirmsHere = _deliver(terms, msg.sender);
        IDepositToken(terms.cashToken).transferWithAuthorization(
            terms.buyer,
            terms.seller,
            terms.amount,
            validBefore,
            terms.id,
            signature
        );
        _emitSettled(terms, msg.sender, affirmsHere);
        return true;
    }

    /**
     * @inheritdoc IDeliveryVersusPayment
     * @dev All or nothing: the first item that cannot settle reverts the whole call with its
     * error.
     */
    function settleBatch(Terms[] calldata terms) external whenNotPaused nonReentrant {
        uint256 length = terms.length;
        if (length == 0) revert DvpEmptyBatch();
        for (uint256 i = 0; i < length; ++i) {
            _settle(terms[i], msg.sender);
        }
    }

    /**
     * @inheritdoc IDeliveryVersusPayment
     * @dev An item whose ID is not open is skipped with {SettlementAttemptSkipped} (its state
     * slot is read here, so the attempt's own read is warm). Each other item runs in an external
     * self-call to {settleItem} inside a try/catch, so a failing item reverts only its own
     * effects; its revert data is emitted in {SettlementAttemptFailed}.
     */
    function settleBatchPerItem(
        Terms[] calldata terms
    ) external whenNotPaused nonReentrant returns (bool[] memory settled) {
        uint256 length = terms.length;
        if (length == 0) revert DvpEmptyBatch();
        settled = new bool[](length);
        for (uint256 i = 0; i < length; ++i) {
            Terms calldata item = terms[i];
            State current = _settlements[item.id].state;
            if (current != State.Pending && current != State.Affirmed) {
                emit SettlementAttemptSkipped(item.id, current);
                continue;
            }
            try this.settleItem(item, msg.sender) returns (bool ok) {
                settled[i] = ok;
            } catch (bytes memory reason) {
                emit SettlementAttemptFailed(item.id, reason);
            }
        }
    }

    /**
     * @inheritdoc IDeliveryVersusPayment
     * @dev Not `nonReentrant` itself: it only runs inside {settleBatchPerItem}, whose guard stays
     * taken, so the tokens still cannot re-enter. `caller` is the batch's sender (a buyer settling
     * its own pending settlement affirms it).
     */
    function settleItem(Terms calldata terms, address caller) external returns (bool settled) {
        if (msg.sender != address(this)) revert DvpOnlySelf(msg.sender);
        return _settle(terms, caller);
    }

    // ---------------------------------------------------------------- failure paths

    /// @inheritdoc IDeliveryVersusPayment
    function cancel(Terms calldata terms) external nonReentrant {
        bytes32 id = terms.id;
        (Record storage record, State current, ) = _load(terms, _OPEN);
        bool isSeller = msg.sender == terms.seller;
        if (!isSeller && msg.sender != terms.buyer) revert DvpUnauthorized(id, msg.sender);
        if (current == State.Affirmed) {
            uint8 consents = record.consents | (isSeller ? _SELLER_CONSENT : _BUYER_CONSENT);
            record.consents = consents;
            emit SettlementCancelConsented(id, msg.sender);
            if (consents != _SELLER_CONSENT | _BUYER_CONSENT) return;
        }
        record.state = State.Cancelled;
        uint256 released = _release(terms);
        emit SettlementCancelled(id, released);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function reclaim(Terms calldata terms) external nonReentrant {
        _load(terms, _OPEN);
        if (block.timestamp <= terms.deadline) {
            revert DvpDeadlineNotPassed(terms.id, terms.deadline, block.timestamp);
        }
        _settlements[terms.id].state = State.Expired;
        uint256 released = _release(terms);
        emit SettlementExpired(terms.id, released);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IDeliveryVersusPayment
    function setSecurityTokenListed(address token, bool listed) external {
        _setListed(_securityTokenListed, token, listed);
        emit SecurityTokenListed(token, listed);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function setCashTokenListed(address token, bool listed) external {
        _setListed(_cashTokenListed, token, listed);
        emit CashTokenListed(token, listed);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function pause() external onlyRole(PAUSER_ROLE) nonReentrant {
        _pause();
    }

    /// @inheritdoc IDeliveryVersusPayment
    function unpause() external onlyRole(PAUSER_ROLE) nonReentrant {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDeliveryVersusPayment
    function settlementOf(bytes32 id) external view returns (Settlement memory) {
        Record memory record = _settlements[id];
        return
            Settlement({
                state: record.state,
                agentApproved: record.approvalStamp != 0,
                sellerCancelConsent: record.consents & _SELLER_CONSENT != 0,
                buyerCancelConsent: record.consents & _BUYER_CONSENT != 0,
                termsDigest: record.termsDigest
            });
    }

    /// @inheritdoc IDeliveryVersusPayment
    function stateOf(bytes32 id) external view returns (State) {
        return _settlements[id].state;
    }

    /// @inheritdoc IDeliveryVersusPayment
    function hashTerms(Terms calldata terms) external pure returns (bytes32) {
        return _hashTerms(terms);
    }

    /// @inheritdoc IDeliveryVersusPayment
    function verifyTerms(Terms calldata terms) external view returns (bool) {
        Record memory record = _settlements[terms.id];
        return record.state != State.None && record.termsDigest == bytes28(_hashTerms(terms));
    }

    /// @inheritdoc IDeliveryVersusPayment
    function affirmDigest(Terms calldata terms) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(AFFIRM_TYPEHASH, _hashTerms(terms))));
    }

    /// @inheritdoc IDeliveryVersusPayment
    function approveDigest(Terms calldata terms) external view returns (bytes32) {
        return _hashTypedDataV4(_approveStructHash(_hashTerms(terms), _agentEpochs[terms.agent]));
    }

    /// @inheritdoc IDeliveryVersusPayment
    function agentEpochOf(address agent) external view returns (uint256) {
        return _agentEpochs[agent];
    }

    /// @inheritdoc IDeliveryVersusPayment
    function isApprovalValid(Terms calldata terms) external view returns (bool) {
        Record storage record = _settlements[terms.id];
        return
            (uint256(1) << uint8(record.state)) & uint256(_OPEN) != 0 &&
            record.termsDigest == bytes28(_hashTerms(terms)) &&
            record.approvalStamp == _agentEpochs[terms.agent] + 1;
    }

    /// @inheritdoc IDeliveryVersusPayment
    function unassignedLockOf(address token, address account) external view returns (uint256) {
        return _unassigned[token][account];
    }

    /// @inheritdoc IDeliveryVersusPayment
    function isSecurityTokenListed(address token) external view returns (bool) {
        return _securityTokenListed[token];
    }

    /// @inheritdoc IDeliveryVersusPayment
    function isCashTokenListed(address token) external view returns (bool) {
        return _cashTokenListed[token];
    }

    /// @inheritdoc IDeliveryVersusPayment
    function paused() public view override(IDeliveryVersusPayment, Pausable) returns (bool) {
        return super.paused();
    }

    /**
     * @notice ERC-165: {IDeliveryVersusPayment} and {ISecurityTokenLockReceiver}, reported by
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

    /**
     * @dev OpenZeppelin's role revocation (also {renounceRole}), plus: when `account` loses
     * SETTLEMENT_AGENT_ROLE, its epoch moves on, which withdraws every approval it gave (and
     * voids every approval signature it made) before, even if the role is granted again.
     */
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == SETTLEMENT_AGENT_ROLE) ++_agentEpochs[account];
    }

    /**
     * @dev OpenZeppelin's role grant, plus: SETTLEMENT_AGENT_ROLE only to an account whose epoch
     * is below 2^16 - 1 ({DvpAgentEpochsExhausted}), so that an approval's stamp (epoch + 1, 16
     * bits in the settlement's slot) never wraps and an old approval can never count again.
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == SETTLEMENT_AGENT_ROLE && _agentEpochs[account] >= type(uint16).max) {
            revert DvpAgentEpochsExhausted(account);
        }
        return super._grantRole(role, account);
    }

    /**
     * @dev Settles one item: checks state, terms, caller, deadline and agent approval, writes the
     * new state once, then moves the security leg and the cash leg. An open settlement is always
     * fully backed, so the security token refuses only for its own rules (pause, status,
     * eligibility); any refusal of either token reverts the call with that token's error, so
     * nothing moves.
     */
    function _settle(Terms calldata terms, address caller) private returns (bool) {
        bool affirmsHere = _deliver(terms, caller);
        IERC20(terms.cashToken).safeTransferFrom(terms.buyer, terms.seller, terms.amount);
        _emitSettled(terms, caller, affirmsHere);
        return true;
    }

    /**
     * @dev The first half of {_settle} and {settleWithAuthorization}: the checks
     * ({_checkSettle}), the state written once, then the security leg. Returns whether the buyer
     * affirms in this call.
     */
    function _deliver(Terms calldata terms, address caller) private returns (bool affirmsHere) {
        affirmsHere = _checkSettle(terms, caller);
        bytes32 id = terms.id;
        _settlements[id].state = State.Settled;
        LockBook.release(terms.securityToken, terms.seller, terms.buyer, terms.quantity, id);
    }

    /// @dev The events of a settlement whose both legs moved.
    function _emitSettled(Terms calldata terms, address caller, bool affirmsHere) private {
        bytes32 id = terms.id;
        if (affirmsHere) emit SettlementAffirmed(id, terms.buyer, caller);
        emit SettlementSettled(id, terms.seller, terms.buyer);
    }

    /**
     * @dev {LockBookReceiver}: the security token took `removal.amount` of the units of the
     * settlement whose clean terms start `data` out of this contract's lock by enforcement
     * (`removal.operator` called it) and named the settlement: checks that the settlement is open
     * and that the terms match; then {LockBookReceiver-_releaseRest} checks that they belong to
     * the calling token and to `removal.account` and that `removal.amount` <= `terms.quantity`
     * ({DvpLockMismatch}) and releases the rest of its quantity to the seller; the settlement is
     * `Failed`. Emits {SettlementFailed}.
     */
    function _failSettlement(bytes calldata data, ForcedRemoval memory removal) internal override {
        Terms calldata terms = _termsIn(data);
        _load(terms, _OPEN);
        bytes32 id = terms.id;
        _settlements[id].state = State.Failed;
        uint256 rest = _releaseRest(id, terms.securityToken, terms.seller, terms.quantity, removal);
        emit SettlementFailed(id, removal.operator, removal.amount, rest);
    }

    /**
     * @dev The checks of {_settle} before either leg moves: state open and terms matching, the
     * buyer as caller while `Pending`, deadline not passed, and, if an agent is named, its
     * approval given in its current epoch (so it still holds its role and was not revoked since).
     * Returns whether the settlement is still `Pending` (the buyer affirms by settling).
     */
    function _checkSettle(
        Terms calldata terms,
        address caller
    ) private view returns (bool affirmsHere) {
        (Record storage record, State current, ) = _load(terms, _OPEN);
        affirmsHere = current == State.Pending;
        if (affirmsHere && caller != terms.buyer) revert DvpUnauthorized(terms.id, caller);
        _requireBeforeDeadline(terms);
        address agent = terms.agent;
        if (agent != address(0)) {
            uint256 stamp = record.approvalStamp;
            if (stamp != _agentEpochs[agent] + 1) {
                if (stamp == 0) revert DvpAgentApprovalMissing(terms.id, agent);
                revert DvpAgentApprovalRevoked(terms.id, agent);
            }
        }
    }

    /**
     * @dev Records the agent's approval in its current `epoch` and emits {SettlementApproved}.
     * The caller checked the agent's role; the deadline must not be past, and the settlement must
     * not already carry an approval of this epoch ({DvpAlreadyApproved}): each state moves once.
     */
    function _approve(Terms calldata terms, uint256 epoch) private {
        _requireBeforeDeadline(terms);
        bytes32 id = terms.id;
        Record storage record = _settlements[id];
        // An agent holding its role has an epoch below 2^16 - 1 ({_grantRole}): the stamp fits.
        uint16 stamp = uint16(epoch + 1);
        if (record.approvalStamp == stamp) revert DvpAlreadyApproved(id, terms.agent);
        record.approvalStamp = stamp;
        emit SettlementApproved(id, terms.agent);
    }

    /**
     * @dev Releases the settlement's quantity back to the seller (unlock to self, allowed in every
     * token state): an open settlement is always fully backed. Call after the terminal state is
     * written. Returns the units released (`terms.quantity`).
     */
    function _release(Terms calldata terms) private returns (uint256 released) {
        released = terms.quantity;
        LockBook.release(terms.securityToken, terms.seller, terms.seller, released, terms.id);
    }

    /**
     * @dev Loads the record of `terms.id`, reverts unless its state is in `expected` and `terms`
     * match its commitment. Returns the record (a storage pointer), its state and the struct hash
     * of `terms`.
     */
    function _load(
        Terms calldata terms,
        bytes32 expected
    ) private view returns (Record storage record, State current, bytes32 hashed) {
        record = _settlements[terms.id];
        current = record.state;
        if ((uint256(1) << uint8(current)) & uint256(expected) == 0) {
            revert DvpUnexpectedState(terms.id, current, expected);
        }
        hashed = _hashTerms(terms);
        if (record.termsDigest != bytes28(hashed)) revert DvpTermsMismatch(terms.id);
    }

    /// @dev Reverts with {DvpInvalidAgent} unless `agent` still holds SETTLEMENT_AGENT_ROLE: a
    /// revoked agent loses its power over the open settlements that name it (they then expire).
    function _requireAgentRole(address agent) private view {
        if (!hasRole(SETTLEMENT_AGENT_ROLE, agent)) revert DvpInvalidAgent(agent);
    }

    /// @dev Reverts with {DvpDeadlinePassed} once the block time is past `terms.deadline`.
    function _requireBeforeDeadline(Terms calldata terms) private view {
        if (block.timestamp > terms.deadline) {
            revert DvpDeadlinePassed(terms.id, terms.deadline, block.timestamp);
        }
    }

    /// @dev Reverts with {DvpInvalidSignature} unless `signer` signed the typed message whose
    /// struct hash is `structHash`.
    function _requireSignature(
        bytes32 id,
        address signer,
        bytes32 structHash,
        bytes calldata signature
    ) private view {
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature)) {
            revert DvpInvalidSignature(id, signer);
        }
    }

    /// @dev EIP-712 struct hash of `Approve(Terms terms,uint256 agentEpoch)`.
    function _approveStructHash(
        bytes32 hashedTerms,
        uint256 agentEpoch
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(APPROVE_TYPEHASH, hashedTerms, agentEpoch));
    }

    /**
     * @dev `data` (`abi.encode(terms)` first, length checked by the caller) read in place as `Terms`:
     * its nine static words are the calldata layout of the struct; member reads are validated by
     * the ABI decoder (dirty address bits revert).
     */
    function _termsIn(bytes calldata data) private pure returns (Terms calldata terms) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            terms := data.offset
        }
    }

    /**
     * @dev EIP-712 struct hash of `terms`, its nine calldata words hashed as sent
     * ({CalldataWords-hashStruct}): dirty bits can only fail to match a commitment, and every
     * caller reads and so validates the members it uses.
     */
    function _hashTerms(Terms calldata terms) private pure returns (bytes32 hashed) {
        uint256 offset;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            offset := terms
        }
        hashed = CalldataWords.hashStruct(TERMS_TYPEHASH, offset, _TERMS_ENCODED_LENGTH);
    }
}
