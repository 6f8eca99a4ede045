// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ICrossLedger} from "../interfaces/ICrossLedger.sol";
import {ICrossLedgerPayment} from "../interfaces/ICrossLedgerPayment.sol";
import {IDepositToken} from "../interfaces/IDepositToken.sol";
import {CrossLedgerBase} from "./CrossLedgerBase.sol";

/**
 * @title CrossLedgerPayment
 * @notice The cash-ledger contract of a two-ledger settlement: escrows the buyer's DCJPY for one
 * settlement and, on the verifier's signed order, pays it to the seller (`Paid`) or back to the
 * buyer (`Refunded`); after the deadline anyone refunds. The order is a `PaymentOrder` under this
 * contract's own EIP-712 domain: it is worthless on the ST ledger, where only the verifier's
 * `Outcome` attestation, signed after this ledger shows the outcome confirmed, moves the units.
 * See {ICrossLedgerPayment} for the steps, the state machine and the table of who may call what,
 * and {ICrossLedger} for the attestation.
 *
 * Implementation notes:
 * - One storage slot per settlement ({ICrossLedgerPayment-Payment}); the terms travel in calldata
 *   and in {PaymentInstructed} and are checked against the stored 28-byte commitment.
 * - The escrow is this contract's own DCJPY balance: the bank opens a DCJPY account for it (an
 *   account the contract uses only to hold instructed amounts until their decision).
 * - The order's domain is this contract's own (OpenZeppelin {EIP712}, with ERC-5267
 *   `eip712Domain()`): name "Kessai CrossLedgerPayment", version "1", this chain, this contract.
 *   Registration requires `terms.cashChainId == block.chainid` and `terms.cashLedger == this`.
 *   {outcomeDigest} (the ST ledger's attestation digest, rebuilt from the terms with
 *   {deliveryDomainSeparator}) is a view for clients only: this contract verifies no attestation.
 * - A decision writes its state first, then tries the transfer with a low-level call: a refusal
 *   of the cash token (revert, or `false`) leaves the amount in escrow, owed, and never reverts
 *   the decision ({TransferDeferred}). Only registration is paused.
 */
