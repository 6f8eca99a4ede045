// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {MockInvestorRegistry} from "../../../contracts/test/dcjpy/MockInvestorRegistry.sol";

/// @title Vm
/// @notice The cheatcodes the deposit-token tests use (Hardhat 3 / forge-compatible address).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function warp(uint256 timestamp) external;
    function assume(bool condition) external pure;
    function label(address account, string calldata newLabel) external;
    function sign(
        uint256 privateKey,
        bytes32 digest
    ) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(
        bytes calldata left,
        bytes calldata right,
        string calldata error
    ) external pure;
    function assertEq(bool left, bool right, string calldata error) external pure;
    function assertTrue(bool condition, string calldata error) external pure;
}

/// @title DepositTokenBase
/// @notice Shared fixture: a deposit token on a mock registry, roles granted to named accounts.
abstract contract DepositTokenBase {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    address internal admin = address(0xA11CE);
    address internal issuer = address(0x155E);
    address internal redeemer = address(0x4EDE);
    address internal freezer = address(0xF4EE);
    address internal pauser = address(0x9A05);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0B);
    address internal carol = address(0xCA401);
    address internal stranger = address(0x5754);

    MockInvestorRegistry internal registry;
    DepositToken internal token;

    /// @notice Deploys the token and registry, grants roles, registers alice, bob and carol.
    function setUp() public virtual {
        registry = new MockInvestorRegistry();
        token = new DepositToken("DCJPY", "DCJPY", 0, registry, admin, 1 days);
        vm.startPrank(admin);
        token.grantRole(token.ISSUER_ROLE(), issuer);
        token.grantRole(token.REDEEMER_ROLE(), redeemer);
        token.grantRole(token.FREEZER_ROLE(), freezer);
        token.grantRole(token.PAUSER_ROLE(), pauser);
        vm.stopPrank();
        registry.setEligible(alice, true);
        registry.setEligible(bob, true);
        registry.setEligible(carol, true);
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
