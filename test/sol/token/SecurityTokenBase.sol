// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";
import {LockReceiverMock} from "../../../contracts/test/LockReceiverMock.sol";
import {SecurityTokenFixture} from "../utils/SecurityTokenFixture.sol";

/**
 * @title SecurityTokenBase
 * @notice Set-up and helpers for the security-token behaviour suites: a token from
 * {_deployToken} (bond or share), alice holding 1000 and bob 500, error encoders and a state
 * fingerprint for "nothing moved" checks.
 */
abstract contract SecurityTokenBase is SecurityTokenFixture {
    uint256 internal constant START = 1_800_000_000;
    uint256 internal constant CAP = type(uint128).max;

    SecurityToken internal token;
    LockReceiverMock internal receiver;

    /// @dev The token under test, with every role granted by the fixture.
    function _deployToken() internal virtual returns (SecurityToken);

    function setUp() public virtual {
        vm.warp(START);
        _setUpParties();
        token = _deployToken();
        receiver = new LockReceiverMock();
        vm.label(address(receiver), "receiver");
        vm.startPrank(issuer);
        token.issue(alice, address(0), 1000);
        token.issue(bob, address(0), 500);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- actions

    function _lock(address account, address lockAddress, uint256 value) internal {
        vm.prank(account);
        token.lock(lockAddress, value, "");
    }

    function _suspend(address account) internal {
        vm.prank(registrar);
        registry.suspend(account);
    }

    function _pause() internal {
        vm.prank(pauser);
        token.pause();
    }

    function _setStatus(bool active) internal {
        vm.prank(issuer);
        token.setStatus(active);
    }

    function _setTransferable(bool on) internal {
        vm.prank(issuer);
        token.setTransferable(on);
    }

    function _setApproval(bool on) internal {
        vm.prank(issuer);
        token.setTransferApprovalRequired(on);
    }

    function _apply(address from, address to, uint256 value) internal returns (uint256 id) {
        vm.prank(from);
        id = token.applyForTransfer(to, value, "");
    }

    // ---------------------------------------------------------------- error encoders

    function _unauthorized(address caller, bytes32 role) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                caller,
                role
            );
    }

    function _errUnlocked(
        address account,
        uint256 available,
        uint256 needed
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenInsufficientUnlockedBalance.selector,
                account,
                available,
                needed
            );
    }

    function _errLock(
        address lockAddress,
        address account,
        uint256 locked,
        uint256 needed
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenInsufficientLock.selector,
                lockAddress,
                account,
                locked,
                needed
            );
    }

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector);
    }

    function _errAccount(bytes4 selector, address account) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, account);
    }

    function _errInvalidReceiver() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0));
    }

    function _errInvalidLock(address lockAddress) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ISecurityToken.SecurityTokenInvalidLockAddress.selector,
                lockAddress
            );
    }

    function _errZero() internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ISecurityToken.SecurityTokenZeroAmount.selector);
    }

    // ---------------------------------------------------------------- state fingerprint

    /// @dev Hash of every balance, lock, allowance, switch and application the tests can touch.
    function _state() internal view returns (bytes32 h) {
        address[7] memory accounts = [alice, bob, carol, outsider, lockAgent, issuer, enforcer];
        address[3] memory locks = [lockAgent, address(receiver), address(token)];
        h = keccak256(
            abi.encode(
                token.totalSupply(),
                token.status(),
                token.transferable(),
                token.transferApprovalRequired(),
                token.paused(),
                address(token.investorRegistry()),
                token.applicationCount(),
                token.allowance(alice, bob)
            )
        );
        for (uint256 i = 0; i < accounts.length; ++i) {
            h = keccak256(
                abi.encode(
                    h,
                    token.balanceOf(accounts[i]),
                    token.totalLockedOf(accounts[i]),
                    token.isEligibilityExempt(accounts[i])
                )
            );
            for (uint256 j = 0; j < locks.length; ++j) {
                h = keccak256(abi.encode(h, token.lockedOf(locks[j], accounts[i])));
            }
        }
        uint256 count = token.applicationCount();
        for (uint256 id = 1; id <= count; ++id) {
            h = keccak256(abi.encode(h, token.transferApplication(id)));
        }
    }

    function _assertHolding(
        address account,
        uint256 balance,
        uint256 totalLocked
    ) internal view {
        vm.assertEq(token.balanceOf(account), balance, "balance");
        vm.assertEq(token.totalLockedOf(account), totalLocked, "totalLocked");
        vm.assertEq(token.availableBalanceOf(account), balance - totalLocked, "available");
    }
}
