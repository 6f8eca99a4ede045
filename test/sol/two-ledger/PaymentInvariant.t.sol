// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {TestBase} from "../utils/TestBase.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @title PaymentHandler
 * @notice Drives random sequences on the cash ledger alone over four parties: instructions (with
 * an allowance or the buyer's DCJPY authorization), the verifier's `Paid` and `Refunded`
 * decisions submitted by anyone, refunds after the deadline, wrong attestations, completions of
 * deferred transfers, DCJPY freezes and pause, the contract's pause, the verifier's role and time.
 * After every action it reconciles the contract and every balance against ghost bookkeeping.
 */
contract PaymentHandler is TestBase {
    /// @notice Handler calls whose call into the system under test succeeded.
    uint256 public succeeded;

    uint256 internal constant PARTIES = 4;

    CrossLedgerPayment public immutable payment;
    DepositToken public immutable dcjpy;
    address public immutable admin;
    address public immutable bank;
    address public immutable pauser;
    address public immutable stLedger;
    address public immutable securityToken;
    uint256 public immutable verifierKey;
    address public immutable verifier;

    uint256[PARTIES] internal _keys;
    address[PARTIES] public parties;
    ICrossLedger.CrossLedgerTerms[] internal _terms;

    // ghosts
    ICrossLedgerPayment.State[] public ghostState;
    mapping(bytes32 id => bool) public ghostPending;
    mapping(bytes32 id => uint256) public decisions;
    /// @dev Sum of the amounts of Instructed settlements, and of the amounts owed after a decision.
    uint256 public instructedSum;
    uint256 public owedSum;
    uint256 public terminalViolations;
    uint256 public decisionViolations;
    uint256 public latePayments;
    uint256 public landingViolations;
    uint256 public refundViolations;
    uint256 public attestationViolations;
    uint256 public legViolations;
    uint256 public paidTotal;
    uint256 public refundedTotal;
    uint256 public deferredTotal;
    uint256 public completedTotal;

    // per-action scratch
    uint256[PARTIES] internal _cashBefore;
    int256[PARTIES] internal _cashInstructed;

    constructor(
        CrossLedgerPayment payment_,
        DepositToken dcjpy_,
        address[5] memory addresses, // admin, bank, pauser, ST ledger, security token
        uint256 verifierKey_,
        uint256[PARTIES] memory keys
    ) {
        payment = payment_;
        dcjpy = dcjpy_;
        admin = addresses[0];
        bank = addresses[1];
        pauser = addresses[2];
        stLedger = addresses[3];
        securityToken = addresses[4];
        verifierKey = verifierKey_;
        verifier = vm.addr(verifierKey_);
        _keys = keys;
        for (uint256 p = 0; p < PARTIES; ++p) parties[p] = vm.addr(keys[p]);
    }

    function settlementCount() external view returns (uint256) {
        return _terms.length;
    }

    function termsAt(uint256 i) external view returns (ICrossLedger.CrossLedgerTerms memory) {
        return _terms[i];
    }

    // ---------------------------------------------------------------- step 4

    function instruct(
        uint256 buyerSeed,
        uint256 sellerOffset,
        uint256 amount,
        uint256 deadlineOffset,
        bool withAuthorization
    ) external {
        uint256 b = buyerSeed % PARTIES;
        address buyer = parties[b];
        address seller = parties[(buyerSeed + 1 + (sellerOffset % (PARTIES - 1))) % PARTIES];
        ICrossLedger.CrossLedgerTerms memory t = ICrossLedger.CrossLedgerTerms({
            id: keccak256(abi.encode("payment invariant", _terms.length)),
            seller: seller,
            buyer: buyer,
            stChainId: block.chainid,
            stLedger: stLedger,
            securityToken: securityToken,
            quantity: 10,
            cashChainId: block.chainid,
            cashLedger: address(payment),
            cashToken: address(dcjpy),
            amount: bound(amount, 1, 1_000_000),
            deadline: uint64(block.timestamp + bound(deadlineOffset, 1, 5 days)),
            verifier: verifier
        });
        _before();
        bool ok;
        if (withAuthorization) {
            bytes memory sig = _authorization(t, _keys[b], t.deadline);
            try payment.instructWithAuthorization(t, t.deadline, sig) {
                ok = true;
            } catch {}
        } else {
            vm.prank(buyer);
            try payment.instruct(t) {
                ok = true;
            } catch {}
        }
        if (ok) {
            ++succeeded;
            _terms.push(t);
            ghostState.push(ICrossLedgerPayment.State.Instructed);
            instructedSum += t.amount;
            _cashInstructed[b] -= int256(t.amount);
        }
        _after();
    }

    // ---------------------------------------------------------------- step 5

    /// @notice Submits settlement `i`'s `Paid` order: it must land whenever the settlement
    /// is Instructed and the deadline has not passed, and never after the deadline.
    function pay(uint256 i) external {
        if (_terms.length == 0) return;
        uint256 k = _pick(i);
        ICrossLedger.CrossLedgerTerms memory t = _terms[k];
        bool open = ghostState[k] == ICrossLedgerPayment.State.Instructed;
        bool beforeDeadline = block.timestamp <= t.deadline;
        _before();
        try payment.pay(t, _order(t, ICrossLedger.Outcome.Paid)) {
            ++succeeded;
            if (!beforeDeadline) latePayments++;
        } catch {
            if (open && beforeDeadline) landingViolations++;
        }
        _after();
    }

    /// @notice Submits settlement `i`'s `Refunded` order: it must land whenever the
    /// settlement is Instructed.
    function refuse(uint256 i) external {
        if (_terms.length == 0) return;
        uint256 k = _pick(i);
        ICrossLedger.CrossLedgerTerms memory t = _terms[k];
        bool open = ghostState[k] == ICrossLedgerPayment.State.Instructed;
        _before();
        try payment.refuse(t, _order(t, ICrossLedger.Outcome.Refunded)) {
            ++succeeded;
        } catch {
            if (open) landingViolations++;
        }
        _after();
    }

    /// @notice Anyone refunds: it must succeed whenever the settlement is Instructed and the
    /// deadline passed, whatever the buyer's account, DCJPY or the contract's pause (guarantee 2).
    function refund(uint256 i) external {
        if (_terms.length == 0) return;
        uint256 k = _pick(i);
        ICrossLedger.CrossLedgerTerms memory t = _terms[k];
        bool mustWork =
            ghostState[k] == ICrossLedgerPayment.State.Instructed && block.timestamp > t.deadline;
        _before();
        try payment.refund(t) {
            ++succeeded;
        } catch {
            if (mustWork) refundViolations++;
        }
        _after();
    }

    /// @notice The wrong order: the other outcome, another settlement's, the buyer's own
    /// signature, or the verifier's ST-ledger attestation of the right outcome. None may move
    /// anything.
    function presentWrongAttestation(uint256 i, uint256 j, uint256 kind) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        ICrossLedger.CrossLedgerTerms memory other = _terms[_pick(j)];
        if (other.id == t.id) return;
        kind %= 4;
        _before();
        bool moved;
        if (kind == 0) {
            try payment.pay(t, _order(t, ICrossLedger.Outcome.Refunded)) {
                moved = true;
            } catch {}
        } else if (kind == 1) {
            try payment.refuse(t, _order(other, ICrossLedger.Outcome.Refunded)) {
                moved = true;
            } catch {}
        } else if (kind == 2) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(
                _keys[_indexOf(t.buyer)],
                payment.orderDigest(t, ICrossLedger.Outcome.Refunded)
            );
            try payment.refuse(t, abi.encodePacked(r, s, v)) {
                moved = true;
            } catch {}
        } else {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(
                verifierKey,
                payment.outcomeDigest(t, ICrossLedger.Outcome.Paid)
            );
            try payment.pay(t, abi.encodePacked(r, s, v)) {
                moved = true;
            } catch {}
        }
        if (moved) attestationViolations++;
        _after();
    }

    function completeTransfer(uint256 i) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        _before();
        try payment.completeTransfer(t) {
            ++succeeded;
        } catch {}
        _after();
    }

    // ---------------------------------------------------------------- switches and time

    function toggleFreeze(uint256 partySeed) external {
        address account = parties[partySeed % PARTIES];
        bool frozen = dcjpy.isAccountFrozen(account);
        _before();
        vm.prank(bank);
        dcjpy.setAccountFrozen(account, !frozen);
        _after();
    }

    function toggleDcjpyPause() external {
        _before();
        vm.startPrank(bank);
        if (dcjpy.paused()) dcjpy.unpause();
        else dcjpy.pause();
        vm.stopPrank();
        _after();
    }

    function togglePaymentPause() external {
        _before();
        vm.startPrank(pauser);
        if (payment.paused()) payment.unpause();
        else payment.pause();
        vm.stopPrank();
        _after();
    }

    function toggleVerifierRole() external {
        bytes32 role = payment.VERIFIER_ROLE();
        _before();
        vm.startPrank(admin);
        if (payment.hasRole(role, verifier)) payment.revokeRole(role, verifier);
        else payment.grantRole(role, verifier);
        vm.stopPrank();
        _after();
    }

    function warp(uint256 seconds_) external {
        _before();
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
        _after();
    }

    // ---------------------------------------------------------------- reconciliation

    function _before() internal {
        for (uint256 p = 0; p < PARTIES; ++p) {
            _cashBefore[p] = dcjpy.balanceOf(parties[p]);
            _cashInstructed[p] = 0;
        }
    }

    function _after() internal {
        int256[PARTIES] memory cashDelta = _cashInstructed;
        for (uint256 k = 0; k < _terms.length; ++k) {
            ICrossLedger.CrossLedgerTerms memory t = _terms[k];
            ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
            ICrossLedgerPayment.State previous = ghostState[k];
            bool wasPending = ghostPending[t.id];
            if (record.state != previous) {
                ghostState[k] = record.state;
                if (previous != ICrossLedgerPayment.State.Instructed) {
                    terminalViolations++;
                    continue;
                }
                if (++decisions[t.id] > 1) decisionViolations++;
                instructedSum -= t.amount;
                if (record.state == ICrossLedgerPayment.State.Paid) paidTotal++;
                else if (record.state == ICrossLedgerPayment.State.Refunded) refundedTotal++;
                else terminalViolations++;
                if (record.transferPending) {
                    deferredTotal++;
                    owedSum += t.amount;
                } else {
                    cashDelta[_indexOf(_payee(t, record.state))] += int256(t.amount);
                }
            } else if (wasPending && !record.transferPending) {
                completedTotal++;
                owedSum -= t.amount;
                cashDelta[_indexOf(_payee(t, record.state))] += int256(t.amount);
            } else if (wasPending != record.transferPending) {
                terminalViolations++; // pending set without a decision
            }
            ghostPending[t.id] = record.transferPending;
        }
        for (uint256 p = 0; p < PARTIES; ++p) {
            if (int256(dcjpy.balanceOf(parties[p])) - int256(_cashBefore[p]) != cashDelta[p]) {
                legViolations++;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    function _payee(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedgerPayment.State state
    ) internal pure returns (address) {
        return state == ICrossLedgerPayment.State.Paid ? t.seller : t.buyer;
    }

    /// @dev The verifier's order of `outcome` for `t` on the cash ledger.
    function _order(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(verifierKey, payment.orderDigest(t, outcome));
        return abi.encodePacked(r, s, v);
    }

    function _authorization(
        ICrossLedger.CrossLedgerTerms memory t,
        uint256 key,
        uint256 validBefore
    ) internal view returns (bytes memory) {
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
                        payment.hashTerms(t)
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Index `i % n`, or for an even seed the next Instructed settlement from there.
    function _pick(uint256 i) internal view returns (uint256 k) {
        uint256 n = _terms.length;
        k = i % n;
        if (i & 1 == 1) return k;
        for (uint256 step = 0; step < n; ++step) {
            uint256 c = (k + step) % n;
            if (ghostState[c] == ICrossLedgerPayment.State.Instructed) return c;
        }
    }

    function _indexOf(address party) internal view returns (uint256) {
        for (uint256 p = 0; p < PARTIES; ++p) if (parties[p] == party) return p;
        revert("unknown party");
    }
}

/// @notice Invariant campaigns on the cash ledger, driven by {PaymentHandler}.
contract PaymentInvariantTest is TwoLedgerBase {
    PaymentHandler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[4] memory keys = [uint256(0xC1), 0xC2, 0xC3, 0xC4];
        for (uint256 p = 0; p < 4; ++p) {
            address party = vm.addr(keys[p]);
            _onboard(party);
            vm.prank(bank);
            dcjpy.issue(party, CASH_ISSUED, keccak256(abi.encode("invariant issue", p)));
            vm.prank(party);
            dcjpy.approve(address(payment), type(uint256).max);
        }
        handler = new PaymentHandler(
            payment,
            dcjpy,
            [admin, bank, pauser, address(delivery), address(bond)],
            VERIFIER_KEY,
            keys
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions are not vacuous: both kinds of instruction, a payment, a
    /// refusal, a refund after the deadline, and a deferred payment completed later succeed.
    function test_handler_actionsCanSucceed() public {
        handler.instruct(0, 0, 999, 100, false); // settlement 0: party 0 pays 1,000 to party 1
        handler.pay(0);
        handler.instruct(0, 0, 999, 100, true); // settlement 1, by authorization
        handler.refuse(1);
        handler.instruct(0, 0, 999, 100, false); // settlement 2
        handler.warp(200);
        handler.refund(2);
        handler.instruct(0, 0, 999, 1_000, false); // settlement 3
        handler.toggleFreeze(1); // the seller frozen: the payment is deferred
        handler.pay(3);
        vm.assertEq(handler.deferredTotal(), 1, "deferred");
        handler.toggleFreeze(1);
        handler.completeTransfer(3);
        vm.assertEq(handler.succeeded(), 9, "every call into the contract succeeded");
        vm.assertEq(handler.paidTotal(), 2, "paid");
        vm.assertEq(handler.refundedTotal(), 2, "refunded");
        vm.assertEq(handler.completedTotal(), 1, "completed");
        invariant_escrowIsInstructedPlusOwed();
        invariant_decidedOnceAndEveryValidDecisionLands();
    }

    /// @notice The contract's DCJPY is exactly the Instructed amounts plus the amounts owed after
    /// a refused transfer.
    function invariant_escrowIsInstructedPlusOwed() public view {
        vm.assertEq(
            dcjpy.balanceOf(address(payment)),
            handler.instructedSum() + handler.owedSum(),
            "escrow == instructed + owed"
        );
        uint256 instructed;
        uint256 owed;
        uint256 n = handler.settlementCount();
        for (uint256 k = 0; k < n; ++k) {
            ICrossLedger.CrossLedgerTerms memory t = handler.termsAt(k);
            ICrossLedgerPayment.Payment memory record = payment.paymentOf(t.id);
            if (record.state == ICrossLedgerPayment.State.Instructed) instructed += t.amount;
            if (record.transferPending) owed += t.amount;
        }
        vm.assertEq(instructed, handler.instructedSum(), "instructed, from the records");
        vm.assertEq(owed, handler.owedSum(), "owed, from the records");
    }

    /// @notice A settlement is Paid xor Refunded, decided once; Paid never after the deadline;
    /// every valid decision and every refund after the deadline lands; no wrong attestation moves
    /// anything; every balance moves exactly as the decisions say.
    function invariant_decidedOnceAndEveryValidDecisionLands() public view {
        vm.assertEq(handler.terminalViolations(), 0, "terminal state left");
        vm.assertEq(handler.decisionViolations(), 0, "decided twice");
        vm.assertEq(handler.latePayments(), 0, "paid after the deadline");
        vm.assertEq(handler.landingViolations(), 0, "a valid decision reverted");
        vm.assertEq(handler.refundViolations(), 0, "a refund after the deadline reverted");
        vm.assertEq(handler.attestationViolations(), 0, "a wrong attestation moved cash");
        vm.assertEq(handler.legViolations(), 0, "cash moved other than decided");
        uint256 n = handler.settlementCount();
        for (uint256 k = 0; k < n; ++k) {
            bytes32 id = handler.termsAt(k).id;
            vm.assertEq(uint256(payment.stateOf(id)), uint256(handler.ghostState(k)), "state");
            vm.assertLe(handler.decisions(id), 1, "one decision");
        }
    }

    /// @notice No yen is created or lost: the parties' balances and the escrow add up to the
    /// supply, which is what the bank issued minus what was redeemed.
    function invariant_cashConserved() public view {
        uint256 sum =
            dcjpy.balanceOf(address(payment)) +
                dcjpy.balanceOf(seller) +
                dcjpy.balanceOf(buyer) +
                dcjpy.balanceOf(stranger);
        for (uint256 p = 0; p < 4; ++p) sum += dcjpy.balanceOf(handler.parties(p));
        vm.assertEq(sum, dcjpy.totalSupply(), "cash supply");
        vm.assertEq(dcjpy.totalSupply(), dcjpy.totalIssued() - dcjpy.totalRedeemed(), "issued");
    }
}
