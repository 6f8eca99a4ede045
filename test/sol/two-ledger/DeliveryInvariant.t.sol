// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {CrossLedgerDelivery} from "../../../contracts/settlement/CrossLedgerDelivery.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {TestBase} from "../utils/TestBase.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/**
 * @title DeliveryHandler
 * @notice Drives random sequences on the ST ledger alone over four parties: locks (step 1),
 * deliveries with the verifier's `Paid` attestation, returns with its `Refunded` attestation,
 * attestations presented for the wrong outcome or settlement, buyer waivers, the issuer's forced
 * paths on the contract's lock (issue locked to it, force-lock, force-unlock naming a settlement
 * or not, redeem from it, relocation naming a settlement or not), the token's pause, the
 * contract's pause, the verifier's role, eligibility changes and time. After every action it
 * reconciles the contract against ghost bookkeeping and counts any discrepancy.
 */
contract DeliveryHandler is TestBase {
    /// @notice Handler calls whose call into the system under test succeeded.
    uint256 public succeeded;

    uint256 internal constant PARTIES = 4;
    bytes internal constant TERMS_TYPE =
        "CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";

    CrossLedgerDelivery public immutable delivery;
    StraightBondToken public immutable bond;
    InvestorRegistry public immutable registry;
    address public immutable admin;
    address public immutable issuer;
    address public immutable pauser;
    address public immutable cashLedger;
    address public immutable cashToken;
    uint256 public immutable verifierKey;
    address public immutable verifier;

    address[PARTIES] public parties;
    ICrossLedger.CrossLedgerTerms[] internal _terms;

    // ghosts
    ICrossLedgerDelivery.State[] public ghostState;
    /// @dev Units of each seller's Locked settlements.
    mapping(address seller => uint256) public lockedQuantity;
    /// @dev Units locked to the contract that belong to no settlement, as the handler's own
    /// actions added and removed them.
    mapping(address account => uint256) public unassigned;
    mapping(bytes32 id => uint256) public exits;
    uint256 public terminalViolations;
    uint256 public exitViolations;
    uint256 public legViolations;
    uint256 public lockViolations;
    uint256 public deliverabilityViolations;
    uint256 public attestationViolations;
    uint256 public timeViolations;
    uint256 public refusalViolations;
    uint256 public deliveredTotal;
    uint256 public returnedTotal;
    uint256 public failedTotal;
    uint256 public tokenRefusals;

    // per-action scratch
    uint256[PARTIES] internal _stBefore;
    /// @dev ST balance changes a forced path of this action made, by party.
    int256[PARTIES] internal _stForced;

    constructor(
        CrossLedgerDelivery delivery_,
        StraightBondToken bond_,
        InvestorRegistry registry_,
        address[5] memory addresses, // admin, issuer, pauser, cash ledger, cash token
        uint256 verifierKey_,
        address[PARTIES] memory parties_
    ) {
        delivery = delivery_;
        bond = bond_;
        registry = registry_;
        admin = addresses[0];
        issuer = addresses[1];
        pauser = addresses[2];
        cashLedger = addresses[3];
        cashToken = addresses[4];
        verifierKey = verifierKey_;
        verifier = vm.addr(verifierKey_);
        parties = parties_;
    }

    function settlementCount() external view returns (uint256) {
        return _terms.length;
    }

    function termsAt(uint256 i) external view returns (ICrossLedger.CrossLedgerTerms memory) {
        return _terms[i];
    }

    // ---------------------------------------------------------------- step 1 and step 6

    function lock(
        uint256 sellerSeed,
        uint256 buyerOffset,
        uint256 quantity,
        uint256 deadlineOffset
    ) external {
        address seller = parties[sellerSeed % PARTIES];
        address buyer = parties[(sellerSeed + 1 + (buyerOffset % (PARTIES - 1))) % PARTIES];
        uint256 available = bond.availableBalanceOf(seller);
        if (available == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = ICrossLedger.CrossLedgerTerms({
            id: keccak256(abi.encode("delivery invariant", _terms.length)),
            seller: seller,
            buyer: buyer,
            stChainId: block.chainid,
            stLedger: address(delivery),
            securityToken: address(bond),
            quantity: bound(quantity, 1, available),
            cashChainId: block.chainid,
            cashLedger: cashLedger,
            cashToken: cashToken,
            amount: 1_000,
            deadline: uint64(block.timestamp + bound(deadlineOffset, 1, 5 days)),
            verifier: verifier
        });
        _before();
        vm.prank(seller);
        try bond.lock(address(delivery), t.quantity, abi.encode(t)) {
            ++succeeded;
            _terms.push(t);
            ghostState.push(ICrossLedgerDelivery.State.Locked);
            lockedQuantity[seller] += t.quantity;
        } catch {}
        _after(true);
    }

    /// @notice Presents settlement `i`'s `Paid` attestation. It must deliver whenever the
    /// settlement is Locked and the token allows the transfer (guarantees 1 and 4).
    function deliver(uint256 i) external {
        if (_terms.length == 0) return;
        uint256 k = _pick(i);
        ICrossLedger.CrossLedgerTerms memory t = _terms[k];
        bool permitted =
            !bond.paused() && registry.isEligible(t.seller) && registry.isEligible(t.buyer);
        bool mustWork = ghostState[k] == ICrossLedgerDelivery.State.Locked && permitted;
        _before();
        try delivery.deliver(t, _attest(t, ICrossLedger.Outcome.Paid)) {
            ++succeeded;
        } catch {
            if (mustWork) deliverabilityViolations++;
            if (ghostState[k] == ICrossLedgerDelivery.State.Locked) tokenRefusals++;
        }
        _after(true);
    }

    function returnToSeller(uint256 i) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        _before();
        try delivery.returnToSeller(t, _attest(t, ICrossLedger.Outcome.Refunded)) {
            ++succeeded;
        } catch {}
        _after(true);
    }

    /// @notice Presents the wrong attestation: the other outcome, or settlement `j`'s, or one
    /// signed by the buyer. None may move anything.
    function presentWrongAttestation(uint256 i, uint256 j, uint256 kind) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        ICrossLedger.CrossLedgerTerms memory other = _terms[_pick(j)];
        if (other.id == t.id) return;
        kind %= 3;
        _before();
        bool moved;
        if (kind == 0) {
            try delivery.deliver(t, _attest(t, ICrossLedger.Outcome.Refunded)) {
                moved = true;
            } catch {}
        } else if (kind == 1) {
            try delivery.deliver(t, _attest(other, ICrossLedger.Outcome.Paid)) {
                moved = true;
            } catch {}
        } else {
            bytes memory byBuyer = _signWith(
                uint256(keccak256(abi.encode("party", _indexOf(t.buyer)))),
                t,
                ICrossLedger.Outcome.Refunded
            );
            try delivery.returnToSeller(t, byBuyer) {
                moved = true;
            } catch {}
        }
        if (moved) attestationViolations++;
        _after(false);
    }

    function waive(uint256 i, bool asBuyer) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        _before();
        vm.prank(asBuyer ? t.buyer : t.seller);
        try delivery.waive(t) {
            ++succeeded;
        } catch {}
        _after(true);
    }

    // ---------------------------------------------------------------- the issuer's forced paths

    function issueLocked(uint256 partySeed, uint256 amount) external {
        uint256 p = partySeed % PARTIES;
        if (!registry.isEligible(parties[p])) return;
        amount = bound(amount, 1, 100);
        _before();
        vm.prank(issuer);
        bond.issue(parties[p], address(delivery), amount);
        ++succeeded;
        unassigned[parties[p]] += amount;
        _stForced[p] += int256(amount);
        _after(false);
    }

    function forceLock(uint256 partySeed, uint256 amount) external {
        address party = parties[partySeed % PARTIES];
        uint256 free = bond.availableBalanceOf(party);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        _before();
        vm.prank(issuer);
        bond.forceLock(address(delivery), party, amount, "enforcement");
        ++succeeded;
        unassigned[party] += amount;
        _after(false);
    }

    /// @notice Enforcement takes part of settlement `i`'s units, naming it, to a party.
    function forceUnlockNamed(uint256 i, uint256 amount, uint256 recipientSeed) external {
        if (_terms.length == 0) return;
        ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
        amount = bound(amount, 1, t.quantity);
        if (bond.lockedOf(address(delivery), t.seller) < amount) return;
        uint256 r = recipientSeed % PARTIES;
        _before();
        vm.prank(issuer);
        try bond.forceUnlock(address(delivery), t.seller, parties[r], amount, abi.encode(t)) {
            ++succeeded;
            _stForced[_indexOf(t.seller)] -= int256(amount);
            _stForced[r] += int256(amount);
        } catch {}
        _after(true);
    }

    /// @notice An unnamed forced release must succeed exactly when it takes at most the party's
    /// unassigned units.
    function forceUnlockUnnamed(uint256 partySeed, uint256 amount) external {
        address party = parties[partySeed % PARTIES];
        uint256 locked = bond.lockedOf(address(delivery), party);
        if (locked == 0) return;
        amount = bound(amount, 1, locked);
        uint256 expected = unassigned[party];
        _before();
        vm.prank(issuer);
        try bond.forceUnlock(address(delivery), party, party, amount, "enforcement") {
            ++succeeded;
            if (amount > expected) refusalViolations++;
            else unassigned[party] = expected - amount;
        } catch (bytes memory reason) {
            bytes memory exceeds = abi.encodeWithSelector(
                ICrossLedgerDelivery.DeliveryForcedRemovalExceedsUnassigned.selector,
                address(bond),
                party,
                amount,
                expected
            );
            if (amount <= expected || keccak256(reason) != keccak256(exceeds)) {
                refusalViolations++;
            }
        }
        _after(false);
    }

    function redeemFromDelivery(uint256 partySeed, uint256 amount) external {
        uint256 p = partySeed % PARTIES;
        uint256 expected = unassigned[parties[p]];
        if (expected == 0) return;
        amount = bound(amount, 1, expected);
        _before();
        vm.prank(issuer);
        bond.redeem(parties[p], address(delivery), amount);
        ++succeeded;
        unassigned[parties[p]] = expected - amount;
        _stForced[p] -= int256(amount);
        _after(false);
    }

    /// @notice Relocation of units locked to the contract, naming settlement `i` (its seller
    /// gives) or naming none (the giver's unassigned units only).
    function relocate(uint256 i, uint256 toSeed, uint256 amount, bool named) external {
        address from;
        bytes memory data;
        if (named) {
            if (_terms.length == 0) return;
            ICrossLedger.CrossLedgerTerms memory t = _terms[_pick(i)];
            from = t.seller;
            amount = bound(amount, 1, t.quantity);
            data = abi.encode(t);
        } else {
            from = parties[i % PARTIES];
            if (unassigned[from] == 0) return;
            amount = bound(amount, 1, unassigned[from]);
        }
        if (bond.lockedOf(address(delivery), from) < amount) return;
        uint256 to = toSeed % PARTIES;
        _before();
        vm.prank(issuer);
        try bond.forceChangeLockedAccount(address(delivery), from, parties[to], amount, data) {
            ++succeeded;
            if (!named) unassigned[from] -= amount;
            unassigned[parties[to]] += amount;
            _stForced[_indexOf(from)] -= int256(amount);
            _stForced[to] += int256(amount);
        } catch {}
        _after(named);
    }

    // ---------------------------------------------------------------- switches and time: never an outcome

    function toggleTokenPause() external {
        _before();
        vm.startPrank(issuer);
        if (bond.paused()) bond.unpause();
        else bond.pause();
        vm.stopPrank();
        _after(false);
    }

    function toggleDeliveryPause() external {
        _before();
        vm.startPrank(pauser);
        if (delivery.paused()) delivery.unpause();
        else delivery.pause();
        vm.stopPrank();
        _after(false);
    }

    function toggleVerifierRole() external {
        bytes32 role = delivery.VERIFIER_ROLE();
        _before();
        vm.startPrank(admin);
        if (delivery.hasRole(role, verifier)) delivery.revokeRole(role, verifier);
        else delivery.grantRole(role, verifier);
        vm.stopPrank();
        _after(false);
    }

    function toggleEligibility(uint256 partySeed) external {
        address account = parties[partySeed % PARTIES];
        _before();
        vm.startPrank(admin);
        if (registry.isEligible(account)) registry.suspend(account);
        else registry.reinstate(account);
        vm.stopPrank();
        _after(false);
    }

    function warp(uint256 seconds_) external {
        _before();
        vm.warp(block.timestamp + bound(seconds_, 1, 30 days));
        _after(false);
    }

    // ---------------------------------------------------------------- reconciliation

    function _before() internal {
        for (uint256 p = 0; p < PARTIES; ++p) {
            _stBefore[p] = bond.balanceOf(parties[p]);
            _stForced[p] = 0;
        }
    }

    /// @dev Compares every settlement with its ghost. `mayDecide` is false for actions that must
    /// never change a settlement (switches, time, wrong attestations, unnamed forced paths).
    function _after(bool mayDecide) internal {
        int256[PARTIES] memory stDelta = _stForced;
        for (uint256 k = 0; k < _terms.length; ++k) {
            ICrossLedger.CrossLedgerTerms memory t = _terms[k];
            ICrossLedgerDelivery.State previous = ghostState[k];
            ICrossLedgerDelivery.State current = delivery.stateOf(t.id);
            if (current == previous) continue;
            ghostState[k] = current;
            if (!mayDecide) timeViolations++;
            if (previous != ICrossLedgerDelivery.State.Locked) {
                terminalViolations++;
                continue;
            }
            if (++exits[t.id] > 1) exitViolations++;
            lockedQuantity[t.seller] -= t.quantity;
            if (current == ICrossLedgerDelivery.State.Delivered) {
                deliveredTotal++;
                stDelta[_indexOf(t.seller)] -= int256(t.quantity);
                stDelta[_indexOf(t.buyer)] += int256(t.quantity);
            } else if (current == ICrossLedgerDelivery.State.Returned) {
                returnedTotal++;
            } else if (current == ICrossLedgerDelivery.State.Failed) {
                failedTotal++;
            } else {
                terminalViolations++; // back to None
            }
        }
        for (uint256 p = 0; p < PARTIES; ++p) {
            address party = parties[p];
            if (int256(bond.balanceOf(party)) - int256(_stBefore[p]) != stDelta[p]) {
                legViolations++;
            }
            if (
                bond.lockedOf(address(delivery), party) !=
                    lockedQuantity[party] + unassigned[party] ||
                delivery.unassignedLockOf(address(bond), party) != unassigned[party]
            ) lockViolations++;
        }
    }

    // ---------------------------------------------------------------- helpers

    function _attest(
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal view returns (bytes memory) {
        return _signWith(verifierKey, t, outcome);
    }

    function _signWith(
        uint256 key,
        ICrossLedger.CrossLedgerTerms memory t,
        ICrossLedger.Outcome outcome
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, delivery.outcomeDigest(t, outcome));
        return abi.encodePacked(r, s, v);
    }

    /// @dev Index `i % n`, or for an even seed the next Locked settlement from there.
    function _pick(uint256 i) internal view returns (uint256 k) {
        uint256 n = _terms.length;
        k = i % n;
        if (i & 1 == 1) return k;
        for (uint256 step = 0; step < n; ++step) {
            uint256 c = (k + step) % n;
            if (ghostState[c] == ICrossLedgerDelivery.State.Locked) return c;
        }
    }

    function _indexOf(address party) internal view returns (uint256) {
        for (uint256 p = 0; p < PARTIES; ++p) if (parties[p] == party) return p;
        revert("unknown party");
    }
}

