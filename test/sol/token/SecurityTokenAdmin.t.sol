// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/// @notice Issuer, pauser, admin and enforcement powers, for any product.
abstract contract SecurityTokenAdminBehavior is SecurityTokenBase {
    function _reverts(address caller, bytes memory call, bytes memory expected) internal {
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(caller);
        (bool ok, ) = address(token).call(call);
        vm.assertTrue(ok, "call did not revert as expected");
        vm.assertEq(_state(), before, "state moved");
    }

    function _arr(address a, address b) internal pure returns (address[] memory r) {
        r = new address[](2);
        (r[0], r[1]) = (a, b);
    }

    function _arr(uint256 a, uint256 b) internal pure returns (uint256[] memory r) {
        r = new uint256[](2);
        (r[0], r[1]) = (a, b);
    }

    // ---------------------------------------------------------------- issue

    function test_issue_unlocked() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), carol, 70);
        vm.expectEmit(address(token));
        emit ISecurityToken.Issue(carol, address(0), 70);
        vm.prank(issuer);
        token.issue(carol, address(0), 70);
        _assertHolding(carol, 70, 0);
        vm.assertEq(token.totalSupply(), 1570, "supply");
    }

    function test_issue_lockedToEoa() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), carol, 70);
        vm.expectEmit(address(token));
        emit ISecurityToken.Lock(lockAgent, carol, 70, "");
        vm.expectEmit(address(token));
        emit ISecurityToken.Issue(carol, lockAgent, 70);
        vm.prank(issuer);
        token.issue(carol, lockAgent, 70);
        vm.assertEq(token.lockedOf(lockAgent, carol), 70, "lockedOf");
        _assertHolding(carol, 70, 70);
    }

    function test_issue_ignoresSwitches() public {
        _pause();
        _setStatus(false);
        _setTransferable(false);
        _setApproval(true);
        vm.prank(issuer);
        token.issue(carol, address(0), 5);
        _assertHolding(carol, 5, 0);
    }

    function test_issue_toExemptAccount() public {
        vm.startPrank(issuer);
        token.setEligibilityExempt(outsider, true);
        token.issue(outsider, address(0), 5);
        vm.stopPrank();
        _assertHolding(outsider, 5, 0);
    }

    function test_issue_reverts() public {
        bytes memory c = abi.encodeCall(ISecurityToken.issue, (carol, address(0), 1));
        _reverts(alice, c, _unauthorized(alice, token.ISSUER_ROLE()));
        _reverts(issuer, abi.encodeCall(ISecurityToken.issue, (carol, address(0), 0)), _errZero());
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.issue, (address(0), address(0), 1)),
            _errInvalidReceiver()
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.issue, (outsider, address(0), 1)),
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.issue, (carol, address(token), 1)),
            _errInvalidLock(address(token))
        );
    }

    function test_issue_revertsPastSupplyCap() public {
        vm.prank(issuer);
        token.issue(carol, address(0), CAP - 1500);
        vm.assertEq(token.totalSupply(), CAP, "at cap");
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.issue, (carol, address(0), 1)),
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenSupplyCapExceeded.selector,
                CAP,
                1,
                CAP
            )
        );
    }

    // ---------------------------------------------------------------- redeem

    function test_redeem_unlocked() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 100);
        vm.expectEmit(address(token));
        emit ISecurityToken.Redeem(alice, address(0), 100);
        vm.prank(issuer);
        token.redeem(alice, address(0), 100);
        _assertHolding(alice, 900, 0);
        vm.assertEq(token.totalSupply(), 1400, "supply");
    }

    function test_redeem_fromLock() public {
        _lock(alice, lockAgent, 300);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 200);
        vm.expectEmit(address(token));
        emit ISecurityToken.Unlock(lockAgent, alice, alice, 200, "");
        vm.expectEmit(address(token));
        emit ISecurityToken.Redeem(alice, lockAgent, 200);
        vm.prank(issuer);
        token.redeem(alice, lockAgent, 200);
        vm.assertEq(token.lockedOf(lockAgent, alice), 100, "lockedOf");
        _assertHolding(alice, 800, 100);
        vm.assertEq(token.totalSupply(), 1300, "supply");
    }

    function test_redeem_fromIneligibleWhilePaused() public {
        _suspend(alice);
        _pause();
        vm.prank(issuer);
        token.redeem(alice, address(0), 1000);
        _assertHolding(alice, 0, 0);
    }

    function test_redeem_reverts() public {
        _lock(alice, lockAgent, 300);
        _reverts(
            bob,
            abi.encodeCall(ISecurityToken.redeem, (alice, address(0), 1)),
            _unauthorized(bob, token.ISSUER_ROLE())
        );
        _reverts(issuer, abi.encodeCall(ISecurityToken.redeem, (alice, address(0), 0)), _errZero());
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.redeem, (alice, address(0), 701)),
            _errUnlocked(alice, 700, 701)
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.redeem, (alice, lockAgent, 301)),
            _errLock(lockAgent, alice, 300, 301)
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.redeem, (alice, address(token), 1)),
            _errInvalidLock(address(token))
        );
    }

    // ---------------------------------------------------------------- bulk issue / redeem

    function test_bulkIssue_issuesEach() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), carol, 1);
        vm.expectEmit(address(token));
        emit ISecurityToken.Issue(carol, address(0), 1);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), bob, 2);
        vm.expectEmit(address(token));
        emit ISecurityToken.Issue(bob, address(0), 2);
        vm.prank(issuer);
        token.bulkIssue(_arr(carol, bob), _arr(1, 2));
        _assertHolding(carol, 1, 0);
        _assertHolding(bob, 502, 0);
    }

    function test_bulkIssue_reverts() public {
        _reverts(
            alice,
            abi.encodeCall(ISecurityToken.bulkIssue, (_arr(carol, bob), _arr(1, 2))),
            _unauthorized(alice, token.ISSUER_ROLE())
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.bulkIssue, (_arr(carol, bob), new uint256[](1))),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLengthMismatch.selector, 2, 1)
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.bulkIssue, (_arr(carol, outsider), _arr(1, 2))),
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
    }

    function test_bulkRedeem_redeemsEach() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 10);
        vm.expectEmit(address(token));
        emit ISecurityToken.Redeem(alice, address(0), 10);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(bob, address(0), 20);
        vm.expectEmit(address(token));
        emit ISecurityToken.Redeem(bob, address(0), 20);
        vm.prank(issuer);
        token.bulkRedeem(_arr(alice, bob), _arr(10, 20));
        _assertHolding(alice, 990, 0);
        _assertHolding(bob, 480, 0);
        vm.assertEq(token.totalSupply(), 1470, "supply");
    }

    function test_bulkRedeem_reverts() public {
        _reverts(
            bob,
            abi.encodeCall(ISecurityToken.bulkRedeem, (_arr(alice, bob), _arr(1, 2))),
            _unauthorized(bob, token.ISSUER_ROLE())
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.bulkRedeem, (new address[](1), _arr(1, 2))),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLengthMismatch.selector, 1, 2)
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.bulkRedeem, (_arr(alice, bob), _arr(1, 501))),
            _errUnlocked(bob, 500, 501)
        );
    }

    // ---------------------------------------------------------------- switches

    function test_setStatus() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.StatusChanged(false);
        _setStatus(false);
        vm.assertFalse(token.status(), "inactive");
        vm.expectEmit(address(token));
        emit ISecurityToken.StatusChanged(true);
        _setStatus(true);
        vm.assertTrue(token.status(), "active");
        _reverts(
            pauser,
            abi.encodeCall(ISecurityToken.setStatus, (false)),
            _unauthorized(pauser, token.ISSUER_ROLE())
        );
    }

    function test_setTransferable() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferableChanged(false);
        _setTransferable(false);
        vm.assertFalse(token.transferable(), "off");
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferableChanged(true);
        _setTransferable(true);
        vm.assertTrue(token.transferable(), "on");
        _reverts(
            alice,
            abi.encodeCall(ISecurityToken.setTransferable, (false)),
            _unauthorized(alice, token.ISSUER_ROLE())
        );
    }

    function test_setTransferApprovalRequired() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferApprovalRequiredChanged(true);
        _setApproval(true);
        vm.assertTrue(token.transferApprovalRequired(), "on");
        vm.expectEmit(address(token));
        emit ISecurityToken.TransferApprovalRequiredChanged(false);
        _setApproval(false);
        vm.assertFalse(token.transferApprovalRequired(), "off");
        _reverts(
            approver,
            abi.encodeCall(ISecurityToken.setTransferApprovalRequired, (true)),
            _unauthorized(approver, token.ISSUER_ROLE())
        );
    }

    function test_setEligibilityExempt_revertsWhenCallerLacksRole() public {
        _reverts(
            admin,
            abi.encodeCall(ISecurityToken.setEligibilityExempt, (outsider, true)),
            _unauthorized(admin, token.ISSUER_ROLE())
        );
    }

    function test_pauseAndUnpause() public {
        vm.expectEmit(address(token));
        emit ISecurityToken.Paused(pauser);
        _pause();
        vm.assertTrue(token.paused(), "paused");
        vm.expectEmit(address(token));
        emit ISecurityToken.Unpaused(pauser);
        vm.prank(pauser);
        token.unpause();
        vm.assertFalse(token.paused(), "unpaused");
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.pause, ()),
            _unauthorized(issuer, token.PAUSER_ROLE())
        );
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.unpause, ()),
            _unauthorized(issuer, token.PAUSER_ROLE())
        );
    }

    function test_setInvestorRegistry() public {
        InvestorRegistry other = new InvestorRegistry(0, admin);
        vm.expectEmit(address(token));
        emit ISecurityToken.InvestorRegistryChanged(address(registry), address(other));
        vm.prank(admin);
        token.setInvestorRegistry(IInvestorRegistry(address(other)));
        vm.assertEq(address(token.investorRegistry()), address(other), "registry");
        // nobody is registered in the new registry
        (bool ok, bytes memory reason) = token.canTransfer(alice, bob, 1);
        vm.assertFalse(ok, "ok");
        vm.assertEq(
            reason,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice),
            "reason"
        );
    }

    function test_setInvestorRegistry_reverts() public {
        _reverts(
            issuer,
            abi.encodeCall(
                ISecurityToken.setInvestorRegistry,
                (IInvestorRegistry(address(registry)))
            ),
            _unauthorized(issuer, bytes32(0))
        );
        _reverts(
            admin,
            abi.encodeCall(ISecurityToken.setInvestorRegistry, (IInvestorRegistry(alice))),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenInvalidRegistry.selector, alice)
        );
    }

    // ---------------------------------------------------------------- forcedTransfer

    function test_forcedTransfer_movesFromIneligibleWhilePaused() public {
        _suspend(alice);
        _pause();
        _setStatus(false);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 400);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForcedTransfer(alice, carol, 400, "court");
        vm.prank(enforcer);
        token.forcedTransfer(alice, carol, 400, "court");
        _assertHolding(alice, 600, 0);
        _assertHolding(carol, 400, 0);
    }

    function test_forcedTransfer_reverts() public {
        _lock(alice, lockAgent, 300);
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.forcedTransfer, (alice, carol, 1, "")),
            _unauthorized(issuer, token.FORCE_TRANSFER_ROLE())
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forcedTransfer, (alice, carol, 0, "")),
            _errZero()
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forcedTransfer, (alice, address(0), 1, "")),
            _errInvalidReceiver()
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forcedTransfer, (alice, outsider, 1, "")),
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forcedTransfer, (alice, carol, 701, "")),
            _errUnlocked(alice, 700, 701)
        );
    }

    function test_bulkForcedTransfer_movesEach() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 1);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForcedTransfer(alice, carol, 1, "x");
        vm.expectEmit(address(token));
        emit IERC20.Transfer(bob, carol, 2);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForcedTransfer(bob, carol, 2, "x");
        vm.prank(enforcer);
        token.bulkForcedTransfer(_arr(alice, bob), _arr(carol, carol), _arr(1, 2), "x");
        _assertHolding(carol, 3, 0);
    }

    function test_bulkForcedTransfer_reverts() public {
        _reverts(
            alice,
            abi.encodeCall(
                ISecurityToken.bulkForcedTransfer,
                (_arr(alice, bob), _arr(carol, carol), _arr(1, 2), "")
            ),
            _unauthorized(alice, token.FORCE_TRANSFER_ROLE())
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.bulkForcedTransfer,
                (_arr(alice, bob), new address[](1), _arr(1, 2), "")
            ),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLengthMismatch.selector, 2, 1)
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.bulkForcedTransfer,
                (_arr(alice, bob), _arr(carol, carol), new uint256[](3), "")
            ),
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLengthMismatch.selector, 2, 3)
        );
    }

    // ---------------------------------------------------------------- forceLock

    function test_forceLock_locksWhilePausedAndIneligible() public {
        _pause();
        _suspend(alice);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceLock(lockAgent, alice, 600, "freeze");
        vm.prank(enforcer);
        token.forceLock(lockAgent, alice, 600, "freeze");
        vm.assertEq(token.lockedOf(lockAgent, alice), 600, "lockedOf");
        _assertHolding(alice, 1000, 600);
    }

    function test_forceLock_reverts() public {
        _lock(alice, lockAgent, 300);
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.forceLock, (lockAgent, alice, 1, "")),
            _unauthorized(issuer, token.FORCE_LOCK_ROLE())
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceLock, (address(0), alice, 1, "")),
            _errInvalidLock(address(0))
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceLock, (address(token), alice, 1, "")),
            _errInvalidLock(address(token))
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceLock, (lockAgent, alice, 0, "")),
            _errZero()
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceLock, (lockAgent, alice, 701, "")),
            _errUnlocked(alice, 700, 701)
        );
    }

    // ---------------------------------------------------------------- forceUnlock

    function test_forceUnlock_toHolder() public {
        _lock(alice, lockAgent, 300);
        _pause();
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceUnlock(lockAgent, alice, alice, 100, "stuck");
        vm.prank(enforcer);
        token.forceUnlock(lockAgent, alice, alice, 100, "stuck");
        vm.assertEq(token.lockedOf(lockAgent, alice), 200, "lockedOf");
        _assertHolding(alice, 1000, 200);
    }

    function test_forceUnlock_toAnother() public {
        _lock(alice, lockAgent, 300);
        _suspend(alice);
        _setTransferable(false);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 300);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceUnlock(lockAgent, alice, carol, 300, "");
        vm.prank(enforcer);
        token.forceUnlock(lockAgent, alice, carol, 300, "");
        _assertHolding(alice, 700, 0);
        _assertHolding(carol, 300, 0);
    }

    function test_forceUnlock_reverts() public {
        _lock(alice, lockAgent, 300);
        _reverts(
            issuer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, alice, 1, "")),
            _unauthorized(issuer, token.FORCE_UNLOCK_ROLE())
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (address(0), alice, alice, 1, "")),
            _errInvalidLock(address(0))
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (address(token), alice, alice, 1, "")),
            _errInvalidLock(address(token))
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, alice, 0, "")),
            _errZero()
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, alice, 301, "")),
            _errLock(lockAgent, alice, 300, 301)
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, carol, 301, "")),
            _errLock(lockAgent, alice, 300, 301)
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, outsider, 1, "")),
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _reverts(
            enforcer,
            abi.encodeCall(ISecurityToken.forceUnlock, (lockAgent, alice, address(0), 1, "")),
            _errInvalidReceiver()
        );
    }

    // ---------------------------------------------------------------- forceChangeLockedAccount

    function test_forceChangeLockedAccount_movesTheLock() public {
        _lock(alice, lockAgent, 300);
        _suspend(alice);
        _pause();
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 200);
        vm.expectEmit(address(token));
        emit ISecurityToken.ForceChangeLockedAccount(lockAgent, alice, carol, 200, "lost key");
        vm.prank(enforcer);
        token.forceChangeLockedAccount(lockAgent, alice, carol, 200, "lost key");
        vm.assertEq(token.lockedOf(lockAgent, alice), 100, "from lock");
        vm.assertEq(token.lockedOf(lockAgent, carol), 200, "to lock");
        _assertHolding(alice, 800, 100);
        _assertHolding(carol, 200, 200);
    }

    function test_forceChangeLockedAccount_sameAccountIsNeutral() public {
        _lock(alice, lockAgent, 300);
        vm.prank(enforcer);
        token.forceChangeLockedAccount(lockAgent, alice, alice, 300, "");
        vm.assertEq(token.lockedOf(lockAgent, alice), 300, "lock");
        _assertHolding(alice, 1000, 300);
    }

    function test_forceChangeLockedAccount_reverts() public {
        _lock(alice, lockAgent, 300);
        _reverts(
            issuer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (lockAgent, alice, carol, 1, "")
            ),
            _unauthorized(issuer, token.FORCE_RELOCATE_ROLE())
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (address(0), alice, carol, 1, "")
            ),
            _errInvalidLock(address(0))
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (address(token), alice, carol, 1, "")
            ),
            _errInvalidLock(address(token))
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (lockAgent, alice, carol, 0, "")
            ),
            _errZero()
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (lockAgent, alice, carol, 301, "")
            ),
            _errLock(lockAgent, alice, 300, 301)
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (lockAgent, alice, outsider, 1, "")
            ),
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _reverts(
            enforcer,
            abi.encodeCall(
                ISecurityToken.forceChangeLockedAccount,
                (lockAgent, alice, address(0), 1, "")
            ),
            _errInvalidReceiver()
        );
    }
}

contract StraightBondAdminTest is SecurityTokenAdminBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }
}

contract ShareAdminTest is SecurityTokenAdminBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployShare();
    }
}
