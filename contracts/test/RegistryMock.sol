// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title RegistryMock
 * @notice Test mock: a broken eligibility registry that either reverts or returns no data, to show
 * how a token reacts to a misbehaving registry.
 */
contract RegistryMock {
    /// @notice Raised by every query when `reverting` is set.
    error RegistryMockDown();

    /// @notice Whether queries revert (otherwise they return no data).
    bool public reverting = true;

    /// @notice Sets whether queries revert.
    /// @param reverting_ True to revert, false to return no data.
    function setReverting(bool reverting_) external {
        reverting = reverting_;
    }

    /// @notice Reverts or returns nothing, whatever the arguments.
    fallback() external {
        if (reverting) revert RegistryMockDown();
        assembly ("memory-safe") {
            return(0, 0)
        }
    }
}
