// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IInvestorRegistry} from "../../interfaces/IInvestorRegistry.sol";

/**
 * @title MockInvestorRegistry
 * @notice Test double of {IInvestorRegistry}: anyone may change the register; no expiry checks
 * beyond the interface's eligibility rule. For unit isolation of the tokens only.
 */
contract MockInvestorRegistry is IInvestorRegistry {
    /// @inheritdoc IInvestorRegistry
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    mapping(address account => Investor) private _investors;

    /// @notice Marks `account` eligible (`Active`) or not (`Suspended`) without events.
    /// @param account Account to mark.
    /// @param eligible Whether it becomes `Active` (true) or `Suspended` (false).
    function setEligible(address account, bool eligible) external {
        _investors[account].status = eligible ? InvestorStatus.Active : InvestorStatus.Suspended;
    }

    /// @inheritdoc IInvestorRegistry
    function register(address account, bytes32 investorRef, uint64 expiry) public {
        _investors[account] = Investor(investorRef, expiry, InvestorStatus.Active);
        emit InvestorRegistered(account, investorRef, expiry);
    }

    /// @inheritdoc IInvestorRegistry
    function registerBatch(
        address[] calldata accounts,
        bytes32[] calldata investorRefs,
        uint64[] calldata expiries
    ) external {
        for (uint256 i = 0; i < accounts.length; ++i)
            register(accounts[i], investorRefs[i], expiries[i]);
    }

    /// @inheritdoc IInvestorRegistry
    function update(address account, bytes32 investorRef, uint64 expiry) external {
        _investors[account].investorRef = investorRef;
        _investors[account].expiry = expiry;
        emit InvestorUpdated(account, investorRef, expiry);
    }

    /// @inheritdoc IInvestorRegistry
    function suspend(address account) external {
        _investors[account].status = InvestorStatus.Suspended;
        emit InvestorSuspended(account);
    }

    /// @inheritdoc IInvestorRegistry
    function reinstate(address account) external {
        _investors[account].status = InvestorStatus.Active;
        emit InvestorReinstated(account);
    }

    /// @inheritdoc IInvestorRegistry
    function remove(address account) external {
        delete _investors[account];
        emit InvestorRemoved(account);
    }

    /// @inheritdoc IInvestorRegistry
    function checkPair(
        address from,
        address to
    ) external view returns (bool fromEligible, bool toEligible) {
        return (isEligible(from), isEligible(to));
    }

    /// @inheritdoc IInvestorRegistry
    function investorOf(address account) external view returns (Investor memory) {
        return _investors[account];
    }

    /// @inheritdoc IInvestorRegistry
    function isEligible(address account) public view returns (bool) {
        Investor storage investor = _investors[account]; // reads one slot: expiry and status
        return
            investor.status == InvestorStatus.Active &&
            (investor.expiry == 0 || investor.expiry > block.timestamp);
    }
}
