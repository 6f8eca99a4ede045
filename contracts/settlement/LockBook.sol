// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ILockBook} from "../interfaces/ILockBook.sol";

/**
 * @title LockBook
 * @notice The units locked to a settlement contract that belong to no settlement, per security
 * token and holder ({ILockBook}), for the two-ledger delivery contract: the issuer-path
 * notifications add to them ({add}) and an unnamed forced removal may take only from them
 * ({remove}); the settlement paths never touch them. The contract keeps the mapping in its own
 * storage and passes it in. These are the single-chain DVP's rules and event; the DVP keeps its
 * own inline copy so that its bytecode, gas and ERC-165 interface ID stay as they are.
 */
library LockBook {
    /**
     * @dev Books `amount` units of `account` on `token` as belonging to no settlement in
     * `unassigned`. Emits {ILockBook-UnassignedLockChanged}.
     */
    function add(
        mapping(address token => mapping(address account => uint256)) storage unassigned,
        address token,
        address account,
        uint256 amount
    ) internal {
        uint256 units = unassigned[token][account] + amount;
        unassigned[token][account] = units;
        emit ILockBook.UnassignedLockChanged(token, account, units);
    }

    /**
     * @dev Takes `amount` units of `account` on `token` out of the units of no settlement in
     * `unassigned`. Returns `(true, remaining)` and emits {ILockBook-UnassignedLockChanged}; or,
     * when `amount` exceeds them, `(false, units)` and changes nothing (the caller reverts with
     * its own error naming both figures).
     */
    function remove(
        mapping(address token => mapping(address account => uint256)) storage unassigned,
        address token,
        address account,
        uint256 amount
    ) internal returns (bool removed, uint256 units) {
        units = unassigned[token][account];
        if (amount > units) return (false, units);
        // unchecked: amount <= units was checked just above
        unchecked {
            units -= amount;
        }
        unassigned[token][account] = units;
        emit ILockBook.UnassignedLockChanged(token, account, units);
        return (true, units);
    }
}
