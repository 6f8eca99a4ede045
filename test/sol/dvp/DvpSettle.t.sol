// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {PlainERC20} from "../../../contracts/test/PlainERC20.sol";
import {Vm} from "../utils/Vm.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Steps 4-6: settle, settleWithAuthorization, settleBatch, settleBatchPerItem,
/// settleItem.
contract DvpSettleTest is DvpBase {
    bytes32 private constant AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,address spender,uint256 validBefore,bytes32 nonce)"
    );
    uint256 private constant VALID_BEFORE = DEADLINE + 1;

    // ---------------------------------------------------------------- settle

    function test_settle_buyerSettlesPendingAndAffirms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        // The security leg, then the cash leg, then the DVP's own events.
        vm.expectEmit(address(bond));
        emit IERC20.Transfer(seller, buyer, QUANTITY);
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, buyer, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(buyer, seller, AMOUNT);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, buyer, buyer);
        _expectSettled(t);
        vm.prank(buyer);
        bool settled = dvp.settle(t);
        vm.assertTrue(settled, "returns true");
        _assertSettled(t, 1);
    }

    function test_settle_anyoneSettlesAffirmed() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dvp.affirm(t);
        recordEvents();
        vm.prank(stranger);
        vm.assertTrue(dvp.settle(t), "returns true");
        _assertSettled(t, 1);
        // Transfer + Unlock (bond), Transfer (cash), SettlementSettled: no second affirmation
        vm.assertEq(vm.getRecordedLogs().length, 4, "four events");
    }

    function test_settle_settlesAtDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(DEADLINE);
        vm.prank(buyer);
        dvp.settle(t);
        _assertSettled(t, 1);
    }

    function test_settle_settlesWithAgentApproval() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        vm.prank(agent);
        dvp.approveSettlement(t);
        _expectSettled(t);
        vm.prank(buyer);
        dvp.settle(t);
        _assertSettled(t, 1);
        vm.assertTrue(dvp.settlementOf(t.id).agentApproved, "approval kept");
    }

    function test_settle_settlesAfterTokensAreDelisted() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.startPrank(admin);
        dvp.setSecurityTokenListed(address(bond), false);
        dvp.setCashTokenListed(address(dcjpy), false);
        vm.stopPrank();
        vm.prank(buyer);
        dvp.settle(t);
        _assertSettled(t, 1);
    }

    function test_settle_revertsForNonBuyerOnPending() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        _expectSettleReverts(t, stranger, _unauthorized(t.id, stranger));
    }

    function test_settle_revertsForSellerOnPending() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        _expectSettleReverts(t, seller, _unauthorized(t.id, seller));
    }

    function test_settle_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _settleAsBuyer);
    }

    function test_settle_revertsAfterDeadline() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.warp(uint256(DEADLINE) + 1);
        _expectSettleReverts(t, buyer, _deadlinePassed(t.id, uint256(DEADLINE) + 1));
    }

    function test_settle_revertsWithoutAgentApproval() public {
        IDeliveryVersusPayment.Terms memory t = _createdWithAgent();
        _expectSettleReverts(
            t,
            buyer,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpAgentApprovalMissing.selector,
                t.id,
                agent
            )
        );
    }

    function test_settle_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(pauser);
        dvp.pause();
        _expectSettleReverts(t, buyer, abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_settle_revertsWithoutAllowance() public {
        // The security leg has already moved when the cash leg fails: the revert undoes it.
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dcjpy.approve(address(dvp), AMOUNT - 1);
        _expectSettleReverts(
            t,
            buyer,
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector,
                address(dvp),
                AMOUNT - 1,
                AMOUNT
            )
        );
    }

    function test_settle_revertsWhenBuyerCashFrozen() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(bank);
        dcjpy.setAccountFrozen(buyer, true);
        _expectSettleReverts(
            t,
            buyer,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, buyer)
        );
    }

    function test_settle_revertsWhenBondPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(issuer);
        bond.pause();
        _expectSettleReverts(
            t,
            buyer,
            abi.encodeWithSelector(ISecurityToken.SecurityTokenPaused.selector)
        );
    }

    /// @dev A forced removal naming the settlement failed it at once: it never settles, whatever
    /// the seller locks afterwards.
    function test_settle_revertsOnceAForcedRemovalFailedIt() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 40, abi.encode(t));
        vm.prank(seller);
        bond.lock(address(dvp), QUANTITY, abi.encode(_terms()));
        _expectSettleReverts(
            t,
            buyer,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnexpectedState.selector,
                t.id,
                IDeliveryVersusPayment.State.Failed,
                M_OPEN
            )
        );
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "the other's units stay");
    }

    // ---------------------------------------------------------------- settleWithAuthorization

    function test_settleWithAuthorization_settlesWithoutAllowance() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(buyer);
        dcjpy.approve(address(dvp), 0);
        bytes memory sig = _authorization(t, VALID_BEFORE);
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, buyer, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(dcjpy));
        emit IDepositToken.AuthorizationUsed(buyer, t.id);
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(buyer, seller, AMOUNT);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAffirmed(t.id, buyer, buyer);
        _expectSettled(t);
        vm.prank(buyer);
        vm.assertTrue(dvp.settleWithAuthorization(t, VALID_BEFORE, sig), "returns true");
        _assertSettled(t, 1);
        vm.assertTrue(dcjpy.authorizationState(buyer, t.id), "authorization used");
        vm.assertEq(dcjpy.allowance(buyer, address(dvp)), 0, "no allowance involved");
    }

    /// @dev Issue 11, item 3: the buyer affirmed two settlements of the same amount; a
    /// front-runner can neither settle the other one with the buyer's authorization nor submit it
    /// to the token itself; the buyer's own call then settles the one it signed.
    function test_settleWithAuthorization_frontRunnerCannotRedirectTheAuthorization() public {
        IDeliveryVersusPayment.Terms memory signed = _created();
        IDeliveryVersusPayment.Terms memory other = _created();
        vm.startPrank(buyer);
        dvp.affirm(signed);
        dvp.affirm(other);
        dcjpy.approve(address(dvp), 0);
        vm.stopPrank();
        bytes memory sig = _authorization(signed, VALID_BEFORE);

        Snapshot memory before = _snapshot(other);
        vm.expectRevert(_invalidAuthorization(address(dvp), other.id));
        vm.prank(stranger);
        dvp.settleWithAuthorization(other, VALID_BEFORE, sig);
        _assertUnchanged(before, other);

        before = _snapshot(signed);
        vm.expectRevert(_invalidAuthorization(stranger, signed.id));
        vm.prank(stranger);
        dcjpy.transferWithAuthorization(buyer, stranger, AMOUNT, VALID_BEFORE, signed.id, sig);
        _assertUnchanged(before, signed);
        vm.assertFalse(dcjpy.authorizationState(buyer, signed.id), "still unused");

        vm.prank(buyer);
        vm.assertTrue(dvp.settleWithAuthorization(signed, VALID_BEFORE, sig), "settled");
        vm.assertEq(uint256(dvp.stateOf(other.id)), 2, "the other is still affirmed");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "paid once");
    }

    /// @dev A signature over another amount, payee or spender, or another validity, settles
    /// nothing: the DVP takes them from the terms and itself.
    function test_settleWithAuthorization_revertsForASignatureOfOtherValues() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes[4] memory sigs = [
            _signAuthorization(buyer, seller, AMOUNT - 1, address(dvp), VALID_BEFORE, t.id),
            _signAuthorization(buyer, stranger, AMOUNT, address(dvp), VALID_BEFORE, t.id),
            _signAuthorization(buyer, seller, AMOUNT, stranger, VALID_BEFORE, t.id),
            _signAuthorization(buyer, seller, AMOUNT, address(dvp), VALID_BEFORE + 1, t.id)
        ];
        for (uint256 i = 0; i < sigs.length; ++i) {
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_invalidAuthorization(address(dvp), t.id));
            vm.prank(buyer);
            dvp.settleWithAuthorization(t, VALID_BEFORE, sigs[i]);
            _assertUnchanged(before, t);
        }
    }

    function test_settleWithAuthorization_revertsWhenExpired() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        uint256 validBefore = T0;
        bytes memory sig = _authorization(t, validBefore);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationExpired.selector,
                buyer,
                t.id,
                validBefore,
                uint256(T0)
            )
        );
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, validBefore, sig);
        _assertUnchanged(before, t);
    }

    function test_settleWithAuthorization_revertsWhenTheBuyerCancelledIt() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _authorization(t, VALID_BEFORE);
        vm.prank(buyer);
        dcjpy.cancelAuthorization(t.id);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationUsed.selector,
                buyer,
                t.id
            )
        );
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
        _assertUnchanged(before, t);
    }

    /// @dev docs/threat-model.md: affirming commits no cash. The buyer may cancel its
    /// authorization after affirming; the settle then fails, nothing moves, and the seller waits
    /// for the deadline to reclaim (cancelling an affirmed settlement takes both parties).
    function test_settleWithAuthorization_buyerCancelsAfterAffirmingSellerReclaimsAtDeadline()
        public
    {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _authorization(t, VALID_BEFORE);
        vm.prank(buyer);
        dvp.affirm(t);
        vm.prank(buyer);
        dcjpy.cancelAuthorization(t.id);

        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationUsed.selector,
                buyer,
                t.id
            )
        );
        vm.prank(stranger);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
        _assertUnchanged(before, t);

        vm.prank(seller);
        dvp.cancel(t);
        vm.assertEq(
            uint256(dvp.stateOf(t.id)),
            uint256(IDeliveryVersusPayment.State.Affirmed),
            "the seller alone cannot cancel"
        );
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "units still locked");

        vm.warp(uint256(t.deadline) + 1);
        dvp.reclaim(t);
        vm.assertEq(
            uint256(dvp.stateOf(t.id)),
            uint256(IDeliveryVersusPayment.State.Expired),
            "reclaimed"
        );
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "the seller's units are free");
        vm.assertEq(dcjpy.balanceOf(seller), before.sellerCash, "no cash moved");
    }

    function test_settleWithAuthorization_revertsForAlteredTermsBeforeUsingIt() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _authorization(t, VALID_BEFORE);
        Snapshot memory before = _snapshot(t);
        t.amount = 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, t.id));
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
        t.amount = AMOUNT;
        _assertUnchanged(before, t);
        vm.assertFalse(dcjpy.authorizationState(buyer, t.id), "authorization not used");
    }

    function test_settleWithAuthorization_revertsOutsideOpenStates() public {
        _assertRejectsOtherStates(M_OPEN, _settleWithAuthorizationAsBuyer);
    }

    function test_settleWithAuthorization_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory sig = _authorization(t, VALID_BEFORE);
        vm.prank(pauser);
        dvp.pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
        _assertUnchanged(before, t);
    }

    /// @dev A cash token without transfer authorizations cannot settle this way: the call
    /// reverts and nothing moves.
    function test_settleWithAuthorization_revertsForACashTokenWithoutAuthorizations() public {
        PlainERC20 plain = new PlainERC20();
        vm.prank(admin);
        dvp.setCashTokenListed(address(plain), true);
        plain.mint(buyer, AMOUNT);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.cashToken = address(plain);
        _create(t);
        bytes memory sig = _authorization(t, VALID_BEFORE);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(bytes(""));
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
        _assertUnchanged(before, t);
        vm.assertEq(plain.balanceOf(buyer), AMOUNT, "no cash moved");
    }

    /// @dev Nonces are the settlement IDs, not a sequence: a buyer signs many authorizations at
    /// once and they settle in any order.
    function test_settleWithAuthorization_manyAuthorizationsOpenAtOnceSettleInAnyOrder() public {
        vm.prank(buyer);
        dcjpy.approve(address(dvp), 0);
        IDeliveryVersusPayment.Terms[3] memory ts = [_created(), _created(), _created()];
        bytes[3] memory sigs;
        for (uint256 i = 0; i < 3; ++i) sigs[i] = _authorization(ts[i], VALID_BEFORE);
        for (uint256 i = 3; i > 0; --i) {
            vm.prank(buyer);
            vm.assertTrue(
                dvp.settleWithAuthorization(ts[i - 1], VALID_BEFORE, sigs[i - 1]),
                "settled"
            );
        }
        _assertSettled(ts[0], 3);
    }

    // ---------------------------------------------------------------- settleBatch

    function test_settleBatch_settlesAll() public {
        IDeliveryVersusPayment.Terms[] memory batch = _two();
        vm.prank(buyer);
        dvp.affirm(batch[1]);
        _expectSettled(batch[0]);
        _expectSettled(batch[1]);
        vm.prank(buyer);
        dvp.settleBatch(batch);
        _assertSettled(batch[0], 2);
        vm.assertEq(uint256(dvp.stateOf(batch[1].id)), 3, "second settled");
    }

    function test_settleBatch_revertsWhenEmpty() public {
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](0);
        vm.expectRevert(abi.encodeWithSelector(IDeliveryVersusPayment.DvpEmptyBatch.selector));
        dvp.settleBatch(batch);
    }

    function test_settleBatch_revertsWholeBatchOnAlteredItem() public {
        IDeliveryVersusPayment.Terms[] memory batch = _two();
        Snapshot memory first = _snapshot(batch[0]);
        batch[1].amount = 1;
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, batch[1].id));
        vm.prank(buyer);
        dvp.settleBatch(batch);
        _assertUnchanged(first, batch[0]);
        vm.assertEq(uint256(dvp.stateOf(batch[1].id)), 1, "second still pending");
    }

    function test_settleBatch_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms[] memory batch = _two();
        vm.prank(pauser);
        dvp.pause();
        Snapshot memory first = _snapshot(batch[0]);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(buyer);
        dvp.settleBatch(batch);
        _assertUnchanged(first, batch[0]);
    }

    // ---------------------------------------------------------------- settleBatchPerItem

    function test_settleBatchPerItem_settlesAll() public {
        IDeliveryVersusPayment.Terms[] memory batch = _two();
        _expectSettled(batch[0]);
        _expectSettled(batch[1]);
        vm.prank(buyer);
        bool[] memory settled = dvp.settleBatchPerItem(batch);
        vm.assertTrue(settled[0] && settled[1], "both settled");
        _assertSettled(batch[0], 2);
    }

    function test_settleBatchPerItem_reportsFailingItemAndSettlesOthers() public {
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](2);
        batch[0] = _createdWithAgent(); // never approved
        batch[1] = _created();
        Snapshot memory first = _snapshot(batch[0]);
        bytes memory reason = abi.encodeWithSelector(
            IDeliveryVersusPayment.DvpAgentApprovalMissing.selector,
            batch[0].id,
            agent
        );
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAttemptFailed(batch[0].id, reason);
        _expectSettled(batch[1]);
        vm.prank(buyer);
        bool[] memory settled = dvp.settleBatchPerItem(batch);
        vm.assertFalse(settled[0], "first not settled");
        vm.assertTrue(settled[1], "second settled");
        vm.assertEq(uint256(dvp.stateOf(batch[0].id)), 1, "first still pending");
        vm.assertEq(uint256(dvp.stateOf(batch[1].id)), 3, "second settled");
        vm.assertEq(bond.balanceOf(buyer), first.buyerSt + QUANTITY, "one delivery");
        vm.assertEq(dcjpy.balanceOf(seller), first.sellerCash + AMOUNT, "one payment");
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "first still locked");
    }

    /// @dev Items that are not open are not tried: each is reported once with its state, never as
    /// a failed attempt, and moves nothing; the open items in between settle.
    function test_settleBatchPerItem_skipsEveryStateThatIsNotOpen() public {
        IDeliveryVersusPayment.State[6] memory closed = [
            IDeliveryVersusPayment.State.None,
            IDeliveryVersusPayment.State.Settled,
            IDeliveryVersusPayment.State.Cancelled,
            IDeliveryVersusPayment.State.Expired,
            IDeliveryVersusPayment.State.Rejected,
            IDeliveryVersusPayment.State.Failed
        ];
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](7);
        for (uint256 k = 0; k < closed.length; ++k) batch[k] = _inState(closed[k]);
        batch[6] = _created();
        Snapshot[6] memory before;
        for (uint256 k = 0; k < closed.length; ++k) before[k] = _snapshot(batch[k]);
        uint256 buyerSt = bond.balanceOf(buyer);
        uint256 sellerCash = dcjpy.balanceOf(seller);
        uint256 locked = bond.lockedOf(address(dvp), seller);
        for (uint256 k = 0; k < closed.length; ++k) {
            vm.expectEmit(address(dvp));
            emit IDeliveryVersusPayment.SettlementAttemptSkipped(batch[k].id, closed[k]);
        }
        _expectSettled(batch[6]);
        recordEvents();
        vm.prank(buyer);
        bool[] memory settled = dvp.settleBatchPerItem(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            vm.assertTrue(
                logs[i].topics[0] != IDeliveryVersusPayment.SettlementAttemptFailed.selector,
                "no failed attempt reported"
            );
        }
        for (uint256 k = 0; k < closed.length; ++k) {
            vm.assertFalse(settled[k], "skipped item reports false");
            _assertRecord(batch[k].id, before[k].record);
        }
        vm.assertTrue(settled[6], "the open item settled");
        vm.assertEq(uint256(dvp.stateOf(batch[6].id)), 3, "Settled");
        vm.assertEq(bond.balanceOf(buyer), buyerSt + QUANTITY, "one delivery");
        vm.assertEq(dcjpy.balanceOf(seller), sellerCash + AMOUNT, "one payment");
        vm.assertEq(bond.lockedOf(address(dvp), seller), locked - QUANTITY, "one release");
    }

    /// @dev A duplicate of an item settled earlier in the same batch is skipped as `Settled`.
    function test_settleBatchPerItem_skipsADuplicateSettledEarlierInTheBatch() public {
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](2);
        batch[0] = _created();
        batch[1] = batch[0];
        _expectSettled(batch[0]);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementAttemptSkipped(
            batch[0].id,
            IDeliveryVersusPayment.State.Settled
        );
        vm.prank(buyer);
        bool[] memory settled = dvp.settleBatchPerItem(batch);
        vm.assertTrue(settled[0] && !settled[1], "settled once");
        _assertSettled(batch[0], 1);
    }

    function test_settleBatchPerItem_revertsWhenEmpty() public {
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](0);
        vm.expectRevert(abi.encodeWithSelector(IDeliveryVersusPayment.DvpEmptyBatch.selector));
        dvp.settleBatchPerItem(batch);
    }

    function test_settleBatchPerItem_revertsWhenPaused() public {
        IDeliveryVersusPayment.Terms[] memory batch = _two();
        vm.prank(pauser);
        dvp.pause();
        Snapshot memory first = _snapshot(batch[0]);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(buyer);
        dvp.settleBatchPerItem(batch);
        _assertUnchanged(first, batch[0]);
    }

    function test_settleItem_revertsForOutsideCaller() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(IDeliveryVersusPayment.DvpOnlySelf.selector, buyer));
        vm.prank(buyer);
        dvp.settleItem(t, buyer);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- helpers

    function _settleAsBuyer(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(buyer);
        dvp.settle(t);
    }

    function _settleWithAuthorizationAsBuyer(IDeliveryVersusPayment.Terms memory t) internal {
        bytes memory sig = _authorization(t, VALID_BEFORE);
        vm.prank(buyer);
        dvp.settleWithAuthorization(t, VALID_BEFORE, sig);
    }

    function _two() internal returns (IDeliveryVersusPayment.Terms[] memory batch) {
        batch = new IDeliveryVersusPayment.Terms[](2);
        batch[0] = _created();
        batch[1] = _created();
    }

    /// @dev The buyer's transfer authorization for settlement `t`, as the DVP executes it.
    function _authorization(
        IDeliveryVersusPayment.Terms memory t,
        uint256 validBefore
    ) internal view returns (bytes memory) {
        return _signAuthorization(t.buyer, t.seller, t.amount, address(dvp), validBefore, t.id);
    }

    /// @dev The buyer's EIP-712 `TransferWithAuthorization` signature, computed from the spec.
    function _signAuthorization(
        address from,
        address to,
        uint256 value,
        address spender,
        uint256 validBefore,
        bytes32 nonce
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(AUTHORIZATION_TYPEHASH, from, to, value, spender, validBefore, nonce)
        );
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("DCJPY"),
                keccak256("1"),
                block.chainid,
                address(dcjpy)
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domain, structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(BUYER_KEY, digest);
        return abi.encodePacked(r, s, v);
    }

    function _invalidAuthorization(
        address spender,
        bytes32 nonce
    ) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInvalidAuthorization.selector,
                buyer,
                spender,
                nonce
            );
    }

    function _expectSettled(IDeliveryVersusPayment.Terms memory t) internal {
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementSettled(t.id, t.seller, t.buyer);
    }

    /// @dev Asserts `count` default-size settlements moved both legs and `t` is Settled.
    function _assertSettled(IDeliveryVersusPayment.Terms memory t, uint256 count) internal view {
        vm.assertEq(uint256(dvp.stateOf(t.id)), uint256(IDeliveryVersusPayment.State.Settled), "s");
        vm.assertEq(bond.balanceOf(buyer), count * QUANTITY, "buyer ST");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - count * QUANTITY, "seller ST");
        vm.assertEq(dcjpy.balanceOf(seller), count * AMOUNT, "seller cash");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED - count * AMOUNT, "buyer cash");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "no lock left");
        vm.assertEq(dcjpy.totalSupply(), CASH_ISSUED, "cash supply");
        vm.assertEq(bond.totalSupply(), ST_ISSUED, "ST supply");
    }

    function _expectSettleReverts(
        IDeliveryVersusPayment.Terms memory t,
        address caller,
        bytes memory err
    ) internal {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(caller);
        dvp.settle(t);
        _assertUnchanged(before, t);
    }
}
