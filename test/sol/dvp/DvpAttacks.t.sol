// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {DeliveryVersusPayment} from "../../../contracts/settlement/DeliveryVersusPayment.sol";
import {ReentrantCashToken} from "../../../contracts/test/dvp/ReentrantCashToken.sol";
import {ReentrantSecurityToken} from "../../../contracts/test/dvp/ReentrantSecurityToken.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice What an attacker or a careless party could try, and what stops it.
contract DvpAttacksTest is DvpBase {
    bytes private reentrant = abi.encodeWithSelector(
        ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
    );

    // ---------------------------------------------------------------- signatures

    function test_affirmBySig_replayedSignatureRevertsOnSecondUse() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        dvp.affirmBySig(t, sig);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unexpected(t.id, IDeliveryVersusPayment.State.Affirmed, M_PENDING));
        vm.prank(stranger);
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_signatureCannotBeMovedToAnotherSettlement() public {
        IDeliveryVersusPayment.Terms memory signed = _created();
        IDeliveryVersusPayment.Terms memory other = _created();
        bytes memory sig = _affirmSig(signed, BUYER_KEY);
        Snapshot memory before = _snapshot(other);
        vm.expectRevert(_invalidSig(other.id, buyer));
        dvp.affirmBySig(other, sig);
        _assertUnchanged(before, other);
    }

    function test_affirmBySig_signatureOnAlteredTermsIsRefused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        // The buyer signs a cheaper price than the seller committed.
        IDeliveryVersusPayment.Terms memory cheaper = _copy(t);
        cheaper.amount = AMOUNT / 2;
        bytes memory sig = _affirmSig(cheaper, BUYER_KEY);
        Snapshot memory before = _snapshot(t);
        // submitted with the altered terms: they do not match the seller's commitment
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        dvp.affirmBySig(cheaper, sig);
        _assertUnchanged(before, t);
        // submitted with the committed terms: the signature does not cover them
        vm.expectRevert(_invalidSig(t.id, buyer));
        dvp.affirmBySig(t, sig);
        _assertUnchanged(before, t);
    }

    function test_affirmBySig_signatureForAnotherDeploymentIsRefused() public {
        vm.startPrank(admin);
        DeliveryVersusPayment twin = new DeliveryVersusPayment(0, admin);
        twin.setSecurityTokenListed(address(bond), true);
        twin.setCashTokenListed(address(dcjpy), true);
        vm.stopPrank();
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY); // for `dvp`
        vm.prank(seller);
        bond.lock(address(twin), t.quantity, abi.encode(t));
        vm.expectRevert(_invalidSig(t.id, buyer));
        twin.affirmBySig(t, sig);
        vm.assertEq(uint256(twin.stateOf(t.id)), 1, "twin still pending");
    }

    function test_approveSettlementBySig_signatureCannotBeMovedToAnotherSettlement() public {
        IDeliveryVersusPayment.Terms memory signed = _createdWithAgent();
        IDeliveryVersusPayment.Terms memory other = _createdWithAgent();
        bytes memory sig = _approveSig(signed, AGENT_KEY);
        Snapshot memory before = _snapshot(other);
        vm.expectRevert(_invalidSig(other.id, agent));
        dvp.approveSettlementBySig(other, sig);
        _assertUnchanged(before, other);
    }

    function test_affirm_frontRunAffirmationLeavesSameOutcome() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _affirmSig(t, BUYER_KEY);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, buyer, stranger);
        vm.prank(stranger);
        dvp.affirmBySig(t, sig);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unexpected(t.id, IDeliveryVersusPayment.State.Affirmed, M_PENDING));
        vm.prank(buyer);
        dvp.affirm(t);
        _assertUnchanged(before, t);
        // The buyer is affirmed all the same and settles exactly as it would have.
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settled");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer ST");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller cash");
    }

    // ---------------------------------------------------------------- altered terms and timing

    function test_settle_buyerCannotPayForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        IDeliveryVersusPayment.Terms memory cheaper = _copy(t);
        cheaper.amount = 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(buyer);
        dvp.settle(cheaper);
        _assertUnchanged(before, t);
        IDeliveryVersusPayment.Terms memory more = _copy(t);
        more.quantity = QUANTITY * 2;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(buyer);
        dvp.settle(more);
        _assertUnchanged(before, t);
    }

    function test_settle_afterDeadlineRevertsAndSellerReclaims() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dvp.affirm(t);
        vm.warp(uint256(DEADLINE) + 1);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_deadlinePassed(t.id, uint256(DEADLINE) + 1));
        vm.prank(buyer);
        dvp.settle(t);
        _assertUnchanged(before, t);
        vm.prank(seller);
        dvp.reclaim(t);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "seller free again");
    }

    // ---------------------------------------------------------------- re-entrancy

    function test_settle_reentrantCashTokenCannotReenterSettle() public {
        _assertCashReentryBlocked(IDeliveryVersusPayment.settle.selector);
    }

    function test_settle_reentrantCashTokenCannotReenterCancel() public {
        _assertCashReentryBlocked(IDeliveryVersusPayment.cancel.selector);
    }

    function test_settle_reentrantCashTokenCannotReenterReclaim() public {
        _assertCashReentryBlocked(IDeliveryVersusPayment.reclaim.selector);
    }

    function test_settleBatchPerItem_reentrantCashTokenCannotReenter() public {
        (ReentrantCashToken cash, IDeliveryVersusPayment.Terms memory t) = _reentrantCashSetup();
        cash.arm(address(dvp), abi.encodeWithSelector(IDeliveryVersusPayment.settle.selector, t));
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](1);
        batch[0] = t;
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAttemptFailed(t.id, reentrant);
        vm.prank(buyer);
        bool[] memory settled = dvp.settleBatchPerItem(batch);
        vm.assertFalse(settled[0], "not settled");
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "still pending");
        vm.assertEq(cash.balanceOf(buyer), AMOUNT, "buyer cash");
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "still locked");
    }

    function test_settle_reentrantLockReceiverPathIsBlocked() public {
        // A listed token that re-enters the DVP from `unlock` (the DVP's only call into the
        // security token that moves anything), trying to register a new settlement or to settle.
        ReentrantSecurityToken evil = new ReentrantSecurityToken();
        vm.prank(admin);
        dvp.setSecurityTokenListed(address(evil), true);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.securityToken = address(evil);
        vm.prank(seller);
        evil.lock(address(dvp), QUANTITY, abi.encode(t));
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "created");

        IDeliveryVersusPayment.Terms memory squat = _terms();
        squat.securityToken = address(evil);
        bytes[3] memory payloads = [
            abi.encodeWithSelector(
                ISecurityTokenLockReceiver.onSecurityTokenLocked.selector,
                seller,
                QUANTITY,
                abi.encode(squat)
            ),
            abi.encodeWithSelector(IDeliveryVersusPayment.settle.selector, t),
            abi.encodeWithSelector(IDeliveryVersusPayment.cancel.selector, t)
        ];
        for (uint256 i = 0; i < payloads.length; ++i) {
            evil.arm(address(dvp), payloads[i]);
            uint256 buyerCash = dcjpy.balanceOf(buyer);
            vm.expectRevert(reentrant);
            vm.prank(buyer);
            dvp.settle(t);
            vm.assertEq(dcjpy.balanceOf(buyer), buyerCash, "cash leg rolled back");
            vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "still pending");
            vm.assertEq(uint256(dvp.stateOf(squat.id)), 0, "nothing registered");
        }
        // Re-entering from the release path of cancel is blocked as well.
        evil.arm(address(dvp), abi.encodeWithSelector(IDeliveryVersusPayment.reclaim.selector, t));
        vm.expectRevert(reentrant);
        vm.prank(seller);
        dvp.cancel(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "still pending");
    }

    // ---------------------------------------------------------------- eligibility

    function test_settle_buyerSuspendedOnStRegisterMovesNothingThenSellerReclaims() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dvp.affirm(t);
        vm.prank(admin);
        stRegistry.suspend(buyer);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(ISecurityToken.SecurityTokenIneligibleReceiver.selector, buyer)
        );
        vm.prank(buyer);
        dvp.settle(t);
        _assertUnchanged(before, t); // the security leg was refused before the cash leg ran

        vm.warp(uint256(DEADLINE) + 1);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementExpired(t.id, QUANTITY);
        vm.prank(seller);
        dvp.reclaim(t);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "seller free again");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer kept its cash");
    }

    /// @dev Any refusal of the security leg is re-thrown as is (here empty revert data, as an
    /// out-of-gas in the token gives, and data shorter than a selector): nothing moves and the
    /// settlement stays open, so a relayer cannot starve the security leg to end a settlement.
    function test_settle_anyRefusalOfTheSecurityLegIsRethrown() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dvp.affirm(t);
        bytes[2] memory refusals = [bytes(""), bytes(hex"0102")];
        for (uint256 i = 0; i < refusals.length; ++i) {
            vm.mockCallRevert(
                address(bond),
                abi.encodeWithSelector(ISecurityToken.unlock.selector),
                refusals[i]
            );
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(refusals[i]);
            vm.prank(stranger);
            dvp.settle(t);
            _assertUnchanged(before, t);
            vm.assertEq(
                uint8(dvp.stateOf(t.id)),
                uint8(IDeliveryVersusPayment.State.Affirmed),
                "still open"
            );
        }
        vm.clearMockedCalls();
        vm.prank(stranger);
        vm.assertTrue(dvp.settle(t), "settles once the token accepts");
    }

    function test_settle_sellerRemovedFromStRegisterMovesNothing() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(admin);
        stRegistry.remove(seller);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(ISecurityToken.SecurityTokenIneligibleSender.selector, seller)
        );
        vm.prank(buyer);
        dvp.settle(t);
        _assertUnchanged(before, t);
        // Release to self works even for an ineligible holder.
        vm.prank(seller);
        dvp.cancel(t);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "seller free again");
    }

    // ---------------------------------------------------------------- squatting and mismatches

    function test_onSecurityTokenLocked_unlistedFakeTokenCannotSquatId() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        ReentrantSecurityToken fake = new ReentrantSecurityToken();
        IDeliveryVersusPayment.Terms memory squat = _copy(t);
        squat.securityToken = address(fake);
        squat.seller = stranger;
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnlistedSecurityToken.selector,
                address(fake)
            )
        );
        vm.prank(stranger);
        fake.lock(address(dvp), QUANTITY, abi.encode(squat));
        vm.assertEq(uint256(dvp.stateOf(t.id)), 0, "id still free");
        _create(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "the real seller registers it");
    }

    function test_onSecurityTokenLocked_lockMismatchRevertsAndLocksNothing() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpLockMismatch.selector,
                t.id,
                address(bond),
                seller,
                QUANTITY - 1
            )
        );
        vm.prank(seller);
        bond.lock(address(dvp), QUANTITY - 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- helpers

    function _unexpected(
        bytes32 id,
        IDeliveryVersusPayment.State current,
        bytes32 mask
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnexpectedState.selector,
                id,
                current,
                mask
            );
    }

    function _copy(
        IDeliveryVersusPayment.Terms memory t
    ) internal pure returns (IDeliveryVersusPayment.Terms memory c) {
        c = abi.decode(abi.encode(t), (IDeliveryVersusPayment.Terms));
    }

    function _reentrantCashSetup()
        internal
        returns (ReentrantCashToken cash, IDeliveryVersusPayment.Terms memory t)
    {
        cash = new ReentrantCashToken();
        vm.prank(admin);
        dvp.setCashTokenListed(address(cash), true);
        cash.mint(buyer, AMOUNT);
        vm.prank(buyer);
        cash.approve(address(dvp), AMOUNT);
        t = _terms();
        t.cashToken = address(cash);
        _create(t);
    }

    function _assertCashReentryBlocked(bytes4 selector) internal {
        (ReentrantCashToken cash, IDeliveryVersusPayment.Terms memory t) = _reentrantCashSetup();
        cash.arm(address(dvp), abi.encodeWithSelector(selector, t));
        vm.warp(DEADLINE); // for reclaim the deadline check would come after the guard anyway
        uint256 lockedBefore = bond.lockedOf(address(dvp), seller);
        vm.expectRevert(reentrant);
        vm.prank(buyer);
        dvp.settle(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "still pending");
        vm.assertEq(cash.balanceOf(buyer), AMOUNT, "buyer cash");
        vm.assertEq(cash.balanceOf(seller), 0, "seller cash");
        vm.assertEq(bond.lockedOf(address(dvp), seller), lockedBefore, "lock unchanged");
        vm.assertEq(bond.balanceOf(buyer), 0, "no delivery");
    }
}
