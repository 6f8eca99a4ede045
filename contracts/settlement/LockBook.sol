// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ILockBook} from "../interfaces/ILockBook.sol";

/**
 * @title LockBook
 * @notice The units locked to a settlement contract that belong to no settlement, per security
 * token and holder ({ILockBook}). Shared by the single-chain DVP and the two-ledger delivery
 * contract, so both keep the same books with the same code: the issuer-path notifications add to
 * it ({_addUnassigned}) and an unnamed forced removal may take only from it
 * ({_removeUnassigned}); the settlement paths never touch it.
 */
abstract contract LockBook is ILockBook {
    /// @dev Units in `lockedOf(this, account)` of security token `token` that belong to no
    /// settlement; written only by the issuer-path notifications.
    mapping(address token => mapping(address account => uint256)) private _unassigned;

    /// @inheritdoc ILockBook
    function unassignedLockOf(address token, address account) external view returns (uint256) {
        return _unassigned[token][account];
    }

    /**
     * @dev Books `amount` units of `account` on `token` as belonging to no settlement. Emits
     * {UnassignedLockChanged}.
     */
    function _addUnassigned(address token, address account, uint256 amount) internal {
        uint256 unassigned = _unassigned[token][account] + amount;
        _unassigned[token][account] = unassigned;
        emit UnassignedLockChanged(token, account, unassigned);
    }

    /**
     * @dev Takes `amount` units of `account` on `token` out of the units of no settlement.
     * Returns `(true, remaining)` and emits {UnassignedLockChanged}; or, when `amount` exceeds
     * them, `(false, unassigned)` and changes nothing (the caller reverts with its own error
     * naming both figures).
     */
    function _removeUnassigned(
        address token,
        address account,
        uint256 amount
    ) internal returns (bool removed, uint256 unassigned) {
        unassigned = _unassigned[token][account];
        if (amount > unassigned) return (false, unassigned);
        // unchecked: amount <= unassigned was checked just above
        unchecked {
            unassigned -= amount;
        }
        _unassigned[token][account] = unassigned;
        emit UnassignedLockChanged(token, account, unassigned);
        return (true, unassigned);
    }
}
