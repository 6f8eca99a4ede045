// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IInvestorRegistry} from "./IInvestorRegistry.sol";

/**
 * @title ISecurityTokenLockReceiver
 * @notice Implemented by a contract that accepts locks, and that keeps books of what is locked to
 * it. The token calls it in the same transaction whenever its lock bucket of an account changes
 * other than by its own {ISecurityToken-unlock}, and reverts the whole call unless the callback
 * returns its own selector (a revert with data is bubbled unchanged; any other failure or answer
 * reverts with {ISecurityToken-SecurityTokenLockRejected}). Every callback comes after the token's
 * own state change and events.
 * - {onSecurityTokenLocked}: a holder's {ISecurityToken-lock}. This lets a DVP register a
 *   settlement and lock its units in one seller transaction, and stops units from being locked to
 *   a contract that could never release them.
 * - {onSecurityTokenLockAdded}: an issuer or enforcement path added units to the lock
 *   ({ISecurityToken-issue} into the lock, {ISecurityToken-forceLock}, the receiving side of
 *   {ISecurityToken-forceChangeLockedAccount}).
 * - {onSecurityTokenLockRemoved}: an issuer or enforcement path took units out of the lock
 *   ({ISecurityToken-forceUnlock}, {ISecurityToken-redeem} from the lock, the giving side of
 *   {ISecurityToken-forceChangeLockedAccount}). The receiver may refuse by reverting.
 * The two enforcement callbacks are skipped for a lock address whose notifications the token's
 * admin waived ({ISecurityToken-setLockNotificationsWaived}); the holder's {onSecurityTokenLocked}
 * never is.
 */
interface ISecurityTokenLockReceiver {
    /**
     * @notice Called by the token after `amount` of `account`'s units were locked to this contract.
     * @param account The holder who locked.
     * @param amount The units locked by this call.
     * @param data The `data` the holder passed to {ISecurityToken-lock}.
     * @return The selector `ISecurityTokenLockReceiver.onSecurityTokenLocked.selector`.
     */
    function onSecurityTokenLocked(
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4);

    /**
     * @notice Called by the token after an issuer or enforcement path added `amount` units of
     * `account` to its lock to this contract, without the holder's {ISecurityToken-lock}.
     * @param operator The role holder that called the token.
     * @param account The holder whose lock to this contract grew.
     * @param amount The units added.
     * @param data The data of the enforcement call; empty for {ISecurityToken-issue}.
     * @return The selector `ISecurityTokenLockReceiver.onSecurityTokenLockAdded.selector`.
     */
    function onSecurityTokenLockAdded(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4);

    /**
     * @notice Called by the token after an issuer or enforcement path took `amount` units of
     * `account` out of its lock to this contract, without this contract's {ISecurityToken-unlock}.
     * Reverting refuses the removal: the token's whole call reverts.
     * @param operator The role holder that called the token.
     * @param account The holder whose lock to this contract shrank.
     * @param amount The units removed.
     * @param data The data of the enforcement call; empty for {ISecurityToken-redeem}.
     * @return The selector `ISecurityTokenLockReceiver.onSecurityTokenLockRemoved.selector`.
     */
    function onSecurityTokenLockRemoved(
        address operator,
        address account,
        uint256 amount,
        bytes calldata data
    ) external returns (bytes4);
}

