// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title CalldataWords
 * @notice Checks of ABI-encoded static words read in place from calldata: how the settlement
 * contracts check that the terms a forced removal names (`abi.encode(terms)` at the start of the
 * callback's `data`) are clean values of their types before reading them, so that dirty bits
 * raise the contract's own error instead of the ABI decoder's empty revert (which the token would
 * report as a refusal), and how they hash the terms for EIP-712 as sent ({hashStruct}).
 */
library CalldataWords {
    /**
     * @dev Whether a word of `data` that should hold an address has any of its high 96 bits set,
     * or one that should hold a `uint64` any of its high 192 bits. Bit `i` of `addressWords` (of
     * `uint64Words`) marks word `i` (at byte `32 * i`) as an address (a `uint64`). The caller
     * checks that `data` holds every word marked.
     */
    function hasDirtyBits(
        bytes calldata data,
        uint256 addressWords,
        uint256 uint64Words
    ) internal pure returns (bool dirty) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let high := 0
            let o := data.offset
            for {
                let a := addressWords
                let u := uint64Words
            } or(a, u) {
                a := shr(1, a)
                u := shr(1, u)
                o := add(o, 0x20)
            } {
                if and(a, 1) {
                    high := or(high, shr(160, calldataload(o)))
                }
                if and(u, 1) {
                    high := or(high, shr(64, calldataload(o)))
                }
            }
            dirty := iszero(iszero(high))
        }
    }

    /**
     * @dev `keccak256(typehash ‖ the length bytes at calldata offset `offset`)`: the EIP-712
     * struct hash of a struct whose members are all static atomic types, read in place (its
     * calldata words are exactly EIP-712's `encodeData`). The words are hashed as sent: a member
     * with dirty high bits hashes differently from its clean value, so it can only fail to match
     * a commitment or a signature. The caller checks that the calldata holds `length` bytes.
     */
    function hashStruct(
        bytes32 typehash,
        uint256 offset,
        uint256 length
    ) internal pure returns (bytes32 hashed) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typehash)
            calldatacopy(add(ptr, 0x20), offset, length)
            hashed := keccak256(ptr, add(0x20, length))
        }
    }
}
