// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {DeliveryVersusPayment} from "../../../contracts/settlement/DeliveryVersusPayment.sol";
import {Vm} from "../utils/Vm.sol";
import {TestBase} from "../utils/TestBase.sol";
import {DvpBase} from "./DvpBase.sol";

/**
 * @title DvpHandler
 * @notice Drives random sequences over four parties: create, affirm (direct and by signature),
 * approve (direct and by signature, the agent revoked and re-granted), settle (with an allowance
 * or the buyer's transfer authorization), per-item batch, cancel, reclaim, reject, terminate, the
 * issuer's forced paths on the DVP's lock (issue locked to it, force-lock, force-unlock naming a
 * settlement or not, redeem from it, relocation naming a settlement or not), token and DVP pauses,
 * eligibility changes and time warps. After every action it reconciles what happened against
 * ghost bookkeeping (state transitions, both legs, what each exit released, the units of no
 * settlement) and counts any discrepancy, which the invariant test asserts to be zero.
 */
contract DvpHandler is TestBase {
    /// @notice Handler calls whose call into the system under test succeeded.
    uint256 public succeeded;

    uint256 internal constant PARTIES = 4;
    bytes32 internal constant CANCELLED = keccak256("SettlementCancelled(bytes32,uint256)");
    bytes32 internal constant EXPIRED = keccak256("SettlementExpired(bytes32,uint256)");
    bytes32 internal constant REJECTED = keccak256(
        "SettlementRejected(bytes32,address,bytes32,uint256)"
    );
    bytes32 internal constant FAILED = keccak256(
        "SettlementFailed(bytes32,address,uint256,uint256)"
    );
    bytes32 internal constant TERMINATED = keccak256(
        "SettlementTerminated(bytes32,address,bytes32,uint256)"
    );

    DeliveryVersusPayment public immutable dvp;
    StraightBondToken public immutable bond;
    DepositToken public immutable dcjpy;
    InvestorRegistry public immutable stRegistry;
    address public immutable admin;
    address public immutable issuer;
    address public immutable pauser;
    address public immutable agent;
    uint256 public immutable agentKey;

    uint256[PARTIES] internal _keys;
    address[PARTIES] public parties;
    IDeliveryVersusPayment.Terms[] internal _terms;
    mapping(bytes32 id => uint256) internal _indexPlusOne;

    // ghosts
    IDeliveryVersusPayment.State[] public ghostState;
    mapping(address seller => uint256) public openQuantity;
    /// @dev Units locked to the DVP that belong to no settlement, as the handler's own actions
    /// added and removed them.
    mapping(address account => uint256) public unassigned;
    mapping(bytes32 id => uint256) public settledCount;
    /// @dev The agent's epoch when the handler last saw it approve `id`, plus one.
    mapping(bytes32 id => uint256) internal _approvedEpochPlusOne;
    uint256 public terminalViolations;
    uint256 public legViolations;
    uint256 public lockViolations;
    uint256 public reclaimReverts;
    uint256 public reuseViolations;
    uint256 public refusalViolations;
    uint256 public approvalViolations;
    uint256 public forcedFailures;
    uint256 public forcedRefusals;
    uint256 public settledTotal;
    uint256 public closedOtherwise;

    // per-action scratch
    uint256[PARTIES] internal _cashBefore;
    uint256[PARTIES] internal _stBefore;
    /// @dev ST balance changes the forced path of this action made outside any settlement.
    int256[PARTIES] internal _stForced;

    constructor(
        DeliveryVersusPayment dvp_,
        StraightBondToken bond_,
        DepositToken dcjpy_,
        InvestorRegistry stRegistry_,
        address[4] memory roles,
        uint256 agentKey_,
        uint256[PARTIES] memory keys
    ) {
        dvp = dvp_;
        bond = bond_;
        dcjpy = dcjpy_;
        stRegistry = stRegistry_;
        admin = roles[0];
        issuer = roles[1];
        pauser = roles[2];
        agent = roles[3];
        agentKey = agentKey_;
        _keys = keys;
        for (uint256 i = 0; i < PARTIES; ++i) parties[i] = vm.addr(keys[i]);
    }

    function settlementCount() external view returns (uint256) {
        return _terms.length;
    }

    function termsAt(uint256 i) external view returns (IDeliveryVersusPayment.Terms memory) {
        return _terms[i];
    }

    // ---------------------------------------------------------------- actions

    function create(
        uint256 sellerSeed,
        uint256 buyerOffset,
        uint256 quantity,
        uint256 amount,
        uint256 deadlineOffset,
        bool withAgent
    ) external {
        address seller = parties[sellerSeed % PARTIES];
        address buyer = parties[(sellerSeed + 1 + (buyerOffset % (PARTIES - 1))) % PARTIES];
        uint256 available = bond.availableBalanceOf(seller);
        if (available == 0) return;
        IDeliveryVersusPayment.Terms memory t = IDeliveryVersusPayment.Terms({
            id: keccak256(abi.encode("inv", _terms.length)),
            seller: seller,
            buyer: buyer,
            securityToken: address(bond),
            quantity: bound(quantity, 1, available),
            cashToken: address(dcjpy),
            amount: bound(amount, 1, 1_000_000),
            deadline: uint64(block.timestamp + bound(deadlineOffset, 1, 5 days)),
            agent: withAgent ? agent : address(0)
        });
        _before();
        vm.prank(seller);
        try bond.lock(address(dvp), t.quantity, abi.encode(t)) {
            ++succeeded;
            _terms.push(t);
            ghostState.push(IDeliveryVersusPayment.State.Pending);
            _indexPlusOne[t.id] = _terms.length;
            openQuantity[seller] += t.quantity;
        } catch {}
        _after();
    }

    function recreate(uint256 i) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        if (bond.availableBalanceOf(t.seller) < t.quantity) return;
        _before();
        vm.prank(t.seller);
        try bond.lock(address(dvp), t.quantity, abi.encode(t)) {
            ++succeeded;
            reuseViolations++;
        } catch {}
        _after();
    }

    function affirm(uint256 i) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        _before();
        vm.prank(t.buyer);
        try dvp.affirm(t) {
            ++succeeded;
        } catch {}
        _after();
    }

    function affirmBySig(uint256 i) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf(t.buyer), dvp.affirmDigest(t));
        _before();
        try dvp.affirmBySig(t, abi.encodePacked(r, s, v)) {
            ++succeeded;
        } catch {}
        _after();
    }

    function approve(uint256 i, bool bySig) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        uint256 epoch = dvp.agentEpochOf(agent);
        bool ok;
        _before();
        if (bySig) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(agentKey, dvp.approveDigest(t));
            try dvp.approveSettlementBySig(t, abi.encodePacked(r, s, v)) {
                ok = true;
            } catch {}
        } else {
            vm.prank(agent);
            try dvp.approveSettlement(t) {
                ok = true;
            } catch {}
        }
        if (ok) {
            ++succeeded;
            // a second approval in the same epoch must have been refused
            if (_approvedEpochPlusOne[t.id] == epoch + 1) approvalViolations++;
            _approvedEpochPlusOne[t.id] = epoch + 1;
        }
        _after();
    }

    /// @notice The admin revokes the agent's role, or grants it again.
    function toggleAgentRole() external {
        bytes32 role = dvp.SETTLEMENT_AGENT_ROLE();
        vm.startPrank(admin);
        if (dvp.hasRole(role, agent)) dvp.revokeRole(role, agent);
        else dvp.grantRole(role, agent);
        vm.stopPrank();
    }

    function settle(uint256 i, bool asBuyer) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        _before();
        vm.prank(asBuyer ? t.buyer : t.seller);
        try dvp.settle(t) {
            ++succeeded;
        } catch {}
        _after();
    }

    /// @notice Settles with the buyer's transfer authorization instead of its allowance.
    function settleWithAuthorization(uint256 i, bool asBuyer, uint256 validFor) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        uint256 validBefore = block.timestamp + bound(validFor, 0, 2 days);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                dcjpy.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        dcjpy.TRANSFER_WITH_AUTHORIZATION_TYPEHASH(),
                        t.buyer,
                        t.seller,
                        t.amount,
                        address(dvp),
                        validBefore,
                        t.id
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keyOf(t.buyer), digest);
        _before();
        vm.prank(asBuyer ? t.buyer : t.seller);
        try dvp.settleWithAuthorization(t, validBefore, abi.encodePacked(r, s, v)) {
            ++succeeded;
        } catch {}
        _after();
    }

    function settleBatchPerItem(uint256 i, uint256 j) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms[] memory batch = new IDeliveryVersusPayment.Terms[](2);
        batch[0] = _terms[_pick(i)];
        batch[1] = _terms[_pick(j)];
        _before();
        vm.prank(batch[0].buyer);
        try dvp.settleBatchPerItem(batch) {
            ++succeeded;
        } catch {}
        _after();
    }

    function cancel(uint256 i, bool bySeller) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        _before();
        vm.prank(bySeller ? t.seller : t.buyer);
        try dvp.cancel(t) {
            ++succeeded;
        } catch {}
        _after();
    }

    function reclaim(uint256 i) external {
        if (_terms.length == 0) return;
        uint256 k = _pick(i);
        IDeliveryVersusPayment.Terms memory t = _terms[k];
        bool mustWork = _isOpen(ghostState[k]) && block.timestamp > t.deadline;
        _before();
        try dvp.reclaim(t) {
            ++succeeded;
        } catch {
            if (mustWork) reclaimReverts++;
        }
        _after();
    }

    function reject(uint256 i) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        _before();
        vm.prank(agent);
        try dvp.reject(t, "invariant") {
            ++succeeded;
        } catch {}
        _after();
    }

    function terminate(uint256 i) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        _before();
        vm.prank(issuer);
        try dvp.terminate(t, "invariant") {
            ++succeeded;
        } catch {}
        _after();
    }

    /// @notice The issuer issues new units to a party, locked to the DVP (no settlement).
    function issueLocked(uint256 partySeed, uint256 amount) external {
        uint256 p = partySeed % PARTIES;
        amount = bound(amount, 1, 100);
        _before();
        vm.prank(issuer);
        bond.issue(parties[p], address(dvp), amount);
        ++succeeded;
        unassigned[parties[p]] += amount;
        _stForced[p] += int256(amount);
        _after();
    }

    /// @notice Enforcement locks a party's free units to the DVP (no settlement).
    function forceLock(uint256 partySeed, uint256 amount) external {
        address party = parties[partySeed % PARTIES];
        uint256 free = bond.availableBalanceOf(party);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        _before();
        vm.prank(issuer);
        bond.forceLock(address(dvp), party, amount, "enforcement");
        ++succeeded;
        unassigned[party] += amount;
        _after();
    }

    /// @notice Enforcement takes part of settlement `i`'s units, naming it, to a party.
    function forceUnlockNamed(uint256 i, uint256 amount, uint256 recipientSeed) external {
        if (_terms.length == 0) return;
        IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
        amount = bound(amount, 1, t.quantity);
        if (bond.lockedOf(address(dvp), t.seller) < amount) return; // the token's own refusal
        uint256 r = recipientSeed % PARTIES;
        _before();
        vm.prank(issuer);
        try bond.forceUnlock(address(dvp), t.seller, parties[r], amount, abi.encode(t)) {
            ++succeeded;
            ++forcedFailures;
            _stForced[_indexOf(t.seller)] -= int256(amount);
            _stForced[r] += int256(amount);
        } catch {}
        _after();
    }

    /// @notice Enforcement releases a party's units from the DVP's lock naming no settlement: it
    /// must succeed exactly when they are at most the party's unassigned units, and otherwise
    /// revert with {DvpForcedRemovalExceedsUnassigned} naming them.
    function forceUnlockUnnamed(uint256 partySeed, uint256 amount) external {
        address party = parties[partySeed % PARTIES];
        uint256 locked = bond.lockedOf(address(dvp), party);
        if (locked == 0) return;
        amount = bound(amount, 1, locked);
        uint256 expected = unassigned[party];
        _before();
        vm.prank(issuer);
        try bond.forceUnlock(address(dvp), party, party, amount, "enforcement") {
            ++succeeded;
            if (amount > expected) refusalViolations++;
            else unassigned[party] = expected - amount;
        } catch (bytes memory reason) {
            ++forcedRefusals;
            if (amount <= expected || keccak256(reason) != keccak256(_exceeds(party, amount))) {
                refusalViolations++;
            }
        }
        _after();
    }

    /// @notice The issuer redeems a party's units from the DVP's lock (a redemption names no
    /// settlement, so only unassigned units may go).
    function redeemFromDvp(uint256 partySeed, uint256 amount) external {
        uint256 p = partySeed % PARTIES;
        address party = parties[p];
        uint256 expected = unassigned[party];
        if (expected == 0) return;
        amount = bound(amount, 1, expected);
        _before();
        vm.prank(issuer);
        bond.redeem(party, address(dvp), amount);
        ++succeeded;
        unassigned[party] = expected - amount;
        _stForced[p] -= int256(amount);
        _after();
    }

    /// @notice Enforcement relocates units locked to the DVP from one party to another, naming
    /// settlement `i` (its seller gives) or naming none (the giver's unassigned units only).
    function relocate(uint256 i, uint256 toSeed, uint256 amount, bool named) external {
        address from;
        bytes memory data;
        if (named) {
            if (_terms.length == 0) return;
            IDeliveryVersusPayment.Terms memory t = _terms[_pick(i)];
            from = t.seller;
            amount = bound(amount, 1, t.quantity);
            data = abi.encode(t);
        } else {
            from = parties[i % PARTIES];
            if (unassigned[from] == 0) return;
            amount = bound(amount, 1, unassigned[from]);
        }
        if (bond.lockedOf(address(dvp), from) < amount) return; // the token's own refusal
        uint256 to = toSeed % PARTIES;
        _before();
        vm.prank(issuer);
        try bond.forceChangeLockedAccount(address(dvp), from, parties[to], amount, data) {
            ++succeeded;
            if (named) ++forcedFailures;
            else unassigned[from] -= amount;
            unassigned[parties[to]] += amount;
            _stForced[_indexOf(from)] -= int256(amount);
            _stForced[to] += int256(amount);
        } catch {}
        _after();
    }

    function toggleBondPause() external {
        vm.startPrank(issuer);
        if (bond.paused()) bond.unpause();
        else bond.pause();
        vm.stopPrank();
    }

    function toggleDvpPause() external {
        vm.startPrank(pauser);
        if (dvp.paused()) dvp.unpause();
        else dvp.pause();
        vm.stopPrank();
    }

    function toggleEligibility(uint256 partySeed) external {
        address account = parties[partySeed % PARTIES];
        vm.startPrank(admin);
        if (stRegistry.isEligible(account)) stRegistry.suspend(account);
        else stRegistry.reinstate(account);
        vm.stopPrank();
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    // ---------------------------------------------------------------- reconciliation

    function _before() internal {
        for (uint256 p = 0; p < PARTIES; ++p) {
            _cashBefore[p] = dcjpy.balanceOf(parties[p]);
            _stBefore[p] = bond.balanceOf(parties[p]);
            _stForced[p] = 0;
        }
        vm.recordLogs();
    }

    function _after() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        int256[PARTIES] memory cashDelta;
        int256[PARTIES] memory stDelta = _stForced;
        for (uint256 k = 0; k < _terms.length; ++k) {
            IDeliveryVersusPayment.Terms memory t = _terms[k];
            IDeliveryVersusPayment.State previous = ghostState[k];
            IDeliveryVersusPayment.State current = dvp.stateOf(t.id);
            if (current == previous) continue;
            ghostState[k] = current;
            if (!_isOpen(previous) || current == IDeliveryVersusPayment.State.None) {
                terminalViolations++;
                continue;
            }
            if (_isOpen(current)) continue; // Pending -> Affirmed
            openQuantity[t.seller] -= t.quantity;
            if (current == IDeliveryVersusPayment.State.Settled) {
                if (++settledCount[t.id] > 1) terminalViolations++;
                // an agent's approval counts only if given in its current epoch
                if (
                    t.agent != address(0) &&
                    _approvedEpochPlusOne[t.id] != dvp.agentEpochOf(t.agent) + 1
                ) approvalViolations++;
                settledTotal++;
                uint256 s = _indexOf(t.seller);
                uint256 b = _indexOf(t.buyer);
                cashDelta[s] += int256(t.amount);
                cashDelta[b] -= int256(t.amount);
                stDelta[s] -= int256(t.quantity);
                stDelta[b] += int256(t.quantity);
            } else {
                closedOtherwise++;
                // Every exit releases the settlement's own units: all of them, or what a forced
                // removal naming it left.
                (uint256 removed, uint256 released) = _closingIn(logs, t.id);
                if (removed + released != t.quantity) lockViolations++;
            }
        }
        for (uint256 p = 0; p < PARTIES; ++p) {
            address party = parties[p];
            if (
                int256(dcjpy.balanceOf(party)) - int256(_cashBefore[p]) != cashDelta[p] ||
                int256(bond.balanceOf(party)) - int256(_stBefore[p]) != stDelta[p]
            ) legViolations++;
            if (
                bond.lockedOf(address(dvp), party) != openQuantity[party] + unassigned[party] ||
                dvp.unassignedLockOf(address(bond), party) != unassigned[party]
            ) lockViolations++;
        }
    }

    /// @dev What the closing event of `id` in `logs` says: the units a forced removal took (only
    /// {SettlementFailed} carries them) and the units released to the seller (its last word). No
    /// closing event: both maximal, so the caller flags it.
    function _closingIn(
        Vm.Log[] memory logs,
        bytes32 id
    ) internal view returns (uint256 removed, uint256 released) {
        for (uint256 i = 0; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(dvp) || log.topics.length < 2 || log.topics[1] != id) {
                continue;
            }
            bytes32 topic = log.topics[0];
            if (
                topic == CANCELLED ||
                topic == EXPIRED ||
                topic == REJECTED ||
                topic == FAILED ||
                topic == TERMINATED
            ) {
                bytes memory data = log.data;
                assembly ("memory-safe") {
                    released := mload(add(data, mload(data)))
                }
                if (topic == FAILED) removed = abi.decode(data, (uint256));
                return (removed, released);
            }
        }
        return (type(uint128).max, type(uint128).max);
    }

    /// @dev {DvpForcedRemovalExceedsUnassigned} for `value` of `account`'s units, as the handler
    /// counts its unassigned units.
    function _exceeds(address account, uint256 value) internal view returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpForcedRemovalExceedsUnassigned.selector,
                address(bond),
                account,
                value,
                unassigned[account]
            );
    }

    /// @dev Index `i % n`, or for an even seed the next open settlement from there (most
    /// actions then hit a live settlement; odd seeds still probe closed ones).
    function _pick(uint256 i) internal view returns (uint256 k) {
        uint256 n = _terms.length;
        k = i % n;
        if (i & 1 == 1) return k;
        for (uint256 step = 0; step < n; ++step) {
            uint256 c = (k + step) % n;
            if (_isOpen(ghostState[c])) return c;
        }
    }

    function _indexOf(address party) internal view returns (uint256) {
        for (uint256 p = 0; p < PARTIES; ++p) if (parties[p] == party) return p;
        revert("unknown party");
    }

    function _keyOf(address party) internal view returns (uint256) {
        return _keys[_indexOf(party)];
    }

    function _isOpen(IDeliveryVersusPayment.State s) internal pure returns (bool) {
        return
            s == IDeliveryVersusPayment.State.Pending || s == IDeliveryVersusPayment.State.Affirmed;
    }
}

