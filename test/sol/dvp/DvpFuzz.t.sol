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

    function testFuzz_settle_shortLockFailsAndReleasesRemainder(
        uint256 quantity,
        uint256 cut
    ) public {
        quantity = bound(quantity, 1, ST_ISSUED);
        cut = bound(cut, 1, quantity);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.quantity = quantity;
        _create(t);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, cut, "");
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(
            t.id,
            quantity - cut,
            quantity,
            quantity - cut
        );
        vm.prank(buyer);
        vm.assertFalse(dvp.settle(t), "failed");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all free");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "no payment");
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
