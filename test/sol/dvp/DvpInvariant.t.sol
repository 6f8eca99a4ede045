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
 * approve, settle, per-item batch, cancel, reclaim, reject, issuer force-unlock, token and DVP
 * pauses, eligibility changes and time warps. After every action it reconciles what happened
 * against ghost bookkeeping (state transitions, both legs, locks and releases) and counts any
 * discrepancy, which the invariant test asserts to be zero.
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
        "SettlementFailed(bytes32,uint256,uint256,uint256)"
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
    mapping(address seller => uint256) public shortfall;
    mapping(bytes32 id => uint256) public settledCount;
    uint256 public terminalViolations;
    uint256 public legViolations;
    uint256 public lockViolations;
    uint256 public reclaimReverts;
    uint256 public reuseViolations;
    uint256 public settledTotal;
    uint256 public closedOtherwise;

    // per-action scratch
    uint256[PARTIES] internal _cashBefore;
    uint256[PARTIES] internal _stBefore;
    uint256[PARTIES] internal _lockBefore;
    uint256[PARTIES] internal _forceUnlocked;

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
            _lockBefore[sellerSeed % PARTIES] += t.quantity; // the lock is expected to grow
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
        _before();
        if (bySig) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(agentKey, dvp.approveDigest(t));
            try dvp.approveSettlementBySig(t, abi.encodePacked(r, s, v)) {
                ++succeeded;
            } catch {}
        } else {
            vm.prank(agent);
            try dvp.approveSettlement(t) {
                ++succeeded;
            } catch {}
        }
        _after();
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

    function forceUnlock(uint256 sellerSeed, uint256 amount) external {
        uint256 p = sellerSeed % PARTIES;
        uint256 locked = bond.lockedOf(address(dvp), parties[p]);
        if (locked == 0) return;
        amount = bound(amount, 1, locked);
        _before();
        vm.prank(issuer);
        bond.forceUnlock(address(dvp), parties[p], parties[p], amount, "enforcement");
        shortfall[parties[p]] += amount;
        _forceUnlocked[p] = amount;
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
            _lockBefore[p] = bond.lockedOf(address(dvp), parties[p]);
            _forceUnlocked[p] = 0;
        }
        vm.recordLogs();
    }

    function _after() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        int256[PARTIES] memory cashDelta;
        int256[PARTIES] memory stDelta;
        uint256[PARTIES] memory lockDrop;
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
            uint256 s = _indexOf(t.seller);
            openQuantity[t.seller] -= t.quantity;
            if (current == IDeliveryVersusPayment.State.Settled) {
                if (++settledCount[t.id] > 1) terminalViolations++;
                settledTotal++;
                uint256 b = _indexOf(t.buyer);
                cashDelta[s] += int256(t.amount);
                cashDelta[b] -= int256(t.amount);
                stDelta[s] -= int256(t.quantity);
                stDelta[b] += int256(t.quantity);
                lockDrop[s] += t.quantity;
            } else {
                closedOtherwise++;
                uint256 released = _releasedIn(logs, t.id);
                if (released > t.quantity) lockViolations++;
                else shortfall[t.seller] -= t.quantity - released;
                lockDrop[s] += released;
            }
        }
        for (uint256 p = 0; p < PARTIES; ++p) {
            address party = parties[p];
            if (
                int256(dcjpy.balanceOf(party)) - int256(_cashBefore[p]) != cashDelta[p] ||
                int256(bond.balanceOf(party)) - int256(_stBefore[p]) != stDelta[p]
            ) legViolations++;
            if (
                bond.lockedOf(address(dvp), party) + lockDrop[p] + _forceUnlocked[p] !=
                _lockBefore[p]
            ) lockViolations++;
        }
    }

    function _releasedIn(Vm.Log[] memory logs, bytes32 id) internal view returns (uint256) {
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
                uint256 released;
                assembly ("memory-safe") {
                    released := mload(add(data, mload(data)))
                }
                return released;
            }
        }
        return type(uint256).max; // no closing event: flagged by the caller
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
    }

    /// @notice The DVP's lock on each seller equals the open quantity of that seller's
    /// settlements, minus what the issuer force-unlocked and no exit has absorbed yet.
    function invariant_lockPerSellerMatchesOpenSettlements() public view {
        for (uint256 p = 0; p < 4; ++p) {
            address party = handler.parties(p);
            vm.assertEq(
                bond.lockedOf(address(dvp), party) + handler.shortfall(party),
                handler.openQuantity(party),
                "lock + shortfall == open quantity"
            );
        }
    }

    /// @notice Terminal states are final, an ID settles at most once and never re-registers,
    /// both legs move or neither, locks drop by exactly what was delivered or released, and an
    /// open settlement past its deadline can always be reclaimed.
    function invariant_settlementsAreAtomicAndFinal() public view {
        vm.assertEq(handler.terminalViolations(), 0, "terminal state left");
        vm.assertEq(handler.reuseViolations(), 0, "id reused");
        vm.assertEq(handler.legViolations(), 0, "one leg without the other");
        vm.assertEq(handler.lockViolations(), 0, "lock moved unexpectedly");
        vm.assertEq(handler.reclaimReverts(), 0, "reclaim reverted");
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
