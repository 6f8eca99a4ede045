// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Failure paths: cancel (by consent), reclaim (after the deadline) and the issuer's
/// terminate.
contract DvpExitTest is DvpBase {
    // ---------------------------------------------------------------- cancel

    function test_cancel_sellerAloneCancelsPending() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, seller, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelled(t.id, QUANTITY);
        vm.prank(seller);
        dvp.cancel(t);
        _assertRecord(
            t.id,
            _record(IDeliveryVersusPayment.State.Cancelled, false, false, false, t)
        );
        _assertReleased();
    }

    function test_cancel_buyerAloneCancelsPending() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelled(t.id, QUANTITY);
        vm.prank(buyer);
        dvp.cancel(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 4, "cancelled");
        _assertReleased();
    }

    function test_cancel_oneConsentOnAffirmedOnlyRecords() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        Snapshot memory before = _snapshot(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelConsented(t.id, seller);
        vm.prank(seller);
        dvp.cancel(t);
        before.record.sellerCancelConsent = true;
        _assertUnchanged(before, t);
    }

    function test_cancel_buyerConsentOnAffirmedOnlyRecords() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        Snapshot memory before = _snapshot(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelConsented(t.id, buyer);
        vm.prank(buyer);
        dvp.cancel(t);
        before.record.buyerCancelConsent = true;
        _assertUnchanged(before, t);
    }

    function test_cancel_repeatedConsentOfOnePartyDoesNotCancel() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        vm.prank(seller);
        dvp.cancel(t);
        Snapshot memory before = _snapshot(t);
        vm.prank(seller);
        dvp.cancel(t);
        _assertUnchanged(before, t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 2, "still affirmed");
    }

    function test_cancel_bothConsentsCancelAffirmed() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        vm.prank(buyer);
        dvp.cancel(t);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelConsented(t.id, seller);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCancelled(t.id, QUANTITY);
        vm.prank(seller);
        dvp.cancel(t);
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Cancelled, false, true, true, t));
        _assertReleased();
    }

    function test_cancel_worksWhileDvpAndTokenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(pauser);
        dvp.pause();
        vm.prank(issuer);
        bond.pause();
        vm.prank(issuer);
        bond.setStatus(false);
        vm.prank(seller);
        dvp.cancel(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 4, "cancelled");
        _assertReleased();
    }

    function test_cancel_revertsForThirdParty() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, agent));
        vm.prank(agent);
        dvp.cancel(t);
        _assertUnchanged(before, t);
    }

    function test_cancel_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        t.buyer = stranger;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(stranger);
        dvp.cancel(t);
        t.buyer = buyer;
        _assertUnchanged(before, t);
    }

    function test_cancel_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _cancelAsSeller);
    }

    // ---------------------------------------------------------------- reclaim

    function test_reclaim_anyoneReclaimsAfterDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, seller, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementExpired(t.id, QUANTITY);
        vm.prank(stranger);
        dvp.reclaim(t);
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Expired, false, false, false, t));
        _assertReleased();
    }

    function test_reclaim_reclaimsAffirmedWhilePaused() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        vm.prank(pauser);
        dvp.pause();
        vm.prank(issuer);
        bond.pause();
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementExpired(t.id, QUANTITY);
        dvp.reclaim(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 5, "expired");
        _assertReleased();
    }

    function test_reclaim_revertsAtDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(DEADLINE);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpDeadlineNotPassed.selector,
                t.id,
                DEADLINE,
                uint256(DEADLINE)
            )
        );
        dvp.reclaim(t);
        _assertUnchanged(before, t);
    }

    function test_reclaim_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(uint256(DEADLINE) + 1);
        Snapshot memory before = _snapshot(t);
        t.deadline = T0;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        dvp.reclaim(t);
        t.deadline = DEADLINE;
        _assertUnchanged(before, t);
    }

    function test_reclaim_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _reclaimAfterDeadline);
    }

    // ---------------------------------------------------------------- terminate

    function test_terminate_issuerEndsPendingAndReleasesItsUnits() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, seller, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementTerminated(t.id, issuer, "court order", QUANTITY);
        vm.prank(issuer);
        dvp.terminate(t, "court order");
        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Failed, false, false, false, t));
        _assertReleased();
    }

    function test_terminate_worksOnAffirmedWhileDvpAndTokenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _affirmed();
        vm.prank(pauser);
        dvp.pause();
        vm.prank(issuer);
        bond.pause();
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementTerminated(t.id, issuer, "", QUANTITY);
        vm.prank(issuer);
        dvp.terminate(t, "");
        vm.assertEq(
            uint256(dvp.stateOf(t.id)),
            uint256(IDeliveryVersusPayment.State.Failed),
            "failed"
        );
        _assertReleased();
    }

    /// @dev The exact alternative to force-unlocking the DVP's lock bucket: only the named
    /// settlement's units leave it, and the seller's other settlement still settles in full.
    function test_terminate_leavesTheSellersOtherSettlementWhole() public {
        IDeliveryVersusPayment.Terms memory ended = _created();
        IDeliveryVersusPayment.Terms memory other = _created();
        vm.prank(issuer);
        dvp.terminate(ended, "x");
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "other's units stay locked");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(other), "other settles");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer got the other's units");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - QUANTITY, "seller delivered once");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "nothing left locked");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller paid once");
    }

    function test_terminate_revertsForCallersWithoutForceUnlockRole() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        address[4] memory callers = [seller, buyer, agent, admin];
        for (uint256 i = 0; i < callers.length; ++i) {
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_unauthorized(t.id, callers[i]));
            vm.prank(callers[i]);
            dvp.terminate(t, "x");
            _assertUnchanged(before, t);
        }
    }

    function test_terminate_revertsOnceTheRoleIsRevoked() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.startPrank(admin);
        bond.revokeRole(bond.FORCE_UNLOCK_ROLE(), issuer);
        vm.stopPrank();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, issuer));
        vm.prank(issuer);
        dvp.terminate(t, "x");
        _assertUnchanged(before, t);
    }

    function test_terminate_revertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        t.quantity = QUANTITY - 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(issuer);
        dvp.terminate(t, "x");
        t.quantity = QUANTITY;
        _assertUnchanged(before, t);
    }

    function test_terminate_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _terminateAsIssuer);
    }

    // ---------------------------------------------------------------- helpers

    function _terminateAsIssuer(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(issuer);
        dvp.terminate(t, "x");
    }

    function _affirmed() internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = _created();
        vm.prank(buyer);
        dvp.affirm(t);
    }

    function _cancelAsSeller(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(seller);
        dvp.cancel(t);
    }

    function _reclaimAfterDeadline(IDeliveryVersusPayment.Terms memory t) internal {
        vm.warp(uint256(t.deadline) + 1);
        dvp.reclaim(t);
        vm.warp(T0);
    }

    function _assertReleased() internal view {
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "lock released");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED, "seller keeps its units");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all units free");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer cash untouched");
        vm.assertEq(dcjpy.balanceOf(seller), 0, "seller got no cash");
    }
}
