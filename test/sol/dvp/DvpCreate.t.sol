// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {
    ISecurityToken,
    ISecurityTokenLockReceiver
} from "../../../contracts/interfaces/ISecurityToken.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Step 1: `lock` + {onSecurityTokenLocked} registers a settlement.
contract DvpCreateTest is DvpBase {
    function test_onSecurityTokenLocked_registersPendingSettlement() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        vm.expectEmit(address(bond));
        emit ISecurityToken.Lock(address(dvp), seller, QUANTITY, abi.encode(t));
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCreated(t.id, seller, buyer, t);
        _create(t);

        _assertRecord(t.id, _record(IDeliveryVersusPayment.State.Pending, false, false, false, t));
        vm.assertEq(bond.lockedOf(address(dvp), seller), QUANTITY, "locked to DVP");
        vm.assertEq(bond.balanceOf(seller), ST_ISSUED, "units stay with the seller");
        vm.assertEq(bond.availableBalanceOf(seller), ST_ISSUED - QUANTITY, "available");
        vm.assertTrue(dvp.verifyTerms(t), "terms verify");
    }

    function test_onSecurityTokenLocked_acceptsAgentWithRole() public {
        IDeliveryVersusPayment.Terms memory t = _termsWithAgent();
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SettlementCreated(t.id, seller, buyer, t);
        _create(t);
        vm.assertEq(uint256(dvp.stateOf(t.id)), 1, "pending");
    }

    function test_onSecurityTokenLocked_returnsSelector() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        vm.prank(address(bond));
        bytes4 selector = dvp.onSecurityTokenLocked(seller, QUANTITY, abi.encode(t));
        vm.assertEq(
            bytes32(selector),
            bytes32(ISecurityTokenLockReceiver.onSecurityTokenLocked.selector),
            "selector"
        );
    }

    function test_onSecurityTokenLocked_revertsWhenPaused() public {
        vm.prank(pauser);
        dvp.pause();
        _expectCreateReverts(_terms(), abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_onSecurityTokenLocked_revertsForUnlistedCaller() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnlistedSecurityToken.selector,
                stranger
            )
        );
        vm.prank(stranger);
        dvp.onSecurityTokenLocked(seller, QUANTITY, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForDelistedToken() public {
        vm.prank(admin);
        dvp.setSecurityTokenListed(address(bond), false);
        _expectCreateReverts(
            _terms(),
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnlistedSecurityToken.selector,
                address(bond)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForMalformedData() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        bytes[3] memory malformed = [
            abi.encode(t.id, t.seller),
            bytes.concat(abi.encode(t), hex"00"),
            bytes("")
        ];
        for (uint256 i = 0; i < malformed.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDeliveryVersusPayment.DvpMalformedTerms.selector,
                    malformed[i].length
                )
            );
            vm.prank(seller);
            bond.lock(address(dvp), QUANTITY, malformed[i]);
            _assertUnchanged(before, t);
        }
    }

    function test_onSecurityTokenLocked_revertsForZeroId() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.id = bytes32(0);
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpZeroSettlementId.selector)
        );
    }

    function test_onSecurityTokenLocked_revertsWhenTermsNameAnotherToken() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.securityToken = address(dcjpy);
        _expectCreateReverts(t, _mismatch(t.id, QUANTITY));
    }

    function test_onSecurityTokenLocked_revertsWhenTermsNameAnotherSeller() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        t.seller = stranger;
        vm.expectRevert(_mismatch(t.id, QUANTITY));
        vm.prank(seller);
        bond.lock(address(dvp), QUANTITY, abi.encode(t));
        t.seller = seller;
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsWhenLockedQuantityDiffers() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_mismatch(t.id, QUANTITY + 1));
        vm.prank(seller);
        bond.lock(address(dvp), QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForUnlistedCashToken() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.cashToken = address(bond);
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnlistedCashToken.selector,
                address(bond)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForUsedIdInEveryState() public {
        _assertRejectsOtherStates(M_NONE, _recreate);
    }

    function test_onSecurityTokenLocked_revertsForZeroBuyer() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.buyer = address(0);
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpInvalidParties.selector,
                seller,
                address(0)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForSellerAsBuyer() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.buyer = seller;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpInvalidParties.selector,
                seller,
                seller
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForZeroAmount() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.amount = 0;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpZeroValue.selector, QUANTITY, 0)
        );
    }

    function test_onSecurityTokenLocked_revertsForZeroQuantity() public {
        // The token refuses a zero lock itself; a listed token that did not is still refused.
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.quantity = 0;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpZeroValue.selector, 0, AMOUNT)
        );
        vm.prank(address(bond));
        dvp.onSecurityTokenLocked(seller, 0, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_revertsForDeadlineNow() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.deadline = T0;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpDeadlinePassed.selector,
                t.id,
                T0,
                uint256(T0)
            )
        );
    }

    function test_onSecurityTokenLocked_revertsForAgentWithoutRole() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.agent = stranger;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpInvalidAgent.selector, stranger)
        );
    }

    function test_onSecurityTokenLocked_revertsForSellerAsAgent() public {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(admin);
        dvp.grantRole(role, seller);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.agent = seller;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpInvalidAgent.selector, seller)
        );
    }

    function test_onSecurityTokenLocked_revertsForBuyerAsAgent() public {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(admin);
        dvp.grantRole(role, buyer);
        IDeliveryVersusPayment.Terms memory t = _terms();
        t.agent = buyer;
        _expectCreateReverts(
            t,
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpInvalidAgent.selector, buyer)
        );
    }

    // ---------------------------------------------------------------- helpers

    function _recreate(IDeliveryVersusPayment.Terms memory t) internal {
        _create(t);
    }

    function _mismatch(bytes32 id, uint256 amount) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpLockMismatch.selector,
                id,
                address(bond),
                seller,
                amount
            );
    }

    /// @dev The seller's lock with `t` reverts with `err` (bubbled by the token); nothing moved.
    function _expectCreateReverts(
        IDeliveryVersusPayment.Terms memory t,
        bytes memory err
    ) internal {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(seller);
        bond.lock(address(dvp), t.quantity, abi.encode(t));
        _assertUnchanged(before, t);
    }
}
