// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenFuzzTest
/// @notice Fuzzed amounts and accounts for issue, transfer, redeem and freeze.
contract DepositTokenFuzzTest is DepositTokenBase {
    uint256 internal constant MAX_SUPPLY = 1e30;

    function _assumeFresh(address account) internal view {
        vm.assume(account != address(0) && account.code.length == 0);
        vm.assume(account != alice && account != bob && account != carol);
    }

    function testFuzz_issue_mintsExactlyOncePerReference(
        address account,
        uint256 amount,
        bytes32 ref
    ) public {
        _assumeFresh(account);
        vm.assume(ref != bytes32(0));
        amount = bound(amount, 1, MAX_SUPPLY);
        _open(account);
        _issue(account, amount, ref);
        vm.assertEq(token.balanceOf(account), amount, "balance");
        vm.assertEq(token.totalSupply(), token.totalIssued() - token.totalRedeemed(), "supply");

        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIssuanceReferenceUsed.selector, ref)
        );
        _issue(account, amount, ref);
        vm.assertEq(token.balanceOf(account), amount, "balance after replay");
    }

    function testFuzz_transfer_movesExactlyOrRevertsWithCanTransferReason(
        uint256 issued,
        uint256 frozenPart,
        uint256 value
    ) public {
        issued = bound(issued, 1, MAX_SUPPLY);
        frozenPart = bound(frozenPart, 0, MAX_SUPPLY);
        value = bound(value, 0, MAX_SUPPLY);
        _issue(alice, issued, "r");
        if (frozenPart > 0) {
            vm.prank(freezer);
            token.freezePartial(alice, frozenPart);
        }
        uint256 available = issued > frozenPart ? issued - frozenPart : 0;
        vm.assertEq(token.availableBalanceOf(alice), available, "available");

        (bool ok, bytes memory reason) = token.canTransfer(alice, bob, value);
        vm.assertEq(ok, value <= available, "canTransfer verdict");
        if (ok) {
            vm.prank(alice);
            token.transfer(bob, value);
            vm.assertEq(token.balanceOf(alice), issued - value, "alice");
            vm.assertEq(token.balanceOf(bob), value, "bob");
            vm.assertTrue(
                token.balanceOf(alice) >= (frozenPart < issued ? frozenPart : issued),
                "frozen moved"
            );
        } else {
            vm.assertEq(
                reason,
                abi.encodeWithSelector(
                    IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                    alice,
                    available,
                    value
                ),
                "reason"
            );
            vm.expectRevert(reason);
            vm.prank(alice);
            token.transfer(bob, value);
            vm.assertEq(token.balanceOf(alice), issued, "alice unchanged");
        }
        vm.assertEq(token.totalSupply(), issued, "supply");
    }

    function testFuzz_transfer_betweenArbitraryAccountsFollowsEligibility(
        address from,
        address to,
        bool fromEligible,
        bool toEligible,
        uint256 value
    ) public {
        _assumeFresh(from);
        _assumeFresh(to);
        vm.assume(from != to);
        value = bound(value, 1, MAX_SUPPLY);
        _open(from);
        _issue(from, value, "r");
        if (!fromEligible) {
            // An account with units is always open: the bank redeems them, then closes it (a
            // sender without an account holds nothing, and rule 5 comes before rule 7).
            vm.prank(redeemer);
            token.redeemFrom(from, value, "close-out");
            _close(from);
        }
        if (toEligible) _open(to);

        (bool ok, bytes memory reason) = token.canTransfer(from, to, value);
        vm.assertEq(ok, fromEligible && toEligible, "verdict");
        if (!ok) vm.expectRevert(reason);
        vm.prank(from);
        token.transfer(to, value);
        vm.assertEq(token.balanceOf(to), ok ? value : 0, "to");
        vm.assertEq(token.balanceOf(from), ok || !fromEligible ? 0 : value, "from");
    }

    function testFuzz_redeem_keepsSupplyEqualIssuedMinusRedeemed(
        uint256 issued,
        uint256 redeemed,
        bytes32 ref,
        bool byBank
    ) public {
        vm.assume(ref != bytes32(0));
        issued = bound(issued, 1, MAX_SUPPLY);
        redeemed = bound(redeemed, 1, issued);
        _issue(alice, issued, "r");
        if (byBank) {
            vm.prank(redeemer);
            token.redeemFrom(alice, redeemed, ref);
        } else {
            vm.prank(alice);
            token.redeem(redeemed, ref);
        }
        vm.assertEq(token.balanceOf(alice), issued - redeemed, "balance");
        vm.assertEq(token.totalRedeemed(), redeemed, "totalRedeemed");
        vm.assertEq(token.totalSupply(), token.totalIssued() - token.totalRedeemed(), "supply");
        vm.assertEq(token.redemptionOf(ref).amount, redeemed, "record");
    }

    function testFuzz_freeze_frozenUnitsNeverMove(
        uint256 issued,
        uint256 frozenPart,
        uint256 value,
        bool wholeAccount,
        uint8 path
    ) public {
        issued = bound(issued, 1, MAX_SUPPLY);
        frozenPart = bound(frozenPart, 1, MAX_SUPPLY);
        value = bound(value, 1, MAX_SUPPLY);
        _issue(alice, issued, "r");
        vm.startPrank(freezer);
        token.freezePartial(alice, frozenPart);
        if (wholeAccount) token.setAccountFrozen(alice, true);
        vm.stopPrank();

        path = uint8(bound(path, 0, 2));
        address caller =
            path == 0
                ? alice
                : path == 1
                    ? alice
                    : redeemer;
        vm.prank(caller);
        bool success;
        if (path == 0) {
            (success, ) = address(token).call(abi.encodeCall(token.transfer, (bob, value)));
        } else if (path == 1) {
            (success, ) = address(token).call(abi.encodeCall(token.redeem, (value, "x")));
        } else {
            (success, ) = address(token).call(
                abi.encodeCall(token.redeemFrom, (alice, value, "x"))
            );
        }
        uint256 balance = token.balanceOf(alice);
        if (wholeAccount) {
            vm.assertEq(success, false, "moved while frozen");
            vm.assertEq(balance, issued, "balance changed");
        } else {
            vm.assertEq(success, issued >= frozenPart && value <= issued - frozenPart, "verdict");
            vm.assertTrue(balance >= (frozenPart < issued ? frozenPart : issued), "frozen moved");
        }
    }
}
