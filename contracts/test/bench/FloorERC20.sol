// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title FloorERC20
 * @notice Benchmark floor: an unmodified OpenZeppelin ERC-20 with an open mint. Its `transfer`,
 * `transferFrom` and `approve` are the floors the permissioned tokens are compared against.
 */
contract FloorERC20 is ERC20 {
    /**
     * @notice Deploys an empty token.
     * @param name_ Token name.
     * @param symbol_ Token symbol.
     */
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    /**
     * @notice Mints `value` units to `to`. Anyone may call (benchmark only).
     * @param to Receiver.
     * @param value Units minted.
     */
    function mint(address to, uint256 value) external {
        _mint(to, value);
    }
}