/// @notice Invariant campaigns on the ST ledger, driven by {DeliveryHandler}.
contract DeliveryInvariantTest is TwoLedgerBase {
    DeliveryHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[4] memory parties;
        for (uint256 p = 0; p < 4; ++p) {
            parties[p] = vm.addr(uint256(keccak256(abi.encode("party", p))));
            _onboard(parties[p]);
            vm.prank(issuer);
            bond.issue(parties[p], address(0), ST_ISSUED);
        }
        handler = new DeliveryHandler(
            delivery,
            bond,
            stRegistry,
            [admin, issuer, pauser, address(payment), address(dcjpy)],
            VERIFIER_KEY,
            parties
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions are not vacuous: lock, deliver, return, waive and a forced
    /// removal naming a settlement succeed; a refused delivery succeeds once the token allows it.
    function test_handler_actionsCanSucceed() public {
        handler.lock(0, 0, 9, 100); // settlement 0: party 0 sells 10 to party 1
        handler.deliver(0);
        vm.assertEq(handler.deliveredTotal(), 1, "delivered");
        handler.lock(0, 0, 9, 100); // settlement 1
        handler.returnToSeller(1);
        vm.assertEq(handler.returnedTotal(), 1, "returned");
        handler.lock(0, 0, 9, 100); // settlement 2
        handler.waive(2, true);
        vm.assertEq(handler.returnedTotal(), 2, "waived");
        handler.lock(0, 0, 9, 100); // settlement 3
        handler.forceUnlockNamed(3, 3, 2);
        vm.assertEq(handler.failedTotal(), 1, "failed by a forced removal");
        handler.lock(0, 0, 9, 100); // settlement 4
        handler.toggleTokenPause();
        handler.deliver(4); // refused by the token: stays Locked
        vm.assertEq(handler.tokenRefusals(), 1, "refused while paused");
        handler.warp(30 days);
        handler.toggleTokenPause();
        handler.deliver(4);
        vm.assertEq(
            handler.deliveredTotal(),
            2,
            "delivered after the pause, long after the deadline"
        );
        vm.assertEq(
            handler.succeeded(),
            10,
            "five locks and five outcomes; the refused delivery not"
        );
        invariant_lockPerSellerIsLockedQuantityPlusUnassigned();
        invariant_outcomesAreFinalExclusiveAndOnlyByAttestation();
    }

    /// @notice The issuer's paths through the handler are not vacuous either.
    function test_handler_forcedPathsCanSucceed() public {
        handler.lock(0, 0, 49, 100); // settlement 0: party 0 locks 50
        handler.issueLocked(0, 29); // 30 unassigned
        handler.forceLock(0, 9); // 10 more
        handler.forceUnlockUnnamed(0, 40); // 41 > 40: refused with the exact error
        handler.forceUnlockUnnamed(0, 4); // 5 released
        handler.redeemFromDelivery(0, 4); // 5 redeemed
        handler.relocate(0, 1, 9, false); // 10 unassigned to party 1
        handler.relocate(0, 3, 14, true); // settlement 0 fails, 15 relocated to party 3
        vm.assertEq(handler.succeeded(), 7, "every call but the refusal");
        vm.assertEq(handler.failedTotal(), 1, "settlement 0 failed");
        vm.assertEq(handler.unassigned(handler.parties(0)), 20, "40 - 5 - 5 - 10");
        vm.assertEq(handler.unassigned(handler.parties(3)), 15, "relocated");
        invariant_lockPerSellerIsLockedQuantityPlusUnassigned();
        invariant_outcomesAreFinalExclusiveAndOnlyByAttestation();
    }

    /// @notice For every party: the contract's lock bucket equals its Locked settlements'
    /// quantities plus its units of no settlement, and the contract's own count of those matches
    /// the handler's; an unnamed forced removal is refused exactly when it exceeds them.
    function invariant_lockPerSellerIsLockedQuantityPlusUnassigned() public view {
        for (uint256 p = 0; p < 4; ++p) {
            address party = handler.parties(p);
            vm.assertEq(
                bond.lockedOf(address(delivery), party),
                handler.lockedQuantity(party) + handler.unassigned(party),
                "lock == Locked quantities + unassigned"
            );
            vm.assertEq(
                delivery.unassignedLockOf(address(bond), party),
                handler.unassigned(party),
                "unassignedLockOf"
            );
        }
        vm.assertEq(handler.lockViolations(), 0, "lock books");
        vm.assertEq(handler.refusalViolations(), 0, "unnamed forced removals");
    }

    /// @notice A settlement leaves `Locked` once and only once (delivered xor returned xor
    /// failed), never by time, a switch, a role change or a wrong attestation; a delivery moves
    /// exactly the quantity; and a `Paid` attestation delivers whenever the token allows it.
    function invariant_outcomesAreFinalExclusiveAndOnlyByAttestation() public view {
        vm.assertEq(handler.terminalViolations(), 0, "terminal state left");
        vm.assertEq(handler.exitViolations(), 0, "two outcomes");
        vm.assertEq(handler.timeViolations(), 0, "an outcome without an attestation");
        vm.assertEq(handler.attestationViolations(), 0, "a wrong attestation moved units");
        vm.assertEq(handler.legViolations(), 0, "units moved other than the outcome says");
        vm.assertEq(handler.deliverabilityViolations(), 0, "a paid delivery was refused");
        uint256 n = handler.settlementCount();
        for (uint256 k = 0; k < n; ++k) {
            bytes32 id = handler.termsAt(k).id;
            vm.assertEq(uint256(delivery.stateOf(id)), uint256(handler.ghostState(k)), "state");
            vm.assertLe(handler.exits(id), 1, "one exit");
        }
    }

    /// @notice Units are conserved and the contract never holds any.
    function invariant_supplyConservedAndDeliveryHoldsNothing() public view {
        uint256 sum = bond.balanceOf(seller) + bond.balanceOf(buyer) + bond.balanceOf(stranger);
        for (uint256 p = 0; p < 4; ++p) sum += bond.balanceOf(handler.parties(p));
        vm.assertEq(sum, bond.totalSupply(), "ST supply");
        vm.assertEq(bond.balanceOf(address(delivery)), 0, "delivery holds ST");
    }
}
