// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantCashToken
/// @notice Attack mock: an ERC-20 that, once armed, calls `target` with `payload` from inside
/// `transferFrom` (as a malicious cash token could) and bubbles any revert.
contract ReentrantCashToken is ERC20 {
    address private _target;
    bytes private _payload;

    constructor() ERC20("Reentrant Cash", "RCASH") {}

    /// @notice Mints `amount` to `account` (anyone may call; test only).
    /// @param account Receiver.
    /// @param amount Amount.
    function mint(address account, uint256 amount) external {
        _mint(account, amount);
    }

    /// @notice Arms the hook: the next `transferFrom` calls `target` with `payload`.
    /// @param target Contract to re-enter.
    /// @param payload Calldata of the re-entrant call.
    function arm(address target, bytes calldata payload) external {
        _target = target;
        _payload = payload;
    }

    /// @notice ERC-20 `transferFrom` that first runs the armed re-entrant call.
    /// @param from Payer.
    /// @param to Payee.
    /// @param value Amount.
    /// @return Always true when it does not revert.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
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
        return super.transferFrom(from, to, value);
    }
}
