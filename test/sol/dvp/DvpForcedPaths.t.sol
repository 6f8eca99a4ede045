// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {ILockBook} from "../../../contracts/interfaces/ILockBook.sol";
import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {Vm} from "../utils/Vm.sol";
import {DvpBase} from "./DvpBase.sol";

/**
 * @notice The issuer's and enforcement's paths on the DVP's lock bucket: a settlement only ever
 * consumes or releases its own units. Units that belong to no settlement are counted apart
 * ({IDeliveryVersusPayment-unassignedLockOf}) and stay locked until the issuer releases them; a
 * forced removal names the settlement it takes from, which fails at once, or takes only
 * unassigned units.
 */
contract DvpForcedPathsTest is DvpBase {
    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        bond.grantRole(bond.FORCE_LOCK_ROLE(), issuer);
        bond.grantRole(bond.FORCE_RELOCATE_ROLE(), issuer);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- the issue's attack

    /// @dev Issue 11, item 1: after the issuer takes t1's units, t1 can never consume the units
    /// the seller locks later for t2; t2 settles whole.
    function test_forceUnlock_settlementLeftShortStaysDeadAndTheNextSettlesWhole() public {
        IDeliveryVersusPayment.Terms memory t1 = _created();
        vm.prank(buyer);
        dvp.affirm(t1);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(t1.id, issuer, QUANTITY, 0);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, QUANTITY, abi.encode(t1));
        _assertState(t1, IDeliveryVersusPayment.State.Failed);

        IDeliveryVersusPayment.Terms memory t2 = _created();
        Snapshot memory before = _snapshot(t1);
        vm.expectRevert(_unexpected(t1.id, IDeliveryVersusPayment.State.Failed));
        vm.prank(stranger);
        dvp.settle(t1);
        _assertUnchanged(before, t1);

        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t2), "t2 settles");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer got t2's units, whole");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - QUANTITY, "seller delivered once");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "paid once");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "nothing left locked");
    }

    /// @dev The same attack without naming t1 is refused: the issuer cannot make t1 short.
    function test_forceUnlock_unnamedRemovalOfASettlementsUnitsIsRefused() public {
        IDeliveryVersusPayment.Terms memory t1 = _created();
        vm.prank(buyer);
        dvp.affirm(t1);
        _expectForceUnlockRefused(t1, 1, 0);
        _expectForceUnlockRefused(t1, QUANTITY, 0);
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 5);
        _expectForceUnlockRefused(t1, 6, 5);
        vm.prank(stranger);
        vm.assertTrue(dvp.settle(t1), "t1 settles whole");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "whole quantity delivered");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 5, "the lock-up stays");
    }

    // ---------------------------------------------------------------- units of no settlement

    function test_issue_lockedToTheDvpIsUnassigned() public {
        vm.expectEmit(address(dvp));
        emit ILockBook.UnassignedLockChanged(address(bond), seller, 50);
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 50);
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 50, "unassigned");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 50, "locked");
    }

    function test_forceLock_toTheDvpIsUnassigned() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.expectEmit(address(dvp));
        emit ILockBook.UnassignedLockChanged(address(bond), seller, 20);
        vm.prank(issuer);
        bond.forceLock(address(dvp), seller, 20, "freeze");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 20, "unassigned");
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY + 20, "bucket");
        vm.prank(buyer);
        dvp.settle(t);
        vm.assertEq(bond.lockedOf(address(dvp), seller), 20, "the frozen units stay");
    }

    /// @dev No other settlement's failure, reclaim, cancellation, rejection or termination ever
    /// releases a lock-up that belongs to no settlement; only the issuer does.
    function test_lockUpWithNoSettlementSurvivesEveryExit() public {
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 50);
        uint256 free = ST_ISSUED;

        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(seller);
        dvp.cancel(t);
        _assertLockUp(50, free);

        t = _createdWithAgent();
        vm.prank(agent);
        dvp.reject(t, "no");
        _assertLockUp(50, free);

        t = _created();
        vm.prank(issuer);
        dvp.terminate(t, "order");
        _assertLockUp(50, free);

        t = _created();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 30, abi.encode(t));
        _assertLockUp(50, free);

        t = _created();
        vm.warp(uint256(DEADLINE) + 1);
        dvp.reclaim(t);
        _assertLockUp(50, free);

        vm.expectEmit(address(dvp));
        emit ILockBook.UnassignedLockChanged(address(bond), seller, 0);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 50, "released");
        _assertLockUp(0, free + 50);
    }

    function test_redeem_fromTheDvpLockTakesOnlyUnassignedUnits() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 30);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, 31, 30));
        vm.prank(issuer);
        bond.redeem(seller, address(dvp), 31);
        _assertUnchanged(before, t);
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 30, "unassigned");

        vm.prank(issuer);
        bond.redeem(seller, address(dvp), 30);
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 0, "unassigned");
        vm.assertEq(bond.totalSupply(), ST_ISSUED, "the lock-up was redeemed");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles whole");
    }

    // ---------------------------------------------------------------- removals naming a settlement

    function test_forceUnlock_namingASettlementTakesPartAndReleasesTheRest() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        IDeliveryVersusPayment.Terms memory other = _created();
        vm.expectEmit(address(bond));
        emit ISecurityToken.ForceUnlock(address(dvp), seller, stranger, 40, abi.encode(t));
        vm.expectEmit(address(bond));
        emit ISecurityToken.Unlock(address(dvp), seller, seller, QUANTITY - 40, abi.encode(t.id));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(t.id, issuer, 40, QUANTITY - 40);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, stranger, 40, abi.encode(t));
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(bond.balanceOf(stranger), 40, "the court's recipient");
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "only the other's units");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 40 - QUANTITY, "rest freed");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 0, "unassigned");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(other), "the other settles whole");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "whole");
    }

    function test_forceUnlock_namingASettlementTakesAllOfIt() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        recordEvents();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, QUANTITY, abi.encode(t));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 2, "ForceUnlock and SettlementFailed, no release");
        vm.assertEq(logs[1].topics[0], IDeliveryVersusPayment.SettlementFailed.selector, "event");
        vm.assertEq(logs[1].data, abi.encode(QUANTITY, uint256(0)), "removed, released");
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "bucket");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all free");
    }

    function test_forceUnlock_namingWorksWhileDvpAndTokenPaused() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(pauser);
        dvp.pause();
        vm.prank(issuer);
        bond.pause();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 1, abi.encode(t));
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED, "all free");
    }

    function test_forceUnlock_namingRevertsWhenMoreThanTheQuantity() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        _created();
        _expectForceUnlockNamingReverts(
            t,
            seller,
            QUANTITY + 1,
            _mismatch(t.id, seller, QUANTITY + 1)
        );
    }

    function test_forceUnlock_namingRevertsForAnotherAccountsLock() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(issuer);
        bond.issue(stranger, address(dvp), 10);
        _expectForceUnlockNamingReverts(t, stranger, 1, _mismatch(t.id, stranger, 1));
    }

    function test_forceUnlock_namingRevertsForAlteredTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        IDeliveryVersusPayment.Terms memory altered = _created();
        altered.amount = 1;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_err(IDeliveryVersusPayment.DvpTermsMismatch.selector, altered.id));
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 1, abi.encode(altered));
        _assertUnchanged(before, t);
    }

    function test_forceUnlock_namingRevertsOutsideOpenStates() public {
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 10); // so the token has units to release in every state
        _assertRejectsOtherStates(M_OPEN, _forceUnlockNamingOne);
    }

    /// @dev A removal naming a settlement of another token (here from a contract that is not its
    /// token) is refused: a token acts only on its own settlements.
    function test_onSecurityTokenLockRemoved_namingRevertsForAnotherToken() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpLockMismatch.selector,
                t.id,
                stranger,
                seller,
                1
            )
        );
        vm.prank(stranger);
        dvp.onSecurityTokenLockRemoved(issuer, seller, 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    /// @dev The first 288 bytes of the data name the settlement; a court's reference may follow.
    function test_forceUnlock_namingWithAReferenceAfterTheTermsFailsTheSettlement() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        bytes memory data = bytes.concat(abi.encode(t), "court order 2026-17");
        vm.expectEmit(address(bond));
        emit ISecurityToken.ForceUnlock(address(dvp), seller, stranger, 40, data);
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(t.id, issuer, 40, QUANTITY - 40);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, stranger, 40, data);
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(bond.balanceOf(stranger), 40, "the court's recipient");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "rest released");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 40, "rest free");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 0, "unassigned untouched");
    }

    /// @dev A reference after the terms does not make the removal unnamed: with the settlement's
    /// units and unassigned units in the bucket, it still takes from the settlement only.
    function test_forceChangeLockedAccount_namingWithAReferenceTakesFromTheSettlement() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 30);
        bytes memory data = bytes.concat(abi.encode(t), "ref");
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(dvp), seller, stranger, 30, data);
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 30, "seller's lock-up kept");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 30, "only the lock-up left");
        vm.assertEq(dvp.unassignedLockOf(address(bond), stranger), 30, "relocated, unassigned");
    }

    /// @dev Terms whose words are not clean values of their types (dirty high bits in an address
    /// or the deadline) are refused with the DVP's own error, with or without a reference after
    /// them, not with the token's generic refusal.
    function test_forceUnlock_namingRevertsForMalformedTerms() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        // word 1 (seller), 2 (buyer), 3 (security token), 5 (cash token), 7 (deadline), 8 (agent)
        uint256[6] memory words = [uint256(1), 2, 3, 5, 7, 8];
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
    }

    // ---------------------------------------------------------------- waived notifications

    /**
     * @dev docs/threat-model.md: with the DVP's notifications waived, a forced removal of t1's
     * units goes unseen, so t1 stays open; once the seller locks units for t2, t1 settles on
     * them, and t2 is left short (its settle reverts with the token's error, nothing moves).
     */
    function test_waivedNotifications_aShortSettlementSettlesOnAnothersUnits() public {
        IDeliveryVersusPayment.Terms memory t1 = _created();
        vm.prank(admin);
        bond.setLockNotificationsWaived(address(dvp), true);
        recordEvents();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, QUANTITY, "court order");
        vm.assertEq(vm.getRecordedLogs().length, 1, "ForceUnlock only: the DVP heard nothing");
        _assertState(t1, IDeliveryVersusPayment.State.Pending);
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "t1 is short");

        IDeliveryVersusPayment.Terms memory t2 = _created();
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t1), "t1 settles on t2's units");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer of t1 got t2's units");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "t2's units are gone");
        _assertState(t2, IDeliveryVersusPayment.State.Pending);

        Snapshot memory before = _snapshot(t2);
        vm.expectRevert(
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenInsufficientLock.selector,
                address(dvp),
                seller,
                0,
                QUANTITY
            )
        );
        vm.prank(buyer);
        dvp.settle(t2);
        _assertUnchanged(before, t2);
    }

    /// @dev The documented procedure before a waiver: terminate the seller's open settlements
    /// first; then a forced removal under the waiver can take no settlement's units.
    function test_waivedNotifications_afterTerminatingTheSellersSettlementsNothingIsShort() public {
        IDeliveryVersusPayment.Terms memory t1 = _created();
        vm.prank(issuer);
        dvp.terminate(t1, "before a waiver");
        vm.prank(admin);
        bond.setLockNotificationsWaived(address(dvp), true);
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 10);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 10, "court order");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "bucket empty");

        IDeliveryVersusPayment.Terms memory t2 = _created();
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t2), "t2 settles whole");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "whole");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "nothing left locked");
    }

    // ---------------------------------------------------------------- relocation

    function test_forceChangeLockedAccount_namingFailsTheSettlementAndKeepsTheUnitsLocked() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementFailed(t.id, issuer, 30, QUANTITY - 30);
        vm.expectEmit(address(dvp));
        emit ILockBook.UnassignedLockChanged(address(bond), stranger, 30);
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(dvp), seller, stranger, 30, abi.encode(t));
        _assertState(t, IDeliveryVersusPayment.State.Failed);
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "seller's bucket");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - 30, "the rest freed");
        vm.assertEq(bond.lockedOf(address(dvp), stranger), 30, "relocated, still locked");
        vm.assertEq(dvp.unassignedLockOf(address(bond), stranger), 30, "unassigned");

        // The relocated units outlive the new holder's own settlements; only the issuer frees them.
        IDeliveryVersusPayment.Terms memory own = _terms();
        own.seller = stranger;
        vm.prank(issuer);
        bond.issue(stranger, address(0), QUANTITY);
        _create(own);
        vm.prank(stranger);
        dvp.cancel(own);
        vm.assertEq(bond.lockedOf(address(dvp), stranger), 30, "still locked");
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), stranger, stranger, 30, "");
        vm.assertEq(bond.lockedOf(address(dvp), stranger), 0, "released by the issuer");
        vm.assertEq(dvp.unassignedLockOf(address(bond), stranger), 0, "unassigned");
    }

    function test_forceChangeLockedAccount_unnamedMovesOnlyUnassignedUnits() public {
        vm.prank(issuer);
        bond.issue(seller, address(dvp), 20);
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, 21, 20));
        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(dvp), seller, stranger, 21, "lost key");
        _assertUnchanged(before, t);
        vm.assertEq(bond.lockedOf(address(dvp), stranger), 0, "nothing relocated");

        vm.prank(issuer);
        bond.forceChangeLockedAccount(address(dvp), seller, stranger, 20, "lost key");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 0, "seller's unassigned");
        vm.assertEq(dvp.unassignedLockOf(address(bond), stranger), 20, "stranger's unassigned");
        vm.prank(buyer);
        vm.assertTrue(dvp.settle(t), "settles whole");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "bucket");
    }

    // ---------------------------------------------------------------- the callbacks themselves

    /// @dev Any contract may call the callbacks, but only its own books (keyed by the caller)
    /// change: a token's are written only by that token.
    function test_callbacks_onlyTouchTheCallersBooks() public {
        vm.prank(stranger);
        bytes4 added = dvp.onSecurityTokenLockAdded(issuer, seller, 5, "");
        vm.assertEq(
            bytes32(added),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector),
            "added selector"
        );
        vm.assertEq(dvp.unassignedLockOf(stranger, seller), 5, "the caller's books");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), 0, "the bond's books");
        vm.prank(stranger);
        bytes4 removed = dvp.onSecurityTokenLockRemoved(issuer, seller, 5, "");
        vm.assertEq(
            bytes32(removed),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector),
            "removed selector"
        );
        vm.assertEq(dvp.unassignedLockOf(stranger, seller), 0, "back to zero");
    }

    // ---------------------------------------------------------------- helpers

    function _forceUnlockNamingOne(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 1, abi.encode(t));
    }

    function _expectForceUnlockRefused(
        IDeliveryVersusPayment.Terms memory t,
        uint256 value,
        uint256 unassigned
    ) internal {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_exceeds(seller, value, unassigned));
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, value, "court order");
        _assertUnchanged(before, t);
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), unassigned, "unassigned");
    }

    function _expectForceUnlockMalformed(
        IDeliveryVersusPayment.Terms memory t,
        bytes memory data
    ) internal {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpMalformedTerms.selector, data.length)
        );
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), seller, seller, 1, data);
        _assertUnchanged(before, t);
    }

    function _expectForceUnlockNamingReverts(
        IDeliveryVersusPayment.Terms memory t,
        address account,
        uint256 value,
        bytes memory err
    ) internal {
        Snapshot memory before = _snapshot(t);
        uint256 accountLock = bond.lockedOf(address(dvp), account);
        vm.expectRevert(err);
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), account, account, value, abi.encode(t));
        _assertUnchanged(before, t);
        vm.assertEq(bond.lockedOf(address(dvp), account), accountLock, "account's lock moved");
    }

    function _exceeds(
        address account,
        uint256 value,
        uint256 unassigned
    ) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpForcedRemovalExceedsUnassigned.selector,
                address(bond),
                account,
                value,
                unassigned
            );
    }

    function _mismatch(
        bytes32 id,
        address account,
        uint256 value
    ) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpLockMismatch.selector,
                id,
                address(bond),
                account,
                value
            );
    }

    function _unexpected(
        bytes32 id,
        IDeliveryVersusPayment.State current
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnexpectedState.selector,
                id,
                current,
                M_OPEN
            );
    }

    function _assertState(
        IDeliveryVersusPayment.Terms memory t,
        IDeliveryVersusPayment.State state
    ) internal view {
        vm.assertEq(uint256(dvp.stateOf(t.id)), uint256(state), "state");
    }

    /// @dev The seller's bucket holds exactly the lock-up (no settlement is open), which is
    /// unassigned; `free` of its units are free; no cash moved.
    function _assertLockUp(uint256 lockUp, uint256 free) internal view {
        vm.assertEq(bond.lockedOf(address(dvp), seller), lockUp, "the lock-up is still locked");
        vm.assertEq(dvp.unassignedLockOf(address(bond), seller), lockUp, "unassigned");
        vm.assertEq(bond.availableBalanceOf(seller), free, "free units");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED, "no cash moved");
    }
}
