// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";

/**
 * @title EncodedError
 * @notice How Kessai's tokens raise an error that is already ABI-encoded: a rules function returns
 * the custom error a movement raises (empty bytes when it is allowed), `canTransfer` reports those
 * bytes, and the transaction reverts with exactly them. Also used to pass on a callee's revert.
 */
library EncodedError {
    /// @dev Reverts with `err`, an ABI-encoded error, unless it is empty (OpenZeppelin's
    /// {LowLevelCall-bubbleRevert}).
    function revertIfAny(bytes memory err) internal pure {
        if (err.length != 0) LowLevelCall.bubbleRevert(err);
    }
}
