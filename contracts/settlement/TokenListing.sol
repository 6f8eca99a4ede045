// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/**
 * @title TokenListing
 * @notice How {DeliveryVersusPayment}, {CrossLedgerDelivery} and {CrossLedgerPayment} list the
 * tokens they accept: each keeps its own lists (security tokens, cash tokens) and emits its own
 * interface's event; who may change a list and under which guard is decided here, once.
 */
abstract contract TokenListing is AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    /**
     * @dev Sets `list[token]` to `listed`. Requirements: the caller holds DEFAULT_ADMIN_ROLE
     * (`AccessControlUnauthorizedAccount` otherwise); not re-entered. The caller emits its event.
     */
    function _setListed(
        mapping(address token => bool) storage list,
        address token,
        bool listed
    ) internal onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        list[token] = listed;
    }
}
