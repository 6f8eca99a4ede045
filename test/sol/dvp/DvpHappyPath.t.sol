// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Step 1 and settlement by the buyer, against the real bond and DCJPY.
contract DvpHappyPathTest is DvpBase {
    function test_settle_buyerSettlesPendingAgainstRealTokens() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "locked");
        vm.prank(buyer);
        bool settled = dvp.settle(t);
        vm.assertTrue(settled, "settled");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer ST");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED - QUANTITY, "seller ST");
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller cash");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED - AMOUNT, "buyer cash");
        vm.assertEq(bond.lockedOf(address(dvp), seller), 0, "lock");
    }
}
