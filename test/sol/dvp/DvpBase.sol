// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {DeliveryVersusPayment} from "../../../contracts/settlement/DeliveryVersusPayment.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {IStraightBondToken} from "../../../contracts/interfaces/ISecurityTokenProducts.sol";
import {InvestorRegistry} from "../../../contracts/registry/InvestorRegistry.sol";
import {StraightBondToken} from "../../../contracts/token/StraightBondToken.sol";
import {DepositToken} from "../../../contracts/token/DepositToken.sol";
import {TestBase} from "../utils/TestBase.sol";
import {SecurityToken} from "../../../contracts/token/SecurityToken.sol";

/// @title DvpBase
/// @notice Shared fixture: registry, bond token, DCJPY and DVP, wired as in production, with a
/// seller holding bonds, a buyer holding DCJPY, and an agent; helpers to create settlements, to
/// drive one into any state, and to assert that nothing moved.
abstract contract DvpBase is TestBase {
    uint256 internal constant SELLER_KEY = 0x5E11E4;
    uint256 internal constant BUYER_KEY = 0xB0FE4;
    uint256 internal constant AGENT_KEY = 0xA6E7;
    uint256 internal constant STRANGER_KEY = 0x5741;

    uint256 internal constant ST_ISSUED = 1_000;
    uint256 internal constant CASH_ISSUED = 100_000_000;
    uint256 internal constant QUANTITY = 100;
    uint256 internal constant AMOUNT = 10_000_000;
    uint64 internal constant T0 = 1_800_000_000;
    uint64 internal constant DEADLINE = T0 + 1 days;

    bytes internal constant TERMS_TYPE =
        "Terms(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";
    bytes internal constant AFFIRM_TYPE = "Affirm(Terms terms)";
    bytes internal constant APPROVE_TYPE = "Approve(Terms terms,uint256 agentEpoch)";

    bytes32 internal constant ALL_STATES = bytes32(uint256(0xff));
    bytes32 internal constant M_NONE = bytes32(uint256(1));
    bytes32 internal constant M_PENDING = bytes32(uint256(2));
    bytes32 internal constant M_OPEN = bytes32(uint256(6));

    address internal admin = address(0xAD);
    address internal issuer = address(0x155E);
    address internal bank = address(0xBA4C);
    address internal pauser = address(0x9A05);
    address internal seller;
    address internal buyer;
    address internal agent;
    address internal stranger;

    /// @dev The issuer's register (consulted by the bond) and the bank's (consulted by DCJPY).
    InvestorRegistry internal stRegistry;
    StraightBondToken internal bond;
    DepositToken internal dcjpy;
    DeliveryVersusPayment internal dvp;

    uint256 private _nextId = 1;

    /// @notice What a revert test compares before and after: balances, locks and the record.
    struct Snapshot {
        uint256 sellerSt;
        uint256 buyerSt;
        uint256 sellerLocked;
        uint256 buyerLocked;
        uint256 sellerCash;
        uint256 buyerCash;
        uint256 cashSupply;
        uint256 stSupply;
        IDeliveryVersusPayment.Settlement record;
    }

    function setUp() public virtual {
        vm.warp(T0);
        seller = vm.addr(SELLER_KEY);
        buyer = vm.addr(BUYER_KEY);
        agent = vm.addr(AGENT_KEY);
        stranger = vm.addr(STRANGER_KEY);
        vm.label(seller, "seller");
        vm.label(buyer, "buyer");
        vm.label(agent, "agent");

        vm.startPrank(admin);
        stRegistry = new InvestorRegistry(0, admin);
        stRegistry.grantRole(stRegistry.REGISTRAR_ROLE(), admin);
        dcjpy = new DepositToken(DepositToken.Setup("DCJPY", "DCJPY", 0, admin, 0));
        dcjpy.grantRole(dcjpy.ISSUER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.FREEZER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.PAUSER_ROLE(), bank);
        dcjpy.grantRole(dcjpy.REGISTRAR_ROLE(), admin);
        _registerEverywhere(seller);
        _registerEverywhere(buyer);
        _registerEverywhere(stranger);

        string[] memory dates = new string[](1);
        dates[0] = "0331";
        bond = new StraightBondToken(
            SecurityToken.Setup("Kessai Bond 1", "KB1", 0, stRegistry, admin, 0),
            IStraightBondToken.BondTerms(100, "JPY", 1_0000, dates, T0 + 365 days, 100, "JPY")
        );
        bond.grantRole(bond.ISSUER_ROLE(), issuer);
        bond.grantRole(bond.FORCE_UNLOCK_ROLE(), issuer);
        bond.grantRole(bond.PAUSER_ROLE(), issuer);

        dvp = new DeliveryVersusPayment(0, admin);
        dvp.grantRole(dvp.PAUSER_ROLE(), pauser);
        dvp.grantRole(dvp.SETTLEMENT_AGENT_ROLE(), agent);
        dvp.setSecurityTokenListed(address(bond), true);
        dvp.setCashTokenListed(address(dcjpy), true);
        vm.stopPrank();

        vm.prank(issuer);
        bond.issue(seller, address(0), ST_ISSUED);
        vm.prank(bank);
        dcjpy.issue(buyer, CASH_ISSUED, keccak256("bank-ref-1"));
        vm.prank(buyer);
        dcjpy.approve(address(dvp), type(uint256).max);
    }

    /// @notice Registers `account` in the issuer's register and opens its DCJPY account (call
    /// as admin, who holds both registrar roles here).
    function _registerEverywhere(address account) internal {
        stRegistry.register(account, keccak256(abi.encode(account)), 0);
        dcjpy.openAccount(account, keccak256(abi.encode("deposit account", account)));
    }

    // ---------------------------------------------------------------- terms and creation

    /// @notice Fresh terms with a new ID, no agent.
    function _terms() internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = IDeliveryVersusPayment.Terms({
            id: keccak256(abi.encode("settlement", _nextId++)),
            seller: seller,
            buyer: buyer,
            securityToken: address(bond),
            quantity: QUANTITY,
            cashToken: address(dcjpy),
            amount: AMOUNT,
            deadline: DEADLINE,
            agent: address(0)
        });
    }

    /// @notice Fresh terms naming the agent.
    function _termsWithAgent() internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = _terms();
        t.agent = agent;
    }

    /// @notice Step 1: the seller locks `t.quantity` to the DVP with the terms.
    function _create(IDeliveryVersusPayment.Terms memory t) internal {
        vm.prank(t.seller);
        bond.lock(address(dvp), t.quantity, abi.encode(t));
    }

    function _created() internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = _terms();
        _create(t);
    }

    function _createdWithAgent() internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = _termsWithAgent();
        _create(t);
    }

    /// @notice EIP-712 typed-data digest of `Affirm(Terms terms)`, computed here from the spec.
    function _affirmDigest(IDeliveryVersusPayment.Terms memory t) internal view returns (bytes32) {
        return _typedDigest(AFFIRM_TYPE, t);
    }

    /// @notice EIP-712 typed-data digest of `Approve(Terms terms,uint256 agentEpoch)` in the
    /// agent's epoch `epoch`, computed here from the spec.
    function _approveDigest(
        IDeliveryVersusPayment.Terms memory t,
        uint256 epoch
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes.concat(APPROVE_TYPE, TERMS_TYPE)), _termsHash(t), epoch)
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
    }

    /// @notice EIP-712 struct hash of `t`, computed here from the spec.
    function _termsHash(IDeliveryVersusPayment.Terms memory t) internal pure returns (bytes32) {
        return
            keccak256(
                bytes.concat(
                    abi.encode(keccak256(TERMS_TYPE), t.id, t.seller, t.buyer, t.securityToken),
                    abi.encode(t.quantity, t.cashToken, t.amount, t.deadline, t.agent)
                )
            );
    }

    function _domainSeparator() internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(
                        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                    ),
                    keccak256("Kessai DVP"),
                    keccak256("1"),
                    block.chainid,
                    address(dvp)
                )
            );
    }

    function _typedDigest(
        bytes memory primaryType,
        IDeliveryVersusPayment.Terms memory t
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(keccak256(bytes.concat(primaryType, TERMS_TYPE)), _termsHash(t))
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
    }

    function _affirmSig(
        IDeliveryVersusPayment.Terms memory t,
        uint256 key
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _affirmDigest(t));
        return abi.encodePacked(r, s, v);
    }

    /// @notice `key`'s approval signature of `t` in the agent's current epoch.
    function _approveSig(
        IDeliveryVersusPayment.Terms memory t,
        uint256 key
    ) internal view returns (bytes memory) {
        return _approveSigAt(t, key, dvp.agentEpochOf(t.agent));
    }

    /// @notice `key`'s approval signature of `t` in the agent's epoch `epoch`.
    function _approveSigAt(
        IDeliveryVersusPayment.Terms memory t,
        uint256 key,
        uint256 epoch
    ) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _approveDigest(t, epoch));
        return abi.encodePacked(r, s, v);
    }

    // ---------------------------------------------------------------- states

    /**
     * @notice A settlement (naming the agent) driven into `state`: None (never created),
     * Pending, Affirmed, Settled, Cancelled, Expired (block time restored), Rejected, Failed
     * (approved, then the issuer force-unlocked one of its units naming it).
     */
    function _inState(
        IDeliveryVersusPayment.State state
    ) internal returns (IDeliveryVersusPayment.Terms memory t) {
        t = _termsWithAgent();
        if (state == IDeliveryVersusPayment.State.None) return t;
        _create(t);
        if (state == IDeliveryVersusPayment.State.Pending) return t;
        if (state == IDeliveryVersusPayment.State.Affirmed) {
            vm.prank(buyer);
            dvp.affirm(t);
        } else if (state == IDeliveryVersusPayment.State.Settled) {
            vm.prank(agent);
            dvp.approveSettlement(t);
            vm.prank(buyer);
            dvp.settle(t);
        } else if (state == IDeliveryVersusPayment.State.Cancelled) {
            vm.prank(seller);
            dvp.cancel(t);
        } else if (state == IDeliveryVersusPayment.State.Expired) {
            vm.warp(uint256(t.deadline) + 1);
            dvp.reclaim(t);
            vm.warp(T0);
        } else if (state == IDeliveryVersusPayment.State.Rejected) {
            vm.prank(agent);
            dvp.reject(t, "refused");
        } else {
            vm.prank(agent);
            dvp.approveSettlement(t);
            vm.prank(issuer);
            bond.forceUnlock(address(dvp), seller, seller, 1, abi.encode(t));
        }
        vm.assertEq(uint256(dvp.stateOf(t.id)), uint256(state), "driven state");
    }

    /**
     * @notice Runs `action` on a settlement in every state outside `accepted` and asserts the
     * exact {DvpUnexpectedState} revert and that nothing moved.
     */
    function _assertRejectsOtherStates(
        bytes32 accepted,
        function(IDeliveryVersusPayment.Terms memory) internal action
    ) internal {
        for (uint8 s = 0; s < 8; ++s) {
            if ((uint256(accepted) >> s) & 1 == 1) continue;
            IDeliveryVersusPayment.State state = IDeliveryVersusPayment.State(s);
            IDeliveryVersusPayment.Terms memory t = _inState(state);
            Snapshot memory before = _snapshot(t);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDeliveryVersusPayment.DvpUnexpectedState.selector,
                    t.id,
                    state,
                    accepted
                )
            );
            action(t);
            _assertUnchanged(before, t);
        }
    }

    // ---------------------------------------------------------------- snapshots

    function _snapshot(
        IDeliveryVersusPayment.Terms memory t
    ) internal view returns (Snapshot memory s) {
        s.sellerSt = bond.balanceOf(t.seller);
        s.buyerSt = bond.balanceOf(t.buyer);
        s.sellerLocked = bond.lockedOf(address(dvp), t.seller);
        s.buyerLocked = bond.lockedOf(address(dvp), t.buyer);
        s.sellerCash = dcjpy.balanceOf(t.seller);
        s.buyerCash = dcjpy.balanceOf(t.buyer);
        s.cashSupply = dcjpy.totalSupply();
        s.stSupply = bond.totalSupply();
        s.record = dvp.settlementOf(t.id);
    }

    /// @notice Asserts that balances, locks, supplies and the record of `t.id` are as in `before`.
    function _assertUnchanged(
        Snapshot memory before,
        IDeliveryVersusPayment.Terms memory t
    ) internal view {
        Snapshot memory afterwards = _snapshot(t);
        vm.assertEq(afterwards.sellerSt, before.sellerSt, "seller ST moved");
        vm.assertEq(afterwards.buyerSt, before.buyerSt, "buyer ST moved");
        vm.assertEq(afterwards.sellerLocked, before.sellerLocked, "seller lock moved");
        vm.assertEq(afterwards.buyerLocked, before.buyerLocked, "buyer lock moved");
        vm.assertEq(afterwards.sellerCash, before.sellerCash, "seller cash moved");
        vm.assertEq(afterwards.buyerCash, before.buyerCash, "buyer cash moved");
        vm.assertEq(afterwards.cashSupply, before.cashSupply, "cash supply moved");
        vm.assertEq(afterwards.stSupply, before.stSupply, "ST supply moved");
        _assertRecord(t.id, before.record);
        vm.assertEq(bond.balanceOf(address(dvp)), 0, "DVP holds ST");
        vm.assertEq(dcjpy.balanceOf(address(dvp)), 0, "DVP holds cash");
    }

    function _assertRecord(
        bytes32 id,
        IDeliveryVersusPayment.Settlement memory expected
    ) internal view {
        IDeliveryVersusPayment.Settlement memory actual = dvp.settlementOf(id);
        vm.assertEq(uint256(actual.state), uint256(expected.state), "record state");
        vm.assertEq(actual.agentApproved, expected.agentApproved, "record agentApproved");
        vm.assertEq(
            actual.sellerCancelConsent,
            expected.sellerCancelConsent,
            "record sellerCancelConsent"
        );
        vm.assertEq(
            actual.buyerCancelConsent,
            expected.buyerCancelConsent,
            "record buyerCancelConsent"
        );
        vm.assertEq(bytes32(actual.termsDigest), bytes32(expected.termsDigest), "record digest");
    }

    function _record(
        IDeliveryVersusPayment.State state,
        bool approved,
        bool sellerConsent,
        bool buyerConsent,
        IDeliveryVersusPayment.Terms memory t
    ) internal pure returns (IDeliveryVersusPayment.Settlement memory) {
        return
            IDeliveryVersusPayment.Settlement(
                state,
                approved,
                sellerConsent,
                buyerConsent,
                bytes28(_termsHash(t))
            );
    }

    function _err(bytes4 selector, bytes32 id) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, id);
    }

    function _unauthorized(bytes32 id, address caller) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IDeliveryVersusPayment.DvpUnauthorized.selector, id, caller);
    }

    function _invalidSig(bytes32 id, address signer) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(IDeliveryVersusPayment.DvpInvalidSignature.selector, id, signer);
    }

    /// @dev {DvpDeadlinePassed} for a settlement with the default deadline.
    function _deadlinePassed(bytes32 id, uint256 nowTime) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDeliveryVersusPayment.DvpDeadlinePassed.selector,
                id,
                DEADLINE,
                nowTime
            );
    }
}
