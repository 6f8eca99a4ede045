// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @title DepositTokenBase
/// @notice Shared fixture: a deposit token, roles granted to named accounts, accounts opened for
/// alice, bob and carol.
abstract contract DepositTokenBase is TestBase {
    address internal admin = address(0xA11CE);
    address internal issuer = address(0x155E);
    address internal redeemer = address(0x4EDE);
    address internal freezer = address(0xF4EE);
    address internal pauser = address(0x9A05);
    address internal registrar = address(0x4E61);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);
    address internal stranger = address(0x5754);

    DepositToken internal token;

    /// @notice Deploys the token, grants roles, opens accounts for alice, bob and carol.
    function setUp() public virtual {
        token = new DepositToken(DepositToken.Setup("DCJPY", "DCJPY", 0, admin, 1 days));
        vm.startPrank(admin);
        token.grantRole(token.ISSUER_ROLE(), issuer);
        token.grantRole(token.REDEEMER_ROLE(), redeemer);
        token.grantRole(token.FREEZER_ROLE(), freezer);
        token.grantRole(token.PAUSER_ROLE(), pauser);
        token.grantRole(token.REGISTRAR_ROLE(), registrar);
        vm.stopPrank();
        _open(alice);
        _open(bob);
        _open(carol);
    }

    /// @dev The registrar opens an account for `account`, bound to a reference derived from it.
    function _open(address account) internal {
        vm.prank(registrar);
        token.openAccount(account, _ref(account));
    }

    /// @dev The registrar closes the (empty) account of `account`.
    function _close(address account) internal {
        vm.prank(registrar);
        token.closeAccount(account);
    }

    /// @dev The deposit-account reference the fixture binds `account` to.
    function _ref(address account) internal pure returns (bytes32) {
        return keccak256(abi.encode("deposit account", account));
    }

    function _issue(address account, uint256 amount, bytes32 ref) internal {
        vm.prank(issuer);
        token.issue(account, amount, ref);
    }

    /// @dev Snapshot of everything a failed call must leave untouched.
    struct Snapshot {
        uint256 aliceBalance;
        uint256 bobBalance;
        uint256 carolBalance;
        uint256 supply;
        uint256 issued;
        uint256 redeemed;
    }

    function _snapshot() internal view returns (Snapshot memory s) {
        s.aliceBalance = token.balanceOf(alice);
        s.bobBalance = token.balanceOf(bob);
        s.carolBalance = token.balanceOf(carol);
        s.supply = token.totalSupply();
        s.issued = token.totalIssued();
        s.redeemed = token.totalRedeemed();
    }

    function _assertUnchanged(Snapshot memory s) internal view {
        vm.assertEq(token.balanceOf(alice), s.aliceBalance, "alice balance moved");
        vm.assertEq(token.balanceOf(bob), s.bobBalance, "bob balance moved");
        vm.assertEq(token.balanceOf(carol), s.carolBalance, "carol balance moved");
        vm.assertEq(token.totalSupply(), s.supply, "supply moved");
        vm.assertEq(token.totalIssued(), s.issued, "totalIssued moved");
        vm.assertEq(token.totalRedeemed(), s.redeemed, "totalRedeemed moved");
    }
}
