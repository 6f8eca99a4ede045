// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityTokenLockReceiver} from "../../interfaces/ISecurityToken.sol";

/// @title ReentrantSecurityToken
/// @notice Attack mock: the three lock functions a DVP uses (`lock`, `unlock`, `lockedOf`), with
/// no transfer rules. Once armed, `unlock` calls `target` with `payload` and bubbles any revert;
/// used both as a listed re-entrant token and as an unlisted fake token squatting IDs.
contract ReentrantSecurityToken {
    /// @notice The lock receiver did not return its selector.
    error LockRejected(address lockAddress);

    mapping(address lockAddress => mapping(address account => uint256)) private _locked;
    address private _target;
    bytes private _payload;

    /// @notice Arms the hook: the next `unlock` calls `target` with `payload`.
    /// @param target Contract to re-enter.
    /// @param payload Calldata of the re-entrant call.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    /// @notice Locks `value` to `lockAddress` for the caller and notifies it.
    /// @param lockAddress The lock receiver.
    /// @param value Units.
    /// @param data Passed to the receiver.
    function lock(address lockAddress, uint256 value, bytes calldata data) external {
        _locked[lockAddress][msg.sender] += value;
        bytes4 selector = ISecurityTokenLockReceiver(lockAddress).onSecurityTokenLocked(
            msg.sender,
            value,
            data
        );
        if (selector != ISecurityTokenLockReceiver.onSecurityTokenLocked.selector) {
            revert LockRejected(lockAddress);
        }
    }

    /// @notice Releases `value` of `account` locked to the caller (runs the armed call first).
    /// @param account Holder.
    /// @param value Units.
    function unlock(address account, address, uint256 value, bytes calldata) external {
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory returned) = target.call(_payload);
            if (!ok) {
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(returned, 0x20), mload(returned))
                }
            }
        }
        _locked[msg.sender][account] -= value;
    }

    /// @notice Units of `account` locked to `lockAddress`.
    /// @param lockAddress Lock address.
    /// @param account Holder.
    /// @return The locked units.
    function lockedOf(address lockAddress, address account) external view returns (uint256) {
        return _locked[lockAddress][account];
    }
}
