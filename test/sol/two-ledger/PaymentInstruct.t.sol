// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/// @notice Cash ledger, step 4: the buyer's instruction escrows its DCJPY for one settlement, or
/// reverts with an error naming the offending values and moves nothing (guarantee 6).
contract PaymentInstructTest is TwoLedgerBase {
    bytes32 internal constant NONE = bytes32(uint256(1));

    function test_instruct_escrowsTheAmount() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.expectEmit(address(dcjpy));
        emit IERC20.Transfer(buyer, address(payment), AMOUNT);
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.PaymentInstructed(t.id, buyer, seller, _termsHash(t), t);
        _instruct(t);

        ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
        vm.assertEq(uint256(record.state), uint256(ICrossLedgerPayment.State.Instructed), "state");
        vm.assertFalse(record.transferPending, "nothing pending");
        vm.assertEq(bytes32(record.termsDigest), bytes32(bytes28(_termsHash(t))), "commitment");
        vm.assertEq(dcjpy.balanceOf(address(payment)), AMOUNT, "escrowed");
        vm.assertEq(dcjpy.balanceOf(buyer), CASH_ISSUED - AMOUNT, "debited");
        vm.assertTrue(payment.verifyTerms(t), "terms verify");
    }

    function test_instruct_revertsWhenPaused() public {
        vm.prank(pauser);
        payment.pause();
        _expectInstructReverts(_terms(), abi.encodeWithSelector(Pausable.EnforcedPause.selector));
    }

    function test_instruct_revertsForAnyoneButTheBuyer() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_unauthorized(t.id, seller));
        vm.prank(seller);
        payment.instruct(t);
        _assertUnchanged(before, t);
    }

    function test_instruct_revertsForZeroId() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.id = bytes32(0);
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroSettlementId.selector)
        );
    }

    function test_instruct_revertsWhenTermsNameAnotherCashChain() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashChainId = 31_339_000;
        _expectInstructReverts(t, _wrongLedger(31_339_000, address(payment)));
    }

    function test_instruct_revertsWhenTermsNameAnotherCashLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashLedger = address(delivery);
        _expectInstructReverts(t, _wrongLedger(block.chainid, address(delivery)));
    }

    function test_instruct_revertsForUnknownStLedger() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.stLedger = stranger;
        _expectInstructReverts(t, _unknownCounterpart(block.chainid, stranger));
        t = _terms();
        t.stChainId = 5;
        _expectInstructReverts(t, _unknownCounterpart(5, address(delivery)));
    }

    function test_instruct_revertsForInvalidParties() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.seller = buyer;
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidParties.selector, buyer, buyer)
        );
        t = _terms();
        t.seller = address(0);
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerInvalidParties.selector,
                address(0),
                buyer
            )
        );
    }

    function test_instruct_revertsForZeroValues() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.quantity = 0;
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroValue.selector, 0, AMOUNT)
        );
        t = _terms();
        t.amount = 0;
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerZeroValue.selector, QUANTITY, 0)
        );
    }

    function test_instruct_revertsAtOrAfterTheDeadline() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        vm.warp(DEADLINE);
        _expectInstructReverts(t, _deadlinePassed(t.id, DEADLINE));
        vm.warp(uint256(DEADLINE) + 1);
        _expectInstructReverts(t, _deadlinePassed(t.id, uint256(DEADLINE) + 1));
    }

    function test_instruct_revertsForVerifierWithoutRole() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.verifier = seller;
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidVerifier.selector, seller)
        );
    }

    function test_instruct_revertsForUnlistedCashToken() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashToken = stranger;
        _expectInstructReverts(
            t,
            abi.encodeWithSelector(ICrossLedgerPayment.PaymentUnlistedCashToken.selector, stranger)
        );
        vm.prank(admin);
        payment.setCashTokenListed(address(dcjpy), false);
        _expectInstructReverts(
            _terms(),
            abi.encodeWithSelector(
                ICrossLedgerPayment.PaymentUnlistedCashToken.selector,
                address(dcjpy)
            )
        );
    }

    function test_instruct_revertsForReusedIdInEveryState() public {
        for (uint8 s = 1; s < 4; ++s) {
            ICrossLedgerPayment.State state = ICrossLedgerPayment.State(s);
            ICrossLedger.CrossLedgerTerms memory t = _paymentInState(state);
            _expectInstructReverts(t, _paymentState(t.id, state, NONE));
        }
    }

    function test_instruct_revertsWithoutAllowance() public {
        vm.prank(buyer);
        dcjpy.approve(address(payment), AMOUNT - 1);
        _expectInstructReverts(
            _terms(),
            abi.encodeWithSelector(
                IERC20Errors.ERC20InsufficientAllowance.selector,
                address(payment),
                AMOUNT - 1,
                AMOUNT
            )
        );
    }

    function test_instruct_revertsWithTheTokensErrorForAFrozenBuyer() public {
        vm.prank(bank);
        dcjpy.setAccountFrozen(buyer, true);
        _expectInstructReverts(
            _terms(),
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, buyer)
        );
    }

    function test_instruct_revertsWhenTheEscrowHasNoDcjpyAccount() public {
        // A payment contract the bank has not opened an account for cannot take escrow.
        vm.startPrank(admin);
        CrossLedgerPayment unopened = new CrossLedgerPayment(0, admin);
        unopened.grantRole(unopened.VERIFIER_ROLE(), verifier);
        unopened.setCashTokenListed(address(dcjpy), true);
        unopened.setCounterpartListed(block.chainid, address(delivery), true);
        vm.stopPrank();
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.cashLedger = address(unopened);
        vm.prank(buyer);
        dcjpy.approve(address(unopened), AMOUNT);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenIneligibleReceiver.selector,
                address(unopened)
            )
        );
        vm.prank(buyer);
        unopened.instruct(t);
        _assertUnchanged(before, t);
        vm.assertEq(uint256(unopened.stateOf(t.id)), 0, "nothing recorded");
    }

    // ---------------------------------------------------------------- with the buyer's authorization

    function test_instructWithAuthorization_anyoneSubmitsTheBuyersSignedInstruction() public {
        vm.prank(buyer);
        dcjpy.approve(address(payment), 0); // no allowance needed
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory sig = _authorization(t, BUYER_KEY, DEADLINE);
        vm.expectEmit(address(dcjpy));
        emit IDepositToken.AuthorizationUsed(buyer, _termsHash(t));
        vm.expectEmit(address(payment));
        emit ICrossLedgerPayment.PaymentInstructed(t.id, buyer, seller, _termsHash(t), t);
        vm.prank(stranger);
        payment.instructWithAuthorization(t, DEADLINE, sig);
        vm.assertEq(uint256(payment.stateOf(t.id)), 1, "Instructed");
        vm.assertEq(dcjpy.balanceOf(address(payment)), AMOUNT, "escrowed");
        vm.assertTrue(dcjpy.authorizationState(buyer, _termsHash(t)), "nonce used");
    }

    function test_instructWithAuthorization_frontRunnerCannotAttachItToOtherTerms() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory sig = _authorization(t, BUYER_KEY, DEADLINE);
        // Same ID and amount, another seller: the nonce is the terms hash, so the signature does
        // not verify for them.
        ICrossLedger.CrossLedgerTerms memory other = abi.decode(
            abi.encode(t),
            (ICrossLedger.CrossLedgerTerms)
        );
        other.seller = stranger;
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInvalidAuthorization.selector,
                buyer,
                address(payment),
                _termsHash(other)
            )
        );
        vm.prank(stranger);
        payment.instructWithAuthorization(other, DEADLINE, sig);
        _assertUnchanged(before, t);
        // The genuine terms still go through.
        payment.instructWithAuthorization(t, DEADLINE, sig);
        vm.assertEq(uint256(payment.stateOf(t.id)), 1, "Instructed");
    }

    function test_instructWithAuthorization_revertsForAnExpiredAuthorization() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory sig = _authorization(t, BUYER_KEY, T0);
        _expectAuthorizedReverts(
            t,
            T0,
            sig,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationExpired.selector,
                buyer,
                _termsHash(t),
                T0,
                T0
            )
        );
    }

    function test_instructWithAuthorization_revertsForAnotherSigner() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        _expectAuthorizedReverts(
            t,
            DEADLINE,
            _authorization(t, STRANGER_KEY, DEADLINE),
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInvalidAuthorization.selector,
                buyer,
                address(payment),
                _termsHash(t)
            )
        );
    }

    function test_instructWithAuthorization_revertsForACancelledAuthorization() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory sig = _authorization(t, BUYER_KEY, DEADLINE);
        vm.prank(buyer);
        dcjpy.cancelAuthorization(_termsHash(t));
        _expectAuthorizedReverts(
            t,
            DEADLINE,
            sig,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationUsed.selector,
                buyer,
                _termsHash(t)
            )
        );
    }

    function test_instructWithAuthorization_revertsWhenPausedOrReused() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        bytes memory sig = _authorization(t, BUYER_KEY, DEADLINE);
        vm.prank(pauser);
        payment.pause();
        _expectAuthorizedReverts(
            t,
            DEADLINE,
            sig,
            abi.encodeWithSelector(Pausable.EnforcedPause.selector)
        );
        vm.prank(pauser);
        payment.unpause();
        payment.instructWithAuthorization(t, DEADLINE, sig);
        _expectAuthorizedReverts(
            t,
            DEADLINE,
            sig,
            _paymentState(t.id, ICrossLedgerPayment.State.Instructed, NONE)
        );
    }

    function test_instructWithAuthorization_checksTheTermsLikeInstruct() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.verifier = stranger;
        _expectAuthorizedReverts(
            t,
            DEADLINE,
            _authorization(t, BUYER_KEY, DEADLINE),
            abi.encodeWithSelector(ICrossLedger.CrossLedgerInvalidVerifier.selector, stranger)
        );
    }

    // ---------------------------------------------------------------- helpers

    function _expectInstructReverts(
        ICrossLedger.CrossLedgerTerms memory t,
        bytes memory err
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(buyer);
        payment.instruct(t);
        _assertUnchanged(before, t);
    }

    function _expectAuthorizedReverts(
        ICrossLedger.CrossLedgerTerms memory t,
        uint256 validBefore,
        bytes memory sig,
        bytes memory err
    ) private {
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(err);
        vm.prank(stranger);
        payment.instructWithAuthorization(t, validBefore, sig);
        _assertUnchanged(before, t);
    }

    /// @dev `key`'s DCJPY transfer authorization of `t.amount` from the buyer into escrow, with
    /// the payment contract as spender and the terms hash as nonce.
    function _authorization(
        ICrossLedger.CrossLedgerTerms memory t,
        uint256 key,
        uint256 validBefore
    ) private view returns (bytes memory) {
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                dcjpy.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        dcjpy.TRANSFER_WITH_AUTHORIZATION_TYPEHASH(),
                        t.buyer,
                        address(payment),
                        t.amount,
                        address(payment),
                        validBefore,
                        _termsHash(t)
                    )
                )
            )
        );
        return _sign(key, digest);
    }

    function _wrongLedger(uint256 chainId, address ledger) private view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerWrongLedger.selector,
                chainId,
                ledger,
                block.chainid,
                address(payment)
            );
    }

    function _unknownCounterpart(
        uint256 chainId,
        address ledger
    ) private pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerUnknownCounterpart.selector,
                chainId,
                ledger
            );
    }
}
