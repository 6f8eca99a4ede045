// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/* solhint-disable no-inline-assembly */

import {ISecurityToken, ISecurityTokenLockReceiver} from "../interfaces/ISecurityToken.sol";

/**
 * @title LockReceiverMock
 * @notice Test mock: a lock address that accepts, rejects or misbehaves on the
 * {ISecurityTokenLockReceiver} callbacks (the holder's lock and the enforcement paths' additions
 * and removals, all answered in the same mode), and records what it saw.
 */
contract LockReceiverMock is ISecurityTokenLockReceiver {
    /// @notice How the mock answers the callbacks.
    enum Mode {
        Accept,
        WrongSelector,
        RevertWithError,
        RevertEmpty,
        ReturnNothing,
        UnlockAtOnce
    }

    /// @notice A callback `selector` was accepted (emitted in every accepting mode, in call order).
    event Notified(
        bytes4 indexed selector,
        address operator,
        address account,
        uint256 amount,
        bytes data
    );

    /// @notice Raised in mode `RevertWithError`.
    error LockReceiverMockRejected(address account, uint256 amount);

    /// @notice Current mode.
    Mode public mode;
    /// @notice Number of {onSecurityTokenLocked} callbacks received.
    uint256 public calls;
    /// @notice Number of {onSecurityTokenLockAdded} callbacks received.
    uint256 public addedCalls;
    /// @notice Number of {onSecurityTokenLockRemoved} callbacks received.
    uint256 public removedCalls;
    /// @notice Token of the last callback.
    address public lastToken;
    /// @notice Operator of the last enforcement callback.
    address public lastOperator;
    /// @notice Holder of the last callback.
    address public lastAccount;
    /// @notice Amount of the last callback.
    uint256 public lastAmount;
    /// @notice Data of the last callback.
    bytes public lastData;
    /// @notice `lockedOf(this, account)` as read during the last callback.
    uint256 public lockedSeen;

    /// @notice Sets the mode.
    /// @param mode_ The new mode.
    function setMode(Mode mode_) external {
        mode = mode_;
    }

    /// @notice Releases `value` of `account`'s units locked to this mock, to `recipient`.
    /// @param token The token.
    /// @param account The holder.
    /// @param recipient The recipient.
    /// @param value Units.
    function release(
        ISecurityToken token,
        address account,
        address recipient,
        uint256 value
    ) external {
        token.unlock(account, recipient, value, "");
    }

    /// @inheritdoc ISecurityTokenLockReceiver
    function onSecurityTokenLocked(
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4) {
        ++calls;
        return
            _answer(
                address(0),
                account,
                amount,
                data,
                ISecurityTokenLockReceiver.onSecurityTokenLocked.selector
            );
    }

    /// @inheritdoc ISecurityTokenLockReceiver
    function onSecurityTokenLockAdded(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4) {
        ++addedCalls;
        return
            _answer(
                operator,
                account,
                amount,
                data,
                ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector
            );
    }

    /// @inheritdoc ISecurityTokenLockReceiver
    function onSecurityTokenLockRemoved(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4) {
        ++removedCalls;
        return
            _answer(
                operator,
                account,
                amount,
                data,
                ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector
            );
    }

    /// @dev Records the callback and answers it as the mode says (a revert undoes the record).
    function _answer(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data,
        bytes4 selector
    ) private returns (bytes4) {
        Mode current = mode;
        if (current == Mode.RevertWithError) revert LockReceiverMockRejected(account, amount);
        if (current == Mode.RevertEmpty) {
            assembly ("memory-safe") {
                revert(0, 0)
            }
        }
        if (current == Mode.ReturnNothing) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        lastToken = msg.sender;
        lastOperator = operator;
        lastAccount = account;
        lastAmount = amount;
        lastData = data;
        lockedSeen = ISecurityToken(msg.sender).lockedOf(address(this), account);
        emit Notified(selector, operator, account, amount, data);
        if (current == Mode.UnlockAtOnce) {
            ISecurityToken(msg.sender).unlock(account, account, amount, "");
        }
        if (current == Mode.WrongSelector) return bytes4(0xdeadbeef);
        return selector;
    }
}
