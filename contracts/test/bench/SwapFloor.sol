// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/**
 * @title SwapFloor
 * @notice Benchmark floor for a delivery-versus-payment settlement: the least a contract can do to
 * swap two ERC-20s atomically, with two `transferFrom` and nothing else (no terms, no state, no
 * eligibility, no events of its own). Both parties must have approved this contract.
 */
contract SwapFloor {
    /// @notice `token` did not return true from `transferFrom`.
    error SwapFloorTransferFailed(address token);

    /**
     * @notice Moves `quantity` of `asset` from `seller` to `buyer` and `amount` of `cash` from
     * `buyer` to `seller`, in one call; either both move or the call reverts.
     * @param asset The delivered token.
     * @param seller Sender of `asset`, receiver of `cash`.
     * @param quantity Units of `asset`.
     * @param cash The payment token.
     * @param buyer Sender of `cash`, receiver of `asset`.
     * @param amount Units of `cash`.
     */
    function swap(
        IERC20 asset,
        address seller,
        uint256 quantity,
        IERC20 cash,
        address buyer,
        uint256 amount
    ) external {
        if (!cash.transferFrom(buyer, seller, amount))
            revert SwapFloorTransferFailed(address(cash));
        if (!asset.transferFrom(seller, buyer, quantity)) {
            revert SwapFloorTransferFailed(address(asset));
        }
    }
}
