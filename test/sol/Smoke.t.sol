// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;
import {Smoke} from "../../contracts/Smoke.sol";
contract SmokeTest {
    Smoke internal s;
    function setUp() public {
        s = new Smoke();
    }
    function test_x() public view {
        require(s.totalSupply() == 1e18, "x");
    }
    function testFuzz_y(uint8 a) public pure {
        require(uint16(a) < 256, "y");
    }
}
