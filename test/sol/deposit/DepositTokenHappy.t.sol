// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DepositTokenBase} from "./DepositTokenBase.sol";

contract DepositTokenHappyTest is DepositTokenBase {
    function test_happyPath_issueTransferRedeem() public {
        _issue(alice, 1000, "ref-1");
        vm.prank(alice);
        token.transfer(bob, 400);
        vm.prank(bob);
        token.redeem(100, "red-1");
        vm.assertEq(token.balanceOf(alice), 600, "alice");
        vm.assertEq(token.balanceOf(bob), 300, "bob");
        vm.assertEq(token.totalSupply(), 900, "supply");
        vm.assertEq(token.totalIssued() - token.totalRedeemed(), 900, "issued-redeemed");
    }
}
