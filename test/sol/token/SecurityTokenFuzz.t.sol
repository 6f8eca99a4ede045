// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/// @notice Fuzzed amounts, accounts and switch combinations on a bond.
contract SecurityTokenFuzzTest is SecurityTokenBase {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }

    function _account(uint256 seed) internal view returns (address) {
        address[5] memory accounts = [alice, bob, carol, outsider, address(0)];
        return accounts[seed % accounts.length];
    }

    /// @dev canTransfer and transfer agree on every combination of switches, eligibility,
    /// accounts and amounts; on success units are conserved.
    function testFuzz_canTransferMatchesTransfer(
        uint8 flags,
        uint256 fromSeed,
        uint256 toSeed,
        uint256 lockValue,
        uint256 value
    ) public {
        if (flags & 1 != 0) _pause();
        if (flags & 2 != 0) _setStatus(false);
        if (flags & 4 != 0) _setTransferable(false);
        if (flags & 8 != 0) _setApproval(true);
        if (flags & 16 != 0) _suspend(bob);
        if (flags & 32 != 0) {
            vm.prank(issuer);
            token.setEligibilityExempt(outsider, true);
        }
        lockValue = bound(lockValue, 0, 1000);
        if (lockValue != 0) {
            vm.prank(enforcer);
            token.forceLock(lockAgent, alice, lockValue, "");
        }
        address from = _account(fromSeed);
        address to = _account(toSeed);
        value = bound(value, 0, 1600);

        (bool ok, bytes memory reason) = token.canTransfer(from, to, value);
        uint256 supply = token.totalSupply();
        uint256 fromBefore = token.balanceOf(from);
        uint256 toBefore = token.balanceOf(to);
        bytes32 before = _state();
        vm.prank(from);
        (bool success, bytes memory returned) = address(token).call(
            abi.encodeCall(token.transfer, (to, value))
        );
        vm.assertEq(success, ok, "canTransfer vs transfer");
        if (success) {
            vm.assertEq(reason.length, 0, "empty reason");
            if (from != to) {
                vm.assertEq(token.balanceOf(from), fromBefore - value, "from");
                vm.assertEq(token.balanceOf(to), toBefore + value, "to");
            }
        } else {
            vm.assertEq(returned, reason, "same error bytes");
            vm.assertEq(_state(), before, "state moved");
        }
        vm.assertEq(token.totalSupply(), supply, "supply");
    }

    function testFuzz_transfer_movesExactly(uint256 issued, uint256 locked, uint256 value) public {
        issued = bound(issued, 1, CAP - 1500);
        locked = bound(locked, 0, issued);
        vm.prank(issuer);
        token.issue(carol, lockAgent, issued);
        if (locked < issued) {
            vm.prank(lockAgent);
            token.unlock(carol, carol, issued - locked, "");
        }
        value = bound(value, 0, issued);
        uint256 available = issued - locked;
        vm.prank(carol);
        if (value > available) {
            vm.expectRevert(_errUnlocked(carol, available, value));
            token.transfer(alice, value);
            _assertHolding(carol, issued, locked);
        } else {
            token.transfer(alice, value);
            _assertHolding(carol, issued - value, locked);
            _assertHolding(alice, 1000 + value, 0);
        }
        vm.assertEq(token.totalSupply(), 1500 + issued, "supply");
    }

    function testFuzz_lockAndUnlock(
        uint256 lockValue,
        uint256 releaseValue,
        bool toOther
    ) public {
        lockValue = bound(lockValue, 1, 1000);
        releaseValue = bound(releaseValue, 1, lockValue);
        _lock(alice, lockAgent, lockValue);
        _assertHolding(alice, 1000, lockValue);
        address recipient = toOther ? bob : alice;
        vm.prank(lockAgent);
        token.unlock(alice, recipient, releaseValue, "");
        vm.assertEq(token.lockedOf(lockAgent, alice), lockValue - releaseValue, "lock");
        if (toOther) {
            _assertHolding(alice, 1000 - releaseValue, lockValue - releaseValue);
            _assertHolding(bob, 500 + releaseValue, 0);
        } else {
            _assertHolding(alice, 1000, lockValue - releaseValue);
        }
        vm.assertEq(token.totalSupply(), 1500, "supply");
    }

    function testFuzz_lock_revertsBeyondAvailable(uint256 first, uint256 second) public {
        first = bound(first, 1, 1000);
        second = bound(second, 1001 - first, CAP);
        _lock(alice, lockAgent, first);
        bytes32 before = _state();
        vm.expectRevert(_errUnlocked(alice, 1000 - first, second));
        vm.prank(alice);
        token.lock(address(receiver), second, "");
        vm.assertEq(_state(), before, "state moved");
    }

    function testFuzz_issueAndRedeem(uint256 issued, uint256 redeemed, bool locked) public {
        issued = bound(issued, 1, CAP - 1500);
        redeemed = bound(redeemed, 1, issued);
        address lockAddress = locked ? lockAgent : address(0);
        vm.startPrank(issuer);
        token.issue(carol, lockAddress, issued);
        token.redeem(carol, lockAddress, redeemed);
        vm.stopPrank();
        _assertHolding(carol, issued - redeemed, locked ? issued - redeemed : 0);
        vm.assertEq(token.totalSupply(), 1500 + issued - redeemed, "supply");
    }

    function testFuzz_issue_revertsPastCap(uint256 value) public {
        value = bound(value, CAP - 1500 + 1, type(uint256).max);
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenSupplyCapExceeded.selector,
                1500,
                value,
                CAP
            )
        );
        vm.prank(issuer);
        token.issue(carol, address(0), value);
        vm.assertEq(_state(), before, "state moved");
    }
}
