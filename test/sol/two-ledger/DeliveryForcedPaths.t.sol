// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ILockBook} from "../../../contracts/interfaces/ILockBook.sol";
import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @notice The issuer's and enforcement's paths on the delivery contract's lock bucket, between
 * step 1 and step 6: the same books as the single-chain DVP ({ILockBook}). A settlement only ever
 * consumes or releases its own units; a forced removal must name the settlement it takes from
 * (which then fails) or take only units of no settlement.
 */
contract DeliveryForcedPathsTest is TwoLedgerBase {
    function test_issue_lockedToTheDeliveryIsUnassigned() public {
        vm.expectEmit(address(delivery));
        emit ILockBook.UnassignedLockChanged(address(bond), seller, 50);
        vm.prank(issuer);
        bond.issue(seller, address(delivery), 50);
        vm.assertEq(delivery.unassignedLockOf(address(bond), seller), 50, "unassigned");
        vm.assertEq(bond.lockedOf(address(delivery), seller), 50, "locked");
    }

    function test_forceLock_unassignedUnitsSurviveEveryOutcome() public {
        vm.prank(issuer);
        bond.forceLock(address(delivery), seller, 20, "court order");
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        delivery.deliver(t, _paid(t));
        _assertBucket(20, 0);
        t = _locked();
        delivery.returnToSeller(t, _refunded(t));
        _assertBucket(20, 0);
        t = _locked();
        vm.prank(buyer);
        delivery.waive(t);
        _assertBucket(20, 0);
        t = _locked();
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 30, abi.encode(t));
        _assertBucket(20, 0);
        // Only the issuer releases them, naming no settlement.
        vm.expectEmit(address(delivery));
        emit ILockBook.UnassignedLockChanged(address(bond), seller, 0);
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 20, "released");
        _assertBucket(0, 0);
    }

    function test_forceUnlock_unnamedRemovalOfASettlementsUnitsIsRefused() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        _expectUnnamedRefused(t, 1, 0);
        vm.prank(issuer);
        bond.issue(seller, address(delivery), 5);
        _expectUnnamedRefused(t, 6, 5);
        // The settlement still delivers whole.
        delivery.deliver(t, _paid(t));
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "whole quantity delivered");
        _assertBucket(5, 0);
    }

    function test_redeem_fromTheDeliveryLockTakesOnlyUnassignedUnits() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.prank(issuer);
        bond.issue(seller, address(delivery), 30);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, 31, 30));
        vm.prank(issuer);
        bond.redeem(seller, address(delivery), 31);
        _assertUnchanged(before, t);
        vm.prank(issuer);
        bond.redeem(seller, address(delivery), 30);
        _assertBucket(0, QUANTITY);
    }

    function test_forceUnlock_namingASettlementTakesPartAndReleasesTheRest() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.expectEmit(address(bond));
        emit ISecurityToken.ForceUnlock(address(delivery), seller, stranger, 30, abi.encode(t));
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(delivery), seller, seller, 70, abi.encode(t.id));
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementFailed(t.id, issuer, 30, 70);
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, stranger, 30, abi.encode(t));
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "Failed"
        );
        vm.assertEq(bond.balanceOf(stranger), 30, "the forced part");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 30, "the rest is free");
        _assertBucket(0, 0);
        // No outcome moves anything any more.
        vm.expectRevert(
            _deliveryState(
                t.id,
                ICrossLedgerDelivery.State.Failed,
                ICrossLedgerDelivery.State.Locked
            )
        );
        delivery.returnToSeller(t, _refunded(t));
    }

    /// @dev As the DVP reads them: the first 416 bytes name the settlement, the rest is free.
    function test_forceUnlock_namingWithAReferenceAfterTheTermsFailsTheSettlement() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory data = bytes.concat(abi.encode(t), "court order 2026-11-30");
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementFailed(t.id, issuer, 30, 70);
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, stranger, 30, data);
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "Failed"
        );
        vm.assertEq(bond.balanceOf(stranger), 30, "the forced part");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 30, "the rest is free");
        _assertBucket(0, 0);
    }

    /// @dev Fewer than 416 bytes (the terms cut short) name no settlement: the units must be
    /// unassigned, and they are not.
    function test_forceUnlock_dataShorterThanTheTermsNamesNoSettlement() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        bytes memory full = abi.encode(t);
        bytes memory short = new bytes(full.length - 1);
        for (uint256 i = 0; i < short.length; ++i) short[i] = full[i];
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, 1, 0));
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 1, short);
        _assertUnchanged(before, t);
    }

    /// @dev Terms whose words are not clean values of their types (dirty high bits in an address
    /// or the deadline) are refused with the delivery contract's own error, with or without a
    /// reference after them, not with the token's generic refusal; nothing moves.
    function test_forceUnlock_namingRevertsForMalformedTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        // words 1 (seller), 2 (buyer), 4 (stLedger), 5 (securityToken), 8 (cashLedger),
        // 9 (cashToken), 11 (deadline), 12 (verifier)
        uint256[8] memory words = [uint256(1), 2, 4, 5, 8, 9, 11, 12];
        for (uint256 i = 0; i < words.length; ++i) {
            bytes memory data = abi.encode(t);
            uint256 offset = 32 + words[i] * 32; // past the length word
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                let p := add(data, offset)
                mstore(p, or(mload(p), shl(248, 1)))
            }
            _expectForceUnlockMalformed(t, data);
            _expectForceUnlockMalformed(t, bytes.concat(data, "court order"));
        }
        // The clean terms still name it.
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 1, abi.encode(t));
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "clean terms name it"
        );
    }

    function test_forceUnlock_namingWorksWhileTheContractAndTheTokenArePaused() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.prank(pauser);
        delivery.pause();
        vm.startPrank(issuer);
        bond.pause();
        bond.forceUnlock(address(delivery), seller, seller, QUANTITY, abi.encode(t));
        vm.stopPrank();
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "Failed"
        );
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all released");
    }

    function test_forceUnlock_namingRevertsWhenMoreThanTheQuantity() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        _locked(); // a second settlement, so the bucket holds enough
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_lockMismatch(t.id, address(bond), seller, QUANTITY + 1));
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_forceUnlock_namingRevertsForAnotherAccountsLock() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.prank(issuer);
        bond.issue(stranger, address(delivery), 10);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_lockMismatch(t.id, address(bond), stranger, 10));
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), stranger, stranger, 10, abi.encode(t));
        _assertUnchanged(before, t);
        vm.assertEq(delivery.unassignedLockOf(address(bond), stranger), 10, "stranger's stay");
    }

    function test_forceUnlock_namingRevertsForAlteredTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        ICrossLedger.CrossLedgerTerms memory altered = abi.decode(
            abi.encode(t),
            (ICrossLedger.CrossLedgerTerms)
        );
        altered.amount = AMOUNT + 1;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id));
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 10, abi.encode(altered));
        _assertUnchanged(before, t);
    }

    function test_forceUnlock_namingRevertsOutsideLocked() public {
        // A settlement already delivered; the seller has units of another one in the bucket.
        ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(
            ICrossLedgerDelivery.State.Delivered
        );
        _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            _deliveryState(
                t.id,
                ICrossLedgerDelivery.State.Delivered,
                ICrossLedgerDelivery.State.Locked
            )
        );
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 10, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLockRemoved_namingRevertsForAnotherToken() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_lockMismatch(t.id, stranger, seller, 10));
        vm.prank(stranger); // not the settlement's token
        delivery.onSecurityTokenLockRemoved(stranger, seller, 10, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLockRemoved_returnsSelector() public {
        vm.prank(issuer);
        bond.issue(seller, address(delivery), 5);
        vm.prank(address(bond));
        bytes4 selector = delivery.onSecurityTokenLockRemoved(issuer, seller, 5, "");
        vm.assertEq(
            bytes32(selector),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector),
            "selector"
        );
    }

    function test_forceChangeLockedAccount_namingFailsTheSettlementAndKeepsTheUnitsLocked() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SettlementFailed(t.id, issuer, 40, 60);
        vm.expectEmit(address(delivery));
        emit ILockBook.UnassignedLockChanged(address(bond), stranger, 40);
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(delivery), seller, stranger, 40, abi.encode(t));
        vm.assertEq(
            uint256(delivery.stateOf(t.id)),
            uint256(ICrossLedgerDelivery.State.Failed),
            "Failed"
        );
        vm.assertEq(bond.lockedOf(address(delivery), stranger), 40, "relocated, still locked");
        vm.assertEq(delivery.unassignedLockOf(address(bond), stranger), 40, "of no settlement");
        _assertBucket(0, 0);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 40, "the rest released");
    }

    function test_forceChangeLockedAccount_unnamedMovesOnlyUnassignedUnits() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, 10, 0));
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(delivery), seller, stranger, 10, "recovery");
        _assertUnchanged(before, t);
        vm.prank(issuer);
        bond.issue(seller, address(delivery), 10);
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(delivery), seller, stranger, 10, "recovery");
        _assertBucket(0, QUANTITY);
        vm.assertEq(delivery.unassignedLockOf(address(bond), stranger), 10, "moved");
        vm.assertEq(uint256(delivery.stateOf(t.id)), 1, "the settlement stays Locked");
    }

    function test_callbacks_onlyTouchTheCallersBooks() public {
        vm.prank(stranger);
        bytes4 selector = delivery.onSecurityTokenLockAdded(stranger, seller, 1_000, "");
        vm.assertEq(
            bytes32(selector),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector),
            "selector"
        );
        vm.assertEq(delivery.unassignedLockOf(stranger, seller), 1_000, "stranger's books");
        vm.assertEq(delivery.unassignedLockOf(address(bond), seller), 0, "the bond's untouched");
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceedsFor(address(bond), seller, 1, 0));
        vm.prank(address(bond));
        delivery.onSecurityTokenLockRemoved(issuer, seller, 1, "");
        _assertUnchanged(before, t);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev The seller's bucket holds `unassigned` units of no settlement and `open` units of
    /// Locked settlements.
    function _assertBucket(uint256 unassigned, uint256 open) private view {
        vm.assertEq(delivery.unassignedLockOf(address(bond), seller), unassigned, "unassigned");
        vm.assertEq(bond.lockedOf(address(delivery), seller), unassigned + open, "bucket");
    }

    /// @dev An unnamed forced release of `value` of the seller's units is refused (only
    /// `unassigned` belong to no settlement); nothing moves.
    function _expectUnnamedRefused(
        ICrossLedger.CrossLedgerTerms memory t,
        uint256 value,
        uint256 unassigned
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, value, unassigned));
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, value, "court order");
        _assertUnchanged(before, t);
    }

    function _expectForceUnlockMalformed(
        ICrossLedger.CrossLedgerTerms memory t,
        bytes memory data
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryMalformedTerms.selector,
                data.length
            )
        );
        vm.prank(issuer);
        bond.forceUnlock(address(delivery), seller, seller, 1, data);
        _assertUnchanged(before, t);
    }

    function _exceeds(
        address account,
        uint256 value,
        uint256 unassigned
    ) private view returns (bytes memory) {
        return _exceedsFor(address(bond), account, value, unassigned);
    }

    function _exceedsFor(
        address token,
        address account,
        uint256 value,
        uint256 unassigned
    ) private pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryForcedRemovalExceedsUnassigned.selector,
                token,
                account,
                value,
                unassigned
            );
    }

    function _lockMismatch(
        bytes32 id,
        address token,
        address account,
        uint256 amount
    ) private pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryLockMismatch.selector,
                id,
                token,
                account,
                amount
            );
    }
}
