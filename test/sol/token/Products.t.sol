// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IInvestorRegistry} from "../../../contracts/interfaces/IInvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {
    IShareToken,
    IStraightBondToken
} from "../../../contracts/interfaces/ISecurityTokenProducts.sol";
import {ShareToken} from "../../../contracts/token/ShareToken.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {SecurityTokenFixture} from "../utils/SecurityTokenFixture.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";

contract StraightBondTokenTest is SecurityTokenFixture {
    StraightBondToken internal bond;

    function setUp() public {
        _setUpParties();
        bond = _deployBond();
    }

    function _assertTerms(IStraightBondToken.BondTerms memory expected) internal view {
        vm.assertEq(abi.encode(bond.bondTerms()), abi.encode(expected), "terms");
    }

    function test_constructor_setsEverything() public {
        IStraightBondToken.BondTerms memory terms = _bondTerms();
        vm.expectEmit();
        emit ISecurityToken.InvestorRegistryChanged(address(0), address(registry));
        vm.expectEmit();
        emit IStraightBondToken.BondTermsChanged(terms);
        StraightBondToken b = new StraightBondToken(
            SecurityToken.Setup(
                "Bond",
                "BND",
                2,
                IInvestorRegistry(address(registry)),
                admin,
                1 days
            ),
            terms
        );
        vm.assertEq(b.name(), "Bond", "name");
        vm.assertEq(b.symbol(), "BND", "symbol");
        vm.assertEq(b.decimals(), 2, "decimals");
        vm.assertEq(b.defaultAdmin(), admin, "admin");
        vm.assertEq(uint256(b.defaultAdminDelay()), 1 days, "delay");
        vm.assertEq(address(b.investorRegistry()), address(registry), "registry");
        vm.assertTrue(b.status() && b.transferable(), "active, transferable");
        vm.assertFalse(b.paused() || b.transferApprovalRequired(), "unpaused, no approval");
        vm.assertEq(b.totalSupply(), 0, "supply");
        vm.assertEq(abi.encode(b.bondTerms()), abi.encode(terms), "terms");
    }

    function test_constructor_revertsOnNonContractRegistry() public {
        vm.expectRevert(
            abi.encodeWithSelector(ISecurityToken.SecurityTokenInvalidRegistry.selector, alice)
        );
        new StraightBondToken(
            SecurityToken.Setup("B", "B", 0, IInvestorRegistry(alice), admin, 0),
            _bondTerms()
        );
    }

    function test_setBondTerms_replacesTerms() public {
        IStraightBondToken.BondTerms memory terms = _bondTerms();
        terms.interestRate = 12_345;
        terms.interestPaymentDates = new string[](1);
        terms.interestPaymentDates[0] = "1231";
        terms.redemptionValueCurrency = "USD";
        vm.expectEmit(address(bond));
        emit IStraightBondToken.BondTermsChanged(terms);
        vm.prank(issuer);
        bond.setBondTerms(terms);
        _assertTerms(terms);
    }

    function test_setBondTerms_revertsWhenCallerLacksRole() public {
        IStraightBondToken.BondTerms memory terms = _bondTerms();
        terms.faceValue = 1;
        vm.expectRevert(_unauthorizedRole(alice, bond.ISSUER_ROLE()));
        vm.prank(alice);
        bond.setBondTerms(terms);
        _assertTerms(_bondTerms());
    }

    function _unauthorizedRole(address caller, bytes32 role) internal pure returns (bytes memory) {
        return
            abi.encodeWithSignature(
                "AccessControlUnauthorizedAccount(address,bytes32)",
                caller,
                role
            );
    }
}

contract ShareTokenTest is SecurityTokenFixture {
    ShareToken internal share;

    function setUp() public {
        _setUpParties();
        share = _deployShare();
    }

    function _assertTerms(IShareToken.ShareTerms memory expected) internal view {
        vm.assertEq(abi.encode(share.shareTerms()), abi.encode(expected), "terms");
    }

    function test_constructor_setsEverything() public {
        IShareToken.ShareTerms memory terms = _shareTerms();
        vm.expectEmit();
        emit ISecurityToken.InvestorRegistryChanged(address(0), address(registry));
        vm.expectEmit();
        emit IShareToken.ShareTermsChanged(terms);
        ShareToken s = new ShareToken(
            SecurityToken.Setup(
                "Share",
                "SHR",
                0,
                IInvestorRegistry(address(registry)),
                admin,
                2 days
            ),
            terms
        );
        vm.assertEq(s.name(), "Share", "name");
        vm.assertEq(s.symbol(), "SHR", "symbol");
        vm.assertEq(s.decimals(), 0, "decimals");
        vm.assertEq(s.defaultAdmin(), admin, "admin");
        vm.assertEq(uint256(s.defaultAdminDelay()), 2 days, "delay");
        vm.assertTrue(s.status() && s.transferable(), "active, transferable");
        vm.assertFalse(s.paused() || s.transferApprovalRequired(), "unpaused, no approval");
        vm.assertEq(abi.encode(s.shareTerms()), abi.encode(terms), "terms");
    }

    function test_constructor_revertsOnNonContractRegistry() public {
        vm.expectRevert(
            abi.encodeWithSelector(ISecurityToken.SecurityTokenInvalidRegistry.selector, address(0))
        );
        new ShareToken(
            SecurityToken.Setup("S", "S", 0, IInvestorRegistry(address(0)), admin, 0),
            _shareTerms()
        );
    }

    function test_setShareTerms_replacesTerms() public {
        IShareToken.ShareTerms memory terms = _shareTerms();
        terms.dividendPerUnit = 7;
        terms.cancellationDate = "20300101";
        vm.expectEmit(address(share));
        emit IShareToken.ShareTermsChanged(terms);
        vm.prank(issuer);
        share.setShareTerms(terms);
        _assertTerms(terms);
    }

    function test_setShareTerms_revertsWhenCallerLacksRole() public {
        IShareToken.ShareTerms memory terms = _shareTerms();
        terms.issuePrice = 1;
        vm.expectRevert(
            abi.encodeWithSignature(
                "AccessControlUnauthorizedAccount(address,bytes32)",
                bob,
                share.ISSUER_ROLE()
            )
        );
        vm.prank(bob);
        share.setShareTerms(terms);
        _assertTerms(_shareTerms());
    }
}
