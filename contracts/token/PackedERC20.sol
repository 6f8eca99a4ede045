// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {PackedBalance} from "../utils/PackedBalance.sol";

/**
 * @title PackedERC20
 * @notice The ERC-20 that Kessai's security token and deposit token share: metadata, allowances,
 * the supply, and each balance in the low half of one {PackedBalance} word per account, which the
 * token overlays with its own per-account state (locks; freezes and the open flag).
 * @dev Each token writes `transfer`, `transferFrom` and its one door for every balance change,
 * `_update`, where its rules live, from the blocks here: {_balanceSlot} (one read of the sender's
 * word serves its rules and its debit), {_credit}, {_increaseSupply} and {_decreaseSupply}. The
 * supply is capped at 2^128 - 1 ({_SUPPLY_CAP}), which bounds every balance by its 128 bits.
 */
abstract contract PackedERC20 is IERC20Metadata, IERC20Errors {
    using PackedBalance for uint256;

    /// @dev Largest total supply, and so largest balance.
    uint256 internal constant _SUPPLY_CAP = type(uint128).max;

    uint8 private immutable _decimals;
    uint256 private _totalSupply;
    string private _name;
    string private _symbol;
    mapping(address account => PackedBalance.Slot) private _balanceSlots;
    mapping(address owner => mapping(address spender => uint256)) private _allowances;

    /**
     * @notice Sets the metadata; the supply starts at zero.
     * @param name_ Token name.
     * @param symbol_ Token symbol.
     * @param decimals_ Decimals.
     */
    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        _name = name_;
        _symbol = symbol_;
        _decimals = decimals_;
    }

    /// @inheritdoc IERC20
    function approve(address spender, uint256 value) external returns (bool) {
        _approve(msg.sender, spender, value);
        return true;
    }

    /// @inheritdoc IERC20Metadata
    function name() external view returns (string memory) {
        return _name;
    }

    /// @inheritdoc IERC20Metadata
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IERC20Metadata
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc IERC20
    function totalSupply() public view returns (uint256) {
        return _totalSupply;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) external view returns (uint256) {
        return _balanceSlots[account].word.balance();
    }

    /// @inheritdoc IERC20
    function allowance(address owner, address spender) external view returns (uint256) {
        return _allowances[owner][spender];
    }

    /// @dev The storage word of `account` ({PackedBalance}).
    function _balanceSlot(address account) internal view returns (PackedBalance.Slot storage) {
        return _balanceSlots[account];
    }

    /// @dev Adds `value` to the balance of `account`; the caller added it to the supply or took
    /// it from another balance, so balance + `value` <= supply <= {_SUPPLY_CAP}.
    function _credit(address account, uint256 value) internal {
        PackedBalance.Slot storage slot = _balanceSlots[account];
        slot.word = slot.word.addBalance(value);
    }

    /// @dev Adds `value` to the supply, unless that passes {_SUPPLY_CAP}: then returns false and
    /// changes nothing (the token reverts with its own error).
    function _increaseSupply(uint256 value) internal returns (bool withinCap) {
        uint256 supply = _totalSupply;
        withinCap = value <= _SUPPLY_CAP - supply;
        if (withinCap) _totalSupply = supply + value;
    }

    /// @dev Takes `value` off the supply; the caller took it off a balance.
    function _decreaseSupply(uint256 value) internal {
        // unchecked: value <= the balance it came from <= supply
        unchecked {
            _totalSupply -= value;
        }
    }

    /// @dev Sets the allowance of `spender` over `owner`'s units and emits {IERC20-Approval}.
    function _approve(address owner, address spender, uint256 value) internal {
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// @dev Deducts `value` from the allowance of `spender` over `owner`'s units (unless
    /// infinite), without an event.
    function _spendAllowance(address owner, address spender, uint256 value) internal {
        uint256 current = _allowances[owner][spender];
        if (current != type(uint256).max) {
            if (current < value) revert ERC20InsufficientAllowance(spender, current, value);
            // unchecked: current >= value
            unchecked {
                _allowances[owner][spender] = current - value;
            }
        }
    }
}
