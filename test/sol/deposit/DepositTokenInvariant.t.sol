// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {TestBase} from "../utils/TestBase.sol";
import {DepositTokenHandler} from "./DepositTokenHandler.sol";

/// @title DepositTokenInvariantTest
/// @notice Invariant campaign over random issue/fulfil/reject/cancel/transfer/transferFrom/
/// redeem/redeemFrom/freeze/partial freeze/unfreeze/pause/open/close-account sequences.
contract DepositTokenInvariantTest is TestBase {
    DepositToken internal token;
    DepositTokenHandler internal handler;

    function setUp() public {
        token = new DepositToken(DepositToken.Setup("DCJPY", "DCJPY", 0, address(this), 1 days));
        token.grantRole(token.REGISTRAR_ROLE(), address(this));
        address[] memory actors = new address[](4);
        actors[0] = address(0xA1);
        actors[1] = address(0xB0B);
        actors[2] = address(0xCA401);
        actors[3] = address(0xDA7E);
        for (uint256 i = 0; i < actors.length; ++i) {
            token.openAccount(actors[i], bytes32(uint256(uint160(actors[i]))));
        }
        handler = new DepositTokenHandler(token, actors);
        token.grantRole(token.REGISTRAR_ROLE(), address(handler));
        token.grantRole(token.ISSUER_ROLE(), address(handler));
        token.grantRole(token.REDEEMER_ROLE(), address(handler));
        token.grantRole(token.FREEZER_ROLE(), address(handler));
        token.grantRole(token.PAUSER_ROLE(), address(handler));
    }

    /// @notice Aims the campaign at the handler only.
    /// @return targets The handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions are not vacuous: an issue, a transfer and a redemption through
    /// it succeed, so a campaign whose every call reverted would be a handler bug caught here.
    function test_handler_actionsCanSucceed() public {
        handler.issue(0, 1_000, 1);
        handler.transfer(0, 1, 500);
        handler.redeem(1, 100, 1);
        handler.setAccountOpen(2, 1); // carol holds nothing: her account closes
        handler.setAccountOpen(2, 0); // and reopens
        handler.setAccountOpen(0, 3); // alice's close-out: redeem everything, then close
        vm.assertEq(handler.succeeded(), 6, "issue, transfer, redeem, close, open, close-out");
        vm.assertEq(token.balanceOf(address(0xA1)), 0, "alice redeemed out");
        vm.assertFalse(token.isAccountOpen(address(0xA1)), "alice closed");
        vm.assertEq(handler.calls("closeAccount"), 2, "closeAccount");
        vm.assertEq(handler.calls("openAccount"), 1, "openAccount");
        vm.assertEq(handler.calls("issue"), 1, "issue");
        vm.assertEq(handler.calls("transfer"), 1, "transfer");
        vm.assertEq(handler.calls("redeem"), 1, "redeem");
    }

    function invariant_supplyEqualsIssuedMinusRedeemed() public view {
        address[] memory actors = handler.actors();
        uint256 sum;
        for (uint256 i = 0; i < actors.length; ++i) sum += token.balanceOf(actors[i]);
        vm.assertEq(sum, token.totalSupply(), "sum of balances != totalSupply");
        vm.assertEq(
            token.totalSupply(),
            token.totalIssued() - token.totalRedeemed(),
            "totalSupply != totalIssued - totalRedeemed"
        );
        vm.assertEq(token.totalIssued(), handler.ghostIssued(), "totalIssued != ghost issued");
        vm.assertEq(
            token.totalRedeemed(),
            handler.ghostRedeemed(),
            "totalRedeemed != ghost redeemed"
        );
    }

    function invariant_referencesUsedOnce() public view {
        vm.assertEq(handler.ghostIssueRefReused(), false, "issuance reference used twice");
        vm.assertEq(handler.ghostRedeemRefReused(), false, "redemption reference used twice");
        bytes32[] memory refs = handler.issueRefs();
        vm.assertEq(refs.length, handler.ghostIssuances(), "issuance count");
        for (uint256 i = 0; i < refs.length; ++i) {
            vm.assertEq(
                token.issuanceOf(refs[i]).amount,
                handler.ghostIssuedUnder(refs[i]),
                "record differs from ghost"
            );
        }
    }

    function invariant_frozenUnitsNeverMove() public view {
        vm.assertEq(handler.ghostFrozenMoved(), false, "frozen units moved");
    }

    /// @notice Units only ever sit in an open account: nothing is stranded in a closed one.
    function invariant_unitsOnlyInOpenAccounts() public view {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            if (token.balanceOf(actors[i]) != 0) {
                vm.assertTrue(token.isAccountOpen(actors[i]), "units in a closed account");
            }
        }
    }

    function invariant_availableNeverExceedsBalance() public view {
        address[] memory actors = handler.actors();
        for (uint256 i = 0; i < actors.length; ++i) {
            uint256 available = token.availableBalanceOf(actors[i]);
            vm.assertTrue(available <= token.balanceOf(actors[i]), "available > balance");
            if (token.isAccountFrozen(actors[i])) vm.assertEq(available, 0, "frozen available");
        }
    }
}
