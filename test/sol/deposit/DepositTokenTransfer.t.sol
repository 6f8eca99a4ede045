// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenTransferTest
/// @notice transfer, transferFrom and canTransfer: one test per transfer rule, each proving that
/// canTransfer reports exactly the bytes the transfer reverts with.
contract DepositTokenTransferTest is DepositTokenBase {
    function setUp() public override {
        super.setUp();
        _issue(alice, 1000, "ref-alice");
        _issue(bob, 500, "ref-bob");
    }

    /// @dev Asserts canTransfer(from, to, value) == (false, expected), then that transfer and
    /// transferFrom both revert with exactly `expected` and move nothing.
    function _assertRule(address from, address to, uint256 value, bytes memory expected) internal {
        (bool ok, bytes memory reason) = token.canTransfer(from, to, value);
        vm.assertEq(ok, false, "canTransfer ok");
        vm.assertEq(reason, expected, "canTransfer reason");

        Snapshot memory s = _snapshot();
        vm.expectRevert(expected);
        vm.prank(from);
        token.transfer(to, value);
        _assertUnchanged(s);

        vm.prank(from);
        token.approve(carol, value);
        vm.expectRevert(expected);
        vm.prank(carol);
        token.transferFrom(from, to, value);
        _assertUnchanged(s);
        vm.assertEq(token.allowance(from, carol), value, "allowance spent");
    }

    // ------------------------------------------------------------ success

    function test_transfer_movesAndEmits() public {
        (bool ok, bytes memory reason) = token.canTransfer(alice, bob, 400);
        vm.assertEq(ok, true, "ok");
        vm.assertEq(reason.length, 0, "reason");
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 400);
        vm.prank(alice);
        vm.assertTrue(token.transfer(bob, 400), "returned false");
        vm.assertEq(token.balanceOf(alice), 600, "alice");
        vm.assertEq(token.balanceOf(bob), 900, "bob");
        vm.assertEq(token.totalSupply(), 1500, "supply");
    }

    function test_transferFrom_movesSpendsAllowanceAndEmits() public {
        vm.prank(alice);
        token.approve(carol, 500);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, bob, 400);
        vm.prank(carol);
        vm.assertTrue(token.transferFrom(alice, bob, 400), "returned false");
        vm.assertEq(token.balanceOf(alice), 600, "alice");
        vm.assertEq(token.balanceOf(bob), 900, "bob");
        vm.assertEq(token.allowance(alice, carol), 100, "allowance");
    }

    function test_transfer_partiallyFrozenSenderMovesOnlyUnfrozenPart() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        vm.prank(alice);
        token.transfer(bob, 700);
        vm.assertEq(token.balanceOf(alice), 300, "alice keeps frozen part");
        vm.assertEq(token.availableBalanceOf(alice), 0, "available");
    }

    function test_transfer_partiallyFrozenReceiverMayReceive() public {
        vm.prank(freezer);
        token.freezePartial(bob, 10_000);
        vm.prank(alice);
        token.transfer(bob, 100);
        vm.assertEq(token.balanceOf(bob), 600, "bob");
        vm.assertEq(token.availableBalanceOf(bob), 0, "received units held back");
    }

    function test_transfer_zeroValueAllowed() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(carol, bob, 0);
        vm.prank(carol);
        token.transfer(bob, 0);
        vm.assertEq(token.balanceOf(bob), 500, "bob");
    }

    // ------------------------------------------------------------ rules, in order

    function test_canTransfer_rule1_receiverZeroAddress() public {
        _assertRule(
            alice,
            address(0),
            1,
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0))
        );
    }

    function test_canTransfer_senderZeroAddress() public view {
        (bool ok, bytes memory reason) = token.canTransfer(address(0), bob, 1);
        vm.assertEq(ok, false, "ok");
        vm.assertEq(
            reason,
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidSender.selector, address(0)),
            "reason"
        );
    }

    /// @dev Only a zero-value `transferFrom` passes the allowance check for the zero address;
    /// it is refused as a transfer from the zero address, never read as an issuance.
    function test_transferFrom_revertsWhen_senderZeroAddress() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidSender.selector, address(0))
        );
        vm.prank(bob);
        token.transferFrom(address(0), bob, 0);
        _assertUnchanged(s);
    }

    function test_canTransfer_rule2_paused() public {
        vm.prank(pauser);
        token.pause();
        _assertRule(
            alice,
            bob,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector)
        );
    }

    function test_canTransfer_rule3_senderFrozen() public {
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        _assertRule(
            alice,
            bob,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
    }

    function test_canTransfer_rule4_receiverFrozen() public {
        vm.prank(freezer);
        token.setAccountFrozen(bob, true);
        _assertRule(
            alice,
            bob,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, bob)
        );
    }

    function test_canTransfer_rule5_senderIneligible() public {
        // No open account: `stranger` was never opened; carol's account was opened and closed.
        _assertRule(
            stranger,
            bob,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleSender.selector, stranger)
        );
        _close(carol);
        _assertRule(
            carol,
            bob,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleSender.selector, carol)
        );
    }

    function test_canTransfer_rule6_receiverIneligible() public {
        _assertRule(
            alice,
            stranger,
            1,
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, stranger)
        );
    }

    function test_canTransfer_rule7_insufficientBalance() public {
        _assertRule(
            alice,
            bob,
            1001,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                1000,
                1001
            )
        );
    }

    function test_canTransfer_rule7_partialFreeze() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        _assertRule(
            alice,
            bob,
            701,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                700,
                701
            )
        );
    }

    function test_canTransfer_rule7_partialFreezeAboveBalance() public {
        vm.prank(freezer);
        token.freezePartial(alice, 5000);
        _assertRule(
            alice,
            bob,
            1,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                0,
                1
            )
        );
    }

    function test_canTransfer_firstBrokenRuleWins() public {
        // Everything is wrong at once (rules 2, 3, 4, 6 and 7): the pause (rule 2) is reported.
        vm.prank(pauser);
        token.pause();
        vm.startPrank(freezer);
        token.setAccountFrozen(alice, true);
        token.setAccountFrozen(stranger, true);
        vm.stopPrank();
        _assertRule(
            alice,
            stranger,
            5000,
            abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector)
        );
        // Lift the pause: the sender's freeze (rule 3) comes next.
        vm.prank(pauser);
        token.unpause();
        _assertRule(
            alice,
            stranger,
            5000,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        // Then the receiver's freeze (rule 4), its missing account (rule 6), the balance (7).
        vm.prank(freezer);
        token.setAccountFrozen(alice, false);
        _assertRule(
            alice,
            stranger,
            5000,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, stranger)
        );
        vm.prank(freezer);
        token.setAccountFrozen(stranger, false);
        _assertRule(
            alice,
            stranger,
            5000,
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, stranger)
        );
        _open(stranger);
        _assertRule(
            alice,
            stranger,
            5000,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                1000,
                5000
            )
        );
    }

    // ------------------------------------------------------------ ERC-20 allowance

    function test_transferFrom_revertsWhen_allowanceInsufficient() public {
        vm.prank(alice);
        token.approve(carol, 10);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, carol, 10, 11)
        );
        vm.prank(carol);
        token.transferFrom(alice, bob, 11);
        _assertUnchanged(s);
    }
}
