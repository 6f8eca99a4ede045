// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IStraightBondToken} from "../interfaces/ISecurityTokenProducts.sol";
import {SecurityToken} from "./SecurityToken.sol";
import {SecurityTokenEnforcement} from "./extensions/SecurityTokenEnforcement.sol";
import {SecurityTokenTransferApproval} from "./extensions/SecurityTokenTransferApproval.sol";

/**
 * @title StraightBondToken
 * @notice A straight bond on the security-token core with its transfer approval workflow and enforcement extensions. See {IStraightBondToken}.
 */
contract StraightBondToken is
    SecurityTokenTransferApproval,
    SecurityTokenEnforcement,
    IStraightBondToken
{
    BondTerms private _terms;

    /**
     * @notice Deploys an active, transferable, unpaused bond without the approval workflow.
     * @param setup The token's metadata, registry and default admin ({SecurityToken-Setup}).
     * @param terms The bond's terms. Emits {BondTermsChanged}.
     */
    constructor(Setup memory setup, BondTerms memory terms) SecurityToken(setup) {
        _terms = terms;
        emit BondTermsChanged(terms);
    }

    /// @inheritdoc IStraightBondToken
    function setBondTerms(BondTerms calldata terms) external onlyRole(ISSUER_ROLE) {
        _terms = terms;
        emit BondTermsChanged(terms);
    }

    /// @inheritdoc IStraightBondToken
    function bondTerms() external view returns (BondTerms memory) {
        return _terms;
    }
}
