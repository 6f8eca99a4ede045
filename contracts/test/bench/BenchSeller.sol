// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../interfaces/IDeliveryVersusPayment.sol";
import {ISecurityToken} from "../../interfaces/ISecurityToken.sol";

/**
 * @title BenchSeller
 * @notice Benchmark helper: a seller that holds security-token units and opens many settlements
 * per transaction (step 1, `lock` with the terms, in a loop), so that thousands of open
 * settlements can be put in storage quickly. It must be eligible on the security token and on the
 * cash token, since it receives the cash when its settlements settle.
 *
 * Settlement `index` has the ID `bytes32((ID_NAMESPACE << 128) | index)` and the terms
 * `(id, this, buyer, securityToken, quantity, cashToken, amount, deadline, address(0))`.
 */
contract BenchSeller {
    /// @notice The high bits of every settlement ID this contract opens.
    uint256 public constant ID_NAMESPACE = 0xBE4C4;

    /**
     * @notice Opens the settlements `first` to `first + count - 1` on `dvp`, each one locking
     * `quantity` units of `securityToken` for `amount` of `cashToken` from `buyer`.
     * @param dvp The DVP contract (the lock address).
     * @param securityToken The security token this contract holds.
     * @param cashToken The cash token of the terms.
     * @param buyer The buyer of every settlement.
     * @param quantity Units locked per settlement.
     * @param amount Cash per settlement.
     * @param deadline The deadline of every settlement.
     * @param first Index of the first settlement.
     * @param count Number of settlements to open.
     */
    function openMany(
        address dvp,
        ISecurityToken securityToken,
        address cashToken,
        address buyer,
        uint256 quantity,
        uint256 amount,
        uint64 deadline,
        uint256 first,
        uint256 count
    ) external {
        IDeliveryVersusPayment.Terms memory terms = IDeliveryVersusPayment.Terms({
            id: bytes32(0),
            seller: address(this),
            buyer: buyer,
            securityToken: address(securityToken),
            quantity: quantity,
            cashToken: cashToken,
            amount: amount,
            deadline: deadline,
            agent: address(0)
        });
        uint256 end = first + count;
        for (uint256 index = first; index < end; ++index) {
            terms.id = settlementId(index);
            securityToken.lock(dvp, quantity, abi.encode(terms));
        }
    }

    /**
     * @notice The ID of settlement `index`.
     * @param index The settlement's index.
     * @return The ID.
     */
    function settlementId(uint256 index) public pure returns (bytes32) {
        return bytes32((ID_NAMESPACE << 128) | index);
    }
}
