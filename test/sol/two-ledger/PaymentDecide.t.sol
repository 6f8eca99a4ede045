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
 * @notice Cash ledger, step 5: the verifier's order (`PaymentOrder` under the payment contract's
 * own domain), submitted by anyone, pays the seller (`Paid`, up to the deadline) or refunds the
 * buyer (`Refunded`); after the deadline anyone refunds (guarantee 2); decided once (guarantee
 * 3); a token refusal never reverts a decision, the amount stays owed. That the order is not a
 * key on the ST ledger is shown in PaymentOrder.t.sol.
 */
contract PaymentDecideTest is TwoLedgerBase {
    bytes32 internal constant INSTRUCTED = bytes32(uint256(1) << 1);
    bytes32 internal constant DECIDED = bytes32((uint256(1) << 2) | (uint256(1) << 3));

    // ---------------------------------------------------------------- pay

    function test_pay_paysTheSellerAndPublishesNoSignature() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(address(payment), seller, AMOUNT);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementPaid(t.id, seller, AMOUNT);
        vm.recordLogs();
        vm.prank(stranger); // anyone submits the verifier's order
        payment.pay(t, _payOrder(t));

        // The payment's logs carry the amount and nothing else: no key to the ST ledger.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(payment)) {
                vm.assertEq(logs[i].data, abi.encode(AMOUNT), "event data is the amount only");
            }
        }
        ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
        vm.assertEq(uint256(record.state), uint256(ICrossLedgerPayment.State.Paid), "Paid");
        vm.assertFalse(record.transferPending, "paid out");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller paid");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    function test_orderDigest_matchesTheSpecUnderThePaymentContractsDomain() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.assertEq(
            payment.ORDER_TYPEHASH(),
            keccak256(bytes.concat(ORDER_TYPE, TERMS_TYPE)),
            "type hash"
        );
        for (uint8 o = 1; o <= 2; ++o) {
            ICrossLedger.Outcome outcome = ICrossLedger.Outcome(o);
            vm.assertEq(payment.orderDigest(t, outcome), _orderDigest(t, outcome), "order digest");
            vm.assertTrue(
                payment.orderDigest(t, outcome) != delivery.outcomeDigest(t, outcome),
                "an order is not an attestation"
            );
        }
        (, string memory name, string memory version, uint256 chainId, address at, , ) = payment
            .eip712Domain();
        vm.assertEq(name, "Kessai CrossLedgerPayment", "domain name");
        vm.assertEq(version, "1", "domain version");
        vm.assertEq(chainId, block.chainid, "domain chain");
        vm.assertEq(at, address(payment), "domain contract");
        // The ST ledger's digest is still offered by both contracts, for clients.
        vm.assertEq(
            payment.outcomeDigest(t, ICrossLedger.Outcome.Paid),
            delivery.outcomeDigest(t, ICrossLedger.Outcome.Paid),
            "both ledgers compute the attestation digest alike"
        );
    }

    function test_pay_worksUpToTheDeadlineInclusive() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(DEADLINE);
        payment.pay(t, _payOrder(t));
        vm.assertEq(uint256(payment.stateOf(t.id)), 2, "Paid at the deadline");
    }

    function test_pay_revertsAfterTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 1);
        _expectPayReverts(t, _payOrder(t), _deadlinePassed(t.id, uint256(DEADLINE) + 1));
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
        payment.pay(t, _payOrder(t));
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "a signed decision always lands");
    }

    function test_pay_revertsForARefuseOrder() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        _expectPayReverts(
            t,
            _refuseOrder(t),
            _invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_pay_revertsForOrderOfAnotherSettlementOrSigner() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory other = _instructed();
        _expectPayReverts(
            t,
            _payOrder(other),
            _invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        _expectPayReverts(
            t,
            _sign(SELLER_KEY, _orderDigest(t, ICrossLedger.Outcome.Paid)),
            _invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        _expectPayReverts(t, hex"", _invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
    }

    function test_pay_revertsForOrderUnderAnotherCashDomain() public {
        // Signed for the same terms but the domain of another cash chain or contract (including
        // the delivery contract's address): refused.
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes32 structHash = _orderStructHash(t, ICrossLedger.Outcome.Paid);
        bytes32[3] memory domains = [
            _paymentDomainSeparator(block.chainid + 1, address(payment)),
            _paymentDomainSeparator(block.chainid, address(delivery)),
            _domainSeparator(block.chainid, address(payment))
        ];
        for (uint256 i = 0; i < domains.length; ++i) {
            _expectPayReverts(
                t,
                _sign(
                    VERIFIER_KEY,
                    keccak256(abi.encodePacked("\x19\x01", domains[i], structHash))
                ),
                _invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid)
            );
        }
    }

    function test_pay_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.seller = stranger;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        payment.pay(altered, _payOrder(altered));
        _assertUnchanged(before, t);
    }

    function test_pay_revertsInEveryStateButInstructed() public {
        for (uint8 s = 0; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            if (state == ICrossLedgerPayment.State.Instructed) continue;
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            _expectPayReverts(t, _payOrder(t), _paymentState(t.id, state, INSTRUCTED));
        }
    }

    // ---------------------------------------------------------------- refuse

    function test_refuse_refundsTheBuyer() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes memory order = _refuseOrder(t);
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(address(payment), buyer, AMOUNT);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementRefunded(t.id, buyer, AMOUNT);
        vm.prank(stranger);
        payment.refuse(t, order);
        vm.assertEq(uint256(payment.stateOf(t.id)), 3, "Refunded");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    function test_refuse_worksAfterTheDeadlineAndWhilePaused() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 30 days);
        vm.prank(pauser);
        payment.pause();
        payment.refuse(t, _refuseOrder(t));
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "refunded");
    }

    function test_refuse_revertsForAPayOrder() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Refunded));
        payment.refuse(t, _payOrder(t));
        _assertUnchanged(before, t);
    }

    function test_refuse_revertsInEveryStateButInstructed() public {
        for (uint8 s = 0; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            if (state == ICrossLedgerPayment.State.Instructed) continue;
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_paymentState(t.id, state, INSTRUCTED));
            payment.refuse(t, _refuseOrder(t));
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
        payment.refuse(t, _refuseOrder(t));
        _assertUnchanged(before, t);
        vm.warp(T0);
        t = _paymentInState(ICrossLedgerPayment.State.Refunded);
        before = _snapshot(t);
        vm.expectRevert(_paymentState(t.id, ICrossLedgerPayment.State.Refunded, INSTRUCTED));
        payment.pay(t, _payOrder(t));
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- refund

    function test_refund_anyoneRefundsAfterTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        vm.warp(uint256(DEADLINE) + 1);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.SettlementRefunded(t.id, buyer, AMOUNT);
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
        emit ICrossLedgerPayment.SettlementPaid(t.id, seller, AMOUNT);
        payment.pay(t, _payOrder(t));
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
        payment.refuse(t, _refuseOrder(t));
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
        payment.pay(t, _payOrder(t));
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
            payment.pay(t, _payOrder(t));
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
        payment.pay(t, _payOrder(t));
        vm.assertFalse(payment.paymentOf(t.id).transferPending, "paid out");
        vm.assertEq(token.balanceOf(seller), AMOUNT, "seller paid");
    }

    // ---------------------------------------------------------------- helpers

    function _expectPayReverts(
        ICrossLedger.CrossLedgerTerms memory t,
        bytes memory order,
        bytes memory err
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        payment.pay(t, order);
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
