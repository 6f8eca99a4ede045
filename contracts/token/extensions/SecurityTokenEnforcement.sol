// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityToken} from "../../interfaces/ISecurityToken.sol";
import {EncodedError} from "../../utils/EncodedError.sol";
import {SecurityToken} from "../SecurityToken.sol";

/**
 * @title SecurityTokenEnforcement
 * @notice The issuer's enforcement powers over {SecurityToken} holdings: forced transfers, and
 * forced locks, unlocks and relocations of a lock. They ignore the switches and the sender's
 * eligibility but still require an eligible receiver, and they never move another lock's units.
 * A lock address that is a contract hears of each change to its locks
 * ({ISecurityTokenLockReceiver}) and may refuse a removal.
 * @dev An extension in the manner of OpenZeppelin's `ERC20Pausable`: it adds functions only, each
 * behind its own role, and goes through the core's rules ({SecurityToken-_transferError}, path
 * {_PATH_ENFORCEMENT}) and balance door ({SecurityToken-_update}).
 */
abstract contract SecurityTokenEnforcement is SecurityToken {
    using EncodedError for bytes;

    /// @inheritdoc ISecurityToken
    function forcedTransfer(
        address from,
        address to,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_TRANSFER_ROLE) {
        _forcedTransfer(from, to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function bulkForcedTransfer(
        address[] calldata from,
        address[] calldata to,
        uint256[] calldata values,
        bytes calldata data
    ) external onlyRole(FORCE_TRANSFER_ROLE) {
        _checkLength(from.length, to.length);
        _checkLength(from.length, values.length);
        for (uint256 i = 0; i < from.length; ++i) {
            _forcedTransfer(from[i], to[i], values[i], data);
        }
    }

    /// @inheritdoc ISecurityToken
    function forceLock(
        address lockAddress,
        address account,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_LOCK_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        _balanceError(account, value, address(0)).revertIfAny();
        _addLock(lockAddress, account, value);
        emit ForceLock(lockAddress, account, value, data);
        _notifyLock(_LOCK_ADDED, lockAddress, account, value, data);
    }

    /// @inheritdoc ISecurityToken
    function forceUnlock(
        address lockAddress,
        address account,
        address recipient,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_UNLOCK_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        if (recipient == account) {
            _balanceError(account, value, lockAddress).revertIfAny();
        } else {
            _transferError(account, recipient, value, _PATH_ENFORCEMENT, lockAddress).revertIfAny();
        }
        _release(lockAddress, account, recipient, value);
        emit ForceUnlock(lockAddress, account, recipient, value, data);
        _notifyLock(_LOCK_REMOVED, lockAddress, account, value, data);
    }

    /// @inheritdoc ISecurityToken
    function forceChangeLockedAccount(
        address lockAddress,
        address fromAccount,
        address toAccount,
        uint256 value,
        bytes calldata data
    ) external onlyRole(FORCE_RELOCATE_ROLE) {
        _checkLockAddress(lockAddress);
        _checkAmount(value);
        _transferError(fromAccount, toAccount, value, _PATH_ENFORCEMENT, lockAddress).revertIfAny();
        _release(lockAddress, fromAccount, toAccount, value);
        _addLock(lockAddress, toAccount, value);
        emit ForceChangeLockedAccount(lockAddress, fromAccount, toAccount, value, data);
        _notifyLock(_LOCK_REMOVED, lockAddress, fromAccount, value, data);
        _notifyLock(_LOCK_ADDED, lockAddress, toAccount, value, data);
    }

    /// @dev Forced transfer shared by {forcedTransfer} and {bulkForcedTransfer}.
    function _forcedTransfer(address from, address to, uint256 value, bytes calldata data) private {
        _checkAmount(value);
        _rulesError(from, to, _PATH_ENFORCEMENT).revertIfAny();
        _update(from, to, value);
        emit ForcedTransfer(from, to, value, data);
    }
}
