// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @notice The verifier's order to the cash ledger is not a key to the ST ledger. The attack this
 * closes: a `pay` carrying the ST ledger's own `Paid` attestation is readable in the mempool and
 * in a reverted transaction; mined after the deadline it reverts, the buyer is refunded, and the
 * attestation would still deliver the units (the buyer keeps both legs). Here `pay` and `refuse`
 * take a `PaymentOrder` under the payment contract's own domain, which `deliver` and
 * `returnToSeller` refuse; the `Outcome` attestation exists only once the cash ledger shows the
 * outcome (the verifier service's rule). Every revert asserts the error and that nothing moved.
 */
contract PaymentOrderTest is TwoLedgerBase {
    function test_order_cannotDeliverNorReturnOnTheStLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        Snapshot memory before = _snapshot(t);
        vm.prank(buyer);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, _payOrder(t));
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Refunded));
        delivery.returnToSeller(t, _refuseOrder(t));
        _assertUnchanged(before, t);

        // Even executed, the order stays worthless there: paid, the ST ledger still waits for
        // the attestation the verifier signs after seeing the payment.
        payment.pay(t, _payOrder(t));
        before = _snapshot(t);
        vm.prank(buyer);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, _payOrder(t));
        _assertUnchanged(before, t);
        delivery.deliver(t, _paid(t));
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered with the attestation");
    }

    function test_order_theStAttestationCannotPayNorRefuse() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
        payment.pay(t, _paid(t));
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Refunded));
        payment.refuse(t, _refunded(t));
        _assertUnchanged(before, t);
    }

    /// @dev The attack, replayed: the order is public (mempool), `pay` is mined late and reverts,
    /// anyone refunds the buyer. Nothing the buyer saw delivers the units; the seller gets them
    /// back with the `Refunded` attestation the verifier signs after the refund.
    function test_attack_aLateRevertedPayRevealsNothingUsable() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        bytes memory order = _payOrder(t); // signed in time, seen by everyone in the mempool
        uint256 late = uint256(DEADLINE) + 1;
        vm.warp(late);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_deadlinePassed(t.id, late));
        payment.pay(t, order);
        _assertUnchanged(before, t);
        // The reverted transaction's calldata, presented on the ST ledger.
        vm.prank(buyer);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, order);
        _assertUnchanged(before, t);

        vm.prank(stranger);
        payment.refund(t);
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer refunded");
        before = _snapshot(t);
        vm.prank(buyer);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, order);
        vm.expectRevert(
            _paymentState(t.id, ICrossLedgerPayment.State.Refunded, bytes32(uint256(1) << 1))
        );
        payment.pay(t, order);
        _assertUnchanged(before, t);

        delivery.returnToSeller(t, _refunded(t));
        vm.assertEq(bond.balanceOf(buyer), 0, "buyer has no units");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED, "seller has its units, unlocked");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "nothing locked");
        vm.assertEq(dcjpy.balanceOf(seller), 0, "seller not paid");
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    function test_order_replayForAnotherSettlementIsRefused() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory other = _instructed();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
        payment.pay(t, _payOrder(other));
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Refunded));
        payment.refuse(t, _refuseOrder(other));
        _assertUnchanged(before, t);
    }

    /// @dev The same settlement ID instructed on a second payment contract (terms naming it): an
    /// order for the first contract, or one whose message names the second but was signed under
    /// the first's domain, moves nothing there.
    function test_order_replayOnAnotherPaymentContractIsRefused() public {
        CrossLedgerPayment second = new CrossLedgerPayment(0, admin);
        vm.startPrank(admin);
        second.grantRole(second.VERIFIER_ROLE(), verifier);
        second.setCashTokenListed(address(dcjpy), true);
        second.setCounterpartListed(block.chainid, address(delivery), true);
        vm.stopPrank();
        vm.prank(bank);
        dcjpy.openAccount(address(second), keccak256("second escrow"));
        vm.prank(buyer);
        dcjpy.approve(address(second), type(uint256).max);

        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        ICrossLedger.CrossLedgerTerms memory t2 = abi.decode(
            abi.encode(t),
            (ICrossLedger.CrossLedgerTerms)
        );
        t2.cashLedger = address(second);
        vm.prank(buyer);
        second.instruct(t2);
        uint256 secondEscrow = dcjpy.balanceOf(address(second));
        Snapshot memory before = _snapshot(t);

        bytes memory underFirstDomain = _sign(
            VERIFIER_KEY,
            keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    _paymentDomainSeparator(block.chainid, address(payment)),
                    _orderStructHash(t2, ICrossLedger.Outcome.Paid)
                )
            )
        );
        bytes[2] memory replays = [_payOrder(t), underFirstDomain];
        for (uint256 i = 0; i < replays.length; ++i) {
            vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
            second.pay(t2, replays[i]);
        }
        vm.assertEq(uint8(second.stateOf(t.id)), 1, "still Instructed there");
        vm.assertEq(dcjpy.balanceOf(address(second)), secondEscrow, "second escrow kept");
        _assertUnchanged(before, t);
        second.pay(t2, _payOrder(t2));
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "its own order pays");
    }

    /// @dev On a fork that changes the chain ID, the payment contract's domain follows the new
    /// ID: an order signed for the old chain moves nothing.
    function test_order_signedForTheOldChainIsVoidAfterAFork() public {
        ICrossLedger.CrossLedgerTerms memory t = _instructed();
        bytes memory order = _payOrder(t);
        vm.chainId(block.chainid + 7);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
        payment.pay(t, order);
        _assertUnchanged(before, t);
    }
}
