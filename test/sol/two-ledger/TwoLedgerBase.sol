// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {CrossLedgerDelivery} from "../../../contracts/settlement/CrossLedgerDelivery.sol";
import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {IStraightBondToken} from "../../../contracts/interfaces/ISecurityTokenProducts.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {TestBase} from "../utils/TestBase.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";

/**
 * @title TwoLedgerBase
 * @notice Shared fixture of the two-ledger contracts, each tested alone: the ST ledger (the
 * issuer's register, a bond, {CrossLedgerDelivery}) and the cash ledger (DCJPY,
 * {CrossLedgerPayment} with its escrow account opened by the bank), wired as the Ignition modules
 * wire them. Both sit on the test chain, so one set of terms (both chain IDs = the test chain)
 * is valid on both contracts; tests that need two chains switch `block.chainid`. Helpers build
 * terms, sign the ST ledger's attestations and the cash ledger's orders from the spec
 * (independently of the contracts), drive a record into any state and assert that nothing moved.
 */
abstract contract TwoLedgerBase is TestBase {
    uint256 internal constant SELLER_KEY = 0x5E11E4;
    uint256 internal constant BUYER_KEY = 0xB0FE4;
    uint256 internal constant VERIFIER_KEY = 0x7E41F1E4;
    uint256 internal constant STRANGER_KEY = 0x5741;

    uint256 internal constant ST_ISSUED = 1_000;
    uint256 internal constant CASH_ISSUED = 100_000_000;
    uint256 internal constant QUANTITY = 100;
    uint256 internal constant AMOUNT = 10_000_000;
    uint64 internal constant T0 = 1_800_000_000;
    uint64 internal constant DEADLINE = T0 + 1 days;

    bytes internal constant TERMS_TYPE =
        "CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";
    bytes internal constant OUTCOME_TYPE = "Outcome(CrossLedgerTerms terms,uint8 outcome)";
    bytes internal constant ORDER_TYPE = "PaymentOrder(CrossLedgerTerms terms,uint8 outcome)";

    address internal admin = address(0xAD);
    address internal issuer = address(0x155E);
    address internal bank = address(0xBA4C);
    address internal pauser = address(0x9A05);
    address internal seller;
    address internal buyer;
    address internal verifier;
    address internal stranger;

    InvestorRegistry internal stRegistry;
    StraightBondToken internal bond;
    DepositToken internal dcjpy;
    CrossLedgerDelivery internal delivery;
    CrossLedgerPayment internal payment;

    uint256 private _nextId = 1;

    /// @notice What a revert test compares before and after: balances, locks, escrow, records.
    struct Snapshot {
        uint256 sellerSt;
        uint256 buyerSt;
        uint256 sellerLocked;
        uint256 sellerUnassigned;
        uint256 sellerCash;
        uint256 buyerCash;
        uint256 escrow;
        uint256 cashSupply;
        uint256 stSupply;
        ICrossLedgerDelivery.Delivery delivery;
        ICrossLedgerPayment.Payment payment;
    }

    function setUp() public virtual {
        vm.warp(T0);
        seller = vm.addr(SELLER_KEY);
        buyer = vm.addr(BUYER_KEY);
        verifier = vm.addr(VERIFIER_KEY);
        stranger = vm.addr(STRANGER_KEY);
        vm.label(seller, "seller");
        vm.label(buyer, "buyer");
        vm.label(verifier, "verifier");
        vm.label(stranger, "stranger");

        vm.startPrank(admin);
        // ST ledger
        stRegistry = new InvestorRegistry(0, admin);
        stRegistry.grantRole(stRegistry.REGISTRAR_ROLE(), admin);
        string[] memory dates = new string[](1);
        dates[0] = "0331";
        bond = new StraightBondToken(
            SecurityToken.Setup("Kessai Bond 1", "KB1", 0, stRegistry, admin, 0),
            IStraightBondToken.BondTerms(100, "JPY", 1_0000, dates, T0 + 365 days, 100, "JPY")
        );
        bond.grantRole(bond.ISSUER_ROLE(), issuer);
        bond.grantRole(bond.FORCE_UNLOCK_ROLE(), issuer);
        bond.grantRole(bond.FORCE_LOCK_ROLE(), issuer);
        bond.grantRole(bond.FORCE_RELOCATE_ROLE(), issuer);
        bond.grantRole(bond.PAUSER_ROLE(), issuer);
        delivery = new CrossLedgerDelivery(0, admin);
        delivery.grantRole(delivery.PAUSER_ROLE(), pauser);
        delivery.grantRole(delivery.VERIFIER_ROLE(), verifier);
        delivery.setSecurityTokenListed(address(bond), true);

        // cash ledger
        dcjpy = new DepositToken(DepositToken.Setup("DCJPY", "DCJPY", 0, admin, 0));
        dcjpy.grantRole(dcjpy.ISSUER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.FREEZER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.PAUSER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.REGISTRAR_ROLE(), bank);
        payment = new CrossLedgerPayment(0, admin);
        payment.grantRole(payment.PAUSER_ROLE(), pauser);
        payment.grantRole(payment.VERIFIER_ROLE(), verifier);
        payment.setCashTokenListed(address(dcjpy), true);

        // each ledger knows the other
        delivery.setCounterpartListed(block.chainid, address(payment), true);
        payment.setCounterpartListed(block.chainid, address(delivery), true);
        vm.stopPrank();

        _onboard(seller);
        _onboard(buyer);
        _onboard(stranger);
        vm.prank(bank);
        dcjpy.openAccount(address(payment), keccak256("escrow account"));

        vm.prank(issuer);
        bond.issue(seller, address(0), ST_ISSUED);
        vm.prank(bank);
        dcjpy.issue(buyer, CASH_ISSUED, keccak256("bank-ref-1"));
        vm.prank(buyer);
        dcjpy.approve(address(payment), type(uint256).max);
    }

    /// @notice Registers `account` with the issuer and opens its DCJPY account.
    function _onboard(address account) internal {
        vm.prank(admin);
        stRegistry.register(account, keccak256(abi.encode(account)), 0);
        vm.prank(bank);
        dcjpy.openAccount(account, keccak256(abi.encode("deposit account", account)));
    }

    // ---------------------------------------------------------------- terms

    /// @notice Fresh terms with a new ID, valid on both contracts (both on this chain).
    function _terms() internal returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = ICrossLedger.CrossLedgerTerms({
            id: keccak256(abi.encode("two-ledger settlement", _nextId++)),
            seller: seller,
            buyer: buyer,
            stChainId: block.chainid,
            stLedger: address(delivery),
            securityToken: address(bond),
            quantity: QUANTITY,
            cashChainId: block.chainid,
            cashLedger: address(payment),
            cashToken: address(dcjpy),
            amount: AMOUNT,
            deadline: DEADLINE,
            verifier: verifier
        });
    }

    /// @notice Step 1: the seller locks `t.quantity` to the delivery contract with the terms.
    function _lock(ICrossLedger.CrossLedgerTerms memory t) internal {
        vm.prank(t.seller);
        bond.lock(address(delivery), t.quantity, abi.encode(t));
    }

    function _locked() internal returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = _terms();
        _lock(t);
    }

    /// @notice Step 4: the buyer instructs (allowance given in setUp).
    function _instruct(ICrossLedger.CrossLedgerTerms memory t) internal {
        vm.prank(t.buyer);
        payment.instruct(t);
    }

    function _instructed() internal returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = _terms();
        _instruct(t);
    }

    // ---------------------------------------------------------------- the attestation, from the spec

    /// @notice EIP-712 struct hash of `t`, computed here from the type string.
    function _termsHash(ICrossLedger.CrossLedgerTerms memory t) internal pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    abi.encode(keccak256(TERMS_TYPE), t.id, t.seller, t.buyer, t.stChainId),
                    abi.encode(t.stLedger, t.securityToken, t.quantity, t.cashChainId),
                    abi.encode(t.cashLedger, t.cashToken, t.amount, t.deadline, t.verifier)
                )
            );
    }

    /// @notice The delivery contract's EIP-712 domain separator for `chainId` and `ledger`.
    function _domainSeparator(uint256 chainId, address ledger) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(
                        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                    ),
                    keccak256("Kessai CrossLedgerDelivery"),
                    keccak256("1"),
                    chainId,
                    ledger
                )
            );
    }

    /// @notice The digest of `Outcome(t, outcome)` under the domain the terms name.
    function _outcomeDigest(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(bytes.concat(OUTCOME_TYPE, TERMS_TYPE)),
                _termsHash(t),
                uint8(outcome)
            )
        );
        return
            keccak256(
                abi.encodePacked("\x19\x01", _domainSeparator(t.stChainId, t.stLedger), structHash)
            );
    }

    /// @notice `key`'s signature of `digest` as 65 bytes (r, s, v).
    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice The verifier's attestation of `outcome` for `t`.
    function _attest(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes memory) {
        return _sign(VERIFIER_KEY, _outcomeDigest(t, outcome));
    }

    function _paid(ICrossLedger.CrossLedgerTerms memory t) internal pure returns (bytes memory) {
        return _attest(t, ICrossLedger.Outcome.Paid);
    }

    function _refunded(
        ICrossLedger.CrossLedgerTerms memory t
    ) internal pure returns (bytes memory) {
        return _attest(t, ICrossLedger.Outcome.Refunded);
    }

    // ---------------------------------------------------------------- the order, from the spec

    /// @notice The payment contract's EIP-712 domain separator for `chainId` and `ledger`.
    function _paymentDomainSeparator(
        uint256 chainId,
        address ledger
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(
                        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                    ),
                    keccak256("Kessai CrossLedgerPayment"),
                    keccak256("1"),
                    chainId,
                    ledger
                )
            );
    }

    /// @notice The struct hash of `PaymentOrder(t, outcome)`.
    function _orderStructHash(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(bytes.concat(ORDER_TYPE, TERMS_TYPE)),
                    _termsHash(t),
                    uint8(outcome)
                )
            );
    }

    /// @notice The digest of `PaymentOrder(t, outcome)` under the payment contract the terms name.
    function _orderDigest(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encodePacked(
                    "\x19\x01",
                    _paymentDomainSeparator(t.cashChainId, t.cashLedger),
                    _orderStructHash(t, outcome)
                )
            );
    }

    /// @notice The verifier's order of `outcome` for `t` on the cash ledger.
    function _order(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes memory) {
        return _sign(VERIFIER_KEY, _orderDigest(t, outcome));
    }

    function _payOrder(
        ICrossLedger.CrossLedgerTerms memory t
    ) internal pure returns (bytes memory) {
        return _order(t, ICrossLedger.Outcome.Paid);
    }

    function _refuseOrder(
        ICrossLedger.CrossLedgerTerms memory t
    ) internal pure returns (bytes memory) {
        return _order(t, ICrossLedger.Outcome.Refunded);
    }

    // ---------------------------------------------------------------- states

    /**
     * @notice A settlement driven into `state` on the ST ledger: None (never locked), Locked,
     * Delivered, Returned (by the `Refunded` attestation), Failed (the issuer force-unlocked one
     * of its units naming it).
     */
    function _deliveryInState(
        ICrossLedgerDelivery.State state
    ) internal returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = _terms();
        if (state == ICrossLedgerDelivery.State.None) return t;
        _lock(t);
        if (state == ICrossLedgerDelivery.State.Delivered) {
            delivery.deliver(t, _paid(t));
        } else if (state == ICrossLedgerDelivery.State.Returned) {
            delivery.returnToSeller(t, _refunded(t));
        } else if (state == ICrossLedgerDelivery.State.Failed) {
            vm.prank(issuer);
            bond.forceUnlock(address(delivery), seller, seller, 1, abi.encode(t));
        }
        vm.assertEq(uint256(delivery.stateOf(t.id)), uint256(state), "driven delivery state");
    }

    /**
     * @notice A settlement driven into `state` on the cash ledger: None (never instructed),
     * Instructed, Paid, Refunded (by the verifier's refuse order).
     */
    function _paymentInState(
        ICrossLedgerPayment.State state
    ) internal returns (ICrossLedger.CrossLedgerTerms memory t) {
        t = _terms();
        if (state == ICrossLedgerPayment.State.None) return t;
        _instruct(t);
        if (state == ICrossLedgerPayment.State.Paid) {
            payment.pay(t, _payOrder(t));
        } else if (state == ICrossLedgerPayment.State.Refunded) {
            payment.refuse(t, _refuseOrder(t));
        }
        vm.assertEq(uint256(payment.stateOf(t.id)), uint256(state), "driven payment state");
    }

    // ---------------------------------------------------------------- snapshots

    function _snapshot(
        ICrossLedger.CrossLedgerTerms memory t
    ) internal view returns (Snapshot memory s) {
        s.sellerSt = bond.balanceOf(t.seller);
        s.buyerSt = bond.balanceOf(t.buyer);
        s.sellerLocked = bond.lockedOf(address(delivery), t.seller);
        s.sellerUnassigned = delivery.unassignedLockOf(address(bond), t.seller);
        s.sellerCash = dcjpy.balanceOf(t.seller);
        s.buyerCash = dcjpy.balanceOf(t.buyer);
        s.escrow = dcjpy.balanceOf(address(payment));
        s.cashSupply = dcjpy.totalSupply();
        s.stSupply = bond.totalSupply();
        s.delivery = delivery.deliveryOf(t.id);
        s.payment = payment.paymentOf(t.id);
    }

    /// @notice Asserts that balances, locks, escrow, supplies and both records of `t.id` are as
    /// in `before`, and that neither contract holds units of its own.
    function _assertUnchanged(
        Snapshot memory before,
        ICrossLedger.CrossLedgerTerms memory t
    ) internal view {
        Snapshot memory afterwards = _snapshot(t);
        vm.assertEq(afterwards.sellerSt, before.sellerSt, "seller ST moved");
        vm.assertEq(afterwards.buyerSt, before.buyerSt, "buyer ST moved");
        vm.assertEq(afterwards.sellerLocked, before.sellerLocked, "seller lock moved");
        vm.assertEq(afterwards.sellerUnassigned, before.sellerUnassigned, "unassigned moved");
        vm.assertEq(afterwards.sellerCash, before.sellerCash, "seller cash moved");
        vm.assertEq(afterwards.buyerCash, before.buyerCash, "buyer cash moved");
        vm.assertEq(afterwards.escrow, before.escrow, "escrow moved");
        vm.assertEq(afterwards.cashSupply, before.cashSupply, "cash supply moved");
        vm.assertEq(afterwards.stSupply, before.stSupply, "ST supply moved");
        vm.assertEq(
            uint256(afterwards.delivery.state),
            uint256(before.delivery.state),
            "delivery state"
        );
        vm.assertEq(
            bytes32(afterwards.delivery.termsDigest),
            bytes32(before.delivery.termsDigest),
            "delivery digest"
        );
        vm.assertEq(
            uint256(afterwards.payment.state),
            uint256(before.payment.state),
            "payment state"
        );
        vm.assertEq(
            afterwards.payment.transferPending,
            before.payment.transferPending,
            "payment transferPending"
        );
        vm.assertEq(
            bytes32(afterwards.payment.termsDigest),
            bytes32(before.payment.termsDigest),
            "payment digest"
        );
        vm.assertEq(bond.balanceOf(address(delivery)), 0, "delivery holds ST");
        vm.assertEq(bond.balanceOf(address(payment)), 0, "payment holds ST");
        vm.assertEq(dcjpy.balanceOf(address(delivery)), 0, "delivery holds cash");
    }

    // ---------------------------------------------------------------- errors

    function _deliveryState(
        bytes32 id,
        ICrossLedgerDelivery.State current,
        ICrossLedgerDelivery.State expected
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryUnexpectedState.selector,
                id,
                current,
                bytes32(uint256(1) << uint8(expected))
            );
    }

    function _paymentState(
        bytes32 id,
        ICrossLedgerPayment.State current,
        bytes32 expectedMask
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerPayment.PaymentUnexpectedState.selector,
                id,
                current,
                expectedMask
            );
    }

    function _invalidAttestation(
        bytes32 id,
        address signer,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerInvalidAttestation.selector,
                id,
                signer,
                outcome
            );
    }

    function _invalidOrder(
        bytes32 id,
        address signer,
        ICrossLedger.Outcome outcome
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedgerPayment.PaymentInvalidOrder.selector,
                id,
                signer,
                outcome
            );
    }

    function _mismatch(bytes32 id) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ICrossLedger.CrossLedgerTermsMismatch.selector, id);
    }

    function _unauthorized(bytes32 id, address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(ICrossLedger.CrossLedgerUnauthorized.selector, id, caller);
    }

    function _deadlinePassed(bytes32 id, uint256 nowTime) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                ICrossLedger.CrossLedgerDeadlinePassed.selector,
                id,
                DEADLINE,
                nowTime
            );
    }
}
