// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {MisbehavingCashToken} from "../../../contracts/test/two-ledger/MisbehavingCashToken.sol";
import {Vm} from "../utils/Vm.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @notice Cash ledger, step 5: the verifier's attestation, submitted by anyone, pays the seller
 * (`Paid`, up to the deadline, emitting the attestation in the same transaction: guarantee 1) or
 * refunds the buyer (`Refunded`); after the deadline anyone refunds (guarantee 2); decided once
 * (guarantee 3); a token refusal never reverts a decision, the amount stays owed.
 */
contract PaymentDecideTest is TwoLedgerBase {
    bytes32 internal constant INSTRUCTED = bytes32(uint256(1) << 1);
    bytes32 internal constant DECIDED = bytes32((uint256(1) << 2) | (uint256(1) << 3));
    bytes32 internal constant PAID_EVENT = keccak256(
        "SettlementPaid(bytes32,address,uint256,bytes)"
    );

    // ---------------------------------------------------------------- pay

    function test_pay_paysTheSellerAndEmitsTheAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes memory paid = _paid(t);
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(address(payment), seller, AMOUNT);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementPaid(t.id, seller, AMOUNT, paid);
        vm.prank(stranger); // anyone submits the verifier's decision
        payment.pay(t, paid);

        ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
        vm.assertEq(uint256(record.state), uint256(ICrossLedgerPayment.State.Paid), "Paid");
        vm.assertFalse(record.transferPending, "paid out");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller paid");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    /// @dev Guarantee 1 in one chain's terms: the attestation the payment emitted is exactly what
    /// the ST ledger's `deliver` accepts.
    function test_pay_theEmittedAttestationDeliversOnTheStLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        vm.recordLogs();
        payment.pay(t, _paid(t));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory attestation;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(payment) && logs[i].topics[0] == PAID_EVENT) {
                (, attestation) = abi.decode(logs[i].data, (uint256, bytes));
            }
        }
        vm.assertEq(attestation.length, 65, "attestation found in the event");
        vm.prank(buyer);
        delivery.deliver(t, attestation);
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered with the public attestation");
        vm.assertEq(
            payment.outcomeDigest(t, ICrossLedger.Outcome.Paid),
            delivery.outcomeDigest(t, ICrossLedger.Outcome.Paid),
            "both ledgers verify the same digest"
        );
    }

    function test_pay_worksUpToTheDeadlineInclusive() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(DEADLINE);
        payment.pay(t, _paid(t));
        vm.assertEq(uint256(payment.stateOf(t.id)), 2, "Paid at the deadline");
    }

    function test_pay_revertsAfterTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 1);
        _expectPayReverts(t, _paid(t), _deadlinePassed(t.id, uint256(DEADLINE) + 1));
    }

    function test_pay_worksWhilePausedAndAfterTheVerifierLostItsRole() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.prank(pauser);
        payment.pause();
        bytes32 role = payment.VERIFIER_ROLE();
        vm.startPrank(admin);
        payment.revokeRole(role, verifier);
        payment.setCashTokenListed(address(dcjpy), false);
        payment.setCounterpartListed(block.chainid, address(delivery), false);
        vm.stopPrank();
        payment.pay(t, _paid(t));
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "a signed decision always lands");
    }

    function test_pay_revertsForRefundedAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        _expectPayReverts(
            t,
            _refunded(t),
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_pay_revertsForAttestationOfAnotherSettlementOrSigner() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory other = _instructed();
        _expectPayReverts(
            t,
            _paid(other),
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        _expectPayReverts(
            t,
            _sign(SELLER_KEY, _outcomeDigest(t, ICrossLedger.Outcome.Paid)),
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        _expectPayReverts(t, hex"", _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
    }

    function test_pay_revertsForAttestationUnderAnotherStDomain() public {
        // Signed for the same terms but the domain of another ST chain or contract: the cash
        // ledger rebuilds the domain from the terms, so it refuses exactly what the ST ledger would.
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes.concat(OUTCOME_TYPE, TERMS_TYPE)),
                _termsHash(t),
                uint8(ICrossLedger.Outcome.Paid)
            )
        );
        bytes32[2] memory domains = [
            _domainSeparator(block.chainid + 1, address(delivery)),
            _domainSeparator(block.chainid, address(payment))
        ];
        for (uint256 i = 0; i < 2; ++i) {
            _expectPayReverts(
                t,
                _sign(
                    VERIFIER_KEY,
                    keccak256(abi.encodePacked("\x19\x01", domains[i], structHash))
                ),
                _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
            );
        }
    }

    function test_pay_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.seller = stranger;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        payment.pay(altered, _paid(altered));
        _assertUnchanged(before, t);
    }

    function test_pay_revertsInEveryStateButInstructed() public {
        for (uint8 s = 0; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            if (state == ICrossLedgerPayment.State.Instructed) continue;
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            _expectPayReverts(t, _paid(t), _paymentState(t.id, state, INSTRUCTED));
        }
    }

    // ---------------------------------------------------------------- refuse

    function test_refuse_refundsTheBuyerAndEmitsTheAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes memory refunded = _refunded(t);
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(address(payment), buyer, AMOUNT);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementRefunded(t.id, buyer, AMOUNT, refunded);
        vm.prank(stranger);
        payment.refuse(t, refunded);
        vm.assertEq(uint256(payment.stateOf(t.id)), 3, "Refunded");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    function test_refuse_worksAfterTheDeadlineAndWhilePaused() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 30 days);
        vm.prank(pauser);
        payment.pause();
        payment.refuse(t, _refunded(t));
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "refunded");
    }

    function test_refuse_revertsForPaidAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Refunded));
        payment.refuse(t, _paid(t));
        _assertUnchanged(before, t);
    }

    function test_refuse_revertsInEveryStateButInstructed() public {
        for (uint8 s = 0; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            if (state == ICrossLedgerPayment.State.Instructed) continue;
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_paymentState(t.id, state, INSTRUCTED));
            payment.refuse(t, _refunded(t));
            _assertUnchanged(before, t);
        }
    }

    function test_outcome_decidedOnce_paidCannotBeRefundedNorRefundedPaid() public {
        ICrossLedger.CrossLedgerTerms memory t = _paymentInState(ICrossLedgerPayment.State.Paid);
        vm.warp(uint256(DEADLINE) + 1);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_paymentState(t.id, ICrossLedgerPayment.State.Paid, INSTRUCTED));
        payment.refund(t);
        vm.expectRevert(_paymentState(t.id, ICrossLedgerPayment.State.Paid, INSTRUCTED));
        payment.refuse(t, _refunded(t));
        _assertUnchanged(before, t);
        vm.warp(T0);
        t = _paymentInState(ICrossLedgerPayment.State.Refunded);
        before = _snapshot(t);
        vm.expectRevert(_paymentState(t.id, ICrossLedgerPayment.State.Refunded, INSTRUCTED));
        payment.pay(t, _paid(t));
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- refund

    function test_refund_anyoneRefundsAfterTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementRefunded(t.id, buyer, AMOUNT, "");
        vm.prank(stranger);
        payment.refund(t);
        vm.assertEq(uint256(payment.stateOf(t.id)), 3, "Refunded");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
    }

    function test_refund_worksWhilePaused() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.prank(pauser);
        payment.pause();
        vm.warp(uint256(DEADLINE) + 1);
        payment.refund(t);
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "refunded");
    }

    function test_refund_revertsUpToTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(DEADLINE);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerDeadlineNotPassed.selector,
                t.id,
                DEADLINE,
                DEADLINE
            )
        );
        payment.refund(t);
        _assertUnchanged(before, t);
    }

    function test_refund_revertsInEveryStateButInstructed() public {
        for (uint8 s = 0; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            if (state == ICrossLedgerPayment.State.Instructed) continue;
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            vm.warp(uint256(DEADLINE) + 1);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_paymentState(t.id, state, INSTRUCTED));
            payment.refund(t);
            _assertUnchanged(before, t);
            vm.warp(T0);
        }
    }

    function test_refund_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.buyer = stranger;
        vm.warp(uint256(DEADLINE) + 1);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        payment.refund(altered);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- deferred transfers

    function test_pay_frozenSellerDefersThePaymentWhichCompletesLater() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.prank(bank);
        dcjpy.setAccountFrozen(seller, true);
        bytes memory reason = abi.encodeWithSelector(
            IDepositToken.DepositTokenAccountFrozen.selector,
            seller
        );
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.TransferDeferred(t.id, seller, AMOUNT, reason);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementPaid(t.id, seller, AMOUNT, _paid(t));
        payment.pay(t, _paid(t));
        ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
        vm.assertEq(uint256(record.state), 2, "Paid: the decision stands");
        vm.assertTrue(record.transferPending, "owed to the seller");
        vm.assertEq(dcjpy.balanceOf(address(payment)), AMOUNT, "still in escrow");

        // While the seller stays frozen, completing reverts with DCJPY's error and keeps it owed.
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(reason);
        payment.completeTransfer(t);
        _assertUnchanged(before, t);

        vm.prank(bank);
        dcjpy.setAccountFrozen(seller, false);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.DeferredTransferCompleted(t.id, seller, AMOUNT);
        vm.prank(stranger);
        payment.completeTransfer(t);
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller paid");
        vm.assertFalse(payment.paymentOf(t.id).transferPending, "nothing owed");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    function test_refund_pausedDcjpyDefersTheRefundWhichCompletesLater() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 1);
        vm.prank(bank);
        dcjpy.pause();
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.TransferDeferred(
            t.id,
            buyer,
            AMOUNT,
            abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector)
        );
        payment.refund(t);
        vm.assertTrue(payment.paymentOf(t.id).transferPending, "owed to the buyer");
        vm.prank(bank);
        dcjpy.unpause();
        payment.completeTransfer(t);
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
    }

    function test_refuse_frozenBuyerDefersTheRefund() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.prank(bank);
        dcjpy.setAccountFrozen(buyer, true);
        payment.refuse(t, _refunded(t));
        vm.assertTrue(payment.paymentOf(t.id).transferPending, "owed to the buyer");
        vm.prank(bank);
        dcjpy.setAccountFrozen(buyer, false);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.DeferredTransferCompleted(t.id, buyer, AMOUNT);
        payment.completeTransfer(t);
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
    }

    function test_completeTransfer_revertsWhenNothingIsPending() public {
        ICrossLedger.CrossLedgerTerms memory t = _paymentInState(ICrossLedgerPayment.State.Paid);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(ICrossLedgerPayment.PaymentNoTransferPending.selector, t.id)
        );
        payment.completeTransfer(t);
        _assertUnchanged(before, t);
    }

    function test_completeTransfer_revertsBeforeADecision() public {
        for (uint8 s = 0; s < 2; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_paymentState(t.id, state, DECIDED));
            payment.completeTransfer(t);
            _assertUnchanged(before, t);
        }
    }

    function test_completeTransfer_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.prank(bank);
        dcjpy.setAccountFrozen(seller, true);
        payment.pay(t, _paid(t));
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.seller = stranger; // would redirect the owed amount
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        payment.completeTransfer(altered);
        _assertUnchanged(before, t);
    }

    function test_decide_everyKindOfTokenRefusalIsDeferredNotReverted() public {
        MisbehavingCashToken token = _listMisbehavingToken();
        MisbehavingCashToken.Mode[3] memory modes = [
            MisbehavingCashToken.Mode.ReturnFalse,
            MisbehavingCashToken.Mode.Revert,
            MisbehavingCashToken.Mode.Reenter
        ];
        bytes[3] memory reasons;
        for (uint256 i = 0; i < 3; ++i) {
            ICrossLedger.CrossLedgerTerms memory t = _termsFor(token);
            token.setMode(MisbehavingCashToken.Mode.Normal);
            vm.prank(buyer);
            payment.instruct(t);
            token.setMode(modes[i]);
            token.arm(address(payment), abi.encodeCall(payment.completeTransfer, (t)));
            reasons[0] = abi.encode(false);
            reasons[1] = abi.encodeWithSelector(
                MisbehavingCashToken.MisbehavingCashTokenRefused.selector,
                seller,
                AMOUNT
            );
            reasons[2] = abi.encodeWithSelector(
                ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
            );
            vm.expectEmit(address(payment));
            emit ICrossLedgerPayment.TransferDeferred(t.id, seller, AMOUNT, reasons[i]);
            payment.pay(t, _paid(t));
            vm.assertTrue(payment.paymentOf(t.id).transferPending, "owed");
            vm.assertEq(token.balanceOf(address(payment)), AMOUNT, "in escrow");
            token.setMode(MisbehavingCashToken.Mode.Normal);
            payment.completeTransfer(t);
            vm.assertEq(token.balanceOf(address(payment)), 0, "paid out");
        }
        vm.assertEq(token.balanceOf(seller), 3 * AMOUNT, "seller paid three times");
    }

    function test_decide_aTokenReturningNothingCounts() public {
        MisbehavingCashToken token = _listMisbehavingToken();
        ICrossLedger.CrossLedgerTerms memory t = _termsFor(token);
        vm.prank(buyer);
        payment.instruct(t);
        token.setMode(MisbehavingCashToken.Mode.ReturnNothing);
        payment.pay(t, _paid(t));
        vm.assertFalse(payment.paymentOf(t.id).transferPending, "paid out");
        vm.assertEq(token.balanceOf(seller), AMOUNT, "seller paid");
    }

    // ---------------------------------------------------------------- helpers

    function _expectPayReverts(
        ICrossLedger.CrossLedgerTerms memory t,
        bytes memory attestation,
        bytes memory err
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        payment.pay(t, attestation);
        _assertUnchanged(before, t);
    }

    function _listMisbehavingToken() private returns (MisbehavingCashToken token) {
        token = new MisbehavingCashToken();
        vm.prank(admin);
        payment.setCashTokenListed(address(token), true);
        token.mint(buyer, 10 * AMOUNT);
        vm.prank(buyer);
        token.approve(address(payment), type(uint256).max);
    }

    function _termsFor(
        MisbehavingCashToken token
    ) private returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = _terms();
        t.cashToken = address(token);
    }

    function _copy(
        ICrossLedger.CrossLedgerTerms memory t
    ) private pure returns (ICrossLedger.CrossLedgerTerms memory c) {
        c = abi.decode(abi.encode(t), (ICrossLedger.CrossLedgerTerms));
    }
}
