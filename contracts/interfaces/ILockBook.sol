// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title ILockBook
 * @notice The books a settlement contract keeps of the units locked to it on a security token.
 *
 * A seller's units for all its open settlements on one token sit in one lock bucket,
 * `lockedOf(settlementContract, seller)`. Units an issuer or enforcement path puts into that
 * bucket without the holder's lock (issued locked to the contract, force-locked to it, relocated
 * into it) belong to no settlement: the contract counts them apart, per token and holder, in
 * {unassignedLockOf}. So, for every token and holder,
 *   lockedOf(this, holder) == sum of the holder's open settlements' quantities + unassignedLockOf(token, holder),
 * an open settlement is always fully backed, and a settlement only ever consumes or releases its
 * own units. A forced removal that names no settlement may take only unassigned units.
 *
 * {ICrossLedgerDelivery} and the single-chain {IDeliveryVersusPayment} keep these books with
 * `contracts/settlement/LockBook.sol` (through `LockBookReceiver`), which emits this event for
 * both. {IDeliveryVersusPayment} declares the view itself, so that its ERC-165 interface ID, which
 * does not count inherited functions, stays as it was.
 */
interface ILockBook {
    /**
     * @notice The units of `account` locked to this contract on security token `token` that belong
     * to no settlement are now `unassigned` (an issuer path added or removed some).
     * @param token The security token that notified the change.
     * @param account The holder concerned.
     * @param unassigned The new {unassignedLockOf}(`token`, `account`).
     */
    event UnassignedLockChanged(address indexed token, address indexed account, uint256 unassigned);

    /**
     * @notice Units of `account` locked to this contract on security token `token` that belong to
     * no settlement (issued or force-locked to this contract, relocated into it). Only the
     * token's issuer and enforcement paths change it; for every token and holder,
     * `lockedOf(this, holder)` equals the holder's open settlements' quantities plus this.
     * @param token The security token.
     * @param account The holder.
     * @return The unassigned units.
     */
    function unassignedLockOf(address token, address account) external view returns (uint256);
}
