// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {LockReceiverMock} from "../../../contracts/test/LockReceiverMock.sol";
import {TestBase} from "../utils/TestBase.sol";
import {SecurityTokenBase} from "./SecurityTokenBase.sol";

/**
 * @title SecurityTokenHandler
 * @notice Drives random sequences of holder, issuer, enforcement and registry actions over four
 * investors and two lock addresses, and keeps ghost variables: the expected lock per
 * (lock address, account), changed only when the lock address or an enforcement role acted, and a
 * flag raised if an ineligible account's balance changed by a non-enforcement action.
 */
contract SecurityTokenHandler is TestBase {
    /// @notice Handler calls whose call into the system under test succeeded.
    uint256 public succeeded;

    SecurityToken public immutable token;
    InvestorRegistry public immutable registry;
    LockReceiverMock public immutable receiver;
    address public immutable issuer;
    address public immutable pauser;
    address public immutable approver;
    address public immutable enforcer;
    address public immutable registrar;
    address public immutable lockAgent;

    address[4] internal _actors;
    address[3] internal _lockAddresses;

    mapping(address lockAddress => mapping(address account => uint256)) public ghostLock;
    bool public ineligibleBalanceMoved;
    uint256 public calls;

    constructor(
        SecurityToken token_,
        InvestorRegistry registry_,
        LockReceiverMock receiver_,
        address[4] memory actors_,
        address[6] memory roles
    ) {
        token = token_;
        registry = registry_;
        receiver = receiver_;
        _actors = actors_;
        (issuer, pauser, approver, enforcer, registrar, lockAgent) = (
            roles[0],
            roles[1],
            roles[2],
            roles[3],
            roles[4],
            roles[5]
        );
        _lockAddresses = [lockAgent, address(receiver_), address(token_)];
    }

    function actors() external view returns (address[4] memory) {
        return _actors;
    }

    function lockAddresses() external view returns (address[3] memory) {
        return _lockAddresses;
    }

    // ---------------------------------------------------------------- helpers

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % 4];
    }

    /// @dev A user lock address: the EOA agent or the receiver contract (never the token).
    function _lockAddress(uint256 seed) internal view returns (address) {
        return _lockAddresses[seed % 2];
    }

    function _ineligibleBalances() internal view returns (uint256[4] memory balances) {
        for (uint256 i = 0; i < 4; ++i) {
            balances[i] =
                token.isEligible(_actors[i]) ? type(uint256).max : token.balanceOf(_actors[i]);
        }
    }

    function _checkIneligible(uint256[4] memory before) internal {
        for (uint256 i = 0; i < 4; ++i) {
            if (before[i] != type(uint256).max && token.balanceOf(_actors[i]) != before[i]) {
                ineligibleBalanceMoved = true;
            }
        }
    }

    function _available(address account) internal view returns (uint256) {
        return token.availableBalanceOf(account);
    }

    // ---------------------------------------------------------------- holder actions

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 value) external {
        ++calls;
        address from = _actor(fromSeed);
        value = bound(value, 0, _available(from) + 1);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(from);
        try token.transfer(_actor(toSeed), value) {
            ++succeeded;
        } catch {}
        _checkIneligible(before);
    }

    function transferFrom(
        uint256 ownerSeed,
        uint256 spenderSeed,
        uint256 toSeed,
        uint256 value
    ) external {
        ++calls;
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        value = bound(value, 0, _available(owner));
        vm.prank(owner);
        token.approve(spender, value);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(spender);
        try token.transferFrom(owner, _actor(toSeed), value) {
            ++succeeded;
        } catch {}
        _checkIneligible(before);
    }

    function lock(uint256 accountSeed, uint256 lockSeed, uint256 value) external {
        ++calls;
        address account = _actor(accountSeed);
        address lockAddress = _lockAddress(lockSeed);
        value = bound(value, 1, _available(account) + 1);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(account);
        try token.lock(lockAddress, value, "") {
            ++succeeded;
            ghostLock[lockAddress][account] += value;
        } catch {}
        _checkIneligible(before);
    }

    function unlock(
        uint256 lockSeed,
        uint256 accountSeed,
        uint256 recipientSeed,
        uint256 value,
        bool toSelf
    ) external {
        ++calls;
        address lockAddress = _lockAddress(lockSeed);
        address account = _actor(accountSeed);
        address recipient = toSelf ? account : _actor(recipientSeed);
        value = bound(value, 1, token.lockedOf(lockAddress, account) + 1);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(lockAddress);
        try token.unlock(account, recipient, value, "") {
            ++succeeded;
            ghostLock[lockAddress][account] -= value;
        } catch {}
        _checkIneligible(before);
    }

    function applyForTransfer(uint256 fromSeed, uint256 toSeed, uint256 value) external {
        ++calls;
        address from = _actor(fromSeed);
        value = bound(value, 1, _available(from) + 1);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(from);
        try token.applyForTransfer(_actor(toSeed), value, "") {
            ++succeeded;
            ghostLock[address(token)][from] += value;
        } catch {}
        _checkIneligible(before);
    }

    function approveTransfer(uint256 idSeed) external {
        ++calls;
        uint256 count = token.applicationCount();
        if (count == 0) return;
        uint256 id = bound(idSeed, 1, count);
        ISecurityToken.TransferApplication memory a = token.transferApplication(id);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(approver);
        try token.approveTransfer(id, "") {
            ++succeeded;
            ghostLock[address(token)][a.from] -= a.value;
        } catch {}
        _checkIneligible(before);
    }

    function cancelTransfer(uint256 idSeed, bool byApprover) external {
        ++calls;
        uint256 count = token.applicationCount();
        if (count == 0) return;
        uint256 id = bound(idSeed, 1, count);
        ISecurityToken.TransferApplication memory a = token.transferApplication(id);
        uint256[4] memory before = _ineligibleBalances();
        vm.prank(byApprover ? approver : a.from);
        try token.cancelTransfer(id, "") {
            ++succeeded;
            ghostLock[address(token)][a.from] -= a.value;
        } catch {}
        _checkIneligible(before);
    }

    // ---------------------------------------------------------------- issuer and enforcement

    function issue(uint256 toSeed, uint256 lockSeed, uint256 value, bool locked) external {
        ++calls;
        address to = _actor(toSeed);
        address lockAddress = locked ? _lockAddress(lockSeed) : address(0);
        value = bound(value, 1, 1e24);
        vm.prank(issuer);
        try token.issue(to, lockAddress, value) {
            ++succeeded;
            if (locked) ghostLock[lockAddress][to] += value;
        } catch {}
    }

    function redeem(uint256 fromSeed, uint256 lockSeed, uint256 value, bool locked) external {
        ++calls;
        address from = _actor(fromSeed);
        address lockAddress = locked ? _lockAddress(lockSeed) : address(0);
        uint256 max = locked ? token.lockedOf(lockAddress, from) : _available(from);
        value = bound(value, 1, max + 1);
        vm.prank(issuer);
        try token.redeem(from, lockAddress, value) {
            ++succeeded;
            if (locked) ghostLock[lockAddress][from] -= value;
        } catch {}
    }

    function forcedTransfer(uint256 fromSeed, uint256 toSeed, uint256 value) external {
        ++calls;
        address from = _actor(fromSeed);
        value = bound(value, 1, _available(from) + 1);
        vm.prank(enforcer);
        try token.forcedTransfer(from, _actor(toSeed), value, "") {
            ++succeeded;
        } catch {}
    }

    function forceLock(uint256 accountSeed, uint256 lockSeed, uint256 value) external {
        ++calls;
        address account = _actor(accountSeed);
        address lockAddress = _lockAddress(lockSeed);
        value = bound(value, 1, _available(account) + 1);
        vm.prank(enforcer);
        try token.forceLock(lockAddress, account, value, "") {
            ++succeeded;
            ghostLock[lockAddress][account] += value;
        } catch {}
    }

    function forceUnlock(
        uint256 lockSeed,
        uint256 accountSeed,
        uint256 recipientSeed,
        uint256 value
    ) external {
        ++calls;
        address lockAddress = _lockAddress(lockSeed);
        address account = _actor(accountSeed);
        value = bound(value, 1, token.lockedOf(lockAddress, account) + 1);
        vm.prank(enforcer);
        try token.forceUnlock(lockAddress, account, _actor(recipientSeed), value, "") {
            ++succeeded;
            ghostLock[lockAddress][account] -= value;
        } catch {}
    }

    function forceChangeLockedAccount(
        uint256 lockSeed,
        uint256 fromSeed,
        uint256 toSeed,
        uint256 value
    ) external {
        ++calls;
        address lockAddress = _lockAddress(lockSeed);
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        value = bound(value, 1, token.lockedOf(lockAddress, from) + 1);
        vm.prank(enforcer);
        try token.forceChangeLockedAccount(lockAddress, from, to, value, "") {
            ++succeeded;
            ghostLock[lockAddress][from] -= value;
            ghostLock[lockAddress][to] += value;
        } catch {}
    }

    // ---------------------------------------------------------------- switches and registry

    function togglePause() external {
        ++calls;
        vm.prank(pauser);
        if (token.paused()) token.unpause();
        else token.pause();
    }

    function toggleStatus() external {
        ++calls;
        vm.prank(issuer);
        token.setStatus(!token.status());
    }

    function toggleApproval() external {
        ++calls;
        vm.prank(issuer);
        token.setTransferApprovalRequired(!token.transferApprovalRequired());
    }

    function changeRegistration(uint256 accountSeed, uint8 action) external {
        ++calls;
        address account = _actor(accountSeed);
        vm.startPrank(registrar);
        uint8 a = action % 4;
        if (a == 0) {
            try registry.suspend(account) {
                ++succeeded;
            } catch {}
        } else if (a == 1) {
            try registry.reinstate(account) {
                ++succeeded;
            } catch {}
        } else if (a == 2) {
            try registry.remove(account) {
                ++succeeded;
            } catch {}
        } else {
            try registry.register(account, bytes32(0), 0) {
                ++succeeded;
            } catch {}
        }
        vm.stopPrank();
    }
}

