// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {DepositTokenBase} from "./DepositTokenBase.sol";

/// @title DepositTokenPermitTest
/// @notice EIP-2612 permit: domain, valid signature, expiry, wrong signer, replay.
contract DepositTokenPermitTest is DepositTokenBase {
    uint256 internal constant OWNER_KEY = 0xA11CE5EC;
    uint256 internal constant OTHER_KEY = 0xB0B5EC;
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    address internal owner;

    function setUp() public override {
        super.setUp();
        owner = vm.addr(OWNER_KEY);
        _open(owner);
        _issue(owner, 1000, "ref-owner");
    }

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
        address holder,
        address spender,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, holder, spender, value, nonce, deadline)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        return vm.sign(key, digest);
    }

    function test_DOMAIN_SEPARATOR_usesNameAndVersion1() public view {
        vm.assertEq(token.DOMAIN_SEPARATOR(), _domainSeparator(), "domain separator");
    }

    function test_permit_setsAllowanceBumpsNonceAndEmits() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _sign(OWNER_KEY, owner, carol, 500, 0, deadline);
        vm.expectEmit(address(token));
        emit IERC20.Approval(owner, carol, 500);
        token.permit(owner, carol, 500, deadline, v, r, s);
        vm.assertEq(token.allowance(owner, carol), 500, "allowance");
        vm.assertEq(token.nonces(owner), 1, "nonce");

        vm.prank(carol);
        token.transferFrom(owner, bob, 500);
        vm.assertEq(token.balanceOf(bob), 500, "bob");
    }

    function test_permit_revertsWhen_expired() public {
        vm.warp(1_000_000);
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _sign(OWNER_KEY, owner, carol, 500, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline)
        );
        token.permit(owner, carol, 500, deadline, v, r, s);
        vm.assertEq(token.allowance(owner, carol), 0, "allowance");
        vm.assertEq(token.nonces(owner), 0, "nonce");
    }

    function test_permit_revertsWhen_wrongSigner() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _sign(OTHER_KEY, owner, carol, 500, 0, deadline);
        vm.expectRevert(
            abi.encodeWithSelector(
                ERC20Permit.ERC2612InvalidSigner.selector,
                vm.addr(OTHER_KEY),
                owner
            )
        );
        token.permit(owner, carol, 500, deadline, v, r, s);
        vm.assertEq(token.allowance(owner, carol), 0, "allowance");
        vm.assertEq(token.nonces(owner), 0, "nonce");
    }

    function test_permit_revertsWhen_replayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _sign(OWNER_KEY, owner, carol, 500, 0, deadline);
        token.permit(owner, carol, 500, deadline, v, r, s);
        vm.prank(carol);
        token.transferFrom(owner, bob, 200);

        // The same signature now recovers to a different address (the nonce moved on).
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, carol, 500, 1, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        address recovered = ecrecover(digest, v, r, s);
        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, owner)
        );
        token.permit(owner, carol, 500, deadline, v, r, s);
        vm.assertEq(token.allowance(owner, carol), 300, "allowance");
        vm.assertEq(token.nonces(owner), 1, "nonce");
    }
}