contract CrossLedgerPayment is ICrossLedgerPayment, CrossLedgerBase, EIP712 {
    using SafeERC20 for IERC20;

    /// @dev EIP-712 domain type hash and the hashes of the delivery contract's name and version.
    // solhint-disable-next-line gas-small-strings
    bytes32 private constant _DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 private constant _DELIVERY_NAME_HASH = keccak256(bytes(_DELIVERY_NAME));
    bytes32 private constant _DELIVERY_VERSION_HASH = keccak256(bytes(_DELIVERY_VERSION));

    /* solhint-disable gas-small-strings */
    /// @inheritdoc ICrossLedgerPayment
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "PaymentOrder(CrossLedgerTerms terms,uint8 outcome)CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)"
    );
    /* solhint-enable gas-small-strings */

    /// @dev Bit masks of accepted states, in the format of {PaymentUnexpectedState}.
    bytes32 private constant _NONE = bytes32(uint256(1) << uint8(State.None));
    bytes32 private constant _INSTRUCTED = bytes32(uint256(1) << uint8(State.Instructed));
    bytes32 private constant _DECIDED = bytes32(
        (uint256(1) << uint8(State.Paid)) | (uint256(1) << uint8(State.Refunded))
    );

    // ---------------------------------------------------------------- storage

    mapping(bytes32 id => Payment) private _payments;
    mapping(address token => bool) private _cashTokenListed;

    // ---------------------------------------------------------------- constructor

    /**
     * @notice Deploys the payment contract with `initialAdmin` as default admin; no token or
     * counterpart is listed and no other role is granted yet. The bank must open a DCJPY account
     * for the new contract before the first instruction.
     * @param initialDelay Delay of a default-admin handover, in seconds.
     * @param initialAdmin The default admin; it grants PAUSER_ROLE and VERIFIER_ROLE and lists
     * the cash tokens and the ST ledger.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin
    ) CrossLedgerBase(initialDelay, initialAdmin) EIP712("Kessai CrossLedgerPayment", "1") {}

    // ---------------------------------------------------------------- step 4

    /// @inheritdoc ICrossLedgerPayment
    function instruct(CrossLedgerTerms calldata terms) external whenNotPaused nonReentrant {
        if (msg.sender != terms.buyer) revert CrossLedgerUnauthorized(terms.id, msg.sender);
        bytes32 hashed = _register(terms);
        IERC20(terms.cashToken).safeTransferFrom(terms.buyer, address(this), terms.amount);
        emit PaymentInstructed(terms.id, terms.buyer, terms.seller, hashed, terms);
    }

    /// @inheritdoc ICrossLedgerPayment
    function instructWithAuthorization(
        CrossLedgerTerms calldata terms,
        uint256 validBefore,
        bytes calldata signature
    ) external whenNotPaused nonReentrant {
        bytes32 hashed = _register(terms);
        IDepositToken(terms.cashToken).transferWithAuthorization(
            terms.buyer,
            address(this),
            terms.amount,
            validBefore,
            hashed,
            signature
        );
        emit PaymentInstructed(terms.id, terms.buyer, terms.seller, hashed, terms);
    }

    // ---------------------------------------------------------------- step 5

    /// @inheritdoc ICrossLedgerPayment
    function pay(CrossLedgerTerms calldata terms, bytes calldata order) external nonReentrant {
        bytes32 hashed = _load(terms, _INSTRUCTED);
        if (block.timestamp > terms.deadline) {
            revert CrossLedgerDeadlinePassed(terms.id, terms.deadline, block.timestamp);
        }
        _requireOrder(terms, hashed, Outcome.Paid, order);
        _decide(terms, State.Paid, terms.seller);
        emit SettlementPaid(terms.id, terms.seller, terms.amount);
    }

    /// @inheritdoc ICrossLedgerPayment
    function refuse(CrossLedgerTerms calldata terms, bytes calldata order) external nonReentrant {
        bytes32 hashed = _load(terms, _INSTRUCTED);
        _requireOrder(terms, hashed, Outcome.Refunded, order);
        _decide(terms, State.Refunded, terms.buyer);
        emit SettlementRefunded(terms.id, terms.buyer, terms.amount);
    }

    /// @inheritdoc ICrossLedgerPayment
    function refund(CrossLedgerTerms calldata terms) external nonReentrant {
        _load(terms, _INSTRUCTED);
        if (block.timestamp <= terms.deadline) {
            revert CrossLedgerDeadlineNotPassed(terms.id, terms.deadline, block.timestamp);
        }
        _decide(terms, State.Refunded, terms.buyer);
        emit SettlementRefunded(terms.id, terms.buyer, terms.amount);
    }

    /// @inheritdoc ICrossLedgerPayment
    function completeTransfer(CrossLedgerTerms calldata terms) external nonReentrant {
        _load(terms, _DECIDED);
        bytes32 id = terms.id;
        Payment storage record = _payments[id];
        if (!record.transferPending) revert PaymentNoTransferPending(id);
        record.transferPending = false;
        address to = record.state == State.Paid ? terms.seller : terms.buyer;
        IERC20(terms.cashToken).safeTransfer(to, terms.amount);
        emit DeferredTransferCompleted(id, to, terms.amount);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc ICrossLedgerPayment
    function setCashTokenListed(address token, bool listed) external {
        _setListed(_cashTokenListed, token, listed);
        emit CashTokenListed(token, listed);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICrossLedgerPayment
    function paymentOf(bytes32 id) external view returns (Payment memory) {
        return _payments[id];
    }

    /// @inheritdoc ICrossLedgerPayment
    function stateOf(bytes32 id) external view returns (State) {
        return _payments[id].state;
    }

    /// @inheritdoc ICrossLedgerPayment
    function isCashTokenListed(address token) external view returns (bool) {
        return _cashTokenListed[token];
    }

    /// @inheritdoc ICrossLedger
    function verifyTerms(CrossLedgerTerms calldata terms) external view returns (bool) {
        Payment memory record = _payments[terms.id];
        return record.state != State.None && record.termsDigest == bytes28(_hashTerms(terms));
    }

    /// @inheritdoc ICrossLedgerPayment
    function orderDigest(
        CrossLedgerTerms calldata terms,
        Outcome outcome
    ) external view returns (bytes32) {
        return _orderDigest(_hashTerms(terms), outcome);
    }

    /// @inheritdoc ICrossLedgerPayment
    function deliveryDomainSeparator(
        uint256 chainId,
        address ledger
    ) public pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    _DOMAIN_TYPEHASH,
                    _DELIVERY_NAME_HASH,
                    _DELIVERY_VERSION_HASH,
                    chainId,
                    ledger
                )
            );
    }

    /// @inheritdoc ICrossLedger
    function paused() public view override(ICrossLedger, CrossLedgerBase) returns (bool) {
        return super.paused();
    }

    /**
     * @notice ERC-165: also reports {ICrossLedgerPayment}.
     * @param interfaceId The interface identifier.
     * @return Whether the contract implements it.
     */
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return
            interfaceId == type(ICrossLedgerPayment).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internal

    /// @dev The ST ledger's attestation digest under the delivery contract's domain, as the terms
    /// name it (for {outcomeDigest} only: nothing here verifies an attestation).
    function _outcomeDigest(
        CrossLedgerTerms calldata terms,
        bytes32 hashedTerms,
        Outcome outcome
    ) internal pure override returns (bytes32) {
        return
            MessageHashUtils.toTypedDataHash(
                deliveryDomainSeparator(terms.stChainId, terms.stLedger),
                _outcomeStructHash(hashedTerms, outcome)
            );
    }

    /// @dev The order's digest: `PaymentOrder(terms, outcome)` under this contract's domain.
    function _orderDigest(bytes32 hashedTerms, Outcome outcome) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ORDER_TYPEHASH, hashedTerms, uint8(outcome))));
    }

    /**
     * @dev Reverts with {PaymentInvalidOrder} unless `order` is `terms.verifier`'s signature
     * (ECDSA, or ERC-1271 when the verifier has code) of `PaymentOrder(terms, outcome)` under this
     * contract's domain; `hashedTerms` is the struct hash of `terms`.
     */
    function _requireOrder(
        CrossLedgerTerms calldata terms,
        bytes32 hashedTerms,
        Outcome outcome,
        bytes calldata order
    ) private view {
        address verifier = terms.verifier;
        bytes32 digest = _orderDigest(hashedTerms, outcome);
        if (!SignatureChecker.isValidSignatureNowCalldata(verifier, digest, order)) {
            revert PaymentInvalidOrder(terms.id, verifier, outcome);
        }
    }

    /**
     * @dev Step 4's checks and record, before the escrow transfer: {CrossLedgerBase-_checkNewTerms}
     * with this contract as the cash side, the cash token listed ({PaymentUnlistedCashToken}),
     * state `None`. Returns the struct hash of `terms`.
     */
    function _register(CrossLedgerTerms calldata terms) private returns (bytes32 hashed) {
        _checkNewTerms(terms, false);
        if (!_cashTokenListed[terms.cashToken]) revert PaymentUnlistedCashToken(terms.cashToken);
        bytes32 id = terms.id;
        State current = _payments[id].state;
        if (current != State.None) revert PaymentUnexpectedState(id, current, _NONE);
        hashed = _hashTerms(terms);
        _payments[id] = Payment({
            state: State.Instructed,
            transferPending: false,
            termsDigest: bytes28(hashed)
        });
    }

    /**
     * @dev Records the decision `state`, then tries to move the escrowed amount to `to`: a refusal
     * of the cash token leaves it owed ({TransferDeferred}) instead of reverting the decision.
     */
    function _decide(CrossLedgerTerms calldata terms, State state, address to) private {
        bytes32 id = terms.id;
        Payment storage record = _payments[id];
        record.state = state;
        address token = terms.cashToken;
        uint256 amount = terms.amount;
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory returned) = token.call(
            abi.encodeCall(IERC20.transfer, (to, amount))
        );
        // As SafeERC20: no return data needs code at the address, return data must be `true`.
        if (
            success &&
            (
                returned.length == 0
                    ? token.code.length != 0
                    : returned.length >= 32 && uint256(bytes32(returned)) == 1
            )
        ) return;
        record.transferPending = true;
        emit TransferDeferred(id, to, amount, returned);
    }

    /**
     * @dev Reverts unless the record of `terms.id` is in a state of `expected`
     * ({PaymentUnexpectedState}) and `terms` match its commitment ({CrossLedgerTermsMismatch}).
     * Returns the struct hash of `terms`.
     */
    function _load(
        CrossLedgerTerms calldata terms,
        bytes32 expected
    ) private view returns (bytes32 hashed) {
        Payment memory record = _payments[terms.id];
        if ((uint256(1) << uint8(record.state)) & uint256(expected) == 0) {
            revert PaymentUnexpectedState(terms.id, record.state, expected);
        }
        hashed = _hashTerms(terms);
        if (record.termsDigest != bytes28(hashed)) revert CrossLedgerTermsMismatch(terms.id);
    }
}