/**
 * @title ISecurityToken
 * @notice An ibet-style security token: ERC-20 balances with locks, issuer enforcement and
 * transfer restrictions.
 *
 * Locks are an overlay, not a move: locked units stay in the holder's {balanceOf}; only
 * `balanceOf - totalLockedOf` can move by a normal transfer. A lock is keyed by a lock address
 * (an exchange, a DVP contract, an escrow agent) and only that address may release it, to the holder
 * or to any eligible recipient. Every real movement of units emits {IERC20-Transfer}, so any ERC-20
 * indexer can rebuild the register. A lock address that is a contract hears of every change to its
 * locks that it did not make itself ({ISecurityTokenLockReceiver}): the holder's {lock}, and the
 * issuer's and enforcement's additions and removals, which it may refuse.
 *
 * Transfer rules (one place: {canTransfer} reports exactly the error a normal transfer raises):
 * 1. `to` is not the zero address ({IERC20Errors-ERC20InvalidReceiver}); 2. not paused;
 * 3. status active; 4. transferable; 5. the approval workflow is off; 6. sender eligible;
 * 7. receiver eligible; 8. enough unlocked units.
 * Normal transfers are `transfer`, `transferFrom`, {bulkTransfer}, {unlock} to another account and
 * {approveTransfer}; the last skips rule 5 (it is the approval) and an unlock draws on the lock
 * instead of rule 8. Issuer and enforcement paths ({issue}, {redeem}, {forcedTransfer},
 * {forceUnlock}, {forceChangeLockedAccount}) ignore rules 2 to 6 but still require an eligible
 * receiver (rule 7) whenever units arrive at an account, and never move another lock's units.
 * An account's eligibility comes from {investorRegistry} or from {isEligibilityExempt}.
 *
 * Roles (OpenZeppelin AccessControl; the default admin is handed over in two steps):
 * | role                   | powers                                                              |
 * | ---------------------- | ------------------------------------------------------------------- |
 * | default admin          | grant/revoke roles, {setInvestorRegistry},                          |
 * |                        | {setLockNotificationsWaived}                                        |
 * | ISSUER_ROLE            | {issue}, {redeem}, {bulkIssue}, {bulkRedeem}, switches ({setStatus},  |
 * |                        | {setTransferable}, {setTransferApprovalRequired}), exemptions, product attributes |
 * | PAUSER_ROLE            | {pause}, {unpause}                                                  |
 * | TRANSFER_APPROVER_ROLE | {approveTransfer}, {cancelTransfer}                                 |
 * | FORCE_TRANSFER_ROLE    | {forcedTransfer}, {bulkForcedTransfer}                              |
 * | FORCE_LOCK_ROLE        | {forceLock}                                                         |
 * | FORCE_UNLOCK_ROLE      | {forceUnlock}                                                       |
 * | FORCE_RELOCATE_ROLE    | {forceChangeLockedAccount}                                          |
 */
interface ISecurityToken is IERC20Metadata {
    /// @notice Lifecycle of a transfer application (the approval workflow).
    enum ApplicationStatus {
        None,
        Pending,
        Approved,
        Cancelled
    }

    /**
     * @notice A transfer application. Its units are locked to the token itself while `Pending`.
     * @param from The applicant, whose units are locked to the token while `Pending`.
     * @param to The recipient.
     * @param value The units to transfer.
     * @param status Current status.
     */
    struct TransferApplication {
        address from;
        address to;
        uint256 value;
        ApplicationStatus status;
    }

    // ---------------------------------------------------------------- events

