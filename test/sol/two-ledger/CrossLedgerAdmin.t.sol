// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {ISecurityTokenLockReceiver} from "../../../contracts/interfaces/ISecurityToken.sol";
import {CrossLedgerBase} from "../../../contracts/settlement/CrossLedgerBase.sol";
import {CrossLedgerDelivery} from "../../../contracts/settlement/CrossLedgerDelivery.sol";
import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/// @notice Both contracts: roles, listing, counterparts, pause, admin handover, the EIP-712 types
/// and the views the verifier service reads.
contract CrossLedgerAdminTest is TwoLedgerBase {
    function _both() private view returns (CrossLedgerBase[2] memory) {
        return [CrossLedgerBase(address(delivery)), CrossLedgerBase(address(payment))];
    }

    function test_constructor_setsAdminAndNothingElse() public {
        CrossLedgerBase[2] memory fresh = [
            CrossLedgerBase(address(new CrossLedgerDelivery(2 days, admin))),
            CrossLedgerBase(address(new CrossLedgerPayment(2 days, admin)))
        ];
        for (uint256 i = 0; i < 2; ++i) {
            vm.assertEq(fresh[i].defaultAdmin(), admin, "admin");
            vm.assertEq(fresh[i].defaultAdminDelay(), 2 days, "delay");
            vm.assertFalse(fresh[i].paused(), "not paused");
            vm.assertFalse(fresh[i].hasRole(fresh[i].VERIFIER_ROLE(), verifier), "no verifier");
            vm.assertFalse(
                fresh[i].isCounterpartListed(block.chainid, address(payment)),
                "no counterpart"
            );
            vm.assertEq(fresh[i].PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser role");
            vm.assertEq(fresh[i].VERIFIER_ROLE(), keccak256("VERIFIER_ROLE"), "verifier role");
        }
        vm.assertFalse(
            CrossLedgerDelivery(address(fresh[0])).isSecurityTokenListed(address(bond)),
            "no security token"
        );
        vm.assertFalse(
            CrossLedgerPayment(address(fresh[1])).isCashTokenListed(address(dcjpy)),
            "no cash token"
        );
    }

    function test_defaultAdmin_isHandedOverInTwoStepsOnly() public {
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            bytes32 adminRole = both[i].DEFAULT_ADMIN_ROLE();
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector
                )
            );
            vm.prank(admin);
            both[i].grantRole(adminRole, stranger);
            vm.prank(admin);
            both[i].beginDefaultAdminTransfer(stranger);
            vm.warp(block.timestamp + 1); // the schedule must have passed (delay 0 here)
            vm.prank(stranger);
            both[i].acceptDefaultAdminTransfer();
            vm.assertEq(both[i].defaultAdmin(), stranger, "handed over");
        }
    }

    function test_setCounterpartListed_adminListsAndDelists() public {
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectEmit(address(both[i]));
            emit ICrossLedger.CounterpartListed(77, stranger, true);
            vm.prank(admin);
            both[i].setCounterpartListed(77, stranger, true);
            vm.assertTrue(both[i].isCounterpartListed(77, stranger), "listed");
            vm.assertFalse(both[i].isCounterpartListed(78, stranger), "per chain");
            vm.expectEmit(address(both[i]));
            emit ICrossLedger.CounterpartListed(77, stranger, false);
            vm.prank(admin);
            both[i].setCounterpartListed(77, stranger, false);
            vm.assertFalse(both[i].isCounterpartListed(77, stranger), "delisted");
        }
    }

    function test_adminFunctions_revertForNonAdmin() public {
        CrossLedgerBase[2] memory both = _both();
        bytes memory err = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector,
            verifier,
            bytes32(0)
        );
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectRevert(err);
            vm.prank(verifier);
            both[i].setCounterpartListed(77, stranger, true);
            vm.assertFalse(both[i].isCounterpartListed(77, stranger), "not listed");
        }
        vm.expectRevert(err);
        vm.prank(verifier);
        delivery.setSecurityTokenListed(stranger, true);
        vm.expectRevert(err);
        vm.prank(verifier);
        payment.setCashTokenListed(stranger, true);
        vm.assertFalse(delivery.isSecurityTokenListed(stranger), "no security token");
        vm.assertFalse(payment.isCashTokenListed(stranger), "no cash token");
    }

    function test_setSecurityTokenListed_adminListsAndDelists() public {
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SecurityTokenListed(stranger, true);
        vm.prank(admin);
        delivery.setSecurityTokenListed(stranger, true);
        vm.assertTrue(delivery.isSecurityTokenListed(stranger), "listed");
        vm.expectEmit(address(delivery));
        emit ICrossLedgerDelivery.SecurityTokenListed(stranger, false);
        vm.prank(admin);
        delivery.setSecurityTokenListed(stranger, false);
        vm.assertFalse(delivery.isSecurityTokenListed(stranger), "delisted");
    }

    function test_setCashTokenListed_adminListsAndDelists() public {
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.CashTokenListed(stranger, true);
        vm.prank(admin);
        payment.setCashTokenListed(stranger, true);
        vm.assertTrue(payment.isCashTokenListed(stranger), "listed");
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.CashTokenListed(stranger, false);
        vm.prank(admin);
        payment.setCashTokenListed(stranger, false);
        vm.assertFalse(payment.isCashTokenListed(stranger), "delisted");
    }

    function test_pause_pauserPausesAndUnpauses() public {
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectEmit(address(both[i]));
            emit Pausable.Paused(pauser);
            vm.prank(pauser);
            both[i].pause();
            vm.assertTrue(both[i].paused(), "paused");
            vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
            vm.prank(pauser);
            both[i].pause();
            vm.expectEmit(address(both[i]));
            emit Pausable.Unpaused(pauser);
            vm.prank(pauser);
            both[i].unpause();
            vm.assertFalse(both[i].paused(), "unpaused");
            vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
            vm.prank(pauser);
            both[i].unpause();
        }
    }

    function test_pause_revertsForNonPauser() public {
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            bytes memory err = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                admin,
                keccak256("PAUSER_ROLE")
            );
            vm.expectRevert(err);
            vm.prank(admin);
            both[i].pause();
            vm.prank(pauser);
            both[i].pause();
            vm.expectRevert(err);
            vm.prank(admin);
            both[i].unpause();
            vm.assertTrue(both[i].paused(), "still paused");
        }
    }

    // ---------------------------------------------------------------- EIP-712 types and views

    function test_typehashes_matchTheTypeStrings() public view {
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            vm.assertEq(both[i].TERMS_TYPEHASH(), keccak256(TERMS_TYPE), "terms type");
            vm.assertEq(
                both[i].OUTCOME_TYPEHASH(),
                keccak256(bytes.concat(OUTCOME_TYPE, TERMS_TYPE)),
                "outcome type"
            );
        }
    }

    function test_hashTerms_isTheEip712StructHashOnBothLedgers() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.assertEq(delivery.hashTerms(t), _termsHash(t), "delivery");
        vm.assertEq(payment.hashTerms(t), _termsHash(t), "payment");
    }

    function test_outcomeDigest_isTheSameOnBothLedgersAndMatchesTheSpec() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        for (uint8 o = 1; o < 3; ++o) {
            ICrossLedger.Outcome outcome = ICrossLedger.Outcome(o);
            bytes32 spec = _outcomeDigest(t, outcome);
            vm.assertEq(delivery.outcomeDigest(t, outcome), spec, "delivery");
            vm.assertEq(payment.outcomeDigest(t, outcome), spec, "payment");
        }
        vm.assertTrue(
            delivery.outcomeDigest(t, ICrossLedger.Outcome.Paid) !=
                delivery.outcomeDigest(t, ICrossLedger.Outcome.Refunded),
            "outcomes differ"
        );
    }

    function test_eip712Domain_ofTheDeliveryIsWhatThePaymentRebuilds() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            ,

        ) = delivery.eip712Domain();
        vm.assertEq(uint256(uint8(fields)), 0x0f, "name, version, chainId, verifyingContract");
        vm.assertEq(name, "Kessai CrossLedgerDelivery", "name");
        vm.assertEq(version, "1", "version");
        vm.assertEq(chainId, block.chainid, "chain");
        vm.assertEq(verifyingContract, address(delivery), "contract");
        vm.assertEq(
            payment.deliveryDomainSeparator(chainId, verifyingContract),
            _domainSeparator(block.chainid, address(delivery)),
            "domain separator"
        );
    }

    function test_verifyTerms_trueOnlyForCommittedTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.assertFalse(delivery.verifyTerms(t), "unknown on the ST ledger");
        vm.assertFalse(payment.verifyTerms(t), "unknown on the cash ledger");
        _lock(t);
        _instruct(t);
        vm.assertTrue(delivery.verifyTerms(t), "ST ledger");
        vm.assertTrue(payment.verifyTerms(t), "cash ledger");
        t.amount += 1;
        vm.assertFalse(delivery.verifyTerms(t), "altered, ST ledger");
        vm.assertFalse(payment.verifyTerms(t), "altered, cash ledger");
    }

    function test_recordsOfUnknownIdsAreAllZero() public view {
        bytes32 id = keccak256("unknown");
        ICrossLedgerDelivery.Delivery memory d = delivery.deliveryOf(id);
        ICrossLedgerPayment.Payment memory p = payment.paymentOf(id);
        vm.assertEq(uint256(d.state), 0, "delivery None");
        vm.assertEq(bytes32(d.termsDigest), bytes32(0), "delivery digest");
        vm.assertEq(uint256(delivery.stateOf(id)), 0, "delivery stateOf");
        vm.assertEq(uint256(p.state), 0, "payment None");
        vm.assertFalse(p.transferPending, "payment pending");
        vm.assertEq(bytes32(p.termsDigest), bytes32(0), "payment digest");
        vm.assertEq(uint256(payment.stateOf(id)), 0, "payment stateOf");
    }

    function test_supportsInterface_reportsEachContractsInterfaces() public view {
        vm.assertTrue(
            delivery.supportsInterface(type(ICrossLedgerDelivery).interfaceId),
            "ICrossLedgerDelivery"
        );
        vm.assertTrue(
            delivery.supportsInterface(type(ISecurityTokenLockReceiver).interfaceId),
            "lock receiver"
        );
        vm.assertTrue(
            payment.supportsInterface(type(ICrossLedgerPayment).interfaceId),
            "ICrossLedgerPayment"
        );
        CrossLedgerBase[2] memory both = _both();
        for (uint256 i = 0; i < 2; ++i) {
            vm.assertTrue(
                both[i].supportsInterface(type(IAccessControl).interfaceId),
                "access control"
            );
            vm.assertTrue(both[i].supportsInterface(type(IERC165).interfaceId), "ERC-165");
            vm.assertFalse(both[i].supportsInterface(0xffffffff), "not 0xffffffff");
        }
        vm.assertFalse(
            payment.supportsInterface(type(ISecurityTokenLockReceiver).interfaceId),
            "payment is no lock receiver"
        );
    }
}
