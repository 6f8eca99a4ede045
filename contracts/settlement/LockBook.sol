// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ILockBook} from "../interfaces/ILockBook.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";

/**
 * @title LockBook
 * @notice The units locked to a settlement contract that belong to no settlement, per security
 * token and holder ({ILockBook}), for the single-chain DVP and the two-ledger delivery contract:
 * the issuer-path notifications add to them ({add}) and an unnamed forced removal may take only
 * from them ({remove}); the settlement paths never touch them. A forced removal that names a
 * settlement fails it and gives the rest of its quantity back to the seller ({releaseRest}). The
 * contract keeps the mapping in its own storage and passes it in; every unlock of a settlement's
 * units goes through {release}. The event is declared once, in {ILockBook}; events are not part
 * of an ERC-165 interface ID, so the DVP's is as it was.
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

    /**
     * @dev A forced removal took `amount` (at most `quantity`, checked by the caller) of the
     * `quantity` units locked to settlement `id` of `account` on `token`: unlocks the rest to
     * `account` itself (an unlock to its own holder, allowed in every token state) and returns it
     * (zero: nothing to unlock, no call).
     */
    function releaseRest(
        address token,
        address account,
        bytes32 id,
        uint256 quantity,
        uint256 amount
    ) internal returns (uint256 released) {
        // unchecked: amount <= quantity is checked by the caller
        unchecked {
            released = quantity - amount;
        }
        if (released != 0) release(token, account, account, released, id);
    }

    /**
     * @dev Unlocks `quantity` units of `seller` on `token` from this contract's lock to `to`
     * (the buyer on delivery, the seller itself on every other exit, allowed in every token
     * state), naming settlement `id` (`data = abi.encode(id)`). A refusal of the token reverts.
     */
    function release(
        address token,
        address seller,
        address to,
        uint256 quantity,
        bytes32 id
    ) internal {
        ISecurityToken(token).unlock(seller, to, quantity, abi.encode(id));
    }
}