contract SecurityTokenInvariantTest is SecurityTokenBase {
    SecurityTokenHandler internal handler;

    function _deployToken() internal override returns (SecurityToken) {
        return _deployBond();
    }

    function setUp() public override {
        super.setUp();
        address dave = makeAddr("dave");
        _registerInvestor(dave);
        handler = new SecurityTokenHandler(
            token,
            registry,
            receiver,
            [alice, bob, carol, dave],
            [issuer, pauser, approver, enforcer, registrar, lockAgent]
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions are not vacuous: a lock, an unlock and a transfer through it
    /// succeed, so a campaign whose every call reverted would be a handler bug caught here.
    function test_handler_actionsCanSucceed() public {
        handler.lock(0, 0, 5);
        handler.unlock(0, 0, 0, 5, true);
        handler.transfer(0, 1, 3);
        vm.assertEq(handler.succeeded(), 3, "lock, unlock and transfer succeeded");
    }

    function invariant_supplyIsSumOfBalances() public view {
        address[4] memory actors = handler.actors();
        uint256 sum;
        for (uint256 i = 0; i < 4; ++i) sum += token.balanceOf(actors[i]);
        vm.assertEq(sum, token.totalSupply(), "sum of balances");
    }

    function invariant_locksSumToTotalLockedWithinBalance() public view {
        address[4] memory actors = handler.actors();
        address[3] memory locks = handler.lockAddresses();
        for (uint256 i = 0; i < 4; ++i) {
            uint256 sum;
            for (uint256 j = 0; j < 3; ++j) sum += token.lockedOf(locks[j], actors[i]);
            vm.assertEq(sum, token.totalLockedOf(actors[i]), "sum of locks");
            vm.assertLe(sum, token.balanceOf(actors[i]), "locked within balance");
        }
    }

    function invariant_locksMoveOnlyByLockAddressOrEnforcement() public view {
        address[4] memory actors = handler.actors();
        address[3] memory locks = handler.lockAddresses();
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 j = 0; j < 3; ++j) {
                vm.assertEq(
                    token.lockedOf(locks[j], actors[i]),
                    handler.ghostLock(locks[j], actors[i]),
                    "lock vs ghost"
                );
            }
        }
    }

    function invariant_applicationLocksMatchPendingApplications() public view {
        address[4] memory actors = handler.actors();
        uint256 count = token.applicationCount();
        for (uint256 i = 0; i < 4; ++i) {
            uint256 pending;
            for (uint256 id = 1; id <= count; ++id) {
                ISecurityToken.TransferApplication memory a = token.transferApplication(id);
                if (a.from == actors[i] && a.status == ISecurityToken.ApplicationStatus.Pending) {
                    pending += a.value;
                }
            }
            vm.assertEq(token.lockedOf(address(token), actors[i]), pending, "pending");
        }
    }

    function invariant_ineligibleBalancesMoveOnlyByEnforcement() public view {
        vm.assertFalse(handler.ineligibleBalanceMoved(), "ineligible balance moved");
    }
}
