// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossLedger} from "../interfaces/ICrossLedger.sol";
import {CalldataWords} from "../utils/CalldataWords.sol";
import {TokenListing} from "./TokenListing.sol";

/**
 * @title CrossLedgerBase
 * @notice What {CrossLedgerDelivery} (ST ledger) and {CrossLedgerPayment} (cash ledger) share:
 * the terms hash, the outcome attestation's struct hash and its check, the checks of new terms,
 * the counterpart list, the roles and the pause. See {ICrossLedger}.
 *
 * Implementation notes:
 * - The terms are 13 static words; their EIP-712 struct hash is computed over the calldata words
 *   as sent ({_hashTerms}), the same on both ledgers.
 * - Each contract supplies the digest of an attestation ({_outcomeDigest}): the delivery contract
 *   with its own EIP-712 domain, the payment contract with the delivery contract's domain rebuilt
 *   from the terms (`terms.stChainId`, `terms.stLedger`), for the {outcomeDigest} view. Only the
 *   delivery contract verifies attestations ({_requireAttestation}: `terms.verifier`'s signature
 *   with OpenZeppelin's {SignatureChecker}, ECDSA or ERC-1271); the payment contract verifies the
 *   verifier's orders, a distinct type under its own domain.
 * - Pause is OpenZeppelin {Pausable} (`EnforcedPause()` while paused); every mutating function
 *   is `nonReentrant` (transient-storage guard).
 */
