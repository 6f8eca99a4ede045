// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ICrossLedger} from "../../../contracts/interfaces/ICrossLedger.sol";
import {ICrossLedgerDelivery} from "../../../contracts/interfaces/ICrossLedgerDelivery.sol";
import {ICrossLedgerPayment} from "../../../contracts/interfaces/ICrossLedgerPayment.sol";
import {IDeliveryVersusPayment} from "../../../contracts/interfaces/IDeliveryVersusPayment.sol";
import {CrossLedgerDelivery} from "../../../contracts/settlement/CrossLedgerDelivery.sol";
import {CrossLedgerPayment} from "../../../contracts/settlement/CrossLedgerPayment.sol";
import {DeliveryVersusPayment} from "../../../contracts/settlement/DeliveryVersusPayment.sol";
import {CalldataWords} from "../../../contracts/utils/CalldataWords.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @dev Calls `hashStruct` on calldata at a chosen offset and reports whether memory moved.
contract HashStructHarness {
    /// @dev Hashes `length` bytes of `data` from `skip`, with `guard` allocated before the call.
    function hash(
        bytes32 typehash,
        bytes calldata data,
        uint256 skip,
        uint256 length
    ) external pure returns (bytes32 hashed, bool memoryKept) {
        bytes32[4] memory guard = [bytes32(uint256(1)), bytes32(uint256(2)), typehash, ~typehash];
        uint256 freeBefore;
        uint256 offset;
        assembly ("memory-safe") {
            freeBefore := mload(0x40)
            offset := add(data.offset, skip)
        }
        hashed = CalldataWords.hashStruct(typehash, offset, length);
        uint256 freeAfter;
        assembly ("memory-safe") {
            freeAfter := mload(0x40)
        }
        memoryKept =
            freeAfter == freeBefore &&
            guard[0] == bytes32(uint256(1)) &&
            guard[1] == bytes32(uint256(2)) &&
            guard[2] == typehash &&
            guard[3] == ~typehash;
    }
}

