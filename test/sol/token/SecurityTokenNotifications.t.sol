// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {LockReceiverMock} from "../../../contracts/test/LockReceiverMock.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/**
 * @notice The issuer and enforcement paths tell a contract lock address of every change they make
 * to its locks ({ISecurityTokenLockReceiver-onSecurityTokenLockAdded},
 * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved}), after their own state change; the
 * receiver may refuse; the admin may waive a lock address's notifications. For any product.
 */
abstract contract SecurityTokenNotificationsBehavior is SecurityTokenBase {
    bytes4 internal constant ADDED = ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector;
    bytes4 internal constant REMOVED = ISecurityTokenLockReceiver
        .onSecurityTokenLockRemoved
        .selector;

    // ---------------------------------------------------------------- additions

    function test_issue_lockedToContractNotifiesAfterRecording() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.Issue(carol, address(receiver), 70);
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(ADDED, issuer, carol, 70, "");
        vm.prank(issuer);
        token.issue(carol, address(receiver), 70);
        vm.assertEq(receiver.addedCalls(), 1, "one addition");
        vm.assertEq(receiver.lastToken(), address(token), "token");
        vm.assertEq(receiver.lockedSeen(), 70, "lock recorded before the call");
        vm.assertEq(receiver.calls() + receiver.removedCalls(), 0, "no other callback");
        _assertHolding(carol, 70, 70);
    }

    function test_forceLock_toContractNotifiesAfterRecording() public {
        _pause();
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceLock(address(receiver), alice, 600, "freeze");
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(ADDED, enforcer, alice, 600, "freeze");
        vm.prank(enforcer);
        token.forceLock(address(receiver), alice, 600, "freeze");
        vm.assertEq(receiver.addedCalls(), 1, "one addition");
        vm.assertEq(receiver.lockedSeen(), 600, "lock recorded before the call");
        _assertHolding(alice, 1000, 600);
    }

    // ---------------------------------------------------------------- removals

    function test_forceUnlock_fromContractNotifiesAfterReleasing() public {
        _lock(alice, address(receiver), 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceUnlock(address(receiver), alice, carol, 120, "order 7");
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(REMOVED, enforcer, alice, 120, "order 7");
        vm.prank(enforcer);
        token.forceUnlock(address(receiver), alice, carol, 120, "order 7");
        vm.assertEq(receiver.removedCalls(), 1, "one removal");
        vm.assertEq(receiver.lockedSeen(), 180, "lock released before the call");
        _assertHolding(alice, 880, 180);
        _assertHolding(carol, 120, 0);
    }

    function test_redeem_fromContractLockNotifiesWithEmptyData() public {
        _lock(alice, address(receiver), 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.Redeem(alice, address(receiver), 200);
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(REMOVED, issuer, alice, 200, "");
        vm.prank(issuer);
        token.redeem(alice, address(receiver), 200);
        vm.assertEq(receiver.lockedSeen(), 100, "lock released before the call");
        _assertHolding(alice, 800, 100);
    }

    function test_forceChangeLockedAccount_notifiesTheGivingThenTheReceivingSide() public {
        _lock(alice, address(receiver), 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceChangeLockedAccount(address(receiver), alice, carol, 200, "key");
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(REMOVED, enforcer, alice, 200, "key");
        vm.expectEmit(address(receiver));
        emit LockReceiverMock.Notified(ADDED, enforcer, carol, 200, "key");
        vm.prank(enforcer);
        token.forceChangeLockedAccount(address(receiver), alice, carol, 200, "key");
        vm.assertEq(receiver.removedCalls(), 1, "one removal");
        vm.assertEq(receiver.addedCalls(), 1, "one addition");
        _assertHolding(alice, 800, 100);
        _assertHolding(carol, 200, 200);
    }

    function test_holderUnlockAndEoaLockAddressesMakeNoNotification() public {
        _lock(alice, address(receiver), 300);
        receiver.release(token, alice, alice, 100);
        vm.startPrank(enforcer);
        token.forceLock(lockAgent, alice, 10, "");
        token.forceUnlock(lockAgent, alice, alice, 10, "");
        vm.stopPrank();
        vm.assertEq(receiver.calls(), 1, "only the holder's lock");
        vm.assertEq(receiver.addedCalls() + receiver.removedCalls(), 0, "no forced callback");
    }

    // ---------------------------------------------------------------- refusals

    /// @dev A receiver's revert data is bubbled exactly; nothing of the forced path stays.
    function test_forcedPaths_bubbleTheReceiversRefusal() public {
        _lock(alice, address(receiver), 300);
        receiver.setMode(LockReceiverMock.Mode.RevertWithError);
        bytes[5] memory calls = _forcedCalls(address(receiver));
        address[5] memory callers = [issuer, issuer, enforcer, enforcer, enforcer];
        uint256[5] memory amounts = [uint256(70), 20, 30, 40, 50];
        address[5] memory accounts = [carol, alice, alice, alice, alice];
        for (uint256 i = 0; i < calls.length; ++i) {
            _reverts(
                callers[i],
                calls[i],
                abi.encodeWithSelector(
                    LockReceiverMock.LockReceiverMockRejected.selector,
                    accounts[i],
                    amounts[i]
                )
            );
        }
    }

    /// @dev A wrong selector, an empty revert or no answer at all is a rejection.
    function test_forcedPaths_revertWhenTheReceiverDoesNotAccept() public {
        _lock(alice, address(receiver), 300);
        LockReceiverMock.Mode[3] memory modes = [
            LockReceiverMock.Mode.WrongSelector,
            LockReceiverMock.Mode.RevertEmpty,
            LockReceiverMock.Mode.ReturnNothing
        ];
        bytes[5] memory calls = _forcedCalls(address(receiver));
        address[5] memory callers = [issuer, issuer, enforcer, enforcer, enforcer];
        for (uint256 m = 0; m < modes.length; ++m) {
            receiver.setMode(modes[m]);
            for (uint256 i = 0; i < calls.length; ++i) {
                _reverts(callers[i], calls[i], _rejected(address(receiver)));
            }
        }
    }

    /// @dev A contract without the callbacks cannot receive issuer locks (as it cannot receive
    /// holder locks) until the admin waives its notifications.
    function test_forcedPaths_refuseAContractWithoutCallbacksUntilWaived() public {
        address plain = address(registry);
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.issue, (carol, plain, 70)),
            _rejected(plain)
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceLock, (plain, alice, 1, "")),
            _rejected(plain)
        );
        vm.prank(admin);
        token.setLockNotificationsWaived(plain, true);
        vm.prank(issuer);
        token.issue(carol, plain, 70);
        vm.prank(enforcer);
        token.forceUnlock(plain, carol, carol, 70, "");
        _assertHolding(carol, 70, 0);
    }

    // ---------------------------------------------------------------- waiver

    function test_setLockNotificationsWaived_skipsEnforcementCallbacksOnly() public {
        _lock(alice, address(receiver), 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.LockNotificationsWaived(address(receiver), true);
        vm.prank(admin);
        token.setLockNotificationsWaived(address(receiver), true);
        vm.assertTrue(token.lockNotificationsWaived(address(receiver)), "waived");
        // A receiver refusing every forced release no longer shields its locks.
        receiver.setMode(LockReceiverMock.Mode.RevertWithError);
        vm.prank(enforcer);
        token.forceUnlock(address(receiver), alice, carol, 300, "court order");
        vm.prank(issuer);
        token.issue(carol, address(receiver), 5);
        _assertHolding(alice, 700, 0);
        _assertHolding(carol, 305, 5);
        // The holder's lock still asks it.
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(LockReceiverMock.LockReceiverMockRejected.selector, alice, 1)
        );
        vm.prank(alice);
        token.lock(address(receiver), 1, "");
        vm.assertEq(_state(), before, "state moved");
        // Restored: notified again.
        receiver.setMode(LockReceiverMock.Mode.Accept);
        vm.expectEmit(address(token));
        emit ISecurityToken.LockNotificationsWaived(address(receiver), false);
        vm.prank(admin);
        token.setLockNotificationsWaived(address(receiver), false);
        vm.assertFalse(token.lockNotificationsWaived(address(receiver)), "restored");
        vm.prank(enforcer);
        token.forceUnlock(address(receiver), carol, carol, 5, "");
        vm.assertEq(receiver.removedCalls(), 1, "notified again");
    }

    function test_setLockNotificationsWaived_revertsForNonAdmin() public {
        address[3] memory callers = [issuer, enforcer, alice];
        for (uint256 i = 0; i < callers.length; ++i) {
            _reverts(
                callers[i],
                abi.encodeCall(
                    ISecurityToken.setLockNotificationsWaived,
                    (address(receiver), true)
                ),
                _unauthorized(callers[i], bytes32(0))
            );
            vm.assertFalse(token.lockNotificationsWaived(address(receiver)), "waived");
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev The five forced paths on `lockAddress` (alice holds 300 locked to it): issue 70 to
    /// carol locked, redeem 20, forceLock 30, forceUnlock 40, forceChangeLockedAccount 50.
    function _forcedCalls(address lockAddress) internal view returns (bytes[5] memory calls) {
        calls[0] = abi.encodeCall(ISecurityToken.issue, (carol, lockAddress, 70));
        calls[1] = abi.encodeCall(ISecurityToken.redeem, (alice, lockAddress, 20));
        calls[2] = abi.encodeCall(ISecurityToken.forceLock, (lockAddress, alice, 30, "x"));
        calls[3] = abi.encodeCall(ISecurityToken.forceUnlock, (lockAddress, alice, bob, 40, "x"));
        calls[4] = abi.encodeCall(
            ISecurityToken.forceChangeLockedAccount,
            (lockAddress, alice, carol, 50, "x")
        );
    }

    function _rejected(address lockAddress) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLockRejected.selector, lockAddress);
    }

    function _reverts(address caller, bytes memory call, bytes memory expected) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(caller);
        (bool ok, ) = address(token).call(call);
        vm.assertTrue(ok, "call did not revert as expected");
        vm.assertEq(_state(), before, "state moved");
    }
}

contract StraightBondNotificationsTest is SecurityTokenNotificationsBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }
}

contract ShareNotificationsTest is SecurityTokenNotificationsBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployShare();
    }
}
