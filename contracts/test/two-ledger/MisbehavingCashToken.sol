// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MisbehavingCashToken
/// @notice Test mock: an ERC-20 whose `transfer` can be switched to return `false`, to return
/// nothing, to revert with a custom error, or to re-enter a target; `transferFrom` stays normal,
/// so an escrow can be funded and then refuse to pay out.
contract MisbehavingCashToken is ERC20 {
    /// @notice How `transfer` behaves.
    enum Mode {
        Normal,
        ReturnFalse,
        ReturnNothing,
        Revert,
        Reenter
    }

    /// @notice The custom error of {Mode.Revert}.
    error MisbehavingCashTokenRefused(address to, uint256 value);

    Mode public mode;
    address private _target;
    bytes private _payload;

    constructor() ERC20("Misbehaving Cash", "MCASH") {}

    /// @notice Mints `amount` to `account` (anyone may call; test only).
    /// @param account Receiver.
    /// @param amount Amount.
    function mint(address account, uint256 amount) external {
        _mint(account, amount);
    }

    /// @notice Sets how `transfer` behaves.
    /// @param mode_ The behaviour.
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @notice In {Mode.Reenter}, `transfer` calls `target` with `payload` and bubbles a revert.
    /// @param target Contract to re-enter.
    /// @param payload Calldata of the re-entrant call.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    /// @notice ERC-20 `transfer`, misbehaving as {mode} says.
    /// @param to Payee.
    /// @param value Amount.
    /// @return True in the normal and re-entrant modes.
    function transfer(address to, uint256 value) public override returns (bool) {
        Mode m = mode;
        if (m == Mode.ReturnFalse) return false;
        if (m == Mode.Revert) revert MisbehavingCashTokenRefused(to, value);
        if (m == Mode.ReturnNothing) {
            _transfer(msg.sender, to, value);
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        if (m == Mode.Reenter) {
            (bool ok, bytes memory returned) = _target.call(_payload);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(returned, 0x20), mload(returned))
                }
            }
        }
        return super.transfer(to, value);
    }
}
