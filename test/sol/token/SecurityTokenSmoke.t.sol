// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {SecurityTokenFixture} from "../utils/SecurityTokenFixture.sol";

contract SecurityTokenSmokeTest is SecurityTokenFixture {
    StraightBondToken internal token;

    function setUp() public {
        _setUpParties();
        token = _deployBond();
    }

    function test_happyPath() public {
        vm.prank(issuer);
        token.issue(alice, address(0), 100);
        vm.prank(alice);
        token.transfer(bob, 30);
        vm.prank(bob);
        token.lock(lockAgent, 10, "");
        vm.prank(lockAgent);
        token.unlock(bob, carol, 10, "");
        vm.assertEq(token.balanceOf(alice), 70, "alice");
        vm.assertEq(token.balanceOf(bob), 20, "bob");
        vm.assertEq(token.balanceOf(carol), 10, "carol");
        vm.assertEq(token.totalSupply(), 100, "supply");
    }
}