    /**
     * @notice `value` units of `account` were locked to `lockAddress` by the holder.
     * @param lockAddress The address the units are now locked to (the only one that may release
     * them).
     * @param account The holder whose units were locked.
     * @param value The units locked by this action.
     * @param data The data passed with the lock ({lock}, {applyForTransfer}); empty for units
     * locked at issuance.
     */
    event Lock(address indexed lockAddress, address indexed account, uint256 value, bytes data);
    /**
     * @notice `lockAddress` released `value` units of `account` to `recipient`.
     * @param lockAddress The lock address that released the units.
     * @param account The holder whose lock was released.
     * @param recipient The account that received the units (`account` itself when they were only
     * freed).
     * @param value The units released.
     * @param data The data passed with the release; empty when the release comes from {redeem}.
     */
    event Unlock(
        address indexed lockAddress,
        address indexed account,
        address indexed recipient,
        uint256 value,
        bytes data
    );
    /**
     * @notice An enforcement role locked `value` units of `account` to `lockAddress`.
     * @param lockAddress The address the units are now locked to.
     * @param account The holder whose units were locked.
     * @param value The units locked.
     * @param data The data the enforcement role passed (e.g. a court order reference).
     */
    event ForceLock(
        address indexed lockAddress,
        address indexed account,
        uint256 value,
        bytes data
    );
    /**
     * @notice An enforcement role released `value` units of `account`'s lock to `recipient`.
     * @param lockAddress The lock address whose lock was released.
     * @param account The holder whose lock was released.
     * @param recipient The account that received the units (`account` itself when they were only
     * freed).
     * @param value The units released.
     * @param data The data the enforcement role passed (e.g. a court order reference).
     */
    event ForceUnlock(
        address indexed lockAddress,
        address indexed account,
        address indexed recipient,
        uint256 value,
        bytes data
    );
    /**
     * @notice An enforcement role moved `value` locked units from `fromAccount` to `toAccount`,
     * keeping them locked to `lockAddress`.
     * @param lockAddress The lock address the units remain locked to.
     * @param fromAccount The account the locked units were taken from.
     * @param toAccount The account that now holds them, still locked.
     * @param value The units moved.
     * @param data The data the enforcement role passed (e.g. a court order reference).
     */
    event ForceChangeLockedAccount(
        address indexed lockAddress,
        address indexed fromAccount,
        address indexed toAccount,
        uint256 value,
        bytes data
    );
    /**
     * @notice `value` units were issued to `to`, locked to `lockAddress` unless it is zero.
     * @param to The account that received the new units.
     * @param lockAddress The lock address the new units are locked to, or zero when they are
     * unlocked.
     * @param value The units issued.
     */
    event Issue(address indexed to, address indexed lockAddress, uint256 value);
    /**
     * @notice `value` units of `from` were redeemed from the lock of `lockAddress`, or from its
     * unlocked units when `lockAddress` is zero.
     * @param from The account whose units were burnt.
     * @param lockAddress The lock address the units were redeemed from, or zero for unlocked units.
     * @param value The units redeemed.
     */
    event Redeem(address indexed from, address indexed lockAddress, uint256 value);
    /**
     * @notice An enforcement role moved `value` unlocked units from `from` to `to`.
     * @param from The account the units were taken from.
     * @param to The account that received them.
     * @param value The units moved.
     * @param data The data the enforcement role passed (e.g. a court order reference).
     */
    event ForcedTransfer(address indexed from, address indexed to, uint256 value, bytes data);
    /// @notice The token's status (active) changed.
    /// @param active The new status: true when active.
    event StatusChanged(bool active);
    /// @notice The transferable switch changed.
    /// @param transferable The new switch: true when normal transfers are allowed.
    event TransferableChanged(bool transferable);
    /**
     * @notice The approval workflow switch changed.
     * @param required The new switch: true when normal transfers must go through the approval
     * workflow.
     */
    event TransferApprovalRequiredChanged(bool required);
    /// @notice The token was paused by `account`.
    /// @param account The PAUSER_ROLE holder that paused.
    event Paused(address account);
    /// @notice The token was unpaused by `account`.
    /// @param account The PAUSER_ROLE holder that unpaused.
    event Unpaused(address account);
    /**
     * @notice The registry the token consults changed.
     * @param previousRegistry The registry consulted before (zero at deployment).
     * @param newRegistry The registry consulted from now on.
     */
    event InvestorRegistryChanged(address indexed previousRegistry, address indexed newRegistry);
    /**
     * @notice `account` is now (or no longer) treated as eligible regardless of the registry.
     * @param account The account concerned.
     * @param exempt True when `account` is now treated as eligible regardless of the registry.
     */
    event EligibilityExemptionChanged(address indexed account, bool exempt);
    /**
     * @notice The admin waived (or restored) the enforcement-path notifications of `lockAddress`
     * ({ISecurityTokenLockReceiver-onSecurityTokenLockAdded} and
     * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved}).
     * @param lockAddress The lock address concerned.
     * @param waived True when issuer and enforcement paths no longer call it.
     */
    event LockNotificationsWaived(address indexed lockAddress, bool waived);
    /**
     * @notice A holder applied to transfer `value` units to `to`; the units are locked to the token.
     * @param applicationId The new application's id.
     * @param from The applicant (sender of the units).
     * @param to The intended recipient.
     * @param value The units applied for, now locked to the token.
     * @param data The data the applicant passed.
     */
    event TransferApplied(
        uint256 indexed applicationId,
        address indexed from,
        address indexed to,
        uint256 value,
        bytes data
    );
    /**
     * @notice The application was approved and its units moved.
     * @param applicationId The application's id.
     * @param from The applicant the units moved from.
     * @param to The recipient the units moved to.
     * @param value The units moved.
     * @param data The data the approver passed.
     */
    event TransferApproved(
        uint256 indexed applicationId,
        address indexed from,
        address indexed to,
        uint256 value,
        bytes data
    );
    /**
     * @notice The application was cancelled and its units unlocked.
     * @param applicationId The application's id.
     * @param from The applicant, whose units were unlocked.
     * @param to The recipient named in the application.
     * @param value The units unlocked.
     * @param data The data the canceller passed.
     */
    event TransferCancelled(
        uint256 indexed applicationId,
        address indexed from,
        address indexed to,
        uint256 value,
        bytes data
    );

