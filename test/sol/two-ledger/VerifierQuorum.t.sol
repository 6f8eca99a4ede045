// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {IVerifierQuorum} from "../../../contracts/interfaces/IVerifierQuorum.sol";
import {VerifierQuorum} from "../../../contracts/settlement/VerifierQuorum.sol";
import {TwoLedgerBase} from "./TwoLedgerBase.sol";

/// @notice An m-of-n verifier: a 2-of-3 quorum named as a settlement's verifier decides on both
/// ledgers only with two distinct members' signatures.
contract VerifierQuorumTest is TwoLedgerBase {
    bytes4 internal constant VALID = IERC1271.isValidSignature.selector;
    bytes4 internal constant INVALID = 0xffffffff;

    uint256[3] internal keys;
    address[3] internal sorted;
    VerifierQuorum internal quorum;

    function setUp() public override {
        super.setUp();
        uint256[3] memory k = [uint256(0xA1), 0xA2, 0xA3];
        // Order the members by address.
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (vm.addr(k[j]) < vm.addr(k[i])) (k[i], k[j]) = (k[j], k[i]);
            }
        }
        keys = k;
        address[] memory members = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            sorted[i] = vm.addr(k[i]);
            members[i] = sorted[i];
        }
        quorum = new VerifierQuorum(members, 2);
        vm.startPrank(admin);
        delivery.grantRole(delivery.VERIFIER_ROLE(), address(quorum));
        payment.grantRole(payment.VERIFIER_ROLE(), address(quorum));
        vm.stopPrank();
    }

    function test_constructor_keepsMembersAndThreshold() public view {
        vm.assertEq(quorum.threshold(), 2, "threshold");
        address[] memory members = quorum.members();
        vm.assertEq(members.length, 3, "n");
        for (uint256 i = 0; i < 3; ++i) {
            vm.assertEq(members[i], sorted[i], "member");
            vm.assertTrue(quorum.isMember(sorted[i]), "isMember");
        }
        vm.assertFalse(quorum.isMember(verifier), "not a member");
    }

    function test_constructor_revertsForInvalidThreshold() public {
        address[] memory members = new address[](2);
        members[0] = sorted[0];
        members[1] = sorted[1];
        vm.expectRevert(
            abi.encodeWithSelector(IVerifierQuorum.VerifierQuorumInvalidThreshold.selector, 0, 2)
        );
        new VerifierQuorum(members, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IVerifierQuorum.VerifierQuorumInvalidThreshold.selector, 3, 2)
        );
        new VerifierQuorum(members, 3);
    }

    function test_constructor_revertsForUnsortedDuplicateOrZeroMembers() public {
        address[] memory members = new address[](2);
        members[0] = sorted[1];
        members[1] = sorted[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IVerifierQuorum.VerifierQuorumUnsortedMembers.selector,
                sorted[1],
                sorted[0]
            )
        );
        new VerifierQuorum(members, 1);
        members[1] = sorted[1];
        vm.expectRevert(
            abi.encodeWithSelector(
                IVerifierQuorum.VerifierQuorumUnsortedMembers.selector,
                sorted[1],
                sorted[1]
            )
        );
        new VerifierQuorum(members, 1);
        members[0] = address(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IVerifierQuorum.VerifierQuorumUnsortedMembers.selector,
                address(0),
                address(0)
            )
        );
        new VerifierQuorum(members, 1);
    }

    function test_isValidSignature_needsThresholdDistinctMembersInOrder() public view {
        bytes32 digest = keccak256("digest");
        bytes memory s0 = _sign(keys[0], digest);
        bytes memory s1 = _sign(keys[1], digest);
        bytes memory s2 = _sign(keys[2], digest);
        bytes memory outsider = _sign(VERIFIER_KEY, digest);
        vm.assertEq(quorum.isValidSignature(digest, bytes.concat(s0, s1)), VALID, "0,1");
        vm.assertEq(quorum.isValidSignature(digest, bytes.concat(s0, s2)), VALID, "0,2");
        vm.assertEq(quorum.isValidSignature(digest, bytes.concat(s0, s1, s2)), VALID, "all");
        vm.assertEq(quorum.isValidSignature(digest, s0), INVALID, "one is not enough");
        vm.assertEq(quorum.isValidSignature(digest, bytes.concat(s0, s0)), INVALID, "twice");
        vm.assertEq(quorum.isValidSignature(digest, bytes.concat(s1, s0)), INVALID, "order");
        vm.assertEq(
            quorum.isValidSignature(digest, bytes.concat(s0, outsider)),
            INVALID,
            "outsider"
        );
        vm.assertEq(
            quorum.isValidSignature(digest, bytes.concat(s0, s1, hex"00")),
            INVALID,
            "ragged length"
        );
        bytes memory broken = bytes.concat(s0, s1);
        broken[129] = 0x05; // v of the second signature
        vm.assertEq(quorum.isValidSignature(digest, broken), INVALID, "unrecoverable");
        vm.assertEq(
            quorum.isValidSignature(keccak256("other"), bytes.concat(s0, s1)),
            INVALID,
            "another digest"
        );
    }

    function test_quorum_decidesOnBothLedgersWithTwoOfThree() public {
        ICrossLedger.CrossLedgerTerms memory t = _terms();
        t.verifier = address(quorum);
        _lock(t);
        _instruct(t);
        bytes32 orderDigest = _orderDigest(t, ICrossLedger.Outcome.Paid);
        bytes32 digest = _outcomeDigest(t, ICrossLedger.Outcome.Paid);
        bytes memory oneOrder = _sign(keys[2], orderDigest);
        bytes memory one = _sign(keys[2], digest);
        Snapshot memory before = _snapshot(t);
        vm.expectRevert(_invalidOrder(t.id, address(quorum), ICrossLedger.Outcome.Paid));
        payment.pay(t, oneOrder);
        vm.expectRevert(_invalidAttestation(t.id, address(quorum), ICrossLedger.Outcome.Paid));
        delivery.deliver(t, one);
        _assertUnchanged(before, t);

        // Two of three sign the order; the cash ledger pays. Their order is no attestation.
        bytes memory twoOrder = bytes.concat(_sign(keys[1], orderDigest), oneOrder);
        payment.pay(t, twoOrder);
        before = _snapshot(t);
        vm.expectRevert(_invalidAttestation(t.id, address(quorum), ICrossLedger.Outcome.Paid));
        delivery.deliver(t, twoOrder);
        _assertUnchanged(before, t);
        // Two of three sign the attestation once the payment is seen; the ST ledger delivers.
        bytes memory two = bytes.concat(_sign(keys[1], digest), one);
        delivery.deliver(t, two);
        vm.assertEq(dcjpy.balanceOf(seller), AMOUNT, "seller paid");
        vm.assertEq(bond.balanceOf(buyer), QUANTITY, "buyer delivered");
    }
}
