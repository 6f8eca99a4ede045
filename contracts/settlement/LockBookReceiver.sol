// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";
import {LockBook} from "./LockBook.sol";

/**
 * @title LockBookReceiver
 * @notice The security token's issuer-path notifications, as the single-chain DVP and the
 * two-ledger delivery contract both take them ({ILockBook}'s books): units added to the lock
 * behind the contract's back belong to no settlement; a forced removal either names a settlement
 * (`data` starts with its `abi.encode(terms)`), which then fails at once, or takes only units
 * that belong to no settlement. The contract supplies its terms layout and its own errors through
 * the hooks; step 1 (`onSecurityTokenLocked`) stays each contract's own.
 */
abstract contract LockBookReceiver is ISecurityTokenLockReceiver, ReentrancyGuardTransient {
    /// @dev Units in `lockedOf(this, account)` of security token `token` that belong to no
    /// settlement ({LockBook}); written only by the issuer-path notifications.
    mapping(address token => mapping(address account => uint256)) internal _unassigned;

    /**
     * @inheritdoc ISecurityTokenLockReceiver
     * @dev The units belong to no settlement: adds `amount` to `unassignedLockOf(caller,
     * account)`, where they stay until an issuer path removes them. Any caller (only a token's
     * own books change), `data` ignored, works while paused. Emits `UnassignedLockChanged`.
     */
    function onSecurityTokenLockAdded(
        address,
        address account,
        uint256 amount,
        bytes calldata
    ) external nonReentrant returns (bytes4) {
        LockBook.add(_unassigned, msg.sender, account, amount);
        return ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector;
    }

    /**
     * @inheritdoc ISecurityTokenLockReceiver
     * @dev With `data` at least as long as `abi.encode(terms)` ({_termsEncodedLength}), the
     * removal names a settlement: `data` starts with its terms, the rest is free (a court's
     * reference, say) and ignored; {_failNamedSettlement} checks them and fails the settlement
     * (see the contract's own documentation for its states and errors). With shorter `data`
     * (empty, or a reference alone) the units must come from `unassignedLockOf(caller, account)`
     * ({_revertExceedsUnassigned} otherwise); emits `UnassignedLockChanged`. Works while paused.
     */
    function onSecurityTokenLockRemoved(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external nonReentrant returns (bytes4) {
        if (data.length >= _termsEncodedLength()) {
            _failNamedSettlement(data, operator, account, amount);
        } else {
            (bool removed, uint256 unassigned) = LockBook.remove(
                _unassigned,
                msg.sender,
                account,
                amount
            );
            if (!removed) _revertExceedsUnassigned(msg.sender, account, amount, unassigned);
        }
        return ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector;
    }

    /// @dev Length of the contract's `abi.encode(terms)`: `data` at least this long names a
    /// settlement.
    function _termsEncodedLength() internal pure virtual returns (uint256);

    /**
     * @dev A forced removal by `operator` took `amount` units of `account` and named the
     * settlement whose terms start `data` (at least {_termsEncodedLength} bytes): checks the
     * terms, fails the settlement and releases the rest of its quantity to the seller.
     */
    function _failNamedSettlement(
        bytes calldata data,
        address operator,
        address account,
        uint256 amount
    ) internal virtual;

    /// @dev Reverts with the contract's own error: an unnamed forced removal of `amount` units of
    /// `account` on `token` exceeds its `unassigned` units.
    function _revertExceedsUnassigned(
        address token,
        address account,
        uint256 amount,
        uint256 unassigned
    ) internal pure virtual;
}