/// @notice Invariant campaigns over random sequences driven by {DvpHandler}.
contract DvpInvariantTest is DvpBase {
    uint256 internal constant FOURTH_KEY = 0xF0F0;
    DvpHandler internal handler;

    function setUp() public override {
        super.setUp();
        address fourth = vm.addr(FOURTH_KEY);
        vm.startPrank(admin);
        _registerEverywhere(fourth);
        bond.grantRole(bond.FORCE_LOCK_ROLE(), issuer);
        bond.grantRole(bond.FORCE_RELOCATE_ROLE(), issuer);
        vm.stopPrank();
        handler = new DvpHandler(
            dvp,
            bond,
            dcjpy,
            stRegistry,
            [admin, issuer, pauser, agent],
            AGENT_KEY,
            [SELLER_KEY, BUYER_KEY, STRANGER_KEY, FOURTH_KEY]
        );
        for (uint256 p = 0; p < 4; ++p) {
            address party = handler.parties(p);
            if (bond.balanceOf(party) == 0) {
                vm.prank(issuer);
                bond.issue(party, address(0), ST_ISSUED);
            }
            if (dcjpy.balanceOf(party) == 0) {
                vm.prank(bank);
                dcjpy.issue(party, CASH_ISSUED, keccak256(abi.encode("inv-ref", p)));
            }
            vm.prank(party);
            dcjpy.approve(address(dvp), type(uint256).max);
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions are not vacuous: create, affirm, settle, terminate and
    /// reclaim through it succeed and are counted, so a campaign whose every call reverted would
    /// be a handler bug caught here.
    function test_handler_actionsCanSucceed() public {
        handler.create(0, 0, 5, 100, 100, false);
        handler.affirm(0);
        handler.settle(0, true);
        vm.assertEq(handler.succeeded(), 3, "create, affirm and settle succeeded");
        vm.assertEq(handler.settledTotal(), 1, "one settlement settled");
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(0).id)), 3, "Settled");

        handler.create(0, 0, 5, 100, 100, false);
        handler.terminate(1);
        vm.assertEq(handler.succeeded(), 5, "create and terminate succeeded");
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(1).id)), 7, "Failed");

        handler.create(0, 0, 5, 100, 100, false);
        handler.warp(200);
        handler.reclaim(2);
        vm.assertEq(handler.succeeded(), 7, "create and reclaim succeeded");
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(2).id)), 5, "Expired");

        handler.create(0, 0, 5, 100, 1_000, false);
        handler.settleWithAuthorization(3, true, 100);
        vm.assertEq(handler.succeeded(), 9, "create and settle with authorization succeeded");
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(3).id)), 3, "Settled");
        vm.assertEq(handler.settledTotal(), 2, "two settlements settled");
    }

    /// @notice The agent's actions are not vacuous: an approval succeeds once per epoch, a revoked
    /// agent cannot approve, a re-granted one approves again and the settlement settles.
    function test_handler_agentActionsCanSucceed() public {
        handler.create(0, 0, 5, 100, 100, true);
        handler.approve(0, false);
        vm.assertEq(handler.succeeded(), 2, "create and approve succeeded");
        handler.approve(0, true); // the same epoch again: refused
        handler.toggleAgentRole(); // revoked
        handler.approve(0, false); // refused: no role
        handler.toggleAgentRole(); // granted again
        vm.assertEq(handler.succeeded(), 2, "the three approvals above were refused");
        handler.approve(0, true); // a signature of the new epoch
        handler.settle(0, true);
        vm.assertEq(handler.succeeded(), 4, "approve again and settle succeeded");
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(0).id)), 3, "Settled");
        vm.assertEq(handler.approvalViolations(), 0, "approvals counted exactly");
    }

    /// @notice The handler's forced paths are not vacuous either: each succeeds, and an unnamed
    /// removal beyond the unassigned units is refused with the exact error.
    function test_handler_forcedPathsCanSucceed() public {
        // The handler maps an amount seed x into [1, max] as 1 + x % max: seeds below are one less
        // than the amounts in the comments.
        handler.create(0, 0, 49, 100, 100, false); // settlement 0: party 0 sells 50
        handler.issueLocked(0, 29); // 30 issued locked to the DVP
        handler.forceLock(0, 9); // 10 force-locked to it
        vm.assertEq(dvp.unassignedLockOf(address(bond), handler.parties(0)), 40, "unassigned");
        handler.forceUnlockUnnamed(0, 40); // 41: more than the unassigned units, refused
        vm.assertEq(handler.forcedRefusals(), 1, "refused");
        vm.assertEq(handler.refusalViolations(), 0, "with the exact error");
        handler.forceUnlockUnnamed(0, 4); // 5 released
        handler.redeemFromDvp(0, 4); // 5 redeemed
        handler.relocate(0, 1, 9, false); // 10 unassigned units from party 0 to party 1
        handler.forceUnlockNamed(0, 19, 2); // settlement 0 fails, 20 of its units to party 2
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(0).id)), 7, "Failed");
        handler.create(0, 0, 49, 100, 100, false); // settlement 1
        handler.relocate(1, 3, 14, true); // settlement 1 fails, 15 units relocated to party 3
        vm.assertEq(uint256(dvp.stateOf(handler.termsAt(1).id)), 7, "Failed");
        vm.assertEq(handler.succeeded(), 9, "every call but the refusal succeeded");
        vm.assertEq(handler.forcedFailures(), 2, "two settlements failed by forced removals");
        vm.assertEq(handler.lockViolations(), 0, "books exact");
        vm.assertEq(handler.legViolations(), 0, "balances exact");
        vm.assertEq(handler.unassigned(handler.parties(0)), 20, "party 0: 40 - 5 - 5 - 10");
        vm.assertEq(handler.unassigned(handler.parties(3)), 15, "party 3: relocated");
        invariant_lockPerSellerIsOpenQuantityPlusUnassigned();
    }

    /// @notice For every seller: the DVP's lock bucket equals the open settlements' quantities
    /// plus the units of no settlement, and the DVP's own count of those matches the handler's.
    function invariant_lockPerSellerIsOpenQuantityPlusUnassigned() public view {
        for (uint256 p = 0; p < 4; ++p) {
            address party = handler.parties(p);
            vm.assertEq(
                bond.lockedOf(address(dvp), party),
                handler.openQuantity(party) + handler.unassigned(party),
                "lock == open quantity + unassigned"
            );
            vm.assertEq(
                dvp.unassignedLockOf(address(bond), party),
                handler.unassigned(party),
                "unassignedLockOf"
            );
        }
    }

    /// @notice Terminal states are final, an ID settles at most once and never re-registers,
    /// both legs move or neither, an agent settlement settles only on an approval of the agent's
    /// current epoch and is approved once per epoch, every exit releases exactly its own units,
    /// the DVP refuses an unnamed forced removal exactly when it exceeds the unassigned units, and
    /// an open settlement past its deadline can always be reclaimed.
    function invariant_settlementsAreAtomicAndFinal() public view {
        vm.assertEq(handler.terminalViolations(), 0, "terminal state left");
        vm.assertEq(handler.reuseViolations(), 0, "id reused");
        vm.assertEq(handler.legViolations(), 0, "one leg without the other");
        vm.assertEq(handler.lockViolations(), 0, "lock moved unexpectedly");
        vm.assertEq(handler.reclaimReverts(), 0, "reclaim reverted");
        vm.assertEq(handler.refusalViolations(), 0, "forced removal refused wrongly or not");
        vm.assertEq(handler.approvalViolations(), 0, "stale or repeated approval counted");
        uint256 n = handler.settlementCount();
        for (uint256 k = 0; k < n; ++k) {
            bytes32 id = handler.termsAt(k).id;
            vm.assertEq(uint256(dvp.stateOf(id)), uint256(handler.ghostState(k)), "state");
            vm.assertLe(handler.settledCount(id), 1, "settled twice");
        }
    }

    /// @notice Supplies are conserved and the DVP never holds tokens.
    function invariant_suppliesConservedAndDvpHoldsNothing() public view {
        uint256 stSum;
        uint256 cashSum;
        for (uint256 p = 0; p < 4; ++p) {
            stSum += bond.balanceOf(handler.parties(p));
            cashSum += dcjpy.balanceOf(handler.parties(p));
        }
        vm.assertEq(stSum, bond.totalSupply(), "ST supply");
        vm.assertEq(cashSum, dcjpy.totalSupply(), "cash supply");
        vm.assertEq(dcjpy.totalSupply(), dcjpy.totalIssued() - dcjpy.totalRedeemed(), "issued");
        vm.assertEq(bond.balanceOf(address(dvp)), 0, "DVP holds ST");
        vm.assertEq(dcjpy.balanceOf(address(dvp)), 0, "DVP holds cash");
    }
}
