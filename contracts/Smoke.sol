// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Smoke
/// @notice Minimal ERC-20 that proves the toolchain compiles, tests and measures coverage.
contract Smoke is ERC20 {
    constructor() ERC20("S", "S") {
        _mint(msg.sender, 1e18);
    }
}
