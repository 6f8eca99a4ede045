// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";
import {CalldataWords} from "../utils/CalldataWords.sol";
import {EncodedError} from "../utils/EncodedError.sol";
import {LockBook} from "./LockBook.sol";

/**
 * @title LockBookReceiver
 * @notice The security token's issuer-path notifications, as the single-chain DVP and the
 * two-ledger delivery contract both take them ({ILockBook}'s books): units added to the lock
 * behind the contract's back belong to no settlement; a forced removal either names a settlement
 * (`data` starts with its `abi.encode(terms)`), which then fails at once, or takes only units
 * that belong to no settlement. The contract gives its terms layout and its own two errors to the
 * constructor, and fails a named settlement in {_failNamedSettlement}; step 1
 * (`onSecurityTokenLocked`) stays each contract's own.
 */
abstract contract LockBookReceiver is ISecurityTokenLockReceiver, ReentrancyGuardTransient {
    /// @dev Units in `lockedOf(this, account)` of security token `token` that belong to no
    /// settlement ({LockBook}); written only by the issuer-path notifications.
    mapping(address token => mapping(address account => uint256)) internal _unassigned;

    /// @dev Length of the contract's `abi.encode(terms)`: `data` at least this long names a
    /// settlement.
    uint256 private immutable _termsLength;
    /// @dev The words of `abi.encode(terms)` that hold an address, and those that hold a `uint64`,
    /// as bit masks for {CalldataWords-hasDirtyBits}.
    uint256 private immutable _addressWords;
    uint256 private immutable _uint64Words;
    /// @dev Selectors of the contract's own errors: `(uint256 length)` for named terms with dirty
    /// bits, `(address token, address account, uint256 amount, uint256 unassigned)` for an
    /// unnamed removal beyond the unassigned units.
    bytes4 private immutable _malformedTermsError;
    bytes4 private immutable _exceedsUnassignedError;

    /**
     * @dev The contract's terms layout (`termsLength` bytes; `addressWords` and `uint64Words` as
     * for {CalldataWords-hasDirtyBits}) and the selectors of its two errors (see above).
     */
    constructor(
        uint256 termsLength,
        uint256 addressWords,
        uint256 uint64Words,
        bytes4 malformedTermsError,
        bytes4 exceedsUnassignedError
    ) {
        _termsLength = termsLength;
        _addressWords = addressWords;
        _uint64Words = uint64Words;
        _malformedTermsError = malformedTermsError;
        _exceedsUnassignedError = exceedsUnassignedError;
    }

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
     * @dev With `data` at least as long as `abi.encode(terms)`, the removal names a settlement:
     * `data` starts with its terms, the rest is free (a court's reference, say) and ignored; each
     * address and `uint64` word of the terms must be a clean value of its type (the contract's
     * malformed-terms error with `data.length` otherwise: the check the ABI decoder would make on
     * a member read, but with the contract's own error, as the token would report an empty revert
     * as a refusal); then {_failNamedSettlement} checks them and fails the settlement (see the
     * contract's own documentation for its states and errors). With shorter `data` (empty, or a
     * reference alone) the units must come from `unassignedLockOf(caller, account)` (the
     * contract's exceeds-unassigned error otherwise); emits `UnassignedLockChanged`. Works while
     * paused.
     */
    function onSecurityTokenLockRemoved(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external nonReentrant returns (bytes4) {
        if (data.length >= _termsLength) {
            if (CalldataWords.hasDirtyBits(data, _addressWords, _uint64Words)) {
                EncodedError.revertIfAny(abi.encodeWithSelector(_malformedTermsError, data.length));
            }
            _failNamedSettlement(data, operator, account, amount);
        } else {
            (bool removed, uint256 unassigned) = LockBook.remove(
                _unassigned,
                msg.sender,
                account,
                amount
            );
            if (!removed) {
                EncodedError.revertIfAny(
                    abi.encodeWithSelector(
                        _exceedsUnassignedError,
                        msg.sender,
                        account,
                        amount,
                        unassigned
                    )
                );
            }
        }
        return ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector;
    }

    /**
     * @dev A forced removal by `operator` took `amount` units of `account` and named the
     * settlement whose clean terms start `data` (at least as long as `abi.encode(terms)`): checks
     * the terms, fails the settlement and releases the rest of its quantity to the seller.
     */
    function _failNamedSettlement(
        bytes calldata data,
        address operator,
        address account,
        uint256 amount
    ) internal virtual;
}