    // ---------------------------------------------------------------- errors

    /// @notice The token is paused.
    error SecurityTokenPaused();
    /// @notice The token's status is inactive.
    error SecurityTokenInactive();
    /// @notice Transfers are switched off.
    error SecurityTokenNotTransferable();
    /// @notice Transfers need the approval workflow ({applyForTransfer}).
    error SecurityTokenTransferApprovalRequired();
    /// @notice `account` may not send units (not eligible in the registry).
    error SecurityTokenIneligibleSender(address account);
    /// @notice `account` may not receive units (not eligible in the registry).
    error SecurityTokenIneligibleReceiver(address account);
    /// @notice `account` has `available` unlocked units and the call needs `needed`.
    error SecurityTokenInsufficientUnlockedBalance(
        address account,
        uint256 available,
        uint256 needed
    );
    /// @notice `account` has `locked` units locked to `lockAddress` and the call needs `needed`.
    error SecurityTokenInsufficientLock(
        address lockAddress,
        address account,
        uint256 locked,
        uint256 needed
    );
    /// @notice The lock address is the zero address.
    error SecurityTokenInvalidLockAddress(address lockAddress);
    /// @notice The lock address is a contract that did not accept the lock.
    error SecurityTokenLockRejected(address lockAddress);
    /// @notice The amount is zero.
    error SecurityTokenZeroAmount();
    /// @notice Batch arrays differ in length.
    error SecurityTokenLengthMismatch(uint256 expected, uint256 actual);
    /// @notice Issuing `value` would take the supply past `cap` (balances are stored in 128 bits).
    error SecurityTokenSupplyCapExceeded(uint256 supply, uint256 value, uint256 cap);
    /// @notice The registry address is not a contract.
    error SecurityTokenInvalidRegistry(address registry);
    /// @notice Application `applicationId` is in status `current`, and the call needs `Pending`.
    error SecurityTokenUnexpectedApplicationStatus(
        uint256 applicationId,
        ApplicationStatus current
    );
    /// @notice `caller` may not cancel application `applicationId`.
    error SecurityTokenUnauthorizedCancel(uint256 applicationId, address caller);

    // ---------------------------------------------------------------- roles

