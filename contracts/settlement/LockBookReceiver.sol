// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";
import {CalldataWords} from "../utils/CalldataWords.sol";
import {EncodedError} from "../utils/EncodedError.sol";
import {LockBook} from "./LockBook.sol";
import {TokenListing} from "./TokenListing.sol";

/**
 * @title LockBookReceiver
 * @notice The security token's notifications, as the single-chain DVP and the two-ledger delivery
 * contract both take them ({ILockBook}'s books). Step 1 (`onSecurityTokenLocked`) comes from a
 * security token on the contract's list with exactly `abi.encode(terms)` and opens a settlement
 * ({_register}). Units added to the lock behind the contract's back belong to no settlement; a
 * forced removal either names a settlement (`data` starts with its `abi.encode(terms)`), which
 * then fails at once ({_failSettlement}) and gives the rest of its quantity back ({_releaseRest}),
 * or takes only units that belong to no settlement. The contract gives its interface ID, its terms
 * layout and its own errors to the constructor; ERC-165 reports that interface and
 * {ISecurityTokenLockReceiver}.
 */
abstract contract LockBookReceiver is
    ISecurityTokenLockReceiver,
    AccessControlDefaultAdminRules,
    Pausable,
    ReentrancyGuardTransient,
    TokenListing
{
    /// @dev A forced removal as the token reported it: `operator` called the token, which took
    /// `amount` units of `account` out of this contract's lock.
    struct ForcedRemoval {
        address operator;
        address account;
        uint256 amount;
    }

    /// @dev Units in `lockedOf(this, account)` of security token `token` that belong to no
    /// settlement ({LockBook}); written only by the issuer-path notifications.
    mapping(address token => mapping(address account => uint256)) internal _unassigned;
    /// @dev The security tokens whose locks may open a settlement here (step 1).
    mapping(address token => bool) internal _securityTokenListed;

    /// @dev The contract's own interface ID, which ERC-165 reports besides
    /// {ISecurityTokenLockReceiver}'s.
    bytes4 private immutable _interfaceId;
    /// @dev Length of the contract's `abi.encode(terms)`: step 1's `data` is exactly this long,
    /// and a forced removal's `data` at least this long names a settlement.
    uint256 private immutable _termsLength;
    /// @dev The words of `abi.encode(terms)` that hold an address, and those that hold a `uint64`,
    /// as bit masks for {CalldataWords-hasDirtyBits}.
    uint256 private immutable _addressWords;
    uint256 private immutable _uint64Words;
    /// @dev Selectors of the contract's own errors: `(address token)` for step 1 from an unlisted
    /// token; `(uint256 length)` for terms of the wrong length or with dirty bits; `(bytes32 id,
    /// address token, address account, uint256 amount)` for a lock or removal that does not match
    /// the terms; `(address token, address account, uint256 amount, uint256 unassigned)` for an
    /// unnamed removal beyond the unassigned units.
    bytes4 private immutable _unlistedSecurityTokenError;
    bytes4 private immutable _malformedTermsError;
    bytes4 private immutable _lockMismatchError;
    bytes4 private immutable _exceedsUnassignedError;

    /**
     * @dev The contract's own `interfaceId` (ERC-165), then, in the order the checks use them,
     * step 1's (the unlisted-token error, the terms' length `termsLength` in bytes, the
     * malformed-terms error) and a forced removal's (`addressWords` and `uint64Words` as for
     * {CalldataWords-hasDirtyBits}, the lock-mismatch error, the exceeds-unassigned error); see
     * above for the errors' arguments.
     */
    constructor(
        bytes4 interfaceId,
        bytes4 unlistedSecurityTokenError,
        uint256 termsLength,
        bytes4 malformedTermsError,
        uint256 addressWords,
        uint256 uint64Words,
        bytes4 lockMismatchError,
        bytes4 exceedsUnassignedError
    ) {
        _interfaceId = interfaceId;
        _unlistedSecurityTokenError = unlistedSecurityTokenError;
        _termsLength = termsLength;
        _malformedTermsError = malformedTermsError;
        _addressWords = addressWords;
        _uint64Words = uint64Words;
        _lockMismatchError = lockMismatchError;
        _exceedsUnassignedError = exceedsUnassignedError;
    }

    /**
     * @inheritdoc ISecurityTokenLockReceiver
     * @dev Requirements, in this order: not paused (`EnforcedPause()`); the caller is a listed
     * security token (the contract's unlisted-token error otherwise); `data` exactly
     * `abi.encode(terms)` long (the contract's malformed-terms error with `data.length`
     * otherwise); then {_register} checks the terms against the lock and opens the
     * settlement (see the contract's own documentation for its checks and event).
     */
    function onSecurityTokenLocked(
        address account,
        uint256 amount,
        bytes calldata data
    ) external whenNotPaused nonReentrant returns (bytes4) {
        if (!_securityTokenListed[msg.sender]) {
            EncodedError.revertIfAny(
                abi.encodeWithSelector(_unlistedSecurityTokenError, msg.sender)
            );
        }
        if (data.length != _termsLength) {
            EncodedError.revertIfAny(abi.encodeWithSelector(_malformedTermsError, data.length));
        }
        _register(account, amount, data);
        return ISecurityTokenLockReceiver.onSecurityTokenLocked.selector;
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
     * as a refusal); then {_failSettlement} checks them and fails the settlement (see the
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
            _failSettlement(data, ForcedRemoval(operator, account, amount));
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
     * @notice ERC-165: also reports the contract's own interface and {ISecurityTokenLockReceiver}.
     * @param interfaceId The interface identifier.
     * @return Whether the contract implements it.
     */
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return
            interfaceId == _interfaceId ||
            interfaceId == type(ISecurityTokenLockReceiver).interfaceId ||
            super.supportsInterface(interfaceId);
    }

    /**
     * @dev Step 1 from a listed token, `data` exactly `abi.encode(terms)` long: checks the terms
     * against the lock of `amount` units of `account` and opens the settlement.
     */
    function _register(address account, uint256 amount, bytes calldata data) internal virtual;

    /**
     * @dev A forced `removal` named the settlement whose clean terms start `data` (at least as
     * long as `abi.encode(terms)`): checks the settlement's state and terms, marks it failed,
     * then {_releaseRest} and emits the contract's event.
     */
    function _failSettlement(bytes calldata data, ForcedRemoval memory removal) internal virtual;

    /**
     * @dev For {_failSettlement}: reverts with the contract's lock-mismatch error unless the
     * caller is the settlement's `securityToken`, the removal's account its `seller` and the
     * removal's amount at most its `quantity`; then unlocks the rest of the quantity to the
     * seller ({LockBook-releaseRest}) and returns it.
     */
    function _releaseRest(
        bytes32 id,
        address securityToken,
        address seller,
        uint256 quantity,
        ForcedRemoval memory removal
    ) internal returns (uint256 released) {
        address account = removal.account;
        uint256 amount = removal.amount;
        if (securityToken != msg.sender || seller != account || amount > quantity) {
            EncodedError.revertIfAny(
                abi.encodeWithSelector(_lockMismatchError, id, msg.sender, account, amount)
            );
        }
        released = LockBook.releaseRest(msg.sender, account, id, quantity, amount);
    }
}