abstract contract CrossLedgerBase is
    ICrossLedger,
    AccessControlDefaultAdminRules,
    Pausable,
    ReentrancyGuardTransient,
    TokenListing
{
    // ---------------------------------------------------------------- constants

    /// @inheritdoc ICrossLedger
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @inheritdoc ICrossLedger
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");

    /* solhint-disable gas-small-strings */
    /// @inheritdoc ICrossLedger
    bytes32 public constant TERMS_TYPEHASH = keccak256(
        "CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)"
    );
    /// @inheritdoc ICrossLedger
    bytes32 public constant OUTCOME_TYPEHASH = keccak256(
        "Outcome(CrossLedgerTerms terms,uint8 outcome)CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)"
    );
    /* solhint-enable gas-small-strings */

    /// @dev EIP-712 name and version of the delivery contract's domain (the attestation's).
    string internal constant _DELIVERY_NAME = "Kessai CrossLedgerDelivery";
    string internal constant _DELIVERY_VERSION = "1";

    /// @dev Length of `abi.encode(terms)`: thirteen static words.
    uint256 internal constant _TERMS_ENCODED_LENGTH = 13 * 32;

    // ---------------------------------------------------------------- storage

    mapping(uint256 chainId => mapping(address ledger => bool)) private _counterparts;

    // ---------------------------------------------------------------- constructor

    /**
     * @notice Sets `initialAdmin` as default admin; no role is granted and nothing listed yet.
     * @param initialDelay Delay of a default-admin handover, in seconds.
     * @param initialAdmin The default admin.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin
    ) AccessControlDefaultAdminRules(initialDelay, initialAdmin) {}

    // ---------------------------------------------------------------- admin

    /// @inheritdoc ICrossLedger
    function setCounterpartListed(
        uint256 chainId,
        address ledger,
        bool listed
    ) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        _counterparts[chainId][ledger] = listed;
        emit CounterpartListed(chainId, ledger, listed);
    }

    /// @inheritdoc ICrossLedger
    function pause() external onlyRole(PAUSER_ROLE) nonReentrant {
        _pause();
    }

    /// @inheritdoc ICrossLedger
    function unpause() external onlyRole(PAUSER_ROLE) nonReentrant {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICrossLedger
    function hashTerms(CrossLedgerTerms calldata terms) external pure returns (bytes32) {
        return _hashTerms(terms);
    }

    /// @inheritdoc ICrossLedger
    function outcomeDigest(
        CrossLedgerTerms calldata terms,
        Outcome outcome
    ) external view returns (bytes32) {
        return _outcomeDigest(terms, _hashTerms(terms), outcome);
    }

    /// @inheritdoc ICrossLedger
    function isCounterpartListed(uint256 chainId, address ledger) external view returns (bool) {
        return _counterparts[chainId][ledger];
    }

    /// @inheritdoc ICrossLedger
    function paused() public view virtual override(ICrossLedger, Pausable) returns (bool) {
        return super.paused();
    }

    // ---------------------------------------------------------------- internal

    /**
     * @dev The EIP-712 digest of `Outcome(terms, outcome)` under the delivery contract's domain on
     * the ST ledger; `hashedTerms` is {_hashTerms}(`terms`).
     */
    function _outcomeDigest(
        CrossLedgerTerms calldata terms,
        bytes32 hashedTerms,
        Outcome outcome
    ) internal view virtual returns (bytes32);

    /**
     * @dev Checks new terms for this ledger, in this order: ID non-zero; this side's chain and
     * contract are this chain and this contract ({CrossLedgerWrongLedger}); the other side is a
     * listed counterpart; seller and buyer distinct and non-zero; quantity and amount non-zero;
     * deadline in the future; the verifier holds VERIFIER_ROLE. `stSide` tells which side of the
     * terms is this ledger.
     */
    function _checkNewTerms(CrossLedgerTerms calldata terms, bool stSide) internal view {
        if (terms.id == bytes32(0)) revert CrossLedgerZeroSettlementId();
        uint256 chainId = terms.cashChainId;
        address ledger = terms.cashLedger;
        uint256 otherChainId = terms.stChainId;
        address otherLedger = terms.stLedger;
        if (stSide)
            (chainId, ledger, otherChainId, otherLedger) = (
                otherChainId,
                otherLedger,
                chainId,
                ledger
            );
        if (chainId != block.chainid || ledger != address(this)) {
            revert CrossLedgerWrongLedger(chainId, ledger, block.chainid, address(this));
        }
        if (!_counterparts[otherChainId][otherLedger]) {
            revert CrossLedgerUnknownCounterpart(otherChainId, otherLedger);
        }
        address seller = terms.seller;
        address buyer = terms.buyer;
        if (seller == address(0) || buyer == address(0) || seller == buyer) {
            revert CrossLedgerInvalidParties(seller, buyer);
        }
        if (terms.quantity == 0 || terms.amount == 0) {
            revert CrossLedgerZeroValue(terms.quantity, terms.amount);
        }
        if (terms.deadline <= block.timestamp) {
            revert CrossLedgerDeadlinePassed(terms.id, terms.deadline, block.timestamp);
        }
        if (!hasRole(VERIFIER_ROLE, terms.verifier)) {
            revert CrossLedgerInvalidVerifier(terms.verifier);
        }
    }

    /**
     * @dev Reverts with {CrossLedgerInvalidAttestation} unless `attestation` is `terms.verifier`'s
     * signature (ECDSA, or ERC-1271 when the verifier has code) of `outcome` for the terms whose
     * struct hash is `hashedTerms`.
     */
    function _requireAttestation(
        CrossLedgerTerms calldata terms,
        bytes32 hashedTerms,
        Outcome outcome,
        bytes calldata attestation
    ) internal view {
        address verifier = terms.verifier;
        bytes32 digest = _outcomeDigest(terms, hashedTerms, outcome);
        if (!SignatureChecker.isValidSignatureNowCalldata(verifier, digest, attestation)) {
            revert CrossLedgerInvalidAttestation(terms.id, verifier, outcome);
        }
    }

    /// @dev EIP-712 struct hash of `Outcome(CrossLedgerTerms terms,uint8 outcome)`.
    function _outcomeStructHash(
        bytes32 hashedTerms,
        Outcome outcome
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(OUTCOME_TYPEHASH, hashedTerms, uint8(outcome)));
    }

    /**
     * @dev EIP-712 struct hash of `terms`, its thirteen calldata words hashed as sent
     * ({CalldataWords-hashStruct}); every caller reads and so validates the members it uses.
     */
    function _hashTerms(CrossLedgerTerms calldata terms) internal pure returns (bytes32 hashed) {
        uint256 offset;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            offset := terms
        }
        hashed = CalldataWords.hashStruct(TERMS_TYPEHASH, offset, _TERMS_ENCODED_LENGTH);
    }
}
