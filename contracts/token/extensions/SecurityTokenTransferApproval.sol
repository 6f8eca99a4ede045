// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityToken} from "../../interfaces/ISecurityToken.sol";
import {EncodedError} from "../../utils/EncodedError.sol";
import {SecurityToken} from "../SecurityToken.sol";

/**
 * @title SecurityTokenTransferApproval
 * @notice The transfer approval workflow of {SecurityToken}: while the issuer requires approval
 * ({ISecurityToken-setTransferApprovalRequired}), a holder applies for a transfer
 * ({applyForTransfer}), which locks the units to the token's own address; a
 * `TRANSFER_APPROVER_ROLE` holder approves it ({approveTransfer}, which moves them under every
 * transfer rule but the approval switch) or, like the holder, cancels it ({cancelTransfer}).
 * @dev An extension in the manner of OpenZeppelin's `ERC20Pausable`: it adds functions and their
 * storage, and changes nothing in the core's rules or its balance door ({SecurityToken-_update}).
 */
abstract contract SecurityTokenTransferApproval is SecurityToken {
    using EncodedError for bytes;

    uint256 private _applicationCount;
    mapping(uint256 applicationId => TransferApplication) private _applications;

    /// @inheritdoc ISecurityToken
    function applyForTransfer(
        address to,
        uint256 value,
        bytes calldata data
    ) external returns (uint256 applicationId) {
        _checkAmount(value);
        _transferError(msg.sender, to, value, _PATH_APPROVED, address(0)).revertIfAny();
        applicationId = ++_applicationCount;
        _applications[applicationId] = TransferApplication({
            from: msg.sender,
            to: to,
            value: value,
            status: ApplicationStatus.Pending
        });
        _addLock(address(this), msg.sender, value);
        emit Lock(address(this), msg.sender, value, data);
        emit TransferApplied(applicationId, msg.sender, to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function cancelTransfer(uint256 applicationId, bytes calldata data) external {
        TransferApplication storage application = _pendingApplication(applicationId);
        address from = application.from;
        if (msg.sender != from && !hasRole(TRANSFER_APPROVER_ROLE, msg.sender)) {
            revert SecurityTokenUnauthorizedCancel(applicationId, msg.sender);
        }
        application.status = ApplicationStatus.Cancelled;
        uint256 value = application.value;
        _release(address(this), from, from, value);
        emit Unlock(address(this), from, from, value, data);
        emit TransferCancelled(applicationId, from, application.to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function approveTransfer(
        uint256 applicationId,
        bytes calldata data
    ) external onlyRole(TRANSFER_APPROVER_ROLE) {
        TransferApplication storage application = _pendingApplication(applicationId);
        address from = application.from;
        address to = application.to;
        uint256 value = application.value;
        _transferError(from, to, value, _PATH_APPROVED, address(this)).revertIfAny();
        application.status = ApplicationStatus.Approved;
        _release(address(this), from, to, value);
        emit Unlock(address(this), from, to, value, data);
        emit TransferApproved(applicationId, from, to, value, data);
    }

    /// @inheritdoc ISecurityToken
    function transferApplication(
        uint256 applicationId
    ) external view returns (TransferApplication memory) {
        return _applications[applicationId];
    }

    /// @inheritdoc ISecurityToken
    function applicationCount() external view returns (uint256) {
        return _applicationCount;
    }

    /// @dev The pending application `applicationId`, or a revert.
    function _pendingApplication(
        uint256 applicationId
    ) private view returns (TransferApplication storage application) {
        application = _applications[applicationId];
        ApplicationStatus current = application.status;
        if (current != ApplicationStatus.Pending) {
            revert SecurityTokenUnexpectedApplicationStatus(applicationId, current);
        }
    }
}
