// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {ISecurityTokenLockReceiver} from "../../../contracts/interfaces/ISecurityToken.sol";
import {DeliveryVersusPayment} from "../../../contracts/settlement/DeliveryVersusPayment.sol";
import {DvpBase} from "./DvpBase.sol";

/// @notice Listing, pause, roles and views.
contract DvpAdminTest is DvpBase {
    function test_constructor_setsAdminAndNothingElse() public {
        DeliveryVersusPayment fresh = new DeliveryVersusPayment(2 days, admin);
        vm.assertEq(fresh.defaultAdmin(), admin, "admin");
        vm.assertEq(fresh.defaultAdminDelay(), 2 days, "delay");
        vm.assertFalse(fresh.isSecurityTokenListed(address(bond)), "no token listed");
        vm.assertFalse(fresh.paused(), "not paused");
        vm.assertEq(fresh.PAUSER_ROLE(), keccak256("PAUSER_ROLE"), "pauser role");
        vm.assertEq(
            fresh.SETTLEMENT_AGENT_ROLE(),
            keccak256("SETTLEMENT_AGENT_ROLE"),
            "agent role"
        );
    }

    function test_setSecurityTokenListed_adminListsAndDelists() public {
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SecurityTokenListed(stranger, true);
        vm.prank(admin);
        dvp.setSecurityTokenListed(stranger, true);
        vm.assertTrue(dvp.isSecurityTokenListed(stranger), "listed");
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.SecurityTokenListed(stranger, false);
        vm.prank(admin);
        dvp.setSecurityTokenListed(stranger, false);
        vm.assertFalse(dvp.isSecurityTokenListed(stranger), "delisted");
    }

    function test_setSecurityTokenListed_revertsForNonAdmin() public {
        AdminState memory before = _adminState();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                pauser,
                bytes32(0)
            )
        );
        vm.prank(pauser);
        dvp.setSecurityTokenListed(stranger, true);
        vm.assertFalse(dvp.isSecurityTokenListed(stranger), "not listed");
        _assertAdminUnchanged(before);
    }

    function test_setCashTokenListed_adminListsAndDelists() public {
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.CashTokenListed(stranger, true);
        vm.prank(admin);
        dvp.setCashTokenListed(stranger, true);
        vm.assertTrue(dvp.isCashTokenListed(stranger), "listed");
        vm.expectEmit(address(dvp));
        emit IDeliveryVersusPayment.CashTokenListed(address(dcjpy), false);
        vm.prank(admin);
        dvp.setCashTokenListed(address(dcjpy), false);
        vm.assertFalse(dvp.isCashTokenListed(address(dcjpy)), "delisted");
    }

    function test_setCashTokenListed_revertsForNonAdmin() public {
        AdminState memory before = _adminState();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                bytes32(0)
            )
        );
        vm.prank(stranger);
        dvp.setCashTokenListed(stranger, true);
        vm.assertFalse(dvp.isCashTokenListed(stranger), "not listed");
        _assertAdminUnchanged(before);
    }

    function test_pause_pauserPausesAndUnpauses() public {
        vm.expectEmit(address(dvp));
        emit Pausable.Paused(pauser);
        vm.prank(pauser);
        dvp.pause();
        vm.assertTrue(dvp.paused(), "paused");
        vm.expectEmit(address(dvp));
        emit Pausable.Unpaused(pauser);
        vm.prank(pauser);
        dvp.unpause();
        vm.assertFalse(dvp.paused(), "unpaused");
    }

    function test_pause_revertsForNonPauser() public {
        bytes32 role = dvp.PAUSER_ROLE();
        AdminState memory before = _adminState();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                admin,
                role
            )
        );
        vm.prank(admin);
        dvp.pause();
        vm.assertFalse(dvp.paused(), "not paused");
        _assertAdminUnchanged(before);
    }

    function test_pause_revertsWhenAlreadyPaused() public {
        vm.prank(pauser);
        dvp.pause();
        AdminState memory before = _adminState();
        vm.expectRevert(abi.encodeWithSelector(Pausable.EnforcedPause.selector));
        vm.prank(pauser);
        dvp.pause();
        _assertAdminUnchanged(before);
    }

    function test_unpause_revertsForNonPauser() public {
        vm.prank(pauser);
        dvp.pause();
        bytes32 role = dvp.PAUSER_ROLE();
        AdminState memory before = _adminState();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                role
            )
        );
        vm.prank(stranger);
        dvp.unpause();
        vm.assertTrue(dvp.paused(), "still paused");
        _assertAdminUnchanged(before);
    }

    function test_unpause_revertsWhenNotPaused() public {
        AdminState memory before = _adminState();
        vm.expectRevert(abi.encodeWithSelector(Pausable.ExpectedPause.selector));
        vm.prank(pauser);
        dvp.unpause();
        _assertAdminUnchanged(before);
    }

    // ---------------------------------------------------------------- views

    function test_hashTerms_matchesEip712StructHash() public {
        IDeliveryVersusPayment.Terms memory t = _termsWithAgent();
        vm.assertEq(dvp.hashTerms(t), _termsHash(t), "struct hash");
        vm.assertEq(dvp.TERMS_TYPEHASH(), keccak256(TERMS_TYPE), "terms typehash");
        vm.assertEq(
            dvp.AFFIRM_TYPEHASH(),
            keccak256(bytes.concat(AFFIRM_TYPE, TERMS_TYPE)),
            "affirm typehash"
        );
        vm.assertEq(
            dvp.APPROVE_TYPEHASH(),
            keccak256(bytes.concat(APPROVE_TYPE, TERMS_TYPE)),
            "approve typehash"
        );
    }

    function test_affirmDigest_matchesEip712Digest() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        vm.assertEq(dvp.affirmDigest(t), _affirmDigest(t), "affirm digest");
        t.agent = agent;
        vm.assertEq(dvp.approveDigest(t), _approveDigest(t, 0), "approve digest, epoch 0");
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.prank(admin);
        dvp.revokeRole(role, agent);
        vm.assertEq(dvp.approveDigest(t), _approveDigest(t, 1), "approve digest, epoch 1");
        (, string memory name, string memory version, uint256 chainId, address verifying, , ) = dvp
            .eip712Domain();
        vm.assertEq(name, "Kessai DVP", "domain name");
        vm.assertEq(version, "1", "domain version");
        vm.assertEq(chainId, block.chainid, "chain id");
        vm.assertEq(verifying, address(dvp), "verifying contract");
    }

    function test_verifyTerms_trueOnlyForCommittedTerms() public {
        IDeliveryVersusPayment.Terms memory t = _terms();
        vm.assertFalse(dvp.verifyTerms(t), "unknown id");
        _create(t);
        vm.assertTrue(dvp.verifyTerms(t), "committed terms");
        t.amount += 1;
        vm.assertFalse(dvp.verifyTerms(t), "altered terms");
    }

    function test_settlementOf_unknownIdIsAllZero() public view {
        IDeliveryVersusPayment.Settlement memory s = dvp.settlementOf(keccak256("unknown"));
        vm.assertEq(uint256(s.state), 0, "state");
        vm.assertEq(bytes32(s.termsDigest), bytes32(0), "digest");
        vm.assertEq(uint256(dvp.stateOf(keccak256("unknown"))), 0, "stateOf");
    }

    function test_supportsInterface_reportsDvpLockReceiverAndAccessControl() public view {
        vm.assertTrue(
            dvp.supportsInterface(type(IDeliveryVersusPayment).interfaceId),
            "IDeliveryVersusPayment"
        );
        vm.assertTrue(
            dvp.supportsInterface(type(ISecurityTokenLockReceiver).interfaceId),
            "ISecurityTokenLockReceiver"
        );
        vm.assertTrue(dvp.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(dvp.supportsInterface(type(IERC165).interfaceId), "IERC165");
        vm.assertFalse(dvp.supportsInterface(0xdeadbeef), "other");
    }

    // ---------------------------------------------------------------- helpers

    /// @notice Everything an admin or pauser call can change.
    struct AdminState {
        bool bondListed;
        bool dcjpyListed;
        bool strangerSecurityListed;
        bool strangerCashListed;
        bool paused;
        address defaultAdmin;
        bool pauserHasRole;
        bool agentHasRole;
    }

    function _adminState() internal view returns (AdminState memory s) {
        s.bondListed = dvp.isSecurityTokenListed(address(bond));
        s.dcjpyListed = dvp.isCashTokenListed(address(dcjpy));
        s.strangerSecurityListed = dvp.isSecurityTokenListed(stranger);
        s.strangerCashListed = dvp.isCashTokenListed(stranger);
        s.paused = dvp.paused();
        s.defaultAdmin = dvp.defaultAdmin();
        s.pauserHasRole = dvp.hasRole(dvp.PAUSER_ROLE(), pauser);
        s.agentHasRole = dvp.hasRole(dvp.SETTLEMENT_AGENT_ROLE(), agent);
    }

    /// @notice Asserts that a refused call changed none of {AdminState}.
    function _assertAdminUnchanged(AdminState memory before) internal view {
        AdminState memory now_ = _adminState();
        vm.assertEq(now_.bondListed, before.bondListed, "bond listing unchanged");
        vm.assertEq(now_.dcjpyListed, before.dcjpyListed, "DCJPY listing unchanged");
        vm.assertEq(
            now_.strangerSecurityListed,
            before.strangerSecurityListed,
            "stranger security listing unchanged"
        );
        vm.assertEq(
            now_.strangerCashListed,
            before.strangerCashListed,
            "stranger cash listing unchanged"
        );
        vm.assertEq(now_.paused, before.paused, "pause unchanged");
        vm.assertEq(now_.defaultAdmin, before.defaultAdmin, "admin unchanged");
        vm.assertEq(now_.pauserHasRole, before.pauserHasRole, "pauser role unchanged");
        vm.assertEq(now_.agentHasRole, before.agentHasRole, "agent role unchanged");
    }
}
