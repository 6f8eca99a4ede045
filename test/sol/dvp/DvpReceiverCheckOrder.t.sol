// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {DvpBase} from "./DvpBase.sol";

/**
 * @notice The lock notifications' checks in their documented order: an input that breaks two
 * rules gets the first rule's error, with its exact arguments, and nothing moves. ERC-165 reports
 * the DVP's own interface only.
 */
contract DvpReceiverCheckOrderTest is DvpBase {
    function test_onSecurityTokenLocked_pauseComesBeforeTheListing() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        vm.prank(pauser);
        dvp.pause();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(stranger);
        dvp.onSecurityTokenLocked(seller, QUANTITY, hex"00");
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_listingComesBeforeTheLength() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnlistedSecurityToken.selector,
                stranger
            )
        );
        vm.prank(stranger);
        dvp.onSecurityTokenLocked(seller, QUANTITY, hex"00");
        _assertUnchanged(before, t);
    }

    function test_onSecurityTokenLocked_lengthComesBeforeTheLockMatch() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        bytes memory long = bytes.concat(abi.encode(t), hex"00");
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpMalformedTerms.selector, long.length)
        );
        vm.prank(address(bond));
        dvp.onSecurityTokenLocked(stranger, QUANTITY + 1, long);
        _assertUnchanged(before, t);
    }

    /// @dev A removal naming a settlement that is no longer open, from another account and for
    /// more than its quantity: the state error, not the lock mismatch.
    function test_onSecurityTokenLockRemoved_stateComesBeforeTheLockMatch() public {
        IDeliveryVersusPayment.Terms memory t = _inState(IDeliveryVersusPayment.State.Cancelled);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpUnexpectedState.selector,
                t.id,
                IDeliveryVersusPayment.State.Cancelled,
                M_OPEN
            )
        );
        vm.prank(address(bond));
        dvp.onSecurityTokenLockRemoved(issuer, stranger, QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    /// @dev An open settlement, a removal from the seller for one unit more than the quantity by
    /// a caller that is not its token: the lock mismatch names the caller, the account and the
    /// amount, in that order.
    function test_onSecurityTokenLockRemoved_lockMismatchNamesCallerAccountAndAmount() public {
        IDeliveryVersusPayment.Terms memory t = _created();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpLockMismatch.selector,
                t.id,
                stranger,
                buyer,
                QUANTITY + 1
            )
        );
        vm.prank(stranger);
        dvp.onSecurityTokenLockRemoved(issuer, buyer, QUANTITY + 1, abi.encode(t));
        _assertUnchanged(before, t);
    }

    function test_supportsInterface_reportsNoneOfTheTwoLedgerInterfaces() public view {
        vm.assertFalse(
            dvp.supportsInterface(type(ICrossLedgerDelivery).interfaceId),
            "ICrossLedgerDelivery"
        );
        vm.assertFalse(
            dvp.supportsInterface(type(ICrossLedgerPayment).interfaceId),
            "ICrossLedgerPayment"
        );
        vm.assertFalse(dvp.supportsInterface(0xffffffff), "0xffffffff");
    }
}
