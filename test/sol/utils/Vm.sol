// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title Vm
 * @notice The cheatcodes Kessai's Solidity tests use (Hardhat 3 / EDR, forge-compatible), at the
 * standard cheatcode address. Add a declaration here when a test needs another cheatcode.
 */
interface Vm {
    /// @notice One recorded event.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function warp(uint256 timestamp) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function assume(bool condition) external pure;
    function label(address account, string calldata newLabel) external;
    function mockCallRevert(
        address callee,
        bytes calldata data,
        bytes calldata revertData
    ) external;
    function clearMockedCalls() external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(
        uint256 privateKey,
        bytes32 digest
    ) external pure returns (uint8, bytes32, bytes32);

    function assertTrue(bool condition, string calldata err) external pure;
    function assertFalse(bool condition, string calldata err) external pure;
    function assertEq(bool left, bool right, string calldata err) external pure;
    function assertEq(uint256 left, uint256 right, string calldata err) external pure;
    function assertEq(address left, address right, string calldata err) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata err) external pure;
    function assertEq(bytes calldata left, bytes calldata right, string calldata err) external pure;
    function assertEq(
        string calldata left,
        string calldata right,
        string calldata err
    ) external pure;
    function assertLe(uint256 left, uint256 right, string calldata err) external pure;
    function assertGe(uint256 left, uint256 right, string calldata err) external pure;
}
