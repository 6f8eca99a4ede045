// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {
    IShareToken,
    IStraightBondToken
} from "../../../contracts/interfaces/ISecurityTokenProducts.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {ShareToken} from "../../../contracts/token/ShareToken.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {TestBase} from "./TestBase.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";

/**
 * @title SecurityTokenFixture
 * @notice Shared set-up for tests that need an investor registry and a security token: named
 * parties, a registry with a registrar, and factories for a bond and a share with every role granted
 * to a dedicated account. Reusable by the DVP and deposit-token tests.
 */
abstract contract SecurityTokenFixture is TestBase {
    address internal admin;
    address internal registrar;
    address internal issuer;
    address internal pauser;
    address internal approver;
    address internal enforcer;
    address internal alice;
    address internal bob;
    address internal carol;
    /// @dev Never registered.
    address internal outsider;
    /// @dev An externally owned lock address (an escrow agent).
    address internal lockAgent;

    InvestorRegistry internal registry;

    /// @dev Creates the parties and the registry, and registers alice, bob and carol.
    function _setUpParties() internal {
        admin = makeAddr("admin");
        registrar = makeAddr("registrar");
        issuer = makeAddr("issuer");
        pauser = makeAddr("pauser");
        approver = makeAddr("approver");
        enforcer = makeAddr("enforcer");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        outsider = makeAddr("outsider");
        lockAgent = makeAddr("lockAgent");
        registry = _deployRegistry();
        _registerInvestor(alice);
        _registerInvestor(bob);
        _registerInvestor(carol);
    }

    /// @dev A registry administered by `admin`, with `registrar` holding REGISTRAR_ROLE.
    function _deployRegistry() internal returns (InvestorRegistry r) {
        r = new InvestorRegistry(0, admin);
        bytes32 role = r.REGISTRAR_ROLE();
        vm.prank(admin);
        r.grantRole(role, registrar);
    }

    /// @dev Registers `account` in {registry} without expiry.
    function _registerInvestor(address account) internal {
        vm.prank(registrar);
        registry.register(account, keccak256(abi.encode(account)), 0);
    }

    /// @dev Sample bond terms.
    function _bondTerms() internal pure returns (IStraightBondToken.BondTerms memory terms) {
        string[] memory dates = new string[](2);
        dates[0] = "0331";
        dates[1] = "0930";
        terms = IStraightBondToken.BondTerms({
            faceValue: 100_000,
            faceValueCurrency: "JPY",
            interestRate: 5_000,
            interestPaymentDates: dates,
            redemptionDate: 2_000_000_000,
            redemptionValue: 100_000,
            redemptionValueCurrency: "JPY"
        });
    }

    /// @dev Sample share terms.
    function _shareTerms() internal pure returns (IShareToken.ShareTerms memory terms) {
        terms = IShareToken.ShareTerms({
            issuePrice: 1_000,
            dividendPerUnit: 25 * 1e13,
            dividendRecordDate: "20270331",
            dividendPaymentDate: "20270630",
            cancellationDate: ""
        });
    }

    /// @dev A bond on {registry}, every role granted ({_grantRoles}).
    function _deployBond() internal returns (StraightBondToken bond) {
        bond = new StraightBondToken(
            SecurityToken.Setup(
                "Kessai Bond 1",
                "KB1",
                0,
                IInvestorRegistry(address(registry)),
                admin,
                0
            ),
            _bondTerms()
        );
        _grantRoles(bond);
    }

    /// @dev A share on {registry}, every role granted ({_grantRoles}).
    function _deployShare() internal returns (ShareToken share) {
        share = new ShareToken(
            SecurityToken.Setup(
                "Kessai Share",
                "KSH",
                0,
                IInvestorRegistry(address(registry)),
                admin,
                0
            ),
            _shareTerms()
        );
        _grantRoles(share);
    }

    /// @dev Grants ISSUER to `issuer`, PAUSER to `pauser`, TRANSFER_APPROVER to `approver` and
    /// the four enforcement roles to `enforcer`.
    function _grantRoles(ISecurityToken t) internal {
        bytes32[7] memory roles = [
            t.ISSUER_ROLE(),
            t.PAUSER_ROLE(),
            t.TRANSFER_APPROVER_ROLE(),
            t.FORCE_TRANSFER_ROLE(),
            t.FORCE_LOCK_ROLE(),
            t.FORCE_UNLOCK_ROLE(),
            t.FORCE_RELOCATE_ROLE()
        ];
        address[7] memory holders = [
            issuer,
            pauser,
            approver,
            enforcer,
            enforcer,
            enforcer,
            enforcer
        ];
        vm.startPrank(admin);
        for (uint256 i = 0; i < roles.length; ++i) {
            IAccessControl(address(t)).grantRole(roles[i], holders[i]);
        }
        vm.stopPrank();
    }
}
