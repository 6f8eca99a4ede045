// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenIssuanceTest
/// @notice issue, requestIssuance, fulfilIssuanceRequest, rejectIssuanceRequest,
/// cancelIssuanceRequest.
contract DepositTokenIssuanceTest is DepositTokenBase {
    bytes32 internal constant REF = keccak256("bank-ref-1");
    bytes32 internal constant DEPOSIT_ACCOUNT = keccak256("deposit-account-alice");

    // ------------------------------------------------------------ issue

    function test_issue_mintsRecordsAndEmits() public {
        vm.warp(1_700_000_000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 1000);
        vm.expectEmit(address(token));
        emit IDepositToken.Issued(REF, alice, 1000);
        _issue(alice, 1000, REF);

        vm.assertEq(token.balanceOf(alice), 1000, "balance");
        vm.assertEq(token.totalSupply(), 1000, "supply");
        vm.assertEq(token.totalIssued(), 1000, "totalIssued");
        vm.assertEq(token.totalRedeemed(), 0, "totalRedeemed");
        IDepositToken.ReferenceRecord memory record = token.issuanceOf(REF);
        vm.assertEq(record.account, alice, "record account");
        vm.assertEq(record.amount, 1000, "record amount");
        vm.assertEq(uint256(record.timestamp), 1_700_000_000, "record timestamp");
    }

    function test_issue_secondReferenceAddsUp() public {
        _issue(alice, 1000, REF);
        _issue(bob, 500, keccak256("bank-ref-2"));
        vm.assertEq(token.totalIssued(), 1500, "totalIssued");
        vm.assertEq(token.totalSupply(), 1500, "supply");
        vm.assertEq(token.balanceOf(bob), 500, "bob");
    }

    function test_issue_upToTheSupplyCap() public {
        _issue(alice, type(uint128).max - 1, REF);
        _issue(bob, 1, keccak256("bank-ref-2"));
        vm.assertEq(token.totalSupply(), type(uint128).max, "supply at the cap");
        vm.assertEq(token.balanceOf(alice), type(uint128).max - 1, "alice");
        vm.assertEq(token.balanceOf(bob), 1, "bob");
    }

    function test_issue_revertsWhen_supplyCapExceeded() public {
        _issue(alice, type(uint128).max, REF);
        bytes32 ref2 = keccak256("bank-ref-2");
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenSupplyCapExceeded.selector,
                uint256(type(uint128).max),
                1,
                uint256(type(uint128).max)
            )
        );
        _issue(bob, 1, ref2);
        _assertUnchanged(s);
        vm.assertEq(uint256(token.issuanceOf(ref2).timestamp), 0, "record written");
        vm.assertEq(token.totalIssued(), type(uint128).max, "totalIssued");
    }

    function test_issue_revertsWhen_callerLacksIssuerRole() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                stranger,
                token.ISSUER_ROLE()
            )
        );
        vm.prank(stranger);
        token.issue(alice, 1000, REF);
        _assertUnchanged(s);
        vm.assertEq(token.issuanceOf(REF).account, address(0), "record written");
    }

    function test_issue_revertsWhen_referenceZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroReference.selector));
        _issue(alice, 1000, bytes32(0));
        _assertUnchanged(s);
    }

    function test_issue_revertsWhen_referenceUsed() public {
        _issue(alice, 1000, REF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIssuanceReferenceUsed.selector, REF)
        );
        _issue(bob, 5, REF);
        _assertUnchanged(s);
        vm.assertEq(token.issuanceOf(REF).account, alice, "record overwritten");
    }

    /// @dev The record's account, not its timestamp, marks a reference used: at block time 0 (a
    /// development chain's genesis) a reference still mints once.
    function test_issue_revertsWhen_referenceUsedAtTimestampZero() public {
        vm.warp(0);
        _issue(alice, 1000, REF);
        vm.assertEq(uint256(token.issuanceOf(REF).timestamp), 0, "recorded at time 0");
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIssuanceReferenceUsed.selector, REF)
        );
        _issue(alice, 1000, REF);
        _assertUnchanged(s);
        vm.assertEq(token.balanceOf(alice), 1000, "minted once");
    }

    function test_issue_revertsWhen_amountZero() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        _issue(alice, 0, REF);
        _assertUnchanged(s);
        vm.assertEq(uint256(token.issuanceOf(REF).timestamp), 0, "record written");
    }

    function test_issue_revertsWhen_paused() public {
        vm.prank(pauser);
        token.pause();
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector));
        _issue(alice, 1000, REF);
        _assertUnchanged(s);
        vm.assertEq(uint256(token.issuanceOf(REF).timestamp), 0, "record written");
    }

    function test_issue_revertsWhen_receiverFrozen() public {
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        _issue(alice, 1000, REF);
        _assertUnchanged(s);
    }

    function test_issue_revertsWhen_receiverIneligible() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, stranger)
        );
        _issue(stranger, 1000, REF);
        _assertUnchanged(s);
        vm.assertEq(token.balanceOf(stranger), 0, "stranger balance");
    }

    function test_issue_revertsWhen_receiverZeroAddress() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0))
        );
        _issue(address(0), 1000, REF);
        _assertUnchanged(s);
    }

    function test_issue_succeedsWhen_receiverPartiallyFrozen() public {
        vm.prank(freezer);
        token.freezePartial(alice, 300);
        _issue(alice, 1000, REF);
        vm.assertEq(token.balanceOf(alice), 1000, "balance");
        vm.assertEq(token.availableBalanceOf(alice), 700, "available");
    }

    // ------------------------------------------------------------ requestIssuance

    function test_requestIssuance_storesSequentialRequestsAndEmits() public {
        vm.expectEmit(address(token));
        emit IDepositToken.IssuanceRequested(1, alice, 1000, DEPOSIT_ACCOUNT);
        vm.prank(alice);
        uint256 first = token.requestIssuance(1000, DEPOSIT_ACCOUNT);

        vm.expectEmit(address(token));
        emit IDepositToken.IssuanceRequested(2, bob, 7, bytes32("b"));
        vm.prank(bob);
        uint256 second = token.requestIssuance(7, bytes32("b"));

        vm.assertEq(first, 1, "first id");
        vm.assertEq(second, 2, "second id");
        vm.assertEq(token.issuanceRequestCount(), 2, "count");
        IDepositToken.IssuanceRequest memory r = token.issuanceRequest(1);
        vm.assertEq(r.account, alice, "account");
        vm.assertEq(r.amount, 1000, "amount");
        vm.assertEq(r.depositAccountRef, DEPOSIT_ACCOUNT, "deposit account");
        vm.assertEq(r.bankReference, bytes32(0), "bank reference");
        vm.assertEq(uint256(r.status), uint256(IDepositToken.RequestStatus.Pending), "status");
        vm.assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_requestIssuance_revertsWhen_amountZero() public {
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroAmount.selector));
        vm.prank(alice);
        token.requestIssuance(0, DEPOSIT_ACCOUNT);
        vm.assertEq(token.issuanceRequestCount(), 0, "count");
    }

    function test_requestIssuance_revertsWhen_callerIneligible() public {
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, stranger)
        );
        vm.prank(stranger);
        token.requestIssuance(1000, DEPOSIT_ACCOUNT);
        vm.assertEq(token.issuanceRequestCount(), 0, "count");
        vm.assertEq(token.issuanceRequest(1).account, address(0), "stored");
    }

    function test_issuanceRequest_unknownIsAllZero() public view {
        IDepositToken.IssuanceRequest memory r = token.issuanceRequest(42);
        vm.assertEq(r.account, address(0), "account");
        vm.assertEq(r.amount, 0, "amount");
        vm.assertEq(uint256(r.status), uint256(IDepositToken.RequestStatus.None), "status");
    }

    // ------------------------------------------------------------ fulfilIssuanceRequest

    function _request(address account, uint256 amount) internal returns (uint256 id) {
        vm.prank(account);
        id = token.requestIssuance(amount, DEPOSIT_ACCOUNT);
    }

    function _assertStatus(uint256 id, IDepositToken.RequestStatus status) internal view {
        vm.assertEq(uint256(token.issuanceRequest(id).status), uint256(status), "request status");
    }

    function test_fulfilIssuanceRequest_mintsAndEmits() public {
        uint256 id = _request(alice, 1000);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(address(0), alice, 1000);
        vm.expectEmit(address(token));
        emit IDepositToken.Issued(REF, alice, 1000);
        vm.expectEmit(address(token));
        emit IDepositToken.IssuanceRequestFulfilled(id, REF);
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);

        vm.assertEq(token.balanceOf(alice), 1000, "balance");
        vm.assertEq(token.totalIssued(), 1000, "totalIssued");
        vm.assertEq(token.issuanceOf(REF).account, alice, "record");
        vm.assertEq(token.issuanceRequest(id).bankReference, REF, "bank reference");
        _assertStatus(id, IDepositToken.RequestStatus.Fulfilled);
    }

    function test_fulfilIssuanceRequest_revertsWhen_callerLacksIssuerRole() public {
        uint256 id = _request(alice, 1000);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                alice,
                token.ISSUER_ROLE()
            )
        );
        vm.prank(alice);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_fulfilIssuanceRequest_revertsWhen_unknown() public {
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                7,
                IDepositToken.RequestStatus.None
            )
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(7, REF);
        _assertUnchanged(s);
    }

    function test_fulfilIssuanceRequest_revertsWhen_alreadyFulfilled() public {
        uint256 id = _request(alice, 1000);
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                id,
                IDepositToken.RequestStatus.Fulfilled
            )
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, keccak256("another"));
        _assertUnchanged(s);
        vm.assertEq(token.issuanceRequest(id).bankReference, REF, "bank reference");
    }

    function test_fulfilIssuanceRequest_revertsWhen_rejected() public {
        uint256 id = _request(alice, 1000);
        vm.prank(issuer);
        token.rejectIssuanceRequest(id, "kyc");
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                id,
                IDepositToken.RequestStatus.Rejected
            )
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Rejected);
    }

    function test_fulfilIssuanceRequest_revertsWhen_cancelled() public {
        uint256 id = _request(alice, 1000);
        vm.prank(alice);
        token.cancelIssuanceRequest(id);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                id,
                IDepositToken.RequestStatus.Cancelled
            )
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
    }

    function test_fulfilIssuanceRequest_revertsWhen_referenceZero() public {
        uint256 id = _request(alice, 1000);
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenZeroReference.selector));
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, bytes32(0));
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_fulfilIssuanceRequest_revertsWhen_referenceUsed() public {
        _issue(bob, 5, REF);
        uint256 id = _request(alice, 1000);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIssuanceReferenceUsed.selector, REF)
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_fulfilIssuanceRequest_revertsWhen_paused() public {
        uint256 id = _request(alice, 1000);
        vm.prank(pauser);
        token.pause();
        Snapshot memory s = _snapshot();
        vm.expectRevert(abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector));
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_fulfilIssuanceRequest_revertsWhen_accountNoLongerEligible() public {
        uint256 id = _request(alice, 1000);
        _close(alice);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenIneligibleReceiver.selector, alice)
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_fulfilIssuanceRequest_revertsWhen_accountFrozen() public {
        uint256 id = _request(alice, 1000);
        vm.prank(freezer);
        token.setAccountFrozen(alice, true);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, alice)
        );
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    // ------------------------------------------------------------ rejectIssuanceRequest

    function test_rejectIssuanceRequest_marksRejectedAndEmits() public {
        uint256 id = _request(alice, 1000);
        vm.expectEmit(address(token));
        emit IDepositToken.IssuanceRequestRejected(id, "kyc");
        vm.prank(issuer);
        token.rejectIssuanceRequest(id, "kyc");
        _assertStatus(id, IDepositToken.RequestStatus.Rejected);
        vm.assertEq(token.totalSupply(), 0, "supply");
    }

    function test_rejectIssuanceRequest_revertsWhen_callerLacksIssuerRole() public {
        uint256 id = _request(alice, 1000);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                freezer,
                token.ISSUER_ROLE()
            )
        );
        vm.prank(freezer);
        token.rejectIssuanceRequest(id, "kyc");
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_rejectIssuanceRequest_revertsWhen_notPending() public {
        uint256 id = _request(alice, 1000);
        vm.prank(issuer);
        token.fulfilIssuanceRequest(id, REF);
        Snapshot memory s = _snapshot();
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                id,
                IDepositToken.RequestStatus.Fulfilled
            )
        );
        vm.prank(issuer);
        token.rejectIssuanceRequest(id, "late");
        _assertUnchanged(s);
        _assertStatus(id, IDepositToken.RequestStatus.Fulfilled);
    }

    // ------------------------------------------------------------ cancelIssuanceRequest

    function test_cancelIssuanceRequest_marksCancelledAndEmits() public {
        uint256 id = _request(alice, 1000);
        vm.expectEmit(address(token));
        emit IDepositToken.IssuanceRequestCancelled(id);
        vm.prank(alice);
        token.cancelIssuanceRequest(id);
        _assertStatus(id, IDepositToken.RequestStatus.Cancelled);
    }

    function test_cancelIssuanceRequest_revertsWhen_notRequester() public {
        uint256 id = _request(alice, 1000);
        vm.expectRevert(
            abi.encodeWithSelector(IDepositToken.DepositTokenNotRequester.selector, id, bob)
        );
        vm.prank(bob);
        token.cancelIssuanceRequest(id);
        _assertStatus(id, IDepositToken.RequestStatus.Pending);
    }

    function test_cancelIssuanceRequest_revertsWhen_notPending() public {
        uint256 id = _request(alice, 1000);
        vm.prank(alice);
        token.cancelIssuanceRequest(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenUnexpectedRequestStatus.selector,
                id,
                IDepositToken.RequestStatus.Cancelled
            )
        );
        vm.prank(alice);
        token.cancelIssuanceRequest(id);
        _assertStatus(id, IDepositToken.RequestStatus.Cancelled);
    }
}
