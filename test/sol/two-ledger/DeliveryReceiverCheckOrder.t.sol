// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @notice The delivery contract's lock notifications' checks in their documented order: an input
 * that breaks two rules gets the first rule's error, with its exact arguments, and nothing moves.
 * ERC-165 reports the delivery interface, not the single-chain DVP's.
 */
contract DeliveryReceiverCheckOrderTest is TwoLedgerBase {
    function test_onSecurityTokenLocked_pauseComesBeforeTheListing() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.prank(pauser);
        delivery.pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(stranger);
        delivery.onSecurityTokenLocked(seller, QUANTITY, hex"00");
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_listingComesBeforeTheLength() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryUnlistedSecurityToken.selector,
                stranger
            )
        );
        vm.prank(stranger);
        delivery.onSecurityTokenLocked(seller, QUANTITY, hex"00");
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_lengthComesBeforeTheLockMatch() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory long = bytes.concat(abi.encode(t), hex"00");
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryMalformedTerms.selector,
                long.length
            )
        );
        vm.prank(address(bond));
        delivery.onSecurityTokenLocked(stranger, QUANTITY + 1, long);
        _assertUnchanged(before, t);
    }

    /// @dev A removal naming a delivered settlement, from another account and for more than its
    /// quantity: the state error, not the lock mismatch.
    function test_onSecurityTokenLockRemoved_stateComesBeforeTheLockMatch() public {
        ICrossLedger.CrossLedgerTerms memory t = _deliveryInState(
            ICrossLedgerDelivery.State.Delivered
        );
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            _deliveryState(
                t.id,
                ICrossLedgerDelivery.State.Delivered,
                ICrossLedgerDelivery.State.Locked
            )
        );
        vm.prank(address(bond));
        delivery.onSecurityTokenLockRemoved(issuer, stranger, QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    /// @dev A locked settlement, a removal from the buyer for one unit more than the quantity by
    /// a caller that is not its token: the lock mismatch names the caller, the account and the
    /// amount, in that order.
    function test_onSecurityTokenLockRemoved_lockMismatchNamesCallerAccountAndAmount() public {
        ICrossLedger.CrossLedgerTerms memory t = _locked();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryLockMismatch.selector,
                t.id,
                stranger,
                buyer,
                QUANTITY + 1
            )
        );
        vm.prank(stranger);
        delivery.onSecurityTokenLockRemoved(issuer, buyer, QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_supportsInterface_reportsNotTheSingleChainDvp() public view {
        vm.assertFalse(
            delivery.supportsInterface(type(IDeliveryVersusPayment).interfaceId),
            "IDeliveryVersusPayment"
        );
        vm.assertFalse(delivery.supportsInterface(0xffffffff), "0xffffffff");
    }
}
