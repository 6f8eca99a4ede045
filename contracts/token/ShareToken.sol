// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
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
     * @param name_ Token name.
     * @param symbol_ Token symbol.
     * @param decimals_ Decimals (0 for whole units).
     * @param registry The eligibility registry (a contract).
     * @param admin The default admin, who grants every other role.
     * @param adminDelay Delay of a default admin handover, in seconds.
     * @param terms The share's terms. Emits {ShareTermsChanged}.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        IInvestorRegistry registry,
        address admin,
        uint48 adminDelay,
        ShareTerms memory terms
    ) SecurityToken(name_, symbol_, decimals_, registry, admin, adminDelay) {
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
