// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {TestBase} from "../utils/TestBase.sol";

contract InvestorRegistryTest is TestBase {
    InvestorRegistry internal registry;
    address internal admin;
    address internal registrar;
    address internal alice;
    address internal bob;
    bytes32 internal constant REF_A = keccak256("customer-A");
    bytes32 internal constant REF_B = keccak256("customer-B");
    bytes32 internal role;
    uint256 internal constant START = 1_800_000_000;

    function setUp() public {
        vm.warp(START);
        admin = makeAddr("admin");
        registrar = makeAddr("registrar");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        registry = new InvestorRegistry(3 days, admin);
        role = registry.REGISTRAR_ROLE();
        vm.prank(admin);
        registry.grantRole(role, registrar);
    }

    // ---------------------------------------------------------------- helpers

    function _register(address account, bytes32 ref, uint64 expiry) internal {
        vm.prank(registrar);
        registry.register(account, ref, expiry);
    }

    function _assertRecord(
        address account,
        bytes32 ref,
        uint64 expiry,
        IInvestorRegistry.InvestorStatus status
    ) internal view {
        IInvestorRegistry.Investor memory record = registry.investorOf(account);
        vm.assertEq(record.investorRef, ref, "investorRef");
        vm.assertEq(uint256(record.expiry), uint256(expiry), "expiry");
        vm.assertEq(uint256(record.status), uint256(status), "status");
    }

    function _assertNone(address account) internal view {
        _assertRecord(account, bytes32(0), 0, IInvestorRegistry.InvestorStatus.None);
        vm.assertFalse(registry.isEligible(account), "eligible");
    }

    function _unauthorized(address caller) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                role
            );
    }

    // ---------------------------------------------------------------- constructor

    function test_constructor_setsAdminDelayAndRole() public view {
        vm.assertEq(registry.defaultAdmin(), admin, "admin");
        vm.assertEq(uint256(registry.defaultAdminDelay()), 3 days, "delay");
        vm.assertEq(role, keccak256("REGISTRAR_ROLE"), "role id");
        vm.assertTrue(registry.hasRole(role, registrar), "registrar");
        vm.assertFalse(registry.hasRole(role, admin), "admin is not registrar");
    }

    // ---------------------------------------------------------------- register

    function test_register_recordsActiveInvestor() public {
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRegistered(alice, REF_A, 0);
        _register(alice, REF_A, 0);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
        vm.assertTrue(registry.isEligible(alice), "eligible");
    }

    function test_register_withFutureExpiry() public {
        uint64 expiry = uint64(START + 1);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRegistered(alice, REF_A, expiry);
        _register(alice, REF_A, expiry);
        _assertRecord(alice, REF_A, expiry, IInvestorRegistry.InvestorStatus.Active);
        vm.assertTrue(registry.isEligible(alice), "eligible");
    }

    function test_register_revertsWhenCallerLacksRole() public {
        vm.expectRevert(_unauthorized(alice));
        vm.prank(alice);
        registry.register(alice, REF_A, 0);
        _assertNone(alice);
    }

    function test_register_revertsOnZeroAddress() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInvestorRegistry.InvestorRegistryZeroAddress.selector)
        );
        _register(address(0), REF_A, 0);
        _assertNone(address(0));
    }

    function test_register_revertsWhenAlreadyRegistered() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryAlreadyRegistered.selector,
                alice
            )
        );
        _register(alice, REF_B, 0);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    function test_register_revertsWhenSuspended() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryAlreadyRegistered.selector,
                alice
            )
        );
        _register(alice, REF_B, 0);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Suspended);
    }

    function test_register_revertsOnExpiryNow() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryExpiryInPast.selector,
                alice,
                uint64(START),
                START
            )
        );
        _register(alice, REF_A, uint64(START));
        _assertNone(alice);
    }

    function test_register_revertsOnExpiryInPast() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryExpiryInPast.selector,
                alice,
                uint64(1),
                START
            )
        );
        _register(alice, REF_A, 1);
        _assertNone(alice);
    }

    function test_register_afterRemoveStartsAfresh() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.remove(alice);
        _register(alice, REF_B, uint64(START + 10));
        _assertRecord(alice, REF_B, uint64(START + 10), IInvestorRegistry.InvestorStatus.Active);
    }

    // ---------------------------------------------------------------- registerBatch

    function _batch(
        uint256 n,
        uint256 m,
        uint256 k
    ) internal view returns (address[] memory a, bytes32[] memory r, uint64[] memory e) {
        a = new address[](n);
        r = new bytes32[](m);
        e = new uint64[](k);
        if (n > 0) a[0] = alice;
        if (n > 1) a[1] = bob;
        if (m > 0) r[0] = REF_A;
        if (m > 1) r[1] = REF_B;
        if (k > 1) e[1] = uint64(START + 100);
    }

    function test_registerBatch_registersAll() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(2, 2, 2);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRegistered(alice, REF_A, 0);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRegistered(bob, REF_B, uint64(START + 100));
        vm.prank(registrar);
        registry.registerBatch(a, r, e);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
        _assertRecord(bob, REF_B, uint64(START + 100), IInvestorRegistry.InvestorStatus.Active);
    }

    function test_registerBatch_emptyIsNoop() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(0, 0, 0);
        recordEvents();
        vm.prank(registrar);
        registry.registerBatch(a, r, e);
        assertNoEvents();
    }

    function test_registerBatch_revertsOnRefsLengthMismatch() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(2, 1, 2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryLengthMismatch.selector,
                2,
                1,
                2
            )
        );
        vm.prank(registrar);
        registry.registerBatch(a, r, e);
        _assertNone(alice);
    }

    function test_registerBatch_revertsOnExpiriesLengthMismatch() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(2, 2, 3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryLengthMismatch.selector,
                2,
                2,
                3
            )
        );
        vm.prank(registrar);
        registry.registerBatch(a, r, e);
        _assertNone(alice);
    }

    function test_registerBatch_isAllOrNothing() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(2, 2, 2);
        a[1] = alice;
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryAlreadyRegistered.selector,
                alice
            )
        );
        vm.prank(registrar);
        registry.registerBatch(a, r, e);
        _assertNone(alice);
    }

    function test_registerBatch_revertsWhenCallerLacksRole() public {
        (address[] memory a, bytes32[] memory r, uint64[] memory e) = _batch(2, 2, 2);
        vm.expectRevert(_unauthorized(admin));
        vm.prank(admin);
        registry.registerBatch(a, r, e);
        _assertNone(alice);
    }

    // ---------------------------------------------------------------- update

    function test_update_changesRefAndExpiryKeepsStatus() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorUpdated(alice, REF_B, uint64(START + 5));
        vm.prank(registrar);
        registry.update(alice, REF_B, uint64(START + 5));
        _assertRecord(alice, REF_B, uint64(START + 5), IInvestorRegistry.InvestorStatus.Suspended);
    }

    function test_update_canClearExpiry() public {
        _register(alice, REF_A, uint64(START + 5));
        vm.prank(registrar);
        registry.update(alice, REF_A, 0);
        vm.warp(START + 100);
        vm.assertTrue(registry.isEligible(alice), "eligible without expiry");
    }

    function test_update_revertsWhenNotRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInvestorRegistry.InvestorRegistryNotRegistered.selector, alice)
        );
        vm.prank(registrar);
        registry.update(alice, REF_A, 0);
        _assertNone(alice);
    }

    function test_update_revertsOnExpiryInPast() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryExpiryInPast.selector,
                alice,
                uint64(START - 1),
                START
            )
        );
        vm.prank(registrar);
        registry.update(alice, REF_B, uint64(START - 1));
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    function test_update_revertsWhenCallerLacksRole() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(_unauthorized(alice));
        vm.prank(alice);
        registry.update(alice, REF_B, 0);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    // ---------------------------------------------------------------- suspend / reinstate

    function test_suspend_makesIneligible() public {
        _register(alice, REF_A, 0);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorSuspended(alice);
        vm.prank(registrar);
        registry.suspend(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Suspended);
        vm.assertFalse(registry.isEligible(alice), "eligible");
    }

    function test_suspend_revertsWhenNotRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryUnexpectedStatus.selector,
                alice,
                IInvestorRegistry.InvestorStatus.None,
                IInvestorRegistry.InvestorStatus.Active
            )
        );
        vm.prank(registrar);
        registry.suspend(alice);
        _assertNone(alice);
    }

    function test_suspend_revertsWhenAlreadySuspended() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryUnexpectedStatus.selector,
                alice,
                IInvestorRegistry.InvestorStatus.Suspended,
                IInvestorRegistry.InvestorStatus.Active
            )
        );
        vm.prank(registrar);
        registry.suspend(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Suspended);
    }

    function test_suspend_revertsWhenCallerLacksRole() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(_unauthorized(bob));
        vm.prank(bob);
        registry.suspend(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    function test_reinstate_restoresEligibility() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorReinstated(alice);
        vm.prank(registrar);
        registry.reinstate(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
        vm.assertTrue(registry.isEligible(alice), "eligible");
    }

    function test_reinstate_revertsWhenActive() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryUnexpectedStatus.selector,
                alice,
                IInvestorRegistry.InvestorStatus.Active,
                IInvestorRegistry.InvestorStatus.Suspended
            )
        );
        vm.prank(registrar);
        registry.reinstate(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    function test_reinstate_revertsWhenNotRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IInvestorRegistry.InvestorRegistryUnexpectedStatus.selector,
                alice,
                IInvestorRegistry.InvestorStatus.None,
                IInvestorRegistry.InvestorStatus.Suspended
            )
        );
        vm.prank(registrar);
        registry.reinstate(alice);
        _assertNone(alice);
    }

    function test_reinstate_revertsWhenCallerLacksRole() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectRevert(_unauthorized(alice));
        vm.prank(alice);
        registry.reinstate(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Suspended);
    }

    // ---------------------------------------------------------------- remove

    function test_remove_clearsActiveRecord() public {
        _register(alice, REF_A, uint64(START + 9));
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRemoved(alice);
        vm.prank(registrar);
        registry.remove(alice);
        _assertNone(alice);
    }

    function test_remove_clearsSuspendedRecord() public {
        _register(alice, REF_A, 0);
        vm.prank(registrar);
        registry.suspend(alice);
        vm.expectEmit(address(registry));
        emit IInvestorRegistry.InvestorRemoved(alice);
        vm.prank(registrar);
        registry.remove(alice);
        _assertNone(alice);
    }

    function test_remove_revertsWhenNotRegistered() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInvestorRegistry.InvestorRegistryNotRegistered.selector, alice)
        );
        vm.prank(registrar);
        registry.remove(alice);
        _assertNone(alice);
    }

    function test_remove_revertsWhenCallerLacksRole() public {
        _register(alice, REF_A, 0);
        vm.expectRevert(_unauthorized(admin));
        vm.prank(admin);
        registry.remove(alice);
        _assertRecord(alice, REF_A, 0, IInvestorRegistry.InvestorStatus.Active);
    }

    // ---------------------------------------------------------------- views

    function test_isEligible_endsAtExpiry() public {
        _register(alice, REF_A, uint64(START + 10));
        vm.warp(START + 9);
        vm.assertTrue(registry.isEligible(alice), "before expiry");
        vm.warp(START + 10);
        vm.assertFalse(registry.isEligible(alice), "at expiry");
        _assertRecord(alice, REF_A, uint64(START + 10), IInvestorRegistry.InvestorStatus.Active);
    }

    function test_checkPair_reportsEachSide() public {
        _register(alice, REF_A, 0);
        (bool a, bool b) = registry.checkPair(alice, bob);
        vm.assertTrue(a && !b, "alice only");
        (a, b) = registry.checkPair(bob, alice);
        vm.assertTrue(!a && b, "alice second");
        _register(bob, REF_B, uint64(START + 1));
        (a, b) = registry.checkPair(alice, bob);
        vm.assertTrue(a && b, "both");
        vm.warp(START + 1);
        (a, b) = registry.checkPair(alice, bob);
        vm.assertTrue(a && !b, "bob expired");
        vm.prank(registrar);
        registry.suspend(alice);
        (a, b) = registry.checkPair(alice, alice);
        vm.assertTrue(!a && !b, "alice suspended");
    }

    function test_investorOf_unknownIsZero() public view {
        _assertRecord(bob, bytes32(0), 0, IInvestorRegistry.InvestorStatus.None);
    }

    function testFuzz_isEligible_matchesStatusAndExpiry(uint64 expiry, uint64 at) public {
        vm.assume(expiry == 0 || expiry > START);
        _register(alice, REF_A, expiry);
        uint256 t = bound(at, START, type(uint64).max);
        vm.warp(t);
        bool expected = expiry == 0 || t < expiry;
        vm.assertEq(registry.isEligible(alice), expected, "eligibility");
        (bool a, ) = registry.checkPair(alice, bob);
        vm.assertEq(a, expected, "checkPair");
    }
}
