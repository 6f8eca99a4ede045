// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IShareToken} from "../interfaces/ISecurityTokenProducts.sol";
import {SecurityToken} from "./SecurityToken.sol";
import {SecurityTokenEnforcement} from "./extensions/SecurityTokenEnforcement.sol";
import {SecurityTokenTransferApproval} from "./extensions/SecurityTokenTransferApproval.sol";

/**
 * @title ShareToken
 * @notice A share on the security-token core with its transfer approval workflow and enforcement extensions. See {IShareToken}.
 */
contract ShareToken is SecurityTokenTransferApproval, SecurityTokenEnforcement, IShareToken {
    ShareTerms private _terms;

    /**
     * @notice Deploys an active, transferable, unpaused share without the approval workflow.
     * @param setup The token's metadata, registry and default admin ({SecurityToken-Setup}).
     * @param terms The share's terms. Emits {ShareTermsChanged}.
     */
    constructor(Setup memory setup, ShareTerms memory terms) SecurityToken(setup) {
        _terms = terms;
        emit ShareTermsChanged(terms);
    }

    /// @inheritdoc IShareToken
    function setShareTerms(ShareTerms calldata terms) external onlyRole(ISSUER_ROLE) {
        _terms = terms;
        emit ShareTermsChanged(terms);
    }

    /// @inheritdoc IShareToken
    function shareTerms() external view returns (ShareTerms memory) {
        return _terms;
    }
}
