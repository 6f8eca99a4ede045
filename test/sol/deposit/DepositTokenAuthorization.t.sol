// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDepositToken} from "../../../contracts/interfaces/IDepositToken.sol";
import {ERC1271Wallet} from "../../../contracts/test/dvp/ERC1271Wallet.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenAuthorizationTest
/// @notice Transfer authorizations bound to a spender: who may execute them, once, before when,
/// for exactly the signed values, under the transfer rules; cancellation; ERC-1271 holders.
contract DepositTokenAuthorizationTest is DepositTokenBase {
    uint256 internal constant PAYER_KEY = 0xA11CE5EC;
    uint256 internal constant OTHER_KEY = 0xB0B5EC;
    bytes32 internal constant TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,address spender,uint256 validBefore,bytes32 nonce)"
    );
    uint256 internal constant NOW = 1_800_000_000;
    uint256 internal constant VALID_BEFORE = NOW + 1 hours;
    bytes32 internal constant NONCE = keccak256("settlement-1");

    address internal payer;

    function setUp() public override {
        super.setUp();
        vm.warp(NOW);
        payer = vm.addr(PAYER_KEY);
        _open(payer);
        _issue(payer, 1000, "ref-payer");
    }

    // ---------------------------------------------------------------- execution

    function test_transferWithAuthorization_theNamedSpenderMovesTheSignedValue() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        vm.expectEmit(address(token));
        emit IDepositToken.AuthorizationUsed(payer, NONCE);
        vm.expectEmit(address(token));
        emit IERC20.Transfer(payer, carol, 400);
        vm.prank(bob);
        token.transferWithAuthorization(payer, carol, 400, VALID_BEFORE, NONCE, sig);
        vm.assertEq(token.balanceOf(payer), 600, "payer");
        vm.assertEq(token.balanceOf(carol), 400, "receiver");
        vm.assertEq(token.balanceOf(bob), 0, "the spender received nothing");
        vm.assertTrue(token.authorizationState(payer, NONCE), "nonce used");
        vm.assertEq(token.allowance(payer, bob), 0, "no allowance involved");
        vm.assertEq(token.nonces(payer), 0, "the ERC-2612 nonce is untouched");
    }

    function test_transferWithAuthorization_revertsForAnyOtherCaller() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        address[3] memory callers = [carol, payer, stranger];
        for (uint256 i = 0; i < callers.length; ++i) {
            _expectReverts(
                callers[i],
                payer,
                carol,
                400,
                VALID_BEFORE,
                NONCE,
                sig,
                _invalid(payer, callers[i], NONCE)
            );
        }
    }

    /// @dev The signature covers every value: changing any one of them makes it invalid.
    function test_transferWithAuthorization_revertsForAnyAlteredValue() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        _expectReverts(
            bob,
            payer,
            alice,
            400,
            VALID_BEFORE,
            NONCE,
            sig,
            _invalid(payer, bob, NONCE)
        );
        _expectReverts(
            bob,
            payer,
            carol,
            401,
            VALID_BEFORE,
            NONCE,
            sig,
            _invalid(payer, bob, NONCE)
        );
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE + 1,
            NONCE,
            sig,
            _invalid(payer, bob, NONCE)
        );
        bytes32 other = keccak256("settlement-2");
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE,
            other,
            sig,
            _invalid(payer, bob, other)
        );
        // another holder's signature over the same values
        bytes memory foreign = _sign(OTHER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE,
            NONCE,
            foreign,
            _invalid(payer, bob, NONCE)
        );
    }

    function test_transferWithAuthorization_revertsAtAndAfterValidBefore() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        vm.warp(VALID_BEFORE);
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE,
            NONCE,
            sig,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationExpired.selector,
                payer,
                NONCE,
                VALID_BEFORE,
                VALID_BEFORE
            )
        );
    }

    function test_transferWithAuthorization_revertsOnReplay() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        vm.prank(bob);
        token.transferWithAuthorization(payer, carol, 400, VALID_BEFORE, NONCE, sig);
        _expectReverts(bob, payer, carol, 400, VALID_BEFORE, NONCE, sig, _used(payer, NONCE));
    }

    /// @dev The transfer rules apply, and a refused transfer leaves the nonce unused.
    function test_transferWithAuthorization_followsTheTransferRules() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        vm.prank(freezer);
        token.setAccountFrozen(payer, true);
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE,
            NONCE,
            sig,
            abi.encodeWithSelector(IDepositToken.DepositTokenAccountFrozen.selector, payer)
        );
        vm.prank(freezer);
        token.setAccountFrozen(payer, false);
        vm.prank(pauser);
        token.pause();
        _expectReverts(
            bob,
            payer,
            carol,
            400,
            VALID_BEFORE,
            NONCE,
            sig,
            abi.encodeWithSelector(IDepositToken.DepositTokenPaused.selector)
        );
        vm.prank(pauser);
        token.unpause();
        bytes memory tooMuch = _sign(PAYER_KEY, payer, carol, 1001, bob, VALID_BEFORE, NONCE);
        _expectReverts(
            bob,
            payer,
            carol,
            1001,
            VALID_BEFORE,
            NONCE,
            tooMuch,
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInsufficientAvailableBalance.selector,
                payer,
                1000,
                1001
            )
        );
        vm.prank(bob);
        token.transferWithAuthorization(payer, carol, 400, VALID_BEFORE, NONCE, sig);
        vm.assertEq(token.balanceOf(carol), 400, "moved once the rules pass");
    }

    /// @dev Nonces are any 32-byte values, not a sequence: authorizations open at the same time
    /// are executed in any order.
    function test_transferWithAuthorization_manyOpenAtOnceInAnyOrder() public {
        bytes[3] memory sigs;
        for (uint256 i = 0; i < 3; ++i) {
            sigs[i] = _sign(PAYER_KEY, payer, carol, 100, bob, VALID_BEFORE, bytes32(i + 1));
        }
        uint256[3] memory order = [uint256(2), 0, 1];
        for (uint256 k = 0; k < 3; ++k) {
            uint256 i = order[k];
            vm.prank(bob);
            token.transferWithAuthorization(
                payer,
                carol,
                100,
                VALID_BEFORE,
                bytes32(i + 1),
                sigs[i]
            );
        }
        vm.assertEq(token.balanceOf(carol), 300, "three transfers");
    }

    function test_transferWithAuthorization_acceptsAnErc1271Holder() public {
        ERC1271Wallet wallet = new ERC1271Wallet(payer);
        _open(address(wallet));
        _issue(address(wallet), 500, "ref-wallet");
        bytes memory sig = _sign(PAYER_KEY, address(wallet), carol, 200, bob, VALID_BEFORE, NONCE);
        vm.prank(bob);
        token.transferWithAuthorization(address(wallet), carol, 200, VALID_BEFORE, NONCE, sig);
        vm.assertEq(token.balanceOf(carol), 200, "moved");
        bytes memory wrong = _sign(
            OTHER_KEY,
            address(wallet),
            carol,
            200,
            bob,
            VALID_BEFORE,
            NONCE
        );
        bytes32 next = keccak256("next");
        _expectReverts(
            bob,
            address(wallet),
            carol,
            200,
            VALID_BEFORE,
            next,
            wrong,
            _invalid(address(wallet), bob, next)
        );
    }

    // ---------------------------------------------------------------- cancellation

    function test_cancelAuthorization_voidsAnUnusedAuthorization() public {
        bytes memory sig = _sign(PAYER_KEY, payer, carol, 400, bob, VALID_BEFORE, NONCE);
        vm.expectEmit(address(token));
        emit IDepositToken.AuthorizationCanceled(payer, NONCE);
        vm.prank(payer);
        token.cancelAuthorization(NONCE);
        vm.assertTrue(token.authorizationState(payer, NONCE), "nonce used");
        _expectReverts(bob, payer, carol, 400, VALID_BEFORE, NONCE, sig, _used(payer, NONCE));
    }

    function test_cancelAuthorization_revertsForAUsedNonce() public {
        vm.prank(payer);
        token.cancelAuthorization(NONCE);
        Snapshot memory s = _snapshot();
        vm.expectRevert(_used(payer, NONCE));
        vm.prank(payer);
        token.cancelAuthorization(NONCE);
        _assertUnchanged(s);
        // another holder's nonce space is its own
        vm.prank(carol);
        token.cancelAuthorization(NONCE);
        vm.assertTrue(token.authorizationState(carol, NONCE), "carol's nonce");
    }

    function test_authorizationState_falseUntilUsed() public view {
        vm.assertFalse(token.authorizationState(payer, NONCE), "unused");
        vm.assertEq(token.TRANSFER_WITH_AUTHORIZATION_TYPEHASH(), TYPEHASH, "type hash");
    }

    // ---------------------------------------------------------------- helpers

    function _domainSeparator() internal view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    keccak256(
                        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                    ),
                    keccak256(bytes("DCJPY")),
                    keccak256(bytes("1")),
                    block.chainid,
                    address(token)
                )
            );
    }

    function _sign(
        uint256 key,
        address from,
        address to,
        uint256 value,
        address spender,
        uint256 validBefore,
        bytes32 nonce
    ) internal view returns (bytes memory) {
        bytes32 structHash = keccak256(
            abi.encode(TYPEHASH, from, to, value, spender, validBefore, nonce)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _invalid(
        address from,
        address spender,
        bytes32 nonce
    ) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDepositToken.DepositTokenInvalidAuthorization.selector,
                from,
                spender,
                nonce
            );
    }

    function _used(address from, bytes32 nonce) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IDepositToken.DepositTokenAuthorizationUsed.selector,
                from,
                nonce
            );
    }

    /// @dev The call reverts with `err`; no balance, supply or nonce moved.
    function _expectReverts(
        address caller,
        address from,
        address to,
        uint256 value,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory sig,
        bytes memory err
    ) internal {
        Snapshot memory s = _snapshot();
        uint256 fromBalance = token.balanceOf(from);
        bool used = token.authorizationState(from, nonce);
        vm.expectRevert(err);
        vm.prank(caller);
        token.transferWithAuthorization(from, to, value, validBefore, nonce, sig);
        _assertUnchanged(s);
        vm.assertEq(token.balanceOf(from), fromBalance, "payer balance moved");
        vm.assertEq(token.authorizationState(from, nonce), used, "nonce state moved");
    }
}
