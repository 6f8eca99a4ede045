// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/**
 * @title IInvestorRegistry
 * @notice The eligibility (KYC) register that Kessai's tokens consult before any account sends or
 * receives units.
 *
 * A token holds the address of one registry (set at deployment, changeable by the token's
 * default admin) and asks {checkPair} or {isEligible} before every balance change. A bank and an
 * issuer may share one registry or each run their own.
 *
 * An account is eligible when it is registered, its status is `Active`, and its expiry (if any) is
 * still ahead: `expiry == 0 || block.timestamp < expiry`. Suspending or removing an account does not touch its holdings: they stay where they
 * are, unable to move, until the account is reinstated or an enforcement role moves them.
 *
 * Roles:
 * | role            | powers                                                     |
 * | --------------- | ---------------------------------------------------------- |
 * | REGISTRAR_ROLE  | register (single and batch), update, suspend, reinstate, remove |
 * | default admin   | grant and revoke roles (two-step handover with a delay)    |
 */
interface IInvestorRegistry {
    /// @notice Lifecycle of an account in the register. `None` means never registered or removed.
    enum InvestorStatus {
        None,
        Active,
        Suspended
    }

    /// @notice One account's record.
    /// @param investorRef Off-chain investor reference (e.g. the hash of a customer number).
    /// @param expiry Unix time from which the account is no longer eligible; 0 for no expiry.
    /// @param status Current status.
    struct Investor {
        bytes32 investorRef;
        uint64 expiry;
        InvestorStatus status;
    }

    /**
     * @notice Emitted when `account` is registered.
     * @param account The registered account.
     * @param investorRef Its off-chain investor reference.
     * @param expiry Unix time from which it is no longer eligible; 0 for no expiry.
     */
    event InvestorRegistered(address indexed account, bytes32 indexed investorRef, uint64 expiry);
    /**
     * @notice Emitted when the reference or expiry of `account` changes.
     * @param account The updated account.
     * @param investorRef Its new off-chain investor reference.
     * @param expiry Its new expiry (unix time); 0 for no expiry.
     */
    event InvestorUpdated(address indexed account, bytes32 indexed investorRef, uint64 expiry);
    /// @notice Emitted when `account` is suspended.
    /// @param account The suspended account.
    event InvestorSuspended(address indexed account);
    /// @notice Emitted when a suspended `account` is reinstated.
    /// @param account The reinstated account.
    event InvestorReinstated(address indexed account);
    /// @notice Emitted when `account` is removed from the register.
    /// @param account The removed account.
    event InvestorRemoved(address indexed account);

    /// @notice `account` is the zero address.
    error InvestorRegistryZeroAddress();
    /// @notice `account` is already registered.
    error InvestorRegistryAlreadyRegistered(address account);
    /// @notice `account` is not registered.
    error InvestorRegistryNotRegistered(address account);
    /// @notice `account` is in status `current`, and the call needs `expected`.
    error InvestorRegistryUnexpectedStatus(
        address account,
        InvestorStatus current,
        InvestorStatus expected
    );
    /// @notice `expiry` is not in the future (`nowTime` is the block time).
    error InvestorRegistryExpiryInPast(address account, uint64 expiry, uint256 nowTime);
    /// @notice Batch arrays differ in length.
    error InvestorRegistryLengthMismatch(uint256 accounts, uint256 investorRefs, uint256 expiries);

    /**
     * @notice Role that may change the register: register (single and batch), update, suspend,
     * reinstate and remove accounts.
     * @return The role identifier.
     */
    function REGISTRAR_ROLE() external view returns (bytes32);

    /**
     * @notice Registers `account` as an active investor.
     * @dev Requirements: caller has REGISTRAR_ROLE; `account` is not zero and not registered;
     * `expiry` is 0 or in the future. Emits {InvestorRegistered}.
     * @param account The account to register.
     * @param investorRef Off-chain investor reference (e.g. the hash of a customer number).
     * @param expiry Unix time after which the account is no longer eligible; 0 for no expiry.
     */
    function register(address account, bytes32 investorRef, uint64 expiry) external;

    /**
     * @notice Registers many accounts in one transaction; all or nothing.
     * @dev Same requirements as {register} for each item; arrays of equal length.
     * Emits one {InvestorRegistered} per account.
     * @param accounts The accounts to register.
     * @param investorRefs The investor reference of each account, by index.
     * @param expiries The expiry of each account, by index (0 for no expiry).
     */
    function registerBatch(
        address[] calldata accounts,
        bytes32[] calldata investorRefs,
        uint64[] calldata expiries
    ) external;

    /**
     * @notice Changes the investor reference and expiry of a registered account; status is unchanged.
     * @dev Requirements: caller has REGISTRAR_ROLE; `account` registered; `expiry` 0 or future.
     * Emits {InvestorUpdated}.
     * @param account The registered account to update.
     * @param investorRef Its new off-chain investor reference.
     * @param expiry Its new expiry (unix time); 0 for no expiry.
     */
    function update(address account, bytes32 investorRef, uint64 expiry) external;

    /**
     * @notice Suspends an active account: it can neither send nor receive until reinstated.
     * @dev Requirements: caller has REGISTRAR_ROLE; status `Active`. Emits {InvestorSuspended}.
     * @param account The account to suspend.
     */
    function suspend(address account) external;

    /**
     * @notice Reinstates a suspended account.
     * @dev Requirements: caller has REGISTRAR_ROLE; status `Suspended`. Emits {InvestorReinstated}.
     * @param account The account to reinstate.
     */
    function reinstate(address account) external;

    /**
     * @notice Removes an account. Its holdings stay in place, frozen, until enforcement moves them.
     * @dev Requirements: caller has REGISTRAR_ROLE; account registered. Emits {InvestorRemoved}.
     * @param account The account to remove.
     */
    function remove(address account) external;

    /**
     * @notice Whether `account` may send or receive now: registered, `Active`, and
     * `expiry == 0 || block.timestamp < expiry`.
     * @param account The account to check.
     * @return True when `account` is eligible at the current block time.
     */
    function isEligible(address account) external view returns (bool);

    /**
     * @notice Eligibility of a sender and a receiver in one call (what a token asks per transfer).
     * @param from The sending account.
     * @param to The receiving account.
     * @return fromEligible Whether `from` is eligible.
     * @return toEligible Whether `to` is eligible.
     */
    function checkPair(
        address from,
        address to
    ) external view returns (bool fromEligible, bool toEligible);

    /**
     * @notice The record of `account` (all zero when not registered).
     * @param account The account to look up.
     * @return The account's investor record.
     */
    function investorOf(address account) external view returns (Investor memory);
}
