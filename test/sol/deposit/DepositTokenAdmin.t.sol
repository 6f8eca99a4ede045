// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenAdminTest
/// @notice Constructor, roles, accounts, freeze, pause and views.
contract DepositTokenAdminTest is DepositTokenBase {
    // ------------------------------------------------------------ constructor and metadata

    function test_constructor_setsMetadataAndAdmin() public {
        DepositToken t = new DepositToken(
            DepositToken.Setup("Deposit Yen", "DYEN", 2, admin, 3 days)
        );
        vm.assertEq(bytes(t.name()), bytes("Deposit Yen"), "name");
        vm.assertEq(bytes(t.symbol()), bytes("DYEN"), "symbol");
        vm.assertEq(uint256(t.decimals()), 2, "decimals");
        vm.assertFalse(t.isAccountOpen(alice), "no account is open");
        vm.assertEq(t.owner(), admin, "default admin");
        vm.assertEq(uint256(t.defaultAdminDelay()), 3 days, "admin delay");
        vm.assertEq(t.paused(), false, "paused");
        vm.assertEq(t.totalSupply(), 0, "supply");
        vm.assertEq(t.hasRole(t.ISSUER_ROLE(), admin), false, "admin is not issuer");
        vm.assertEq(t.hasRole(t.REGISTRAR_ROLE(), admin), false, "admin is not registrar");
    }

    function test_constructor_revertsWhen_adminZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector,
                address(0)
            )
        );
        new DepositToken(DepositToken.Setup("D", "D", 0, address(0), 1 days));
    }

    function test_roles_areDistinctNamedHashes() public view {
        vm.assertEq(token.ISSUER_ROLE(), keccak256("ISSUER_ROLE"), "issuer");
        vm.assertEq(token.REDEEMER_ROLE(), keccak256("REDEEMER_ROLE"), "redeemer");
        vm.assertEq(token.FREEZER_ROLE(), keccak256("FREEZER_ROLE"), "freezer");
        vm.assertEq(token.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser");
        vm.assertEq(token.REGISTRAR_ROLE(), keccak256("REGISTRAR_ROLE"), "registrar");
    }

    // ------------------------------------------------------------ setAccountFrozen

    function test_setAccountFrozen_freezesUnfreezesAndEmits() public {
        _issue(alice, 100, "r");
        vm.expectEmit(address(token));
        emit IDepositToken.AccountFrozen(alice, true);
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        vm.assertEq(token.isAccountFrozen(alice), true, "frozen");
        vm.assertEq(token.availableBalanceOf(alice), 0, "available while frozen");
        vm.assertEq(token.balanceOf(alice), 100, "balance stays");

        vm.expectEmit(address(token));
        emit IDepositToken.AccountFrozen(alice, false);
        vm.prank(freezer);
        token.setAccountFrozen(alice, false);
        vm.assertEq(token.isAccountFrozen(alice), false, "unfrozen");
        vm.assertEq(token.availableBalanceOf(alice), 100, "available after");
    }

    function test_setAccountFrozen_keepsPartialFreeze() public {
        vm.startPrank(freezer);
        token.freezePartial(alice, 40);
        token.setAccountFrozen(alice, true);
        token.setAccountFrozen(alice, false);
        vm.stopPrank();
        vm.assertEq(token.frozenOf(alice), 40, "partial freeze kept");
    }

    function test_setAccountFrozen_revertsWhen_callerLacksFreezerRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                issuer,
                token.FREEZER_ROLE()
            )
        );
        vm.prank(issuer);
        token.setAccountFrozen(alice, true);
        vm.assertEq(token.isAccountFrozen(alice), false, "frozen");
    }

    // ------------------------------------------------------------ freezePartial

    function test_freezePartial_addsAndEmits() public {
        _issue(alice, 100, "r");
        vm.expectEmit(address(token));
        emit IDepositToken.PartialFreezeChanged(alice, 30);
        vm.prank(freezer);
        token.freezePartial(alice, 30);
        vm.expectEmit(address(token));
        emit IDepositToken.PartialFreezeChanged(alice, 250);
        vm.prank(freezer);
        token.freezePartial(alice, 220);
        vm.assertEq(token.frozenOf(alice), 250, "frozen");
        vm.assertEq(token.availableBalanceOf(alice), 0, "available clamps at zero");
        vm.assertEq(token.balanceOf(alice), 100, "balance stays");
    }

    function test_freezePartial_revertsWhen_amountZero() public {
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        vm.prank(freezer);
        token.freezePartial(alice, 0);
        vm.assertEq(token.frozenOf(alice), 0, "frozen");
    }

    function test_freezePartial_revertsWhen_overflowsUint120() public {
        vm.prank(freezer);
        token.freezePartial(alice, type(uint112).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                SafeCast.SafeCastOverflowedUintDowncast.selector,
                112,
                uint256(type(uint112).max) + 1
            )
        );
        vm.prank(freezer);
        token.freezePartial(alice, 1);
        vm.assertEq(token.frozenOf(alice), type(uint112).max, "frozen");
        vm.assertFalse(token.isAccountFrozen(alice), "whole-account flag untouched");
    }

    /// @dev Balance, partial freeze and whole-account freeze share one storage slot: each keeps
    /// its value while the others change.
    function test_accountSlot_fieldsStayIndependent() public {
        _issue(alice, type(uint128).max - 1, keccak256("cap-ref"));
        vm.startPrank(freezer);
        token.freezePartial(alice, type(uint112).max);
        token.setAccountFrozen(alice, true);
        vm.stopPrank();
        vm.assertEq(token.balanceOf(alice), type(uint128).max - 1, "balance after freezes");

        vm.prank(freezer);
        token.setAccountFrozen(alice, false);
        vm.prank(freezer);
        token.unfreezePartial(alice, type(uint112).max - 5);
        vm.assertEq(token.frozenOf(alice), 5, "partial freeze");
        vm.prank(alice);
        token.transfer(bob, type(uint128).max - 6);
        vm.assertEq(token.balanceOf(alice), 5, "alice balance");
        vm.assertEq(token.balanceOf(bob), type(uint128).max - 6, "bob balance");
        vm.assertEq(token.frozenOf(alice), 5, "partial freeze after transfer");
        vm.assertFalse(token.isAccountFrozen(alice), "alice flag");
        vm.assertEq(token.availableBalanceOf(alice), 0, "all of alice's units are frozen");
        vm.assertEq(token.frozenOf(bob), 0, "bob partial freeze");
        vm.assertFalse(token.isAccountFrozen(bob), "bob flag");
        vm.assertTrue(token.isAccountOpen(alice), "alice open flag");
        vm.assertTrue(token.isAccountOpen(bob), "bob open flag");
    }

    function test_freezePartial_revertsWhen_callerLacksFreezerRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                alice,
                token.FREEZER_ROLE()
            )
        );
        vm.prank(alice);
        token.freezePartial(alice, 1);
        vm.assertEq(token.frozenOf(alice), 0, "frozen");
    }

    // ------------------------------------------------------------ unfreezePartial

    function test_unfreezePartial_subtractsAndEmits() public {
        vm.prank(freezer);
        token.freezePartial(alice, 100);
        vm.expectEmit(address(token));
        emit IDepositToken.PartialFreezeChanged(alice, 60);
        vm.prank(freezer);
        token.unfreezePartial(alice, 40);
        vm.assertEq(token.frozenOf(alice), 60, "frozen");
        vm.expectEmit(address(token));
        emit IDepositToken.PartialFreezeChanged(alice, 0);
        vm.prank(freezer);
        token.unfreezePartial(alice, 60);
        vm.assertEq(token.frozenOf(alice), 0, "frozen all lifted");
    }

    function test_unfreezePartial_revertsWhen_amountZero() public {
        vm.prank(freezer);
        token.freezePartial(alice, 100);
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        vm.prank(freezer);
        token.unfreezePartial(alice, 0);
        vm.assertEq(token.frozenOf(alice), 100, "frozen");
    }

    function test_unfreezePartial_revertsWhen_exceedsFrozen() public {
        vm.prank(freezer);
        token.freezePartial(alice, 100);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnfreezeExceedsFrozen.selector,
                alice,
                100,
                101
            )
        );
        vm.prank(freezer);
        token.unfreezePartial(alice, 101);
        vm.assertEq(token.frozenOf(alice), 100, "frozen");
    }

    function test_unfreezePartial_revertsWhen_callerLacksFreezerRole() public {
        vm.prank(freezer);
        token.freezePartial(alice, 100);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                pauser,
                token.FREEZER_ROLE()
            )
        );
        vm.prank(pauser);
        token.unfreezePartial(alice, 1);
        vm.assertEq(token.frozenOf(alice), 100, "frozen");
    }

    // ------------------------------------------------------------ pause / unpause

    function test_pause_setsFlagAndEmits() public {
        vm.expectEmit(address(token));
        emit IDepositToken.Paused(pauser);
        vm.prank(pauser);
        token.pause();
        vm.assertEq(token.paused(), true, "paused");
        vm.assertTrue(token.isAccountOpen(alice), "accounts kept");
    }

    function test_unpause_clearsFlagAndEmits() public {
        vm.prank(pauser);
        token.pause();
        vm.expectEmit(address(token));
        emit IDepositToken.Unpaused(pauser);
        vm.prank(pauser);
        token.unpause();
        vm.assertEq(token.paused(), false, "paused");
        _issue(alice, 1, "r");
        vm.assertEq(token.balanceOf(alice), 1, "works again");
    }

    function test_pause_revertsWhen_callerLacksPauserRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                admin,
                token.PAUSER_ROLE()
            )
        );
        vm.prank(admin);
        token.pause();
        vm.assertEq(token.paused(), false, "paused");
    }

    function test_unpause_revertsWhen_callerLacksPauserRole() public {
        vm.prank(pauser);
        token.pause();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                token.PAUSER_ROLE()
            )
        );
        vm.prank(stranger);
        token.unpause();
        vm.assertEq(token.paused(), true, "paused");
    }

    // ------------------------------------------------------------ accounts

    function test_openAccount_opensBindsAndEmits() public {
        bytes32 ref = keccak256("dave's deposit account");
        vm.expectEmit(address(token));
        emit IDepositToken.AccountOpened(stranger, ref);
        vm.prank(registrar);
        token.openAccount(stranger, ref);
        vm.assertTrue(token.isAccountOpen(stranger), "open");
        vm.assertEq(token.depositAccountOf(stranger), ref, "deposit account");
        // The account can now receive and send.
        _issue(stranger, 10, "r");
        vm.prank(stranger);
        token.transfer(alice, 4);
        vm.assertEq(token.balanceOf(stranger), 6, "stranger");
        vm.assertEq(token.balanceOf(alice), 4, "alice");
    }

    function test_openAccount_revertsWhen_alreadyOpen() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountAlreadyOpen.selector, alice)
        );
        vm.prank(registrar);
        token.openAccount(alice, keccak256("another"));
        vm.assertEq(token.depositAccountOf(alice), _ref(alice), "binding unchanged");
    }

    function test_openAccount_revertsWhen_zeroAccount() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenInvalidAccount.selector, address(0))
        );
        vm.prank(registrar);
        token.openAccount(address(0), keccak256("ref"));
        vm.assertFalse(token.isAccountOpen(address(0)), "open");
    }

    function test_openAccount_revertsWhen_zeroReference() public {
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroReference.selector));
        vm.prank(registrar);
        token.openAccount(stranger, bytes32(0));
        vm.assertFalse(token.isAccountOpen(stranger), "open");
    }

    function test_openAccount_revertsWhen_callerLacksRegistrarRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                admin,
                token.REGISTRAR_ROLE()
            )
        );
        vm.prank(admin);
        token.openAccount(stranger, keccak256("ref"));
        vm.assertFalse(token.isAccountOpen(stranger), "open");
    }

    function test_openAccounts_opensEveryItem() public {
        address[] memory accounts = new address[](2);
        accounts[0] = stranger;
        accounts[1] = address(0xD00D);
        bytes32[] memory refs = new bytes32[](2);
        refs[0] = keccak256("a");
        refs[1] = keccak256("b");
        vm.expectEmit(address(token));
        emit IDepositToken.AccountOpened(accounts[0], refs[0]);
        vm.expectEmit(address(token));
        emit IDepositToken.AccountOpened(accounts[1], refs[1]);
        vm.prank(registrar);
        token.openAccounts(accounts, refs);
        vm.assertEq(token.depositAccountOf(accounts[0]), refs[0], "first");
        vm.assertEq(token.depositAccountOf(accounts[1]), refs[1], "second");
    }

    function test_openAccounts_isAllOrNothing() public {
        address[] memory accounts = new address[](2);
        accounts[0] = stranger;
        accounts[1] = alice; // already open
        bytes32[] memory refs = new bytes32[](2);
        refs[0] = keccak256("a");
        refs[1] = keccak256("b");
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountAlreadyOpen.selector, alice)
        );
        vm.prank(registrar);
        token.openAccounts(accounts, refs);
        vm.assertFalse(token.isAccountOpen(stranger), "first item rolled back");
    }

    function test_openAccounts_revertsWhen_lengthsDiffer() public {
        address[] memory accounts = new address[](2);
        accounts[0] = stranger;
        accounts[1] = address(0xD00D);
        bytes32[] memory refs = new bytes32[](1);
        refs[0] = keccak256("a");
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenLengthMismatch.selector, 2, 1)
        );
        vm.prank(registrar);
        token.openAccounts(accounts, refs);
        vm.assertFalse(token.isAccountOpen(stranger), "open");
    }

    function test_openAccounts_revertsWhen_callerLacksRegistrarRole() public {
        address[] memory accounts = new address[](1);
        accounts[0] = stranger;
        bytes32[] memory refs = new bytes32[](1);
        refs[0] = keccak256("a");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                issuer,
                token.REGISTRAR_ROLE()
            )
        );
        vm.prank(issuer);
        token.openAccounts(accounts, refs);
        vm.assertFalse(token.isAccountOpen(stranger), "open");
    }

    function test_closeAccount_closesEmitsAndBlocksTheAccount() public {
        vm.expectEmit(address(token));
        emit IDepositToken.AccountClosed(alice, _ref(alice));
        _close(alice);
        vm.assertFalse(token.isAccountOpen(alice), "open");
        vm.assertEq(token.depositAccountOf(alice), bytes32(0), "binding cleared");
        (bool ok, bytes memory reason) = token.canTransfer(bob, alice, 1);
        vm.assertFalse(ok, "receive");
        vm.assertEq(
            reason,
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, alice),
            "reason"
        );
        // Reopening binds the account again.
        vm.prank(registrar);
        token.openAccount(alice, keccak256("new deposit account"));
        vm.assertEq(token.depositAccountOf(alice), keccak256("new deposit account"), "rebound");
    }

    function test_closeAccount_keepsFreezes() public {
        vm.startPrank(freezer);
        token.setAccountFrozen(alice, true);
        token.freezePartial(alice, 7);
        vm.stopPrank();
        _close(alice);
        _open(alice);
        vm.assertTrue(token.isAccountFrozen(alice), "whole-account freeze kept");
        vm.assertEq(token.frozenOf(alice), 7, "partial freeze kept");
    }

    function test_closeAccount_revertsWhen_balanceLeft() public {
        _issue(alice, 5, "r");
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountNotEmpty.selector, alice, 5)
        );
        _close(alice);
        vm.assertTrue(token.isAccountOpen(alice), "still open");
        // The bank redeems the balance to the deposit account first, then closes.
        vm.prank(redeemer);
        token.redeemFrom(alice, 5, "close-out");
        _close(alice);
        vm.assertFalse(token.isAccountOpen(alice), "closed");
    }

    /// @dev The bank's close-out: freeze (the account can no longer send or receive), then one
    /// multicall lifts the freezes, redeems the whole balance and closes, so no transfer can land
    /// between the steps and leave dust that blocks the close.
    function test_closeAccount_closeOutInOneMulticall() public {
        address bank = address(0xBA4C);
        vm.startPrank(admin);
        token.grantRole(token.FREEZER_ROLE(), bank);
        token.grantRole(token.REDEEMER_ROLE(), bank);
        token.grantRole(token.REGISTRAR_ROLE(), bank);
        vm.stopPrank();
        _issue(alice, 100, "r");
        _issue(bob, 5, "b");
        vm.startPrank(bank);
        token.freezePartial(alice, 30);
        token.setAccountFrozen(alice, true);
        vm.stopPrank();
        // Dust cannot reach the frozen account.
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        vm.prank(bob);
        token.transfer(alice, 1);

        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(IDepositToken.setAccountFrozen, (alice, false));
        calls[1] = abi.encodeCall(IDepositToken.unfreezePartial, (alice, 30));
        calls[2] = abi.encodeCall(IDepositToken.redeemFrom, (alice, 100, "close-out"));
        calls[3] = abi.encodeCall(IDepositToken.closeAccount, (alice));
        vm.expectEmit(address(token));
        emit IDepositToken.Redeemed("close-out", alice, 100, bank);
        vm.expectEmit(address(token));
        emit IDepositToken.AccountClosed(alice, _ref(alice));
        vm.prank(bank);
        token.multicall(calls);
        vm.assertEq(token.balanceOf(alice), 0, "balance");
        vm.assertFalse(token.isAccountOpen(alice), "closed");
        vm.assertEq(token.totalSupply(), 5, "supply");
        vm.assertEq(token.totalRedeemed(), 100, "redeemed");
    }

    function test_multicall_isAllOrNothingAndChecksEachCallsRole() public {
        _issue(alice, 100, "r");
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        // The freezer may unfreeze but may not redeem: the whole batch reverts with the
        // redemption's error, and the unfreeze it began with is undone.
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IDepositToken.setAccountFrozen, (alice, false));
        calls[1] = abi.encodeCall(IDepositToken.redeemFrom, (alice, 100, "close-out"));
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                freezer,
                token.REDEEMER_ROLE()
            )
        );
        vm.prank(freezer);
        token.multicall(calls);
        _assertUnchanged(s);
        vm.assertTrue(token.isAccountFrozen(alice), "freeze kept");
    }

    function test_closeAccount_revertsWhen_notOpen() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountNotOpen.selector, stranger)
        );
        _close(stranger);
        vm.assertFalse(token.isAccountOpen(stranger), "open");
    }

    function test_closeAccount_revertsWhen_callerLacksRegistrarRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                freezer,
                token.REGISTRAR_ROLE()
            )
        );
        vm.prank(freezer);
        token.closeAccount(alice);
        vm.assertTrue(token.isAccountOpen(alice), "open");
    }

    // ------------------------------------------------------------ views

    function test_referenceViews_unknownAreAllZero() public view {
        IDepositToken.ReferenceRecord memory i = token.issuanceOf("none");
        IDepositToken.ReferenceRecord memory r = token.redemptionOf("none");
        vm.assertEq(i.account, address(0), "issuance account");
        vm.assertEq(i.amount + r.amount + i.timestamp + r.timestamp, 0, "amounts, timestamps");
        vm.assertEq(r.account, address(0), "redemption account");
    }

    function test_availableBalanceOf_balanceMinusPartialFreeze() public {
        _issue(alice, 100, "r");
        vm.prank(freezer);
        token.freezePartial(alice, 30);
        vm.assertEq(token.availableBalanceOf(alice), 70, "available");
        vm.assertEq(token.availableBalanceOf(bob), 0, "empty account");
    }
}
