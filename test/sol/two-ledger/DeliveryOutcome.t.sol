// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {CrossLedgerDelivery} from "../../../contracts/settlement/CrossLedgerDelivery.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @notice ST ledger, step 6: the verifier's attestation, presented by anyone, delivers to the
 * buyer (`Paid`) or returns to the seller (`Refunded`), once; the buyer may waive; nothing on this
 * ledger times out (guarantee 1); a token refusal leaves the settlement deliverable (guarantee 4);
 * no attestation serves another settlement, outcome, chain or contract (guarantee 3).
 */
contract DeliveryOutcomeTest is TwoLedgerBase {
    // ---------------------------------------------------------------- deliver

    function test_deliver_paidAttestationDeliversToBuyer() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.expectEmit(address(bond));
        emit IERC20.Transfer(seller, buyer, QUANTITY);
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(delivery), seller, buyer, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementDelivered(t.id, buyer, QUANTITY, stranger);
        vm.prank(stranger); // anyone presents it
        delivery.deliver(t, _paid(t));

        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Delivered),
            "Delivered"
        );
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer holds the units");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - QUANTITY, "seller delivered them");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "lock released");
        vm.assertTrue(delivery.verifyTerms(t), "terms still verify");
    }

    function test_deliver_revertsInEveryStateButLocked() public {
        for (uint8 s = 0; s < 5; ++s) {
            ICrossLedgerDelivery.State state = ICrossLedgerDelivery.State(s);
            if (state == ICrossLedgerDelivery.State.Locked) continue;
            ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(state);
            _expectDeliverReverts(
                t,
                _paid(t),
                _deliveryState(t.id, state, ICrossLedgerDelivery.State.Locked)
            );
        }
    }

    function test_deliver_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.quantity = QUANTITY + 1;
        // Even an attestation of the altered terms: they are not the committed ones.
        _expectDeliverReverts(altered, _paid(altered), _mismatch(t.id));
        vm.assertEq(bond.balanceOf(buyer), 0, "nothing delivered");
    }

    function test_deliver_revertsForRefundedAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        _expectDeliverReverts(
            t,
            _refunded(t),
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_deliver_revertsForAttestationOfAnotherSettlement() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory other = _locked();
        _expectDeliverReverts(
            t,
            _paid(other),
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_deliver_revertsForAttestationOfAnotherSigner() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory forged = _sign(STRANGER_KEY, _outcomeDigest(t, ICrossLedger.Outcome.Paid));
        _expectDeliverReverts(
            t,
            forged,
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        // The seller or the buyer cannot sign it either.
        bytes memory byBuyer = _sign(BUYER_KEY, _outcomeDigest(t, ICrossLedger.Outcome.Paid));
        _expectDeliverReverts(
            t,
            byBuyer,
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_deliver_revertsForAttestationUnderAnotherDomain() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes.concat(OUTCOME_TYPE, TERMS_TYPE)),
                _termsHash(t),
                uint8(ICrossLedger.Outcome.Paid)
            )
        );
        // The same message for another chain, and for another contract on this chain.
        bytes32[2] memory domains = [
            _domainSeparator(block.chainid + 1, address(delivery)),
            _domainSeparator(block.chainid, address(payment))
        ];
        for (uint256 i = 0; i < 2; ++i) {
            bytes memory sig = _sign(
                VERIFIER_KEY,
                keccak256(abi.encodePacked("\x19\x01", domains[i], structHash))
            );
            _expectDeliverReverts(
                t,
                sig,
                _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
            );
        }
    }

    function test_deliver_revertsForMalformedAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory paid = _paid(t);
        bytes memory cut = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) cut[i] = paid[i];
        _expectDeliverReverts(
            t,
            cut,
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        _expectDeliverReverts(
            t,
            "",
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
    }

    function test_deliver_attestationForAnotherDeploymentIsVoid() public {
        // A second delivery contract on the same chain, with the same verifier: a settlement with
        // the same ID there needs its own attestation.
        vm.startPrank(admin);
        CrossLedgerDelivery other = new CrossLedgerDelivery(0, admin);
        other.grantRole(other.VERIFIER_ROLE(), verifier);
        other.setSecurityTokenListed(address(bond), true);
        other.setCounterpartListed(block.chainid, address(payment), true);
        vm.stopPrank();
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory there = _copy(t);
        there.stLedger = address(other);
        vm.prank(seller);
        bond.lock(address(other), QUANTITY, abi.encode(there));

        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        other.deliver(there, _paid(t));
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid));
        delivery.deliver(t, _paid(there));
        other.deliver(there, _paid(there));
        vm.assertEq(uint256(delivery.stateOf(t.id)), 1, "the first stays Locked");
    }

    function test_deliver_attestationSignedForTheOldChainIsVoidAfterAFork() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory paid = _paid(t);
        uint256 original = block.chainid;
        vm.chainId(original + 7);
        _expectDeliverReverts(
            t,
            paid,
            _invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Paid)
        );
        vm.chainId(original);
        delivery.deliver(t, paid);
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered on the original chain");
    }

    // ---------------------------------------------------------------- guarantee 1: nothing races a paid settlement

    function test_deliver_noTimeOut_paidSettlementStaysDeliverableForever() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.warp(uint256(DEADLINE) + 3650 days);
        // Nothing on this ledger returns the units because time passed: the seller cannot unlock
        // them itself, and a return needs the verifier's `Refunded` attestation.
        vm.expectRevert(
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenInsufficientLock.selector,
                seller,
                seller,
                0,
                QUANTITY
            )
        );
        vm.prank(seller);
        bond.unlock(seller, seller, QUANTITY, "");
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Refunded));
        vm.prank(seller);
        delivery.returnToSeller(t, "");
        // Ten years after the deadline, the `Paid` attestation still delivers.
        delivery.deliver(t, _paid(t));
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered");
    }

    function test_deliver_noAdminActionInvalidatesAnOpenSettlementsAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.startPrank(admin);
        delivery.revokeRole(delivery.VERIFIER_ROLE(), verifier);
        delivery.setSecurityTokenListed(address(bond), false);
        delivery.setCounterpartListed(block.chainid, address(payment), false);
        vm.stopPrank();
        vm.prank(pauser);
        delivery.pause();
        delivery.deliver(t, _paid(t));
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered despite all of it");
    }

    // ---------------------------------------------------------------- guarantee 4: a refused delivery stays deliverable

    function test_deliver_pausedTokenRevertsAndTheSettlementStaysDeliverable() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory paid = _paid(t);
        vm.prank(issuer);
        bond.pause();
        _expectDeliverReverts(
            t,
            paid,
            abi.encodeWithSelector(ISecurityToken.SecurityTokenPaused.selector)
        );
        vm.prank(issuer);
        bond.unpause();
        delivery.deliver(t, paid);
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered on retry");
    }

    function test_deliver_suspendedBuyerRevertsAndTheSettlementStaysDeliverable() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory paid = _paid(t);
        vm.prank(admin);
        stRegistry.suspend(buyer);
        _expectDeliverReverts(
            t,
            paid,
            abi.encodeWithSelector(ISecurityToken.SecurityTokenIneligibleReceiver.selector, buyer)
        );
        vm.prank(admin);
        stRegistry.reinstate(buyer);
        delivery.deliver(t, paid);
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "delivered on retry");
    }

    function test_deliver_inactiveTokenRevertsAndTheSettlementStaysDeliverable() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.prank(issuer);
        bond.setStatus(false);
        _expectDeliverReverts(
            t,
            _paid(t),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenInactive.selector)
        );
        vm.assertEq(uint256(delivery.stateOf(t.id)), 1, "still Locked");
    }

    function test_forceUnlock_issuerResolvesAPaidSettlementTheTokenRefuses() public {
        // The token is paused and stays paused; the cash ledger paid. The issuer's forced path,
        // naming the settlement, delivers to the buyer (forced paths ignore the pause).
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.startPrank(issuer);
        bond.pause();
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementFailed(t.id, issuer, QUANTITY, 0);
        bond.forceUnlock(address(delivery), seller, buyer, QUANTITY, abi.encode(t));
        vm.stopPrank();
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "Failed"
        );
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "the issuer delivered");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "lock released");
        // The attestation can no longer move anything.
        vm.expectRevert(
            _deliveryState(
                t.id,
                ICrossLedgerDelivery.State.Failed,
                ICrossLedgerDelivery.State.Locked
            )
        );
        delivery.deliver(t, _paid(t));
    }

    // ---------------------------------------------------------------- returnToSeller

    function test_returnToSeller_refundedAttestationReturnsTheUnits() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(delivery), seller, seller, QUANTITY, abi.encode(t.id));
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementReturned(t.id, seller, QUANTITY, stranger);
        vm.prank(stranger);
        delivery.returnToSeller(t, _refunded(t));
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Returned),
            "Returned"
        );
        vm.assertEq(bond.lockedOf(address(delivery), seller), 0, "lock released");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "seller free again");
        vm.assertEq(bond.balanceOf(buyer), 0, "buyer got nothing");
    }

    function test_returnToSeller_worksWhileTheTokenAndTheContractArePaused() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.prank(issuer);
        bond.pause();
        vm.prank(pauser);
        delivery.pause();
        delivery.returnToSeller(t, _refunded(t));
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "returned");
    }

    function test_returnToSeller_revertsForPaidAttestation() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidAttestation(t.id, verifier, ICrossLedger.Outcome.Refunded));
        delivery.returnToSeller(t, _paid(t));
        _assertUnchanged(before, t);
    }

    function test_returnToSeller_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.buyer = stranger;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        delivery.returnToSeller(altered, _refunded(altered));
        _assertUnchanged(before, t);
    }

    function test_returnToSeller_revertsInEveryStateButLocked() public {
        for (uint8 s = 0; s < 5; ++s) {
            ICrossLedgerDelivery.State state = ICrossLedgerDelivery.State(s);
            if (state == ICrossLedgerDelivery.State.Locked) continue;
            ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_deliveryState(t.id, state, ICrossLedgerDelivery.State.Locked));
            delivery.returnToSeller(t, _refunded(t));
            _assertUnchanged(before, t);
        }
    }

    function test_outcome_decidedOnce_anEquivocatingVerifierCannotUndoADelivery() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        delivery.deliver(t, _paid(t));
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            _deliveryState(
                t.id,
                ICrossLedgerDelivery.State.Delivered,
                ICrossLedgerDelivery.State.Locked
            )
        );
        delivery.returnToSeller(t, _refunded(t));
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- waive

    function test_waive_buyerGivesUpItsClaim() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementWaived(t.id, buyer);
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementReturned(t.id, seller, QUANTITY, buyer);
        vm.prank(buyer);
        delivery.waive(t);
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Returned),
            "Returned"
        );
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "returned");
    }

    function test_waive_revertsForAnyoneButTheBuyer() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        address[3] memory callers = [seller, stranger, verifier];
        for (uint256 i = 0; i < 3; ++i) {
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_unauthorized(t.id, callers[i]));
            vm.prank(callers[i]);
            delivery.waive(t);
            _assertUnchanged(before, t);
        }
    }

    function test_waive_revertsInEveryStateButLocked() public {
        for (uint8 s = 0; s < 5; ++s) {
            ICrossLedgerDelivery.State state = ICrossLedgerDelivery.State(s);
            if (state == ICrossLedgerDelivery.State.Locked) continue;
            ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(_deliveryState(t.id, state, ICrossLedgerDelivery.State.Locked));
            vm.prank(buyer);
            delivery.waive(t);
            _assertUnchanged(before, t);
        }
    }

    function test_waive_revertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory altered = _copy(t);
        altered.amount = 1;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        vm.prank(buyer);
        delivery.waive(altered);
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev `deliver(t, attestation)` reverts with `err`; nothing moves.
    function _expectDeliverReverts(
        ICrossLedger.CrossLedgerTerms memory t,
        bytes memory attestation,
        bytes memory err
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        delivery.deliver(t, attestation);
        _assertUnchanged(before, t);
    }

    function _copy(
        ICrossLedger.CrossLedgerTerms memory t
    ) private pure returns (ICrossLedger.CrossLedgerTerms memory c) {
        c = abi.decode(abi.encode(t), (ICrossLedger.CrossLedgerTerms));
    }
}
