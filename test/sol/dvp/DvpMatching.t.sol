// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {ERC1271Wallet} from "../../../contracts/test/dvp/ERC1271Wallet.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Step 2 (affirm, affirmBySig) and step 5 (approve, approve by signature, reject).
contract DvpMatchingTest is DvpBase {
    // ---------------------------------------------------------------- affirm

    function test_affirm_buyerAffirmsPending() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, buyer, buyer);
        vm.prank(buyer);
        dvp.affirm(t);
        before.record.state = IDeliveryVersusPayment.State.Affirmed;
        _assertUnchanged(before, t);
    }

    function test_affirm_revertsOutsidePending() public {
        _assertRejectsOtherStates(M_PENDING, _affirmAsBuyer);
    }

    function test_affirm_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        t.amount = AMOUNT - 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(buyer);
        dvp.affirm(t);
        t.amount = AMOUNT;
        _assertUnchanged(before, t);
    }

    function test_affirm_revertsForNonBuyer() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, seller));
        vm.prank(seller);
        dvp.affirm(t);
        _assertUnchanged(before, t);
    }

    function test_affirm_revertsAfterDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectRevert(_deadlinePassed(t.id, uint256(DEADLINE) + 1));
        vm.prank(buyer);
        dvp.affirm(t);
        _assertUnchanged(before, t);
    }

    function test_affirm_acceptsAtDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(DEADLINE);
        vm.prank(buyer);
        dvp.affirm(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 2, "affirmed");
    }

    function test_affirm_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        _pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(buyer);
        dvp.affirm(t);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- affirmBySig

    function test_affirmBySig_anyoneSubmitsBuyerSignature() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        Snapshot memory before = _snapshot(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, buyer, stranger);
        vm.prank(stranger);
        dvp.affirmBySig(t, sig);
        before.record.state = IDeliveryVersusPayment.State.Affirmed;
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_acceptsErc1271Buyer() public {
        ERC1271Wallet wallet = new ERC1271Wallet(buyer);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.buyer = address(wallet);
        _create(t);
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, address(wallet), stranger);
        vm.prank(stranger);
        dvp.affirmBySig(t, sig);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 2, "affirmed");
    }

    function test_affirmBySig_revertsForWrongSigner() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, STRANGER_KEY);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidSig(t.id, buyer));
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_revertsForApproveSignature() public {
        // A signature over another type (Approve) of the same terms is not an affirmation.
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _approveSig(t, BUYER_KEY);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidSig(t.id, buyer));
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_revertsOutsidePending() public {
        _assertRejectsOtherStates(M_PENDING, _affirmBySigOfBuyer);
    }

    function test_affirmBySig_revertsAfterDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        Snapshot memory before = _snapshot(t);
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectRevert(_deadlinePassed(t.id, uint256(DEADLINE) + 1));
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        _pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- approveSettlement

    function test_approveSettlement_agentApprovesPending() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementApproved(t.id, agent);
        vm.prank(agent);
        dvp.approveSettlement(t);
        before.record.agentApproved = true;
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_agentApprovesAffirmed() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(buyer);
        dvp.affirm(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementApproved(t.id, agent);
        vm.prank(agent);
        dvp.approveSettlement(t);
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Affirmed, true, false, false, t));
    }

    function test_approveSettlement_revertsForNonAgent() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, buyer));
        vm.prank(buyer);
        dvp.approveSettlement(t);
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_revertsWhenNoAgentNamed() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, agent));
        vm.prank(agent);
        dvp.approveSettlement(t);
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_revertsWhenAgentRoleRevoked() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _revokeAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAgent(agent));
        vm.prank(agent);
        dvp.approveSettlement(t);
        _assertUnchanged(before, t);
    }

    function test_approveSettlementBySig_revertsWhenAgentRoleRevoked() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory sig = _approveSig(t, AGENT_KEY);
        _revokeAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAgent(agent));
        vm.prank(stranger);
        dvp.approveSettlementBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _approveAsAgent);
    }

    function test_approveSettlement_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        t.quantity = QUANTITY + 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(agent);
        dvp.approveSettlement(t);
        t.quantity = QUANTITY;
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_revertsAfterDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectRevert(_deadlinePassed(t.id, uint256(DEADLINE) + 1));
        vm.prank(agent);
        dvp.approveSettlement(t);
        _assertUnchanged(before, t);
    }

    function test_approveSettlement_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(agent);
        dvp.approveSettlement(t);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- approveSettlementBySig

    function test_approveSettlementBySig_anyoneSubmitsAgentSignature() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory sig = _approveSig(t, AGENT_KEY);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementApproved(t.id, agent);
        vm.prank(stranger);
        dvp.approveSettlementBySig(t, sig);
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Pending, true, false, false, t));
    }

    function test_approveSettlementBySig_revertsForWrongSigner() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory sig = _approveSig(t, BUYER_KEY);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidSig(t.id, agent));
        dvp.approveSettlementBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_approveSettlementBySig_revertsWhenNoAgentNamed() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _approveSig(t, AGENT_KEY);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAgent(address(0)));
        dvp.approveSettlementBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_approveSettlementBySig_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _approveBySigOfAgent);
    }

    function test_approveSettlementBySig_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory sig = _approveSig(t, AGENT_KEY);
        _pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        dvp.approveSettlementBySig(t, sig);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- replayed approvals

    function test_approveSettlement_secondApprovalRevertsAndEmitsNothing() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        Snapshot memory before = _snapshot(t);
        recordEvents();
        vm.expectRevert(_alreadyApproved(t.id));
        vm.prank(agent);
        dvp.approveSettlement(t);
        assertNoEvents();
        _assertUnchanged(before, t);
    }

    function test_approveSettlementBySig_replayedSignatureRevertsAndEmitsNothing() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory sig = _approveSig(t, AGENT_KEY);
        vm.prank(stranger);
        dvp.approveSettlementBySig(t, sig);
        Snapshot memory before = _snapshot(t);
        recordEvents();
        vm.expectRevert(_alreadyApproved(t.id));
        vm.prank(stranger);
        dvp.approveSettlementBySig(t, sig);
        assertNoEvents();
        _assertUnchanged(before, t);
        // nor after the agent approved directly, nor on the affirmed settlement
        vm.prank(buyer);
        dvp.affirm(t);
        before = _snapshot(t);
        vm.expectRevert(_alreadyApproved(t.id));
        dvp.approveSettlementBySig(t, sig);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- revoking an agent

    /// @dev Revoking the agent withdraws its approval; granting the role again does not revive
    /// it: the agent must approve again.
    function test_settle_revokingTheAgentWithdrawsItsApprovalEvenIfRegranted() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        vm.assertTrue(dvp.isApprovalValid(t.id, agent), "valid");
        _revokeAgent();
        vm.assertEq(dvp.agentEpochOf(agent), 1, "epoch moved on");
        vm.assertFalse(dvp.isApprovalValid(t.id, agent), "withdrawn");
        _expectSettleReverts(t, _approvalRevoked(t.id));
        _grantAgent();
        vm.assertFalse(dvp.isApprovalValid(t.id, agent), "not revived");
        _expectSettleReverts(t, _approvalRevoked(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementApproved(t.id, agent);
        vm.prank(agent);
        dvp.approveSettlement(t);
        vm.assertTrue(dvp.isApprovalValid(t.id, agent), "approved again");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles");
    }

    function test_settle_renouncingTheRoleWithdrawsTheApproval() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(agent);
        dvp.renounceRole(role, agent);
        vm.assertEq(dvp.agentEpochOf(agent), 1, "epoch moved on");
        _expectSettleReverts(t, _approvalRevoked(t.id));
    }

    /// @dev A signature made before the revocation covers the old epoch: after the role is granted
    /// again nobody can submit it; a new signature works.
    function test_approveSettlementBySig_signatureOfAnEarlierEpochIsVoid() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        bytes memory old = _approveSig(t, AGENT_KEY);
        dvp.approveSettlementBySig(t, old);
        _revokeAgent();
        _grantAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidSig(t.id, agent));
        vm.prank(stranger);
        dvp.approveSettlementBySig(t, old);
        _assertUnchanged(before, t);
        vm.assertFalse(dvp.isApprovalValid(t.id, agent), "not revived");
        dvp.approveSettlementBySig(t, _approveSigAt(t, AGENT_KEY, 1));
        vm.assertTrue(dvp.isApprovalValid(t.id, agent), "approved in epoch 1");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles");
    }

    /// @dev Only the loss of SETTLEMENT_AGENT_ROLE moves an epoch: another role revoked from the
    /// agent, the role revoked from an account without it, or another agent's revocation leave the
    /// approval counting.
    function test_settle_otherRevocationsLeaveTheApprovalCounting() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        vm.startPrank(admin);
        dvp.grantRole(dvp.PAUSER_ROLE(), agent);
        dvp.revokeRole(dvp.PAUSER_ROLE(), agent);
        dvp.revokeRole(dvp.SETTLEMENT_AGENT_ROLE(), stranger); // never held it
        dvp.grantRole(dvp.SETTLEMENT_AGENT_ROLE(), stranger);
        dvp.revokeRole(dvp.SETTLEMENT_AGENT_ROLE(), stranger);
        vm.stopPrank();
        vm.assertEq(dvp.agentEpochOf(agent), 0, "agent's epoch");
        vm.assertEq(dvp.agentEpochOf(stranger), 1, "the other agent's epoch");
        vm.assertTrue(dvp.isApprovalValid(t.id, agent), "still valid");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles");
    }

    /// @dev Approvals are stamped with the agent's epoch + 1 in 16 bits of the settlement's slot:
    /// an account that lost the role 65,535 times cannot get it back, so a stamp never wraps.
    function test_grantRole_refusesAnAgentWhoseEpochsAreExhausted() public {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        _setAgentEpoch(stranger, type(uint16).max - 1);
        vm.prank(admin);
        dvp.grantRole(role, stranger); // the last grant
        vm.prank(admin);
        dvp.revokeRole(role, stranger);
        vm.assertEq(dvp.agentEpochOf(stranger), type(uint16).max, "epoch at the cap");
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpAgentEpochsExhausted.selector,
                stranger
            )
        );
        vm.prank(admin);
        dvp.grantRole(role, stranger);
        vm.assertFalse(dvp.hasRole(role, stranger), "not granted");
    }

    /// @dev An approval given at the highest epoch an agent can hold the role in still counts.
    function test_settle_approvalAtTheLastEpochCounts() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _revokeAgent();
        _setAgentEpoch(agent, type(uint16).max - 1);
        _grantAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        vm.assertTrue(dvp.isApprovalValid(t.id, agent), "valid");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles");
    }

    function test_settle_revokedAgentThatNeverApprovedReportsTheApprovalMissing() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _revokeAgent();
        _expectSettleReverts(
            t,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpAgentApprovalMissing.selector,
                t.id,
                agent
            )
        );
    }

    // ---------------------------------------------------------------- reject

    function test_reject_agentRejectsPendingAndReleases() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, seller, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementRejected(t.id, agent, "bad terms", QUANTITY);
        vm.prank(agent);
        dvp.reject(t, "bad terms");
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Rejected, false, false, false, t));
        _assertReleased();
    }

    function test_reject_agentRejectsAffirmedWhilePaused() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(buyer);
        dvp.affirm(t);
        _pause();
        vm.prank(issuer);
        bond.pause();
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementRejected(t.id, agent, "", QUANTITY);
        vm.prank(agent);
        dvp.reject(t, "");
        vm.assertEq(uint256(dvp.stateOf(t.id)), 6, "rejected");
        _assertReleased();
    }

    function test_reject_revertsForNonAgent() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, seller));
        vm.prank(seller);
        dvp.reject(t, "x");
        _assertUnchanged(before, t);
    }

    function test_reject_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        t.deadline = DEADLINE + 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(agent);
        dvp.reject(t, "x");
        t.deadline = DEADLINE;
        _assertUnchanged(before, t);
    }

    function test_reject_revertsWhenAgentRoleRevoked() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _revokeAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAgent(agent));
        vm.prank(agent);
        dvp.reject(t, "x");
        _assertUnchanged(before, t);
    }

    function test_reject_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _rejectAsAgent);
    }

    // ---------------------------------------------------------------- actions for the state helper

    function _revokeAgent() internal {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(admin);
        dvp.revokeRole(role, agent);
    }

    /// @dev Sets the DVP's private epoch of `account` (found by probing the mapping's base slot).
    function _setAgentEpoch(address account, uint256 epoch) internal {
        for (uint256 base = 0; base < 64; ++base) {
            bytes32 slot = keccak256(abi.encode(account, base));
            vm.store(address(dvp), slot, bytes32(epoch));
            if (dvp.agentEpochOf(account) == epoch) return;
            vm.store(address(dvp), slot, bytes32(0));
        }
        revert("agent epoch slot not found");
    }

    function _grantAgent() internal {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(admin);
        dvp.grantRole(role, agent);
    }

    function _alreadyApproved(bytes32 id) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpAlreadyApproved.selector, id, agent);
    }

    function _approvalRevoked(bytes32 id) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpAgentApprovalRevoked.selector,
                id,
                agent
            );
    }

    function _expectSettleReverts(
        IDeliveryVersusPayment.Terms memory t,
        bytes memory err
    ) internal {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(buyer);
        dvp.settle(t);
        _assertUnchanged(before, t);
    }

    function _invalidAgent(address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IDeliveryVersusPayment.DvpInvalidAgent.selector, account);
    }

    function _affirmAsBuyer(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(buyer);
        dvp.affirm(t);
    }

    function _affirmBySigOfBuyer(IDeliveryVersusPayment.Terms memory t) internal {
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        dvp.affirmBySig(t, sig);
    }

    function _approveAsAgent(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(agent);
        dvp.approveSettlement(t);
    }

    /// @dev Signs for epoch 0 without asking the DVP (the next call must be the approval).
    function _approveBySigOfAgent(IDeliveryVersusPayment.Terms memory t) internal {
        bytes memory sig = _approveSigAt(t, AGENT_KEY, 0);
        dvp.approveSettlementBySig(t, sig);
    }

    function _rejectAsAgent(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(agent);
        dvp.reject(t, "x");
    }

    // ---------------------------------------------------------------- helpers

    function _pause() internal {
        vm.prank(pauser);
        dvp.pause();
    }

    function _assertReleased() internal view {
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "lock released");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED, "seller keeps its units");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all units free");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer cash untouched");
    }
}
