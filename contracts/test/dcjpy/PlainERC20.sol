// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title PlainERC20
/// @notice Plain OpenZeppelin ERC-20, the gas baseline for the deposit token's transfers.
contract PlainERC20 is ERC20 {
    constructor() ERC20("Plain", "PLN") {}

    /// @notice Mints `amount` to `account` (anyone may call; test only).
    /// @param account Receiver.
    /// @param amount Amount.
    function mint(address account, uint256 amount) external {
        _mint(account, amount);
    }
}
