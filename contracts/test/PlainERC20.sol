// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title PlainERC20
 * @notice Test mock: an OpenZeppelin ERC-20 with an open mint, the gas baseline for transfers.
 */
contract PlainERC20 is ERC20 {
    /// @notice Deploys an empty token.
    constructor() ERC20("Plain", "PLN") {}

    /// @notice Mints `value` units to `to` (anyone may call; test only).
    /// @param to Receiver.
    /// @param value Units.
    function mint(address to, uint256 value) external {
        _mint(to, value);
    }
}
