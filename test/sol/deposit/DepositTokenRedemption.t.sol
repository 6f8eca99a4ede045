// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenRedemptionTest
/// @notice redeem (by the holder) and redeemFrom (by the bank on the holder's behalf).
contract DepositTokenRedemptionTest is DepositTokenBase {
    bytes32 internal constant RREF = keccak256("redemption-1");

    function setUp() public override {
        super.setUp();
        _issue(alice, 1000, "ref-alice");
    }

    function _assertNoRecord(bytes32 ref) internal view {
        vm.assertEq(uint256(token.redemptionOf(ref).timestamp), 0, "redemption recorded");
    }

    // ------------------------------------------------------------ redeem

    function test_redeem_burnsRecordsAndEmits() public {
        vm.warp(1_800_000_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 400);
        vm.expectEmit(address(token));
        emit IDepositToken.Redeemed(RREF, alice, 400, alice);
        vm.prank(alice);
        token.redeem(400, RREF);

        vm.assertEq(token.balanceOf(alice), 600, "balance");
        vm.assertEq(token.totalSupply(), 600, "supply");
        vm.assertEq(token.totalIssued(), 1000, "totalIssued");
        vm.assertEq(token.totalRedeemed(), 400, "totalRedeemed");
        IDepositToken.ReferenceRecord memory record = token.redemptionOf(RREF);
        vm.assertEq(record.account, alice, "record account");
        vm.assertEq(record.amount, 400, "record amount");
        vm.assertEq(uint256(record.timestamp), 1_800_000_000, "record timestamp");
    }

    function test_redeem_unfrozenPartOfPartiallyFrozenAccount() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        vm.prank(alice);
        token.redeem(700, RREF);
        vm.assertEq(token.balanceOf(alice), 300, "frozen part stays");
    }

    function test_redeem_revertsWhen_referenceZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroReference.selector));
        vm.prank(alice);
        token.redeem(1, bytes32(0));
        _assertUnchanged(s);
    }

    function test_redeem_revertsWhen_referenceUsed() public {
        vm.prank(alice);
        token.redeem(1, RREF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenRedemptionReferenceUsed.selector, RREF)
        );
        vm.prank(alice);
        token.redeem(2, RREF);
        _assertUnchanged(s);
        vm.assertEq(token.redemptionOf(RREF).amount, 1, "record overwritten");
    }

    function test_redeem_revertsWhen_referenceUsedByBank() public {
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenRedemptionReferenceUsed.selector, RREF)
        );
        vm.prank(alice);
        token.redeem(2, RREF);
        _assertUnchanged(s);
    }

    /// @dev The record's account, not its timestamp, marks a reference used: at block time 0 a
    /// redemption reference still burns once, whether the holder or the bank uses it again.
    function test_redeem_revertsWhen_referenceUsedAtTimestampZero() public {
        vm.warp(0);
        vm.prank(alice);
        token.redeem(1, RREF);
        vm.assertEq(uint256(token.redemptionOf(RREF).timestamp), 0, "recorded at time 0");
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenRedemptionReferenceUsed.selector, RREF)
        );
        vm.prank(alice);
        token.redeem(1, RREF);
        _assertUnchanged(s);
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenRedemptionReferenceUsed.selector, RREF)
        );
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        _assertUnchanged(s);
    }

    function test_redeem_revertsWhen_amountZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        vm.prank(alice);
        token.redeem(0, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeem_revertsWhen_paused() public {
        vm.prank(pauser);
        token.pause();
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector));
        vm.prank(alice);
        token.redeem(1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeem_revertsWhen_holderFrozen() public {
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        vm.prank(alice);
        token.redeem(1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeem_revertsWhen_holderIneligible() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleSender.selector, stranger)
        );
        vm.prank(stranger);
        token.redeem(1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeem_revertsWhen_balanceInsufficient() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                1000,
                1001
            )
        );
        vm.prank(alice);
        token.redeem(1001, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeem_revertsWhen_partFrozen() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                700,
                701
            )
        );
        vm.prank(alice);
        token.redeem(701, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    // ------------------------------------------------------------ redeemFrom

    function test_redeemFrom_burnsRecordsAndEmitsWithBankAsOperator() public {
        vm.expectEmit(address(token));
        emit IERC20.Transfer(alice, address(0), 400);
        vm.expectEmit(address(token));
        emit IDepositToken.Redeemed(RREF, alice, 400, redeemer);
        vm.prank(redeemer);
        token.redeemFrom(alice, 400, RREF);
        vm.assertEq(token.balanceOf(alice), 600, "balance");
        vm.assertEq(token.totalRedeemed(), 400, "totalRedeemed");
        vm.assertEq(token.totalSupply(), 600, "supply");
        vm.assertEq(token.redemptionOf(RREF).account, alice, "record");
    }

    function test_redeemFrom_closesOutAnAccount() public {
        // The bank's close-out: it redeems the whole balance to the deposit account, then closes.
        vm.prank(redeemer);
        token.redeemFrom(alice, 1000, RREF);
        vm.assertEq(token.balanceOf(alice), 0, "balance");
        _close(alice);
        vm.assertFalse(token.isAccountOpen(alice), "closed");
    }

    function test_redeemFrom_onBehalfFlagDoesNotOutliveTheCall() public {
        // After a bank redemption, a holder redemption is again held to the holder's rules.
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        vm.prank(alice);
        token.redeem(1, "again");
    }

    function test_redeemFrom_revertsWhen_callerLacksRedeemerRole() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                issuer,
                token.REDEEMER_ROLE()
            )
        );
        vm.prank(issuer);
        token.redeemFrom(alice, 1, RREF);
        _assertUnchanged(s);
    }

    function test_redeemFrom_revertsWhen_referenceZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroReference.selector));
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, bytes32(0));
        _assertUnchanged(s);
    }

    function test_redeemFrom_revertsWhen_referenceUsed() public {
        vm.prank(alice);
        token.redeem(1, RREF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenRedemptionReferenceUsed.selector, RREF)
        );
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        _assertUnchanged(s);
    }

    function test_redeemFrom_revertsWhen_accountZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidSender.selector, address(0))
        );
        vm.prank(redeemer);
        token.redeemFrom(address(0), 1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeemFrom_revertsWhen_amountZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        vm.prank(redeemer);
        token.redeemFrom(alice, 0, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeemFrom_revertsWhen_paused() public {
        vm.prank(pauser);
        token.pause();
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector));
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeemFrom_revertsWhen_accountFrozenAsAWhole() public {
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                0,
                1
            )
        );
        vm.prank(redeemer);
        token.redeemFrom(alice, 1, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }

    function test_redeemFrom_revertsWhen_partFrozen() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                alice,
                700,
                701
            )
        );
        vm.prank(redeemer);
        token.redeemFrom(alice, 701, RREF);
        _assertUnchanged(s);
        _assertNoRecord(RREF);
    }
}
