// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/**
 * @title InvestorRegistry
 * @notice The eligibility (KYC) register consulted by Kessai's tokens. See {IInvestorRegistry}.
 * @dev Each account's status and expiry share one storage slot, so {checkPair} costs one storage
 * read per account; the investor reference lives in a second slot that the tokens never read.
 */
contract InvestorRegistry is IInvestorRegistry, AccessControlDefaultAdminRules {
    /// @notice Status and expiry of an account, packed in one slot.
    struct Eligibility {
        InvestorStatus status;
        uint64 expiry;
    }

    /// @inheritdoc IInvestorRegistry
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    mapping(address account => Eligibility) private _eligibility;
    mapping(address account => bytes32 investorRef) private _investorRefs;

    /**
     * @notice Deploys an empty register.
     * @param initialDelay Delay of a default admin handover, in seconds.
     * @param initialAdmin The default admin, who grants REGISTRAR_ROLE.
     */
    constructor(
        uint48 initialDelay,
        address initialAdmin
    ) AccessControlDefaultAdminRules(initialDelay, initialAdmin) {}

    /// @inheritdoc IInvestorRegistry
    function register(
        address account,
        bytes32 investorRef,
        uint64 expiry
    ) external onlyRole(REGISTRAR_ROLE) {
        _register(account, investorRef, expiry);
    }

    /// @inheritdoc IInvestorRegistry
    function registerBatch(
        address[] calldata accounts,
        bytes32[] calldata investorRefs,
        uint64[] calldata expiries
    ) external onlyRole(REGISTRAR_ROLE) {
        uint256 length = accounts.length;
        if (investorRefs.length != length || expiries.length != length) {
            revert InvestorRegistryLengthMismatch(length, investorRefs.length, expiries.length);
        }
        for (uint256 i = 0; i < length; ++i) {
            _register(accounts[i], investorRefs[i], expiries[i]);
        }
    }

    /// @inheritdoc IInvestorRegistry
    function update(
        address account,
        bytes32 investorRef,
        uint64 expiry
    ) external onlyRole(REGISTRAR_ROLE) {
        Eligibility storage record = _eligibility[account];
        if (record.status == InvestorStatus.None) revert InvestorRegistryNotRegistered(account);
        _checkExpiry(account, expiry);
        record.expiry = expiry;
        _investorRefs[account] = investorRef;
        emit InvestorUpdated(account, investorRef, expiry);
    }

    /// @inheritdoc IInvestorRegistry
    function suspend(address account) external onlyRole(REGISTRAR_ROLE) {
        _setStatus(account, InvestorStatus.Active, InvestorStatus.Suspended);
        emit InvestorSuspended(account);
    }

    /// @inheritdoc IInvestorRegistry
    function reinstate(address account) external onlyRole(REGISTRAR_ROLE) {
        _setStatus(account, InvestorStatus.Suspended, InvestorStatus.Active);
        emit InvestorReinstated(account);
    }

    /// @inheritdoc IInvestorRegistry
    function remove(address account) external onlyRole(REGISTRAR_ROLE) {
        if (_eligibility[account].status == InvestorStatus.None) {
            revert InvestorRegistryNotRegistered(account);
        }
        delete _eligibility[account];
        delete _investorRefs[account];
        emit InvestorRemoved(account);
    }

    /// @inheritdoc IInvestorRegistry
    function isEligible(address account) external view returns (bool) {
        return _isEligible(account);
    }

    /// @inheritdoc IInvestorRegistry
    function checkPair(
        address from,
        address to
    ) external view returns (bool fromEligible, bool toEligible) {
        fromEligible = _isEligible(from);
        toEligible = _isEligible(to);
        // Every token transfer pays for this call: return without the ABI encoder.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, fromEligible)
            mstore(0x20, toEligible)
            return(0x00, 0x40)
        }
    }

    /// @inheritdoc IInvestorRegistry
    function investorOf(address account) external view returns (Investor memory) {
        Eligibility memory record = _eligibility[account];
        return Investor(_investorRefs[account], record.expiry, record.status);
    }

    /// @dev Registers `account`; shared by {register} and {registerBatch}.
    function _register(address account, bytes32 investorRef, uint64 expiry) private {
        if (account == address(0)) revert InvestorRegistryZeroAddress();
        if (_eligibility[account].status != InvestorStatus.None) {
            revert InvestorRegistryAlreadyRegistered(account);
        }
        _checkExpiry(account, expiry);
        _eligibility[account] = Eligibility(InvestorStatus.Active, expiry);
        _investorRefs[account] = investorRef;
        emit InvestorRegistered(account, investorRef, expiry);
    }

    /// @dev Moves `account` from status `expected` to `next`, or reverts.
    function _setStatus(address account, InvestorStatus expected, InvestorStatus next) private {
        Eligibility storage record = _eligibility[account];
        InvestorStatus current = record.status;
        if (current != expected)
            revert InvestorRegistryUnexpectedStatus(account, current, expected);
        record.status = next;
    }

    /// @dev Reverts unless `expiry` is 0 (none) or after the current block time.
    function _checkExpiry(address account, uint64 expiry) private view {
        if (expiry != 0 && expiry <= block.timestamp) {
            revert InvestorRegistryExpiryInPast(account, expiry, block.timestamp);
        }
    }

    /// @dev Active and not expired; one storage read (this sits on every token transfer's path).
    function _isEligible(address account) private view returns (bool eligible) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, _eligibility.slot)
            let packed := sload(keccak256(0x00, 0x40))
            // Eligibility layout: status in bits 0-7, expiry in bits 8-71; Active == 1.
            let expiry := and(shr(8, packed), 0xffffffffffffffff)
            eligible := and(eq(and(packed, 0xff), 1), or(iszero(expiry), lt(timestamp(), expiry)))
        }
    }
}
