// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title PackedBalance
 * @notice One storage word per account, shared by Kessai's tokens: the balance in the low 128 bits
 * and, above it, what the token lays over the balance. A transfer reads each party's word once and
 * checks every per-account rule from it.
 * - bits 0-127: the balance (both tokens);
 * - security token (a holding): bits 128-255, the units locked to any lock address;
 * - deposit token (an account): bits 128-239, the partial freeze; bit 240, frozen as a whole;
 *   bit 248, opened by the bank.
 *
 * The arithmetic on a field is unchecked: every caller bounds it so that no carry or borrow
 * crosses into the next field (the supply cap of 2^128 - 1 bounds every balance, a lock never
 * exceeds the balance, a partial freeze is at most 2^112 - 1).
 */
library PackedBalance {
    /**
     * @notice An account's word in storage. A struct, so that a path holds a pointer to it and
     * reads and writes it with one hash of the key.
     * @param word The packed word.
     */
    struct Slot {
        uint256 word;
    }

    /// @dev Where the field above the balance starts (total locked, or partial freeze).
    uint256 private constant _HIGH_SHIFT = 128;
    /// @dev The partial freeze, once shifted down: 112 bits.
    uint256 private constant _PARTIAL_FROZEN_MASK = type(uint112).max;
    uint256 private constant _FROZEN = 1 << 240;
    uint256 private constant _OPEN = 1 << 248;

    // ---------------------------------------------------------------- balance (both tokens)

    /// @dev The balance.
    function balance(uint256 word) internal pure returns (uint256) {
        return uint128(word);
    }

    /// @dev `word` with `value` more balance; the caller guarantees balance + `value` < 2^128.
    function addBalance(uint256 word, uint256 value) internal pure returns (uint256) {
        // unchecked: the caller keeps the balance within its 128 bits (no carry into the field
        // above)
        unchecked {
            return word + value;
        }
    }

    /// @dev `word` with `value` less balance; the caller guarantees `value` <= balance.
    function subBalance(uint256 word, uint256 value) internal pure returns (uint256) {
        // unchecked: value <= balance, so no borrow from the field above
        unchecked {
            return word - value;
        }
    }

    // ---------------------------------------------------------------- security token: locks

    /// @dev The units locked to any lock address (never more than the balance).
    function totalLocked(uint256 word) internal pure returns (uint256) {
        return word >> _HIGH_SHIFT;
    }

    /// @dev The units a normal transfer may move: balance minus total locked.
    function unlocked(uint256 word) internal pure returns (uint256) {
        // unchecked: total locked <= balance always
        unchecked {
            return uint128(word) - (word >> _HIGH_SHIFT);
        }
    }

    /// @dev `word` with `value` more locked; the caller guarantees total locked + `value` <=
    /// balance.
    function addLocked(uint256 word, uint256 value) internal pure returns (uint256) {
        // unchecked: the new total locked is at most the balance, below 2^128: no overflow
        unchecked {
            return word + (value << _HIGH_SHIFT);
        }
    }

    /// @dev `word` with `value` less locked; the caller guarantees `value` <= total locked.
    function subLocked(uint256 word, uint256 value) internal pure returns (uint256) {
        // unchecked: value <= total locked, so no borrow
        unchecked {
            return word - (value << _HIGH_SHIFT);
        }
    }

    // ---------------------------------------------------------------- deposit token: freezes

    /// @dev The partially frozen amount (may exceed the balance).
    function partialFrozen(uint256 word) internal pure returns (uint256) {
        return uint112(word >> _HIGH_SHIFT);
    }

    /// @dev `word` with the partial freeze set to `amount`; the caller guarantees `amount` <
    /// 2^112.
    function withPartialFrozen(uint256 word, uint256 amount) internal pure returns (uint256) {
        return (word & ~(_PARTIAL_FROZEN_MASK << _HIGH_SHIFT)) | (amount << _HIGH_SHIFT);
    }

    /// @dev Whether the account is frozen as a whole.
    function isFrozen(uint256 word) internal pure returns (bool) {
        return word & _FROZEN != 0;
    }

    /// @dev `word` frozen as a whole, or not.
    function withFrozen(uint256 word, bool frozen) internal pure returns (uint256) {
        return frozen ? word | _FROZEN : word & ~_FROZEN;
    }

    /// @dev Whether the bank opened the account.
    function isOpen(uint256 word) internal pure returns (bool) {
        return word & _OPEN != 0;
    }

    /// @dev `word` open, or closed.
    function withOpen(uint256 word, bool open) internal pure returns (uint256) {
        return open ? word | _OPEN : word & ~_OPEN;
    }

    /**
     * @dev The units that may move: none when frozen as a whole, else the balance minus the
     * partial freeze, or none when the freeze exceeds the balance. Branch-free, so that the
     * optimizer inlines it on the transfer path.
     */
    function unfrozen(uint256 word) internal pure returns (uint256 units) {
        uint256 balance_ = uint128(word);
        uint256 frozenAmount = uint112(word >> _HIGH_SHIFT);
        // (balance_ - frozenAmount) * (balance_ > frozenAmount) * (not frozen): the difference
        // wraps only when balance_ < frozenAmount, and is then multiplied by zero
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            units := mul(
                mul(sub(balance_, frozenAmount), gt(balance_, frozenAmount)),
                iszero(and(word, _FROZEN))
            )
        }
    }
}
