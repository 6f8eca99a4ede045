// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Fuzzed quantities, amounts, deadlines and shortfalls.
contract DvpFuzzTest is DvpBase {
    function testFuzz_settle_movesExactlyTheAgreedLegs(
        uint256 quantity,
        uint256 amount,
        uint256 deadlineOffset,
        uint256 settleOffset
    ) public {
        quantity = bound(quantity, 1, ST_ISSUED);
        amount = bound(amount, 1, CASH_ISSUED);
        deadlineOffset = bound(deadlineOffset, 1, 3650 days);
        settleOffset = bound(settleOffset, 0, deadlineOffset);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.quantity = quantity;
        t.amount = amount;
        t.deadline = uint64(T0 + deadlineOffset);
        _create(t);
        vm.warp(T0 + settleOffset);
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settled");
        vm.assertEq(bond.balanceOf(buyer), quantity, "buyer ST");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - quantity, "seller ST");
        vm.assertEq(dcjpy.balanceOf(seller), amount, "seller cash");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED - amount, "buyer cash");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "lock");
    }

    function testFuzz_settle_revertsAfterDeadlineAndReclaimReleases(
        uint256 quantity,
        uint256 lateBy
    ) public {
        quantity = bound(quantity, 1, ST_ISSUED);
        lateBy = bound(lateBy, 1, 3650 days);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.quantity = quantity;
        _create(t);
        vm.warp(uint256(DEADLINE) + lateBy);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_deadlinePassed(t.id, uint256(DEADLINE) + lateBy));
        vm.prank(buyer);
        dvp.settle(t);
        _assertUnchanged(before, t);
        dvp.reclaim(t);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "released");
    }

    function testFuzz_onSecurityTokenLocked_rejectsDeadlineNotInFuture(uint64 deadline) public {
        deadline = uint64(bound(deadline, 0, T0));
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.deadline = deadline;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpDeadlinePassed.selector,
                t.id,
                deadline,
                uint256(T0)
            )
        );
        vm.prank(seller);
        bond.lock(address(dvp), t.quantity, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function testFuzz_forceUnlock_namingASettlementFailsItAndReleasesTheRest(
        uint256 quantity,
        uint256 removed,
        uint256 otherQuantity
    ) public {
        quantity = bound(quantity, 1, ST_ISSUED - 1);
        removed = bound(removed, 1, quantity);
        otherQuantity = bound(otherQuantity, 1, ST_ISSUED - quantity);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.quantity = quantity;
        _create(t);
        IDeliveryVersusPayment.Terms memory other = _terms();
        other.quantity = otherQuantity;
        _create(other);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(t.id, issuer, removed, quantity - removed);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, stranger, removed, abi.encode(t));
        vm.assertEq(uint256(dvp.stateOf(t.id)), uint256(IDeliveryVersusPayment.State.Failed), "f");
        vm.assertEq(bond.balanceOf(stranger), removed, "removed units went to the recipient");
        vm.assertEq(bond.lockedOf(address(dvp), seller), otherQuantity, "only the other's units");
        vm.assertEq(
            bond.availableBalanceOf(seller),
            ST_ISSUED - removed - otherQuantity,
            "the rest is free"
        );
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(other), "the other settles whole");
        vm.assertEq(bond.balanceOf(buyer), otherQuantity, "buyer got the other's units");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "one payment");
    }

    function testFuzz_forceUnlock_unnamedTakesOnlyUnassignedUnits(
        uint256 lockedUp,
        uint256 value
    ) public {
        lockedUp = bound(lockedUp, 0, ST_ISSUED - QUANTITY);
        value = bound(value, 1, lockedUp + QUANTITY);
        IDeliveryVersusPayment.Terms memory t = _created();
        if (lockedUp != 0) {
            vm.prank(issuer);
            bond.issue(seller, address(dvp), lockedUp);
        }
        Snapshot memory before = _snapshot(t);
        if (value > lockedUp) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDeliveryVersusPayment.DvpForcedRemovalExceedsUnassigned.selector,
                    address(bond),
                    seller,
                    value,
                    lockedUp
                )
            );
            vm.prank(issuer);
            bond.forceUnlock(address(dvp), seller, seller, value, "court order");
            _assertUnchanged(before, t);
            vm.assertEq(dvp.unassignedLockOf(address(bond), seller), lockedUp, "unassigned");
        } else {
            vm.prank(issuer);
            bond.forceUnlock(address(dvp), seller, seller, value, "court order");
            vm.assertEq(dvp.unassignedLockOf(address(bond), seller), lockedUp - value, "left");
            vm.assertEq(
                bond.lockedOf(address(dvp), seller),
                QUANTITY + lockedUp - value,
                "the settlement's units stay"
            );
            vm.prank(buyer);
            vm.assertTrue(dvp.settle(t), "settles whole");
        }
    }

    function testFuzz_settle_anyAlteredAmountIsRefused(uint256 altered) public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.assume(altered != AMOUNT);
        Snapshot memory before = _snapshot(t);
        t.amount = altered;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(buyer);
        dvp.settle(t);
        t.amount = AMOUNT;
        _assertUnchanged(before, t);
    }
}
