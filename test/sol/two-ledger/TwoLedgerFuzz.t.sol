// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/// @notice Fuzz tests of both contracts, each alone: the attestation binds every term and one
/// outcome; the deadline splits payment from refund exactly; amounts and forced removals move
/// exactly what they say.
contract TwoLedgerFuzzTest is TwoLedgerBase {
    function testFuzz_hashTerms_isTheEip712StructHash(
        ICrossLedger.CrossLedgerTerms memory t
    ) public view {
        vm.assertEq(delivery.hashTerms(t), _termsHash(t), "delivery");
        vm.assertEq(payment.hashTerms(t), _termsHash(t), "payment");
        vm.assertEq(
            payment.outcomeDigest(t, ICrossLedger.Outcome.Paid),
            _outcomeDigest(t, ICrossLedger.Outcome.Paid),
            "digest"
        );
    }

    /// @dev Guarantee 3: an attestation signed for terms that differ from the committed ones in
    /// any single field (a different ID, party, chain, contract, token, quantity, amount,
    /// deadline or verifier) is refused by both ledgers, and moves nothing.
    function testFuzz_attestation_bindsEveryTerm(uint8 field, uint256 value) public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        ICrossLedger.CrossLedgerTerms memory other = abi.decode(
            abi.encode(t),
            (ICrossLedger.CrossLedgerTerms)
        );
        field = uint8(bound(field, 0, 12));
        address a = address(uint160(value));
        if (field == 0) other.id = bytes32(value);
        else if (field == 1) other.seller = a;
        else if (field == 2) other.buyer = a;
        else if (field == 3) other.stChainId = value;
        else if (field == 4) other.stLedger = a;
        else if (field == 5) other.securityToken = a;
        else if (field == 6) other.quantity = value;
        else if (field == 7) other.cashChainId = value;
        else if (field == 8) other.cashLedger = a;
        else if (field == 9) other.cashToken = a;
        else if (field == 10) other.amount = value;
        else if (field == 11) other.deadline = uint64(value);
        else other.verifier = a;
        vm.assume(keccak256(abi.encode(other)) != keccak256(abi.encode(t)));

        bytes memory forged = _paid(other);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Paid));
        payment.pay(t, _payOrder(other));
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, forged);
        _assertUnchanged(before, t);
    }

    /// @dev The cash ledger pays exactly up to the deadline and refunds exactly after it, and
    /// moves exactly the amount either way.
    function testFuzz_deadline_splitsPaymentFromRefund(uint256 elapsed, uint256 amount) public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.amount = bound(amount, 1, CASH_ISSUED);
        _instruct(t);
        vm.assertEq(dcjpy.balanceOf(address(payment)), t.amount, "escrowed exactly");
        uint256 at = T0 + bound(elapsed, 0, 3 days);
        vm.warp(at);
        if (at <= DEADLINE) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICrossLedger.CrossLedgerDeadlineNotPassed.selector,
                    t.id,
                    DEADLINE,
                    at
                )
            );
            payment.refund(t);
            payment.pay(t, _payOrder(t));
            vm.assertEq(dcjpy.balanceOf(seller), t.amount, "seller paid exactly");
        } else {
            vm.expectRevert(_deadlinePassed(t.id, at));
            payment.pay(t, _payOrder(t));
            payment.refund(t);
            vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "buyer whole");
        }
        vm.assertEq(dcjpy.balanceOf(address(payment)), 0, "escrow empty");
    }

    /// @dev Step 1 registers exactly when the deadline is in the future, on both ledgers.
    function testFuzz_registration_needsAFutureDeadline(uint64 deadline) public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.deadline = deadline;
        Snapshot memory before = _snapshot(t);
        if (deadline <= T0) {
            bytes memory err = abi.encodeWithSelector(
                ICrossLedger.CrossLedgerDeadlinePassed.selector,
                t.id,
                deadline,
                T0
            );
            vm.expectRevert(err);
            _lock(t);
            vm.expectRevert(err);
            _instruct(t);
            _assertUnchanged(before, t);
        } else {
            _lock(t);
            _instruct(t);
            vm.assertEq(uint256(delivery.stateOf(t.id)), 1, "Locked");
            vm.assertEq(uint256(payment.stateOf(t.id)), 1, "Instructed");
        }
    }

    /// @dev A delivery moves exactly the quantity, whatever it is, and nothing else.
    function testFuzz_deliver_movesExactlyTheQuantity(uint256 quantity) public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.quantity = bound(quantity, 1, ST_ISSUED);
        _lock(t);
        delivery.deliver(t, _paid(t));
        vm.assertEq(bond.balanceOf(buyer), t.quantity, "buyer");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - t.quantity, "seller");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "lock");
    }

    /// @dev A forced removal naming a Locked settlement fails it and releases exactly the rest.
    function testFuzz_forceUnlock_namingFailsTheSettlementAndReleasesTheRest(
        uint256 taken,
        uint256 recipientSeed
    ) public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        taken = bound(taken, 1, QUANTITY);
        address recipient = recipientSeed % 2 == 0 ? stranger : buyer;
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementFailed(t.id, issuer, taken, QUANTITY - taken);
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, recipient, taken, abi.encode(t));
        vm.assertEq(bond.balanceOf(recipient), taken, "taken");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - taken, "rest free");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "lock");
    }

    /// @dev An unnamed forced removal succeeds exactly when it takes at most the units of no
    /// settlement.
    function testFuzz_forceUnlock_unnamedTakesOnlyUnassignedUnits(
        uint256 lockedUp,
        uint256 value
    ) public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        lockedUp = bound(lockedUp, 0, 200);
        if (lockedUp > 0) {
            vm.prank(issuer);
            bond.issue(seller, address(delivery), lockedUp);
        }
        value = bound(value, 1, QUANTITY + lockedUp);
        if (value <= lockedUp) {
            vm.prank(issuer);
            bond.forceUnlock(address(delivery), seller, seller, value, "order");
            vm.assertEq(
                delivery.unassignedLockOf(address(bond), seller),
                lockedUp - value,
                "unassigned"
            );
        } else {
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICrossLedgerDelivery.DeliveryForcedRemovalExceedsUnassigned.selector,
                    address(bond),
                    seller,
                    value,
                    lockedUp
                )
            );
            vm.prank(issuer);
            bond.forceUnlock(address(delivery), seller, seller, value, "order");
            _assertUnchanged(before, t);
        }
        vm.assertEq(uint256(delivery.stateOf(t.id)), 1, "the settlement stays Locked");
    }

    /// @dev Only the named verifier's key decides: any other key's attestation is refused by both
    /// ledgers.
    function testFuzz_attestation_onlyTheVerifiersKeyDecides(uint256 key) public {
        key = bound(key, 1, 0xffffffffffffffffffffffffffffffff);
        vm.assume(key != VERIFIER_KEY);
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _lock(t);
        _instruct(t);
        bytes memory refunded = _sign(key, _outcomeDigest(t, ICrossLedger.Outcome.Refunded));
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, verifier, ICrossLedger.Outcome.Refunded));
        payment.refuse(t, _sign(key, _orderDigest(t, ICrossLedger.Outcome.Refunded)));
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Refunded));
        delivery.returnToSeller(t, refunded);
        _assertUnchanged(before, t);
        vm.assertEq(
            uint256(payment.paymentOf(t.id).state),
            uint256(ICrossLedgerPayment.State.Instructed),
            "still Instructed"
        );
    }
}