/// @dev Each settlement contract with one extra guarded entry point that calls out (re-entry).
contract GuardedDvp is DeliveryVersusPayment {
    constructor(address admin_) DeliveryVersusPayment(0, admin_) {}

    function enter(address target, bytes calldata data) external nonReentrant {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

contract GuardedDelivery is CrossLedgerDelivery {
    constructor(address admin_) CrossLedgerDelivery(0, admin_) {}

    function enter(address target, bytes calldata data) external nonReentrant {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

contract GuardedPayment is CrossLedgerPayment {
    constructor(address admin_) CrossLedgerPayment(0, admin_) {}

    function enter(address target, bytes calldata data) external nonReentrant {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @dev The account that re-enters: it forwards `data` to `target` when called back.
contract Reenterer {
    function forward(address target, bytes calldata data) external {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/**
 * @notice The listing rule in {TokenListing} and the terms hash in {CalldataWords-hashStruct}
 * behave as the inline code they replaced: the EIP-712 struct hash of every terms layout, memory
 * left alone, and the listing setters' caller check, re-entry guard and events.
 */
contract RefactorEquivalenceTest is TestBase {
    bytes internal constant DVP_TERMS_TYPE =
        "Terms(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";
    bytes internal constant CL_TERMS_TYPE =
        "CrossLedgerTerms(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";

    address internal admin = address(0xAD);
    HashStructHarness internal harness;
    DeliveryVersusPayment internal dvp;
    CrossLedgerDelivery internal delivery;
    CrossLedgerPayment internal payment;

    function setUp() public {
        harness = new HashStructHarness();
        dvp = new DeliveryVersusPayment(0, admin);
        delivery = new CrossLedgerDelivery(0, admin);
        payment = new CrossLedgerPayment(0, admin);
    }

    // ---------------------------------------------------------------- hashStruct

    function testFuzz_dvpHashTerms_isTheEip712StructHash(
        IDeliveryVersusPayment.Terms memory t
    ) public view {
        vm.assertEq(dvp.TERMS_TYPEHASH(), keccak256(DVP_TERMS_TYPE), "type hash");
        bytes32 expected = keccak256(abi.encode(keccak256(DVP_TERMS_TYPE), t));
        vm.assertEq(dvp.hashTerms(t), expected, "DVP terms hash");
    }

    function testFuzz_crossLedgerHashTerms_isTheEip712StructHash(
        ICrossLedger.CrossLedgerTerms memory t
    ) public view {
        bytes32 expected = keccak256(abi.encode(keccak256(CL_TERMS_TYPE), t));
        vm.assertEq(delivery.TERMS_TYPEHASH(), keccak256(CL_TERMS_TYPE), "type hash");
        vm.assertEq(delivery.hashTerms(t), expected, "delivery terms hash");
        vm.assertEq(payment.hashTerms(t), expected, "payment terms hash");
    }

    /// @dev Dirty high bits are hashed as sent (they can only fail to match), never cleaned.
    function testFuzz_hashTerms_hashesDirtyWordsAsSent(bytes32[13] memory words) public view {
        bytes memory dvpWords = new bytes(9 * 32);
        for (uint256 i = 0; i < 9; ++i) {
            bytes32 w = words[i];
            assembly ("memory-safe") {
                mstore(add(add(dvpWords, 0x20), mul(i, 0x20)), w)
            }
        }
        (bool ok, bytes memory ret) = address(dvp).staticcall(
            bytes.concat(IDeliveryVersusPayment.hashTerms.selector, dvpWords)
        );
        vm.assertTrue(ok, "DVP hashTerms did not revert");
        vm.assertEq(
            abi.decode(ret, (bytes32)),
            keccak256(bytes.concat(keccak256(DVP_TERMS_TYPE), dvpWords)),
            "DVP raw words"
        );
        bytes memory clWords = abi.encodePacked(words);
        (ok, ret) = address(payment).staticcall(
            bytes.concat(ICrossLedger.hashTerms.selector, clWords)
        );
        vm.assertTrue(ok, "payment hashTerms did not revert");
        vm.assertEq(
            abi.decode(ret, (bytes32)),
            keccak256(bytes.concat(keccak256(CL_TERMS_TYPE), clWords)),
            "cross-ledger raw words"
        );
    }

    /// @dev Any offset and length in the calldata; memory below the free pointer is untouched.
    function testFuzz_hashStruct_readsInPlaceAndKeepsMemory(
        bytes32 typehash,
        bytes memory data,
        uint256 skip,
        uint256 length
    ) public view {
        skip = bound(skip, 0, data.length);
        length = bound(length, 0, data.length - skip);
        bytes memory slice = new bytes(length);
        for (uint256 i = 0; i < length; ++i) slice[i] = data[skip + i];
        (bytes32 hashed, bool memoryKept) = harness.hash(typehash, data, skip, length);
        vm.assertEq(hashed, keccak256(bytes.concat(typehash, slice)), "hash");
        vm.assertTrue(memoryKept, "memory kept");
    }

    // ---------------------------------------------------------------- listing

    function test_listing_adminReenteringIsRefusedWithTheGuardError() public {
        Reenterer r = new Reenterer();
        bytes memory reentrant = abi.encodeWithSelector(
            ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector
        );
        address token = address(0x70CE);

        GuardedDvp gDvp = new GuardedDvp(address(r));
        vm.expectRevert(reentrant);
        gDvp.enter(address(r), _forward(address(gDvp), _setSecurity(token)));
        vm.expectRevert(reentrant);
        gDvp.enter(address(r), _forward(address(gDvp), _setCash(token)));
        vm.assertFalse(gDvp.isSecurityTokenListed(token), "DVP security not listed");
        vm.assertFalse(gDvp.isCashTokenListed(token), "DVP cash not listed");

        GuardedDelivery gDelivery = new GuardedDelivery(address(r));
        vm.expectRevert(reentrant);
        gDelivery.enter(address(r), _forward(address(gDelivery), _setSecurity(token)));
        vm.assertFalse(gDelivery.isSecurityTokenListed(token), "delivery not listed");

        GuardedPayment gPayment = new GuardedPayment(address(r));
        vm.expectRevert(reentrant);
        gPayment.enter(address(r), _forward(address(gPayment), _setCash(token)));
        vm.assertFalse(gPayment.isCashTokenListed(token), "payment not listed");

        // Outside a guarded call the same admin lists, and the listing outlives the guard.
        recordEvents();
        vm.prank(address(r));
        gDvp.setSecurityTokenListed(token, true);
        vm.assertTrue(gDvp.isSecurityTokenListed(token), "listed after");
        vm.assertEq(vm.getRecordedLogs().length, 1, "one event");
    }

    /// @dev The caller check comes before the guard: a stranger re-entering gets the role error.
    function test_listing_strangerReenteringGetsTheRoleErrorFirst() public {
        Reenterer r = new Reenterer();
        address token = address(0x70CE);
        bytes memory unauthorized = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector,
            address(r),
            bytes32(0)
        );
        GuardedDvp gDvp = new GuardedDvp(admin);
        vm.expectRevert(unauthorized);
        gDvp.enter(address(r), _forward(address(gDvp), _setSecurity(token)));
        vm.expectRevert(unauthorized);
        gDvp.enter(address(r), _forward(address(gDvp), _setCash(token)));
        GuardedDelivery gDelivery = new GuardedDelivery(admin);
        vm.expectRevert(unauthorized);
        gDelivery.enter(address(r), _forward(address(gDelivery), _setSecurity(token)));
        GuardedPayment gPayment = new GuardedPayment(admin);
        vm.expectRevert(unauthorized);
        gPayment.enter(address(r), _forward(address(gPayment), _setCash(token)));
    }

    /// @dev Zero address and repeated settings are accepted and emit every time, as before.
    function test_listing_zeroAndRepeatedSettingsEmitEachTime() public {
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectEmit(address(dvp));
            emit IDeliveryVersusPayment.SecurityTokenListed(address(0), true);
            vm.prank(admin);
            dvp.setSecurityTokenListed(address(0), true);
            vm.expectEmit(address(dvp));
            emit IDeliveryVersusPayment.CashTokenListed(address(0), false);
            vm.prank(admin);
            dvp.setCashTokenListed(address(0), false);
            vm.expectEmit(address(delivery));
            emit ICrossLedgerDelivery.SecurityTokenListed(address(0), true);
            vm.prank(admin);
            delivery.setSecurityTokenListed(address(0), true);
            vm.expectEmit(address(payment));
            emit ICrossLedgerPayment.CashTokenListed(address(0), true);
            vm.prank(admin);
            payment.setCashTokenListed(address(0), true);
        }
        vm.assertTrue(dvp.isSecurityTokenListed(address(0)), "dvp zero listed");
        vm.assertFalse(dvp.isCashTokenListed(address(0)), "dvp zero cash unlisted");
        vm.assertTrue(delivery.isSecurityTokenListed(address(0)), "delivery zero listed");
        vm.assertTrue(payment.isCashTokenListed(address(0)), "payment zero listed");
    }

    function _forward(address target, bytes memory data) private pure returns (bytes memory) {
        return abi.encodeCall(Reenterer.forward, (target, data));
    }

    function _setSecurity(address token) private pure returns (bytes memory) {
        return abi.encodeCall(IDeliveryVersusPayment.setSecurityTokenListed, (token, true));
    }

    function _setCash(address token) private pure returns (bytes memory) {
        return abi.encodeCall(IDeliveryVersusPayment.setCashTokenListed, (token, true));
    }
}
