// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {RegistryMock} from "../../../contracts/test/RegistryMock.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/// @notice ERC-20 surface, the eight transfer rules and {canTransfer}, for any product.
abstract contract SecurityTokenTransferBehavior is SecurityTokenBase {
    // ---------------------------------------------------------------- helpers

    /// @dev canTransfer reports `expected`, and transfer reverts with exactly those bytes.
    function _assertRule(address from, address to, uint256 value, bytes memory expected) internal {
        (bool ok, bytes memory reason) = token.canTransfer(from, to, value);
        vm.assertFalse(ok, "canTransfer ok");
        vm.assertEq(reason, expected, "canTransfer reason");
        bytes32 before = _state();
        vm.expectRevert(expected);
        vm.prank(from);
        token.transfer(to, value);
        vm.assertEq(_state(), before, "state moved");
    }

    function _assertAllowed(address from, address to, uint256 value) internal view {
        (bool ok, bytes memory reason) = token.canTransfer(from, to, value);
        vm.assertTrue(ok, "canTransfer");
        vm.assertEq(reason.length, 0, "reason");
    }

    // ---------------------------------------------------------------- initial state

    function test_initialState() public view {
        vm.assertEq(token.decimals(), 0, "decimals");
        vm.assertEq(token.totalSupply(), 1500, "supply");
        vm.assertTrue(token.status(), "active");
        vm.assertTrue(token.transferable(), "transferable");
        vm.assertFalse(token.transferApprovalRequired(), "approval");
        vm.assertFalse(token.paused(), "paused");
        vm.assertEq(address(token.investorRegistry()), address(registry), "registry");
        vm.assertEq(token.applicationCount(), 0, "applications");
        vm.assertEq(token.defaultAdmin(), admin, "admin");
        vm.assertEq(token.ISSUER_ROLE(), keccak256("ISSUER_ROLE"), "issuer role");
        vm.assertEq(token.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser role");
        vm.assertEq(
            token.TRANSFER_APPROVER_ROLE(),
            keccak256("TRANSFER_APPROVER_ROLE"),
            "approver role"
        );
        vm.assertEq(token.FORCE_TRANSFER_ROLE(), keccak256("FORCE_TRANSFER_ROLE"), "ft role");
        vm.assertEq(token.FORCE_LOCK_ROLE(), keccak256("FORCE_LOCK_ROLE"), "fl role");
        vm.assertEq(token.FORCE_UNLOCK_ROLE(), keccak256("FORCE_UNLOCK_ROLE"), "fu role");
        vm.assertEq(token.FORCE_RELOCATE_ROLE(), keccak256("FORCE_RELOCATE_ROLE"), "fr role");
        _assertHolding(alice, 1000, 0);
        _assertHolding(bob, 500, 0);
    }

    // ---------------------------------------------------------------- transfer

    function test_transfer_movesUnitsAndEmits() public {
        _assertAllowed(alice, bob, 300);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 300);
        vm.prank(alice);
        vm.assertTrue(token.transfer(bob, 300), "returns true");
        _assertHolding(alice, 700, 0);
        _assertHolding(bob, 800, 0);
        vm.assertEq(token.totalSupply(), 1500, "supply");
    }

    function test_transfer_zeroValueIsAllowed() public {
        _assertAllowed(carol, bob, 0);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(carol, bob, 0);
        vm.prank(carol);
        token.transfer(bob, 0);
        _assertHolding(bob, 500, 0);
    }

    function test_transfer_toSelf() public {
        vm.prank(alice);
        token.transfer(alice, 1000);
        _assertHolding(alice, 1000, 0);
    }

    function test_transfer_exemptAccountsNeedNoRegistration() public {
        vm.startPrank(issuer);
        token.setEligibilityExempt(outsider, true);
        token.setEligibilityExempt(lockAgent, true);
        vm.stopPrank();
        vm.prank(alice);
        token.transfer(outsider, 100);
        _assertAllowed(outsider, lockAgent, 100);
        vm.prank(outsider);
        token.transfer(lockAgent, 60);
        _assertHolding(outsider, 40, 0);
        _assertHolding(lockAgent, 60, 0);
    }

    function test_transfer_rule1_zeroReceiver() public {
        _assertRule(alice, address(0), 1, _errInvalidReceiver());
    }

    function test_transfer_rule2_paused() public {
        _pause();
        _assertRule(alice, bob, 1, _err(ISecurityToken.SecurityTokenPaused.selector));
    }

    function test_transfer_rule3_inactive() public {
        _setStatus(false);
        _assertRule(alice, bob, 1, _err(ISecurityToken.SecurityTokenInactive.selector));
    }

    function test_transfer_rule4_notTransferable() public {
        _setTransferable(false);
        _assertRule(alice, bob, 1, _err(ISecurityToken.SecurityTokenNotTransferable.selector));
    }

    function test_transfer_rule5_approvalRequired() public {
        _setApproval(true);
        _assertRule(
            alice,
            bob,
            1,
            _err(ISecurityToken.SecurityTokenTransferApprovalRequired.selector)
        );
    }

    function test_transfer_rule6_ineligibleSender() public {
        _suspend(alice);
        _assertRule(
            alice,
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
    }

    function test_transfer_rule6_expiredSender() public {
        vm.prank(registrar);
        registry.update(alice, bytes32(0), uint64(START + 10));
        vm.warp(START + 10);
        _assertRule(
            alice,
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
    }

    function test_transfer_rule7_ineligibleReceiver() public {
        _assertRule(
            alice,
            outsider,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
    }

    function test_transfer_rule7_removedReceiver() public {
        vm.prank(registrar);
        registry.remove(bob);
        _assertRule(
            alice,
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, bob)
        );
    }

    function test_transfer_rule8_insufficientBalance() public {
        _assertRule(alice, bob, 1001, _errUnlocked(alice, 1000, 1001));
    }

    function test_transfer_rule8_lockedUnitsDoNotMove() public {
        _lock(alice, lockAgent, 400);
        _assertRule(alice, bob, 601, _errUnlocked(alice, 600, 601));
        _assertAllowed(alice, bob, 600);
    }

    function test_transfer_rulesReportTheFirstFailure() public {
        _suspend(alice);
        _setApproval(true);
        _setTransferable(false);
        _setStatus(false);
        _pause();
        _assertRule(address(0x1234), address(0), 5000, _errInvalidReceiver());
        _assertRule(alice, outsider, 5000, _err(ISecurityToken.SecurityTokenPaused.selector));
        vm.prank(pauser);
        token.unpause();
        _assertRule(alice, outsider, 5000, _err(ISecurityToken.SecurityTokenInactive.selector));
        _setStatus(true);
        _assertRule(
            alice,
            outsider,
            5000,
            _err(ISecurityToken.SecurityTokenNotTransferable.selector)
        );
        _setTransferable(true);
        _assertRule(
            alice,
            outsider,
            5000,
            _err(ISecurityToken.SecurityTokenTransferApprovalRequired.selector)
        );
        _setApproval(false);
        _assertRule(
            alice,
            outsider,
            5000,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
        vm.prank(registrar);
        registry.reinstate(alice);
        _assertRule(
            alice,
            outsider,
            5000,
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        _assertRule(alice, bob, 5000, _errUnlocked(alice, 1000, 5000));
    }

    // ---------------------------------------------------------------- broken registry

    function test_transfer_bubblesRegistryRevert() public {
        RegistryMock mock = new RegistryMock();
        vm.prank(admin);
        token.setInvestorRegistry(IInvestorRegistry(address(mock)));
        bytes memory expected = _err(RegistryMock.RegistryMockDown.selector);
        vm.expectRevert(expected);
        token.canTransfer(alice, bob, 1);
        vm.expectRevert(expected);
        vm.prank(alice);
        token.transfer(bob, 1);
        _assertHolding(alice, 1000, 0);
    }

    function test_transfer_registryWithoutAnswerMeansIneligible() public {
        RegistryMock mock = new RegistryMock();
        mock.setReverting(false);
        vm.prank(admin);
        token.setInvestorRegistry(IInvestorRegistry(address(mock)));
        _assertRule(
            alice,
            bob,
            1,
            _errAccount(ISecurityToken.SecurityTokenIneligibleSender.selector, alice)
        );
    }

    // ---------------------------------------------------------------- approve / transferFrom

    function test_approve_setsAllowanceAndEmits() public {
        vm.expectEmit(address(token));
        emit IERC20.Approval(alice, bob, 250);
        vm.prank(alice);
        vm.assertTrue(token.approve(bob, 250), "returns true");
        vm.assertEq(token.allowance(alice, bob), 250, "allowance");
    }

    function test_approve_revertsOnZeroSpender() public {
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidSpender.selector, address(0))
        );
        vm.prank(alice);
        token.approve(address(0), 1);
        vm.assertEq(_state(), before, "state moved");
    }

    function test_transferFrom_spendsAllowance() public {
        vm.prank(alice);
        token.approve(bob, 250);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 200);
        vm.prank(bob);
        vm.assertTrue(token.transferFrom(alice, carol, 200), "returns true");
        vm.assertEq(token.allowance(alice, bob), 50, "allowance");
        _assertHolding(alice, 800, 0);
        _assertHolding(carol, 200, 0);
    }

    function test_transferFrom_infiniteAllowanceIsKept() public {
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        token.transferFrom(alice, carol, 200);
        vm.assertEq(token.allowance(alice, bob), type(uint256).max, "allowance");
        _assertHolding(carol, 200, 0);
    }

    function test_transferFrom_revertsOnInsufficientAllowance() public {
        vm.prank(alice);
        token.approve(bob, 199);
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector,
                bob,
                199,
                200
            )
        );
        vm.prank(bob);
        token.transferFrom(alice, carol, 200);
        vm.assertEq(_state(), before, "state moved");
    }

    function test_transferFrom_appliesTheRules() public {
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        _pause();
        bytes32 before = _state();
        vm.expectRevert(_err(ISecurityToken.SecurityTokenPaused.selector));
        vm.prank(bob);
        token.transferFrom(alice, carol, 1);
        vm.assertEq(_state(), before, "state moved");
    }

    function test_transferFrom_revertsOnLockedUnits() public {
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        _lock(alice, lockAgent, 1000);
        bytes32 before = _state();
        vm.expectRevert(_errUnlocked(alice, 0, 1));
        vm.prank(bob);
        token.transferFrom(alice, carol, 1);
        vm.assertEq(_state(), before, "state moved");
    }

    // ---------------------------------------------------------------- bulkTransfer

    function test_bulkTransfer_movesEach() public {
        address[] memory to = new address[](2);
        uint256[] memory values = new uint256[](2);
        (to[0], to[1], values[0], values[1]) = (bob, carol, 100, 200);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 100);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, carol, 200);
        vm.prank(alice);
        token.bulkTransfer(to, values);
        _assertHolding(alice, 700, 0);
        _assertHolding(bob, 600, 0);
        _assertHolding(carol, 200, 0);
    }

    function test_bulkTransfer_revertsOnLengthMismatch() public {
        address[] memory to = new address[](2);
        uint256[] memory values = new uint256[](1);
        bytes32 before = _state();
        vm.expectRevert(
            abi.encodeWithSelector(ISecurityToken.SecurityTokenLengthMismatch.selector, 2, 1)
        );
        vm.prank(alice);
        token.bulkTransfer(to, values);
        vm.assertEq(_state(), before, "state moved");
    }

    function test_bulkTransfer_isAllOrNothing() public {
        address[] memory to = new address[](2);
        uint256[] memory values = new uint256[](2);
        (to[0], to[1], values[0], values[1]) = (bob, outsider, 100, 200);
        bytes32 before = _state();
        vm.expectRevert(
            _errAccount(ISecurityToken.SecurityTokenIneligibleReceiver.selector, outsider)
        );
        vm.prank(alice);
        token.bulkTransfer(to, values);
        vm.assertEq(_state(), before, "state moved");
    }

    // ---------------------------------------------------------------- eligibility views

    function test_isEligible_combinesRegistryAndExemption() public {
        vm.assertTrue(token.isEligible(alice), "alice");
        vm.assertFalse(token.isEligible(outsider), "outsider");
        vm.expectEmit(address(token));
        emit ISecurityToken.EligibilityExemptionChanged(outsider, true);
        vm.prank(issuer);
        token.setEligibilityExempt(outsider, true);
        vm.assertTrue(token.isEligibilityExempt(outsider), "exempt");
        vm.assertTrue(token.isEligible(outsider), "outsider exempt");
        vm.prank(issuer);
        token.setEligibilityExempt(outsider, false);
        vm.assertFalse(token.isEligible(outsider), "outsider again");
    }
}

contract StraightBondTransferTest is SecurityTokenTransferBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }
}

contract ShareTransferTest is SecurityTokenTransferBehavior {
    function _deployToken() internal override returns (SecurityToken) {
        return _deployShare();
    }
}
