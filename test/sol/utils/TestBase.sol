// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Vm} from "./Vm.sol";

/**
 * @title TestBase
 * @notice Minimal shared base for Solidity tests (no forge-std): the cheatcode handle, named
 * addresses, bounded fuzz inputs and a "no event was emitted" check.
 */
abstract contract TestBase {
    /// @dev The cheatcode contract.
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev A deterministic labelled EOA for `name`.
    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(account, name);
    }

    /// @dev `x` mapped into [min, max] (inclusive), uniformly enough for fuzzing.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    /// @dev Starts recording events; pair with {assertNoEvents}.
    function recordEvents() internal {
        vm.recordLogs();
    }

    /// @dev Asserts that no event was emitted since {recordEvents}.
    function assertNoEvents() internal {
        vm.assertEq(vm.getRecordedLogs().length, 0, "unexpected events");
    }
}
