// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {LockReceiverMock} from "../../../contracts/test/LockReceiverMock.sol";
import {Vm} from "../utils/Vm.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/// @notice Locks, unlocks and the transfer-approval workflow, for any product.
abstract contract SecurityTokenLockBehavior is SecurityTokenBase {
    // ---------------------------------------------------------------- lock

    function test_lock_toEoaKeepsBalanceAndEmits() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.Lock(lockAgent, alice, 400, "trade-1");
        vm.prank(alice);
        token.lock(lockAgent, 400, "trade-1");
        vm.assertEq(token.lockedOf(lockAgent, alice), 400, "lockedOf");
        _assertHolding(alice, 1000, 400);
    }

    function test_lock_addsUpAcrossLockAddresses() public {
        _lock(alice, lockAgent, 100);
        _lock(alice, lockAgent, 50);
        _lock(alice, address(receiver), 200);
        vm.assertEq(token.lockedOf(lockAgent, alice), 150, "agent");
        vm.assertEq(token.lockedOf(address(receiver), alice), 200, "receiver");
        _assertHolding(alice, 1000, 350);
    }

    function test_lock_worksWhenNotTransferableOrIneligible() public {
        _setTransferable(false);
        _suspend(alice);
        _lock(alice, lockAgent, 10);
        _assertHolding(alice, 1000, 10);
    }

    function test_lock_callsContractAfterRecording() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.Lock(address(receiver), alice, 300, "settlement");
        vm.prank(alice);
        token.lock(address(receiver), 300, "settlement");
        vm.assertEq(receiver.calls(), 1, "calls");
        vm.assertEq(receiver.lastToken(), address(token), "token");
        vm.assertEq(receiver.lastAccount(), alice, "account");
        vm.assertEq(receiver.lastAmount(), 300, "amount");
        vm.assertEq(receiver.lastData(), bytes("settlement"), "data");
        vm.assertEq(receiver.lockedSeen(), 300, "lock recorded before the call");
        _assertHolding(alice, 1000, 300);
    }

    function test_lock_receiverMayUnlockAtOnce() public {
        receiver.setMode(LockReceiverMock.Mode.UnlockAtOnce);
        vm.expectEmit(address(token));
        emit ISecurityToken.Lock(address(receiver), alice, 300, "");
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(address(receiver), alice, alice, 300, "");
        _lock(alice, address(receiver), 300);
        vm.assertEq(token.lockedOf(address(receiver), alice), 0, "lockedOf");
        _assertHolding(alice, 1000, 0);
    }

    function _assertLockRejected(address lockAddress, bytes memory expected) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(alice);
        token.lock(lockAddress, 300, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function _rejected(address lockAddress) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenLockRejected.selector,
                lockAddress
            );
    }

    function test_lock_revertsOnWrongSelector() public {
        receiver.setMode(LockReceiverMock.Mode.WrongSelector);
        _assertLockRejected(address(receiver), _rejected(address(receiver)));
    }

    function test_lock_bubblesReceiverError() public {
        receiver.setMode(LockReceiverMock.Mode.RevertWithError);
        _assertLockRejected(
            address(receiver),
            abi.encodeWithSelector(
                LockReceiverMock.LockReceiverMockRejected.selector,
                alice,
                uint256(300)
            )
        );
    }

    function test_lock_revertsWhenReceiverRevertsEmpty() public {
        receiver.setMode(LockReceiverMock.Mode.RevertEmpty);
        _assertLockRejected(address(receiver), _rejected(address(receiver)));
    }

    function test_lock_revertsWhenReceiverReturnsNothing() public {
        receiver.setMode(LockReceiverMock.Mode.ReturnNothing);
        _assertLockRejected(address(receiver), _rejected(address(receiver)));
    }

    function test_lock_revertsOnContractWithoutCallback() public {
        _assertLockRejected(address(registry), _rejected(address(registry)));
    }

    function test_lock_revertsOnZeroLockAddress() public {
        _assertLockRejected(address(0), _errInvalidLock(address(0)));
    }

    function test_lock_revertsOnTokenAsLockAddress() public {
        _assertLockRejected(address(token), _errInvalidLock(address(token)));
    }

    function test_lock_revertsOnZeroAmount() public {
        bytes32 before = _state();
        vm.expectRevert(_errZero());
        vm.prank(alice);
        token.lock(lockAgent, 0, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function test_lock_revertsWhenPaused() public {
        _pause();
        _assertLockRejected(lockAgent, _err(ISecurityToken.SecurityTokenPaused.selector));
    }

    function test_lock_revertsWhenInactive() public {
        _setStatus(false);
        _assertLockRejected(lockAgent, _err(ISecurityToken.SecurityTokenInactive.selector));
    }

    function test_lock_revertsOnInsufficientUnlocked() public {
        _lock(alice, lockAgent, 800);
        _assertLockRejected(lockAgent, _errUnlocked(alice, 200, 300));
    }

    // ---------------------------------------------------------------- unlock

    function test_unlock_toHolderFreesUnits() public {
        _lock(alice, lockAgent, 400);
        recordEvents();
        vm.prank(lockAgent);
        token.unlock(alice, alice, 150, "release");
        // exactly one event, the Unlock (no Transfer)
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 1, "one event");
        vm.assertEq(logs[0].topics[0], ISecurityToken.Unlock.selector, "Unlock");
        vm.assertEq(logs[0].data, abi.encode(uint256(150), bytes("release")), "data");
        vm.assertEq(token.lockedOf(lockAgent, alice), 250, "lockedOf");
        _assertHolding(alice, 1000, 250);
    }

    function test_unlock_toHolderWorksInEveryState() public {
        _lock(alice, lockAgent, 400);
        _pause();
        _setStatus(false);
        _setTransferable(false);
        _setApproval(true);
        _suspend(alice);
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(lockAgent, alice, alice, 400, "");
        vm.prank(lockAgent);
        token.unlock(alice, alice, 400, "");
        _assertHolding(alice, 1000, 0);
    }

    function test_unlock_toAnotherMovesUnits() public {
        _lock(alice, lockAgent, 400);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(lockAgent, alice, bob, 300, "dvp");
        vm.prank(lockAgent);
        token.unlock(alice, bob, 300, "dvp");
        vm.assertEq(token.lockedOf(lockAgent, alice), 100, "lockedOf");
        _assertHolding(alice, 700, 100);
        _assertHolding(bob, 800, 0);
    }

    function test_unlock_toAnotherDrawsOnLockNotFreeUnits() public {
        _lock(alice, lockAgent, 1000);
        vm.prank(lockAgent);
        token.unlock(alice, bob, 1000, "");
        _assertHolding(alice, 0, 0);
        _assertHolding(bob, 1500, 0);
    }

    function _assertUnlockReverts(
        address caller,
        address account,
        address recipient,
        uint256 value,
        bytes memory expected
    ) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(caller);
        token.unlock(account, recipient, value, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function test_unlock_revertsOnZeroAmount() public {
        _lock(alice, lockAgent, 400);
        _assertUnlockReverts(lockAgent, alice, alice, 0, _errZero());
    }

    function test_unlock_revertsWhenCallerHoldsNoLock() public {
        _lock(alice, lockAgent, 400);
        _assertUnlockReverts(bob, alice, alice, 1, _errLock(bob, alice, 0, 1));
        _assertUnlockReverts(alice, alice, bob, 1, _errLock(alice, alice, 0, 1));
    }

    function test_unlock_revertsOnInsufficientLock() public {
        _lock(alice, lockAgent, 400);
        _assertUnlockReverts(lockAgent, alice, alice, 401, _errLock(lockAgent, alice, 400, 401));
        _assertUnlockReverts(lockAgent, alice, bob, 401, _errLock(lockAgent, alice, 400, 401));
    }

    function test_unlock_toAnotherFollowsTheRules() public {
        _lock(alice, lockAgent, 400);
        _assertUnlockReverts(lockAgent, alice, address(0), 1, _errInvalidReceiver());
        _assertUnlockReverts(
            lockAgent,
            alice,
            outsider,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _setApproval(true);
        _assertUnlockReverts(
            lockAgent,
            alice,
            bob,
            1,
            _err(ISecurityToken.SecurityTokenTransferApprovalRequired.selector)
        );
        _pause();
        _assertUnlockReverts(
            lockAgent,
            alice,
            bob,
            1,
            _err(ISecurityToken.SecurityTokenPaused.selector)
        );
    }

    function test_unlock_toAnotherRevertsWhenHolderIneligible() public {
        _lock(alice, lockAgent, 400);
        _suspend(alice);
        _assertUnlockReverts(
            lockAgent,
            alice,
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
    }

    function test_receiverContractCanUnlockToAnother() public {
        _lock(alice, address(receiver), 300);
        receiver.release(token, alice, carol, 300);
        _assertHolding(alice, 700, 0);
        _assertHolding(carol, 300, 0);
    }

    // ---------------------------------------------------------------- applyForTransfer

    function test_applyForTransfer_locksToTokenAndRecords() public {
        _setApproval(true);
        vm.expectEmit(address(token));
        emit ISecurityToken.Lock(address(token), alice, 300, "app");
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferApplied(1, alice, bob, 300, "app");
        vm.prank(alice);
        uint256 id = token.applyForTransfer(bob, 300, "app");
        vm.assertEq(id, 1, "id");
        vm.assertEq(token.applicationCount(), 1, "count");
        ISecurityToken.TransferApplication memory a = token.transferApplication(1);
        vm.assertEq(a.from, alice, "from");
        vm.assertEq(a.to, bob, "to");
        vm.assertEq(a.value, 300, "value");
        vm.assertEq(uint256(a.status), uint256(ISecurityToken.ApplicationStatus.Pending), "st");
        vm.assertEq(token.lockedOf(address(token), alice), 300, "lockedOf token");
        _assertHolding(alice, 1000, 300);
        vm.assertEq(_apply(alice, carol, 100), 2, "second id");
        vm.assertEq(token.lockedOf(address(token), alice), 400, "both applications");
    }

    function test_applyForTransfer_worksWithoutApprovalSwitch() public {
        vm.assertEq(_apply(alice, bob, 300), 1, "id");
        _assertHolding(alice, 1000, 300);
    }

    function _assertApplyReverts(address to, uint256 value, bytes memory expected) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(alice);
        token.applyForTransfer(to, value, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function test_applyForTransfer_revertsOnZeroAmount() public {
        _assertApplyReverts(bob, 0, _errZero());
    }

    function test_applyForTransfer_followsTheRules() public {
        _assertApplyReverts(address(0), 1, _errInvalidReceiver());
        _assertApplyReverts(
            outsider,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _assertApplyReverts(bob, 1001, _errUnlocked(alice, 1000, 1001));
        _suspend(alice);
        _assertApplyReverts(
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
        _setTransferable(false);
        _assertApplyReverts(bob, 1, _err(ISecurityToken.SecurityTokenNotTransferable.selector));
        _setStatus(false);
        _assertApplyReverts(bob, 1, _err(ISecurityToken.SecurityTokenInactive.selector));
        _pause();
        _assertApplyReverts(bob, 1, _err(ISecurityToken.SecurityTokenPaused.selector));
    }

    // ---------------------------------------------------------------- approveTransfer

    function test_approveTransfer_movesUnits() public {
        _setApproval(true);
        uint256 id = _apply(alice, bob, 300);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(address(token), alice, bob, 300, "ok");
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferApproved(id, alice, bob, 300, "ok");
        vm.prank(approver);
        token.approveTransfer(id, "ok");
        vm.assertEq(
            uint256(token.transferApplication(id).status),
            uint256(ISecurityToken.ApplicationStatus.Approved),
            "status"
        );
        vm.assertEq(token.lockedOf(address(token), alice), 0, "lockedOf token");
        _assertHolding(alice, 700, 0);
        _assertHolding(bob, 800, 0);
    }

    function _assertApproveReverts(address caller, uint256 id, bytes memory expected) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(caller);
        token.approveTransfer(id, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function _errStatus(
        uint256 id,
        ISecurityToken.ApplicationStatus current
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenUnexpectedApplicationStatus.selector,
                id,
                current
            );
    }

    function test_approveTransfer_revertsWhenCallerLacksRole() public {
        uint256 id = _apply(alice, bob, 300);
        _assertApproveReverts(issuer, id, _unauthorized(issuer, token.TRANSFER_APPROVER_ROLE()));
    }

    function test_approveTransfer_revertsWhenNotPending() public {
        _assertApproveReverts(approver, 7, _errStatus(7, ISecurityToken.ApplicationStatus.None));
        uint256 id = _apply(alice, bob, 300);
        vm.prank(approver);
        token.approveTransfer(id, "");
        _assertApproveReverts(approver, id, _errStatus(id, ISecurityToken.ApplicationStatus.Approved));
        id = _apply(alice, bob, 100);
        vm.prank(alice);
        token.cancelTransfer(id, "");
        _assertApproveReverts(
            approver,
            id,
            _errStatus(id, ISecurityToken.ApplicationStatus.Cancelled)
        );
    }

    function test_approveTransfer_followsTheRulesButTheSwitch() public {
        _setApproval(true);
        uint256 id = _apply(alice, bob, 300);
        _suspend(bob);
        _assertApproveReverts(
            approver,
            id,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, bob)
        );
        _pause();
        _assertApproveReverts(approver, id, _err(ISecurityToken.SecurityTokenPaused.selector));
    }

    // ---------------------------------------------------------------- cancelTransfer

    function test_cancelTransfer_byApplicantUnlocks() public {
        uint256 id = _apply(alice, bob, 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(address(token), alice, alice, 300, "no");
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferCancelled(id, alice, bob, 300, "no");
        vm.prank(alice);
        token.cancelTransfer(id, "no");
        vm.assertEq(
            uint256(token.transferApplication(id).status),
            uint256(ISecurityToken.ApplicationStatus.Cancelled),
            "status"
        );
        _assertHolding(alice, 1000, 0);
        _assertHolding(bob, 500, 0);
    }

    function test_cancelTransfer_byApproverWhilePaused() public {
        uint256 id = _apply(alice, bob, 300);
        _pause();
        vm.prank(approver);
        token.cancelTransfer(id, "");
        _assertHolding(alice, 1000, 0);
    }

    function test_cancelTransfer_revertsForOthers() public {
        uint256 id = _apply(alice, bob, 300);
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenUnauthorizedCancel.selector,
                id,
                bob
            )
        );
        vm.prank(bob);
        token.cancelTransfer(id, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function test_cancelTransfer_revertsWhenNotPending() public {
        uint256 id = _apply(alice, bob, 300);
        vm.prank(alice);
        token.cancelTransfer(id, "");
        bytes32 before = _state();
        vm.expectRevert(_errStatus(id, ISecurityToken.ApplicationStatus.Cancelled));
        vm.prank(alice);
        token.cancelTransfer(id, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function test_transferApplication_unknownIsZero() public view {
        ISecurityToken.TransferApplication memory a = token.transferApplication(42);
        vm.assertEq(a.from, address(0), "from");
        vm.assertEq(a.value, 0, "value");
        vm.assertEq(uint256(a.status), 0, "status");
    }
}

contract StraightBondLockTest is SecurityTokenLockBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }
}

contract ShareLockTest is SecurityTokenLockBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployShare();
    }
}
