// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/// @notice ST ledger, step 1: the seller's `lock` registers a two-ledger settlement, or reverts
/// with an error naming the offending values and locks nothing (guarantee 6).
contract DeliveryRegisterTest is TwoLedgerBase {
    function test_onSecurityTokenLocked_registersLockedSettlement() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Lock(address(delivery), seller, QUANTITY, abi.encode(t));
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.DeliveryRegistered(t.id, seller, buyer, _termsHash(t), t);
        _lock(t);

        ICrossLedgerDelivery.Delivery memory record = delivery.deliveryOf(t.id);
        vm.assertEq(uint256(record.state), uint256(ICrossLedgerDelivery.State.Locked), "Locked");
        vm.assertEq(bytes32(record.termsDigest), bytes32(bytes28(_termsHash(t))), "commitment");
        vm.assertEq(bond.lockedOf(address(delivery), seller), QUANTITY, "locked to delivery");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED, "units stay with the seller");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - QUANTITY, "available");
        vm.assertEq(delivery.unassignedLockOf(address(bond), seller), 0, "nothing unassigned");
        vm.assertTrue(delivery.verifyTerms(t), "terms verify");
    }

    function test_onSecurityTokenLocked_returnsSelector() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.prank(address(bond));
        bytes4 selector = delivery.onSecurityTokenLocked(seller, QUANTITY, abi.encode(t));
        vm.assertEq(
            bytes32(selector),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLocked.selector),
            "selector"
        );
    }

    function test_onSecurityTokenLocked_sellerMayHoldSeveralSettlements() public {
        ICrossLedger.CrossLedgerTerms memory a = _locked();
        ICrossLedger.CrossLedgerTerms memory b = _locked();
        vm.assertEq(bond.lockedOf(address(delivery), seller), 2 * QUANTITY, "one bucket");
        vm.assertEq(uint256(delivery.stateOf(a.id)), 1, "a Locked");
        vm.assertEq(uint256(delivery.stateOf(b.id)), 1, "b Locked");
    }

    function test_onSecurityTokenLocked_revertsWhenPaused() public {
        vm.prank(pauser);
        delivery.pause();
        _expectLockReverts(_terms(), abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_onSecurityTokenLocked_revertsForUnlistedCaller() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryUnlistedSecurityToken.selector,
                stranger
            )
        );
        vm.prank(stranger);
        delivery.onSecurityTokenLocked(seller, QUANTITY, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForDelistedToken() public {
        vm.prank(admin);
        delivery.setSecurityTokenListed(address(bond), false);
        _expectLockReverts(
            _terms(),
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryUnlistedSecurityToken.selector,
                address(bond)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForMalformedData() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory short = abi.encode(t.id, t.seller, t.buyer); // 96 bytes
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(ICrossLedgerDelivery.DeliveryMalformedTerms.selector, 96)
        );
        vm.prank(seller);
        bond.lock(address(delivery), QUANTITY, short);
        _assertUnchanged(before, t);
        // One word too many (417 bytes) is refused too.
        vm.expectRevert(
            abi.encodeWithSelector(ICrossLedgerDelivery.DeliveryMalformedTerms.selector, 417)
        );
        vm.prank(seller);
        bond.lock(address(delivery), QUANTITY, bytes.concat(abi.encode(t), hex"00"));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsWhenTermsNameAnotherToken() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.securityToken = stranger;
        _expectLockReverts(t, _lockMismatch(t.id, seller, QUANTITY));
    }

    function test_onSecurityTokenLocked_revertsWhenLockerIsNotTheSeller() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.prank(issuer);
        bond.issue(stranger, address(0), QUANTITY);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_lockMismatch(t.id, stranger, QUANTITY));
        vm.prank(stranger);
        bond.lock(address(delivery), QUANTITY, abi.encode(t));
        _assertUnchanged(before, t);
        vm.assertEq(bond.lockedOf(address(delivery), stranger), 0, "stranger locked nothing");
    }

    function test_onSecurityTokenLocked_revertsWhenQuantityDiffersFromLock() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_lockMismatch(t.id, seller, QUANTITY - 1));
        vm.prank(seller);
        bond.lock(address(delivery), QUANTITY - 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForZeroId() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.id = bytes32(0);
        _expectLockReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroSettlementId.selector)
        );
    }

    function test_onSecurityTokenLocked_revertsWhenTermsNameAnotherStChain() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.stChainId = block.chainid + 1;
        _expectLockReverts(t, _wrongLedger(block.chainid + 1, address(delivery)));
    }

    function test_onSecurityTokenLocked_revertsWhenTermsNameAnotherStLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.stLedger = address(payment);
        _expectLockReverts(t, _wrongLedger(block.chainid, address(payment)));
    }

    function test_onSecurityTokenLocked_revertsForUnknownCashChain() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashChainId = 999;
        _expectLockReverts(t, _unknownCounterpart(999, address(payment)));
    }

    function test_onSecurityTokenLocked_revertsForUnknownCashLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashLedger = stranger;
        _expectLockReverts(t, _unknownCounterpart(block.chainid, stranger));
    }

    function test_onSecurityTokenLocked_revertsForDelistedCounterpart() public {
        vm.prank(admin);
        delivery.setCounterpartListed(block.chainid, address(payment), false);
        _expectLockReverts(_terms(), _unknownCounterpart(block.chainid, address(payment)));
    }

    function test_onSecurityTokenLocked_revertsWhenBuyerIsSeller() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.buyer = seller;
        _expectLockReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidParties.selector, seller, seller)
        );
    }

    function test_onSecurityTokenLocked_revertsForZeroBuyer() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.buyer = address(0);
        _expectLockReverts(
            t,
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerInvalidParties.selector,
                seller,
                address(0)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForZeroAmount() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.amount = 0;
        _expectLockReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroValue.selector, QUANTITY, 0)
        );
    }

    function test_onSecurityTokenLocked_revertsForZeroQuantity() public {
        // A lock of zero units never reaches the delivery contract: the token refuses it first.
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.quantity = 0;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(ISecurityToken.SecurityTokenZeroAmount.selector));
        vm.prank(seller);
        bond.lock(address(delivery), 0, abi.encode(t));
        _assertUnchanged(before, t);
        // Called as the token with a zero quantity, the contract refuses it itself.
        vm.expectRevert(
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroValue.selector, 0, AMOUNT)
        );
        vm.prank(address(bond));
        delivery.onSecurityTokenLocked(seller, 0, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForDeadlineNotInFuture() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.deadline = T0;
        _expectLockReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerDeadlinePassed.selector, t.id, T0, T0)
        );
    }

    function test_onSecurityTokenLocked_revertsForVerifierWithoutRole() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.verifier = stranger;
        _expectLockReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidVerifier.selector, stranger)
        );
    }

    function test_onSecurityTokenLocked_revertsForRevokedVerifier() public {
        bytes32 role = delivery.VERIFIER_ROLE();
        vm.prank(admin);
        delivery.revokeRole(role, verifier);
        _expectLockReverts(
            _terms(),
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidVerifier.selector, verifier)
        );
    }

    function test_onSecurityTokenLocked_revertsForReusedIdInEveryState() public {
        for (uint8 s = 1; s < 5; ++s) {
            ICrossLedgerDelivery.State state = ICrossLedgerDelivery.State(s);
            ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(state);
            _expectLockReverts(t, _deliveryState(t.id, state, ICrossLedgerDelivery.State.None));
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev The seller's lock of `t` reverts with `err`; nothing moves.
    function _expectLockReverts(ICrossLedger.CrossLedgerTerms memory t, bytes memory err) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(seller);
        bond.lock(address(delivery), t.quantity, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function _lockMismatch(
        bytes32 id,
        address account,
        uint256 amount
    ) private view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryLockMismatch.selector,
                id,
                address(bond),
                account,
                amount
            );
    }

    function _wrongLedger(uint256 chainId, address ledger) private view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerWrongLedger.selector,
                chainId,
                ledger,
                block.chainid,
                address(delivery)
            );
    }

    function _unknownCounterpart(
        uint256 chainId,
        address ledger
    ) private pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerUnknownCounterpart.selector,
                chainId,
                ledger
            );
    }
}