    /**
     * @notice Role that issues and redeems units (single and bulk), sets the status, transferable
     * and approval-workflow switches, grants eligibility exemptions and sets product attributes.
     * @return The role identifier.
     */
    function ISSUER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that pauses and unpauses the token.
     * @return The role identifier.
     */
    function PAUSER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that approves and cancels transfer applications of the approval workflow.
     * @return The role identifier.
     */
    function TRANSFER_APPROVER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that moves unlocked units without the holder's consent ({forcedTransfer},
     * {bulkForcedTransfer}).
     * @return The role identifier.
     */
    function FORCE_TRANSFER_ROLE() external view returns (bytes32);
    /**
     * @notice Role that locks a holder's unlocked units without its consent ({forceLock}).
     * @return The role identifier.
     */
    function FORCE_LOCK_ROLE() external view returns (bytes32);
    /**
     * @notice Role that releases any lock without the lock address's consent ({forceUnlock}).
     * @return The role identifier.
     */
    function FORCE_UNLOCK_ROLE() external view returns (bytes32);
    /**
     * @notice Role that moves locked units to another account, keeping them locked
     * ({forceChangeLockedAccount}).
     * @return The role identifier.
     */
    function FORCE_RELOCATE_ROLE() external view returns (bytes32);

    // ---------------------------------------------------------------- holder actions

    /**
     * @notice Locks `value` of the caller's unlocked units to `lockAddress`. The units stay in the
     * caller's balance; only `lockAddress` can release them ({unlock}).
     * @dev Requirements: `lockAddress` not zero; `value` > 0; not paused; status active; the caller
     * has `value` unlocked units. If `lockAddress` is a contract it must return the selector from
     * {ISecurityTokenLockReceiver-onSecurityTokenLocked}, which is called after the lock is
     * recorded. Emits {Lock}.
     * @param lockAddress The address to lock the units to; the only one that may release them.
     * @param value The units to lock.
     * @param data Data emitted in {Lock} and passed to the lock address's callback (a DVP reads its
     * settlement terms from it).
     */
    function lock(address lockAddress, uint256 value, bytes calldata data) external;

    /**
     * @notice Releases `value` units of `account` locked to the caller, to `recipient`. When
     * `recipient` is `account` the units only become free (allowed in every state of the token, so
     * a lock can always be undone); otherwise they move to `recipient` under the transfer rules.
     * @dev Requirements: caller has at least `value` locked for `account`; `value` > 0. Emits
     * {Unlock}, and {IERC20-Transfer} when `recipient` differs from `account`.
     * @param account The holder whose units are locked to the caller.
     * @param recipient The account to receive the units; `account` to only free them.
     * @param value The units to release.
     * @param data Data emitted in {Unlock}.
     */
    function unlock(
        address account,
        address recipient,
        uint256 value,
        bytes calldata data
    ) external;

    /**
     * @notice Transfers to many recipients in one call; all or nothing, each under the rules.
     * @dev Arrays of equal length. Emits one {IERC20-Transfer} per item.
     * @param to The recipients.
     * @param values The units for each recipient, by index.
     */
    function bulkTransfer(address[] calldata to, uint256[] calldata values) external;

    /**
     * @notice Applies to transfer `value` units to `to` through the approval workflow; the units
     * are locked to the token until the application is approved or cancelled.
     * @dev Requirements: not paused; status active; transferable; `to` eligible; caller eligible;
     * `value` > 0 and unlocked. Emits {TransferApplied}.
     * @return applicationId The new application's id (sequential from 1).
     * @param to The intended recipient.
     * @param value The units to transfer.
     * @param data Data emitted in {TransferApplied}.
     */
    function applyForTransfer(
        address to,
        uint256 value,
        bytes calldata data
    ) external returns (uint256 applicationId);

    /**
     * @notice Cancels a pending application and unlocks its units.
     * @dev Requirements: caller is the applicant or has TRANSFER_APPROVER_ROLE; status `Pending`.
     * Emits {TransferCancelled}.
     * @param applicationId The application to cancel.
     * @param data Data emitted in {TransferCancelled}.
     */
    function cancelTransfer(uint256 applicationId, bytes calldata data) external;

    // ---------------------------------------------------------------- transfer approver

    /**
     * @notice Approves a pending application: its units move from the applicant to the recipient.
     * @dev Requirements: TRANSFER_APPROVER_ROLE; status `Pending`; the transfer rules except the
     * approval switch. Emits {TransferApproved} and {IERC20-Transfer}.
     * @param applicationId The application to approve.
     * @param data Data emitted in {TransferApproved}.
     */
    function approveTransfer(uint256 applicationId, bytes calldata data) external;

    // ---------------------------------------------------------------- issuer

    /**
     * @notice Issues `value` new units to `to`, locked to `lockAddress` unless it is zero.
     * @dev Requirements: ISSUER_ROLE; `to` eligible; `value` > 0; supply stays within 2^128-1;
     * `lockAddress` not the token itself. When `lockAddress` is a contract (notifications not
     * waived), then calls its {ISecurityTokenLockReceiver-onSecurityTokenLockAdded} with empty
     * data, which must accept. A Kessai DVP books such units as belonging to no settlement: they
     * stay locked until the issuer releases them ({forceUnlock}). Emits {IERC20-Transfer}, then,
     * when locked, {Lock}, then {Issue}.
     * @param to The account to receive the new units.
     * @param lockAddress The address to lock the new units to, or zero for unlocked units.
     * @param value The units to issue.
     */
    function issue(address to, address lockAddress, uint256 value) external;

    /**
     * @notice Redeems (burns) `value` units of `from`, from its lock to `lockAddress`, or from its
     * unlocked units when `lockAddress` is zero.
     * @dev Requirements: ISSUER_ROLE; enough locked or unlocked units; `lockAddress` not the token
     * itself. When redeeming from the lock of a contract (notifications not waived), then calls its
     * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved} with empty data, which may refuse: a
     * Kessai DVP accepts only units that belong to none of its settlements (end the settlement
     * first: {IDeliveryVersusPayment-terminate}, or {forceUnlock} naming it). Emits
     * {IERC20-Transfer}, then, when from a lock, {Unlock} to `from`, then {Redeem}.
     * @param from The account whose units are burnt.
     * @param lockAddress The lock address to redeem from, or zero to redeem unlocked units.
     * @param value The units to redeem.
     */
    function redeem(address from, address lockAddress, uint256 value) external;

    /**
     * @notice {issue} of unlocked units to many accounts; all or nothing.
     * @param to The accounts to receive new units.
     * @param values The units for each account, by index.
     */
    function bulkIssue(address[] calldata to, uint256[] calldata values) external;

    /**
     * @notice {redeem} of unlocked units from many accounts; all or nothing.
     * @param from The accounts whose unlocked units are burnt.
     * @param values The units to redeem from each account, by index.
     */
    function bulkRedeem(address[] calldata from, uint256[] calldata values) external;

    /// @notice Switches the token active or inactive. Requirements: ISSUER_ROLE. Emits {StatusChanged}.
    /// @param active True to make the token active, false to make it inactive.
    function setStatus(bool active) external;

    /// @notice Switches transfers on or off. Requirements: ISSUER_ROLE. Emits {TransferableChanged}.
    /// @param transferable_ True to allow normal transfers, false to stop them.
    function setTransferable(bool transferable_) external;

    /**
     * @notice Switches the approval workflow on or off.
     * @dev Requirements: ISSUER_ROLE. Emits {TransferApprovalRequiredChanged}.
     * @param required True to route normal transfers through {applyForTransfer}, false to allow
     * direct transfers.
     */
    function setTransferApprovalRequired(bool required) external;

    /**
     * @notice Treats `account` as eligible regardless of the registry (the issuer's own accounts).
     * @dev Requirements: ISSUER_ROLE. Emits {EligibilityExemptionChanged}.
     * @param account The account concerned.
     * @param exempt True to treat `account` as eligible regardless of the registry, false to defer
     * to the registry again.
     */
    function setEligibilityExempt(address account, bool exempt) external;

    /**
     * @notice Points the token at another eligibility registry.
     * @dev Requirements: default admin; `registry` is a contract. Emits {InvestorRegistryChanged}.
     * @param registry The new registry.
     */
    function setInvestorRegistry(IInvestorRegistry registry) external;

    /**
     * @notice Waives (or restores) the notifications that issuer and enforcement paths send to
     * the contract `lockAddress` ({ISecurityTokenLockReceiver-onSecurityTokenLockAdded},
     * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved}). The last resort against a lock
     * address that refuses every forced release (a holder could otherwise shield its units from a
     * court order by locking them to its own contract) or that predates these callbacks.
     * @dev WARNING: a waived lock address no longer learns of forced changes to its locks; waiving a
     * Kessai DVP breaks its per-settlement books (use {IDeliveryVersusPayment-terminate} instead).
     * Requirements: default admin. Emits {LockNotificationsWaived}.
     * @param lockAddress The lock address concerned.
     * @param waived True to stop notifying it, false to notify it again.
     */
    function setLockNotificationsWaived(address lockAddress, bool waived) external;

    /// @notice Pauses every normal transfer and lock. Requirements: PAUSER_ROLE. Emits {Paused}.
    function pause() external;

    /// @notice Lifts the pause. Requirements: PAUSER_ROLE. Emits {Unpaused}.
    function unpause() external;

    // ---------------------------------------------------------------- enforcement

    /**
     * @notice Moves `value` unlocked units from `from` to `to` without the holder's consent.
     * @dev WARNING: a court order or recovery power. Requirements: FORCE_TRANSFER_ROLE; `to`
     * eligible; `from` holds `value` unlocked units. Emits {ForcedTransfer} and {IERC20-Transfer}.
     * @param from The account to take the units from.
     * @param to The account to receive them.
     * @param value The units to move.
     * @param data Data emitted in {ForcedTransfer} (e.g. a court order reference).
     */
    function forcedTransfer(address from, address to, uint256 value, bytes calldata data) external;

    /**
     * @notice {forcedTransfer} for many items; all or nothing.
     * @param from The accounts to take units from.
     * @param to The account to receive each item, by index.
     * @param values The units of each item, by index.
     * @param data Data emitted in every {ForcedTransfer}.
     */
    function bulkForcedTransfer(
        address[] calldata from,
        address[] calldata to,
        uint256[] calldata values,
        bytes calldata data
    ) external;

    /**
     * @notice Locks `value` unlocked units of `account` to `lockAddress` without its consent.
     * @dev WARNING: enforcement power. Requirements: FORCE_LOCK_ROLE; `lockAddress` neither zero
     * nor the token; `value` > 0; enough unlocked units. When `lockAddress` is a contract
     * (notifications not waived), then calls its
     * {ISecurityTokenLockReceiver-onSecurityTokenLockAdded}, which must accept (a Kessai DVP books
     * the units as belonging to no settlement). Emits {ForceLock}.
     * @param lockAddress The address to lock the units to.
     * @param account The holder whose units are locked.
     * @param value The units to lock.
     * @param data Data emitted in {ForceLock}.
     */
    function forceLock(
        address lockAddress,
        address account,
        uint256 value,
        bytes calldata data
    ) external;

    /**
     * @notice Releases `value` units of `account`'s lock to `lockAddress`, to `recipient`, without
     * the lock address's consent. The last resort when a lock address cannot or will not act.
     * @dev WARNING: enforcement power. Requirements: FORCE_UNLOCK_ROLE; `lockAddress` neither zero
     * nor the token; `value` > 0; enough locked; `recipient` eligible when it differs from
     * `account`. When `lockAddress` is a contract (notifications not waived), then calls its
     * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved} with `data`, which may refuse. A
     * Kessai DVP reads `data` of 288 bytes or more as naming a settlement (the first 288 bytes
     * are `abi.encode(terms)`, any further bytes are free, e.g. a court reference) and accepts it
     * for an open settlement of `account` on this token with `value` <= its quantity: that
     * settlement reports failed at once and the rest of its quantity goes back to `account`;
     * shorter `data` (none, or a short reference) takes only units that belong to none of its
     * settlements. Emits {IERC20-Transfer} when moved, then {ForceUnlock}.
     * @param lockAddress The lock address whose lock is released.
     * @param account The holder whose units are locked.
     * @param recipient The account to receive the units; `account` to only free them.
     * @param value The units to release.
     * @param data Data emitted in {ForceUnlock}.
     */
    function forceUnlock(
        address lockAddress,
        address account,
        address recipient,
        uint256 value,
        bytes calldata data
    ) external;

    /**
     * @notice Moves `value` units locked to `lockAddress` from `fromAccount` to `toAccount`, where
     * they stay locked to the same address (lost key recovery, court orders).
     * @dev WARNING: enforcement power. Requirements: FORCE_RELOCATE_ROLE; `lockAddress` neither
     * zero nor the token; `value` > 0; enough locked; `toAccount` eligible. When `lockAddress` is a
     * contract (notifications not waived), then calls its
     * {ISecurityTokenLockReceiver-onSecurityTokenLockRemoved} for `fromAccount` (which may refuse,
     * as for {forceUnlock}: a Kessai DVP reads `data` the same way), then its
     * {ISecurityTokenLockReceiver-onSecurityTokenLockAdded} for `toAccount`, both with `data`.
     * Emits {IERC20-Transfer}, then {ForceChangeLockedAccount}.
     * @param lockAddress The lock address the units stay locked to.
     * @param fromAccount The account to take the locked units from.
     * @param toAccount The account to receive them, still locked.
     * @param value The units to move.
     * @param data Data emitted in {ForceChangeLockedAccount}.
     */
    function forceChangeLockedAccount(
        address lockAddress,
        address fromAccount,
        address toAccount,
        uint256 value,
        bytes calldata data
    ) external;

    // ---------------------------------------------------------------- views

    /**
     * @notice Units of `account` locked to `lockAddress`.
     * @param lockAddress The lock address.
     * @param account The holder.
     * @return The units of `account` locked to `lockAddress`.
     */
    function lockedOf(address lockAddress, address account) external view returns (uint256);

    /**
     * @notice Units of `account` locked to any lock address.
     * @param account The holder.
     * @return The sum of `account`'s units over all its locks.
     */
    function totalLockedOf(address account) external view returns (uint256);

    /**
     * @notice Units of `account` that a normal transfer may move: balance minus all locks.
     * @param account The holder.
     * @return `balanceOf(account) - totalLockedOf(account)`.
     */
    function availableBalanceOf(address account) external view returns (uint256);

    /**
     * @notice Whether a normal transfer of `value` from `from` to `to` would succeed now.
     * @return ok True when it would succeed.
     * @return reason Empty when `ok`; otherwise the ABI-encoded custom error the transfer raises.
     * @param from The sender.
     * @param to The receiver.
     * @param value The units to transfer.
     */
    function canTransfer(
        address from,
        address to,
        uint256 value
    ) external view returns (bool ok, bytes memory reason);

    /// @notice Whether the token is active.
    /// @return True when the token is active.
    function status() external view returns (bool);

    /// @notice Whether normal transfers are switched on.
    /// @return True when normal transfers are switched on.
    function transferable() external view returns (bool);

    /// @notice Whether normal transfers must go through the approval workflow.
    /// @return True when normal transfers must go through {applyForTransfer}.
    function transferApprovalRequired() external view returns (bool);

    /// @notice Whether the token is paused.
    /// @return True when the token is paused.
    function paused() external view returns (bool);

    /// @notice The registry the token consults.
    /// @return The eligibility registry the token consults.
    function investorRegistry() external view returns (IInvestorRegistry);

    /**
     * @notice Whether issuer and enforcement paths skip the notifications of `lockAddress`
     * ({setLockNotificationsWaived}).
     * @param lockAddress The lock address to check.
     * @return True when its notifications are waived.
     */
    function lockNotificationsWaived(address lockAddress) external view returns (bool);

    /**
     * @notice Whether `account` is treated as eligible regardless of the registry.
     * @param account The account to check.
     * @return True when `account` is exempt.
     */
    function isEligibilityExempt(address account) external view returns (bool);

    /**
     * @notice Whether `account` may hold, send or receive units now (exempt or registry-eligible).
     * @param account The account to check.
     * @return True when `account` is exempt or eligible in the registry.
     */
    function isEligible(address account) external view returns (bool);

    /**
     * @notice Application `applicationId` (all zero if unknown).
     * @param applicationId The application's id.
     * @return The application's record.
     */
    function transferApplication(
        uint256 applicationId
    ) external view returns (TransferApplication memory);

    /// @notice Number of applications filed so far (the last id).
    /// @return The number of applications filed, equal to the highest id issued.
    function applicationCount() external view returns (uint256);
}
