import {
  APPLICATION_STATUS_NAMES,
  CROSS_LEDGER_OUTCOME_NAMES,
  DELIVERY_STATE_NAMES,
  INVESTOR_STATUS_NAMES,
  PAYMENT_STATE_NAMES,
  REQUEST_STATUS_NAMES,
  expectedNames,
  expectedStateNames,
  settlementStateName,
} from "../constants/enums.js";
import { roleName } from "./roles.js";

type Args = Record<string, unknown>;

/** Shortens an address or 32-byte value for messages: 0xabcd…1234. */
export function short(v: unknown): string {
  const s = String(v);
  return /^0x[0-9a-fA-F]{40,}$/.test(s) ? `${s.slice(0, 6)}…${s.slice(-4)}` : s;
}
const n = (v: unknown) => String(v);
const en = (names: readonly string[], v: unknown) => names[Number(v)] ?? `Unknown(${v})`;

/**
 * One-line explanations of the custom errors, keyed by error name. Errors without an entry get a
 * generic `Name(arg=value, ...)` line. The classes themselves are generated from the ABIs; this map
 * only phrases them.
 */
export const ERROR_MESSAGES: Record<string, (a: Args) => string> = {
  // registry
  InvestorRegistryZeroAddress: () => "the account is the zero address",
  InvestorRegistryAlreadyRegistered: (a) => `${short(a.account)} is already registered`,
  InvestorRegistryNotRegistered: (a) => `${short(a.account)} is not registered`,
  InvestorRegistryUnexpectedStatus: (a) =>
    `${short(a.account)} is ${en(INVESTOR_STATUS_NAMES, a.current)}, needs ${en(INVESTOR_STATUS_NAMES, a.expected)}`,
  InvestorRegistryExpiryInPast: (a) =>
    `expiry ${n(a.expiry)} of ${short(a.account)} is not after block time ${n(a.nowTime)}`,
  InvestorRegistryLengthMismatch: (a) =>
    `batch lengths differ: ${n(a.accounts)} accounts, ${n(a.investorRefs)} refs, ${n(a.expiries)} expiries`,
  // security token
  SecurityTokenPaused: () => "the security token is paused",
  SecurityTokenInactive: () => "the security token is inactive",
  SecurityTokenNotTransferable: () => "transfers of the security token are switched off",
  SecurityTokenTransferApprovalRequired: () => "transfers must go through the approval workflow",
  SecurityTokenIneligibleSender: (a) => `${short(a.account)} may not send the security token`,
  SecurityTokenIneligibleReceiver: (a) => `${short(a.account)} may not receive the security token`,
  SecurityTokenInsufficientUnlockedBalance: (a) =>
    `${short(a.account)} has ${n(a.available)} unlocked units, needs ${n(a.needed)}`,
  SecurityTokenInsufficientLock: (a) =>
    `${short(a.account)} has ${n(a.locked)} units locked to ${short(a.lockAddress)}, needs ${n(a.needed)}`,
  SecurityTokenInvalidLockAddress: (a) => `invalid lock address ${short(a.lockAddress)}`,
  SecurityTokenLockRejected: (a) => `lock address ${short(a.lockAddress)} rejected the lock`,
  SecurityTokenZeroAmount: () => "the amount is zero",
  SecurityTokenLengthMismatch: (a) =>
    `batch lengths differ: expected ${n(a.expected)}, got ${n(a.actual)}`,
  SecurityTokenSupplyCapExceeded: (a) =>
    `issuing ${n(a.value)} would take supply ${n(a.supply)} past the cap ${n(a.cap)}`,
  SecurityTokenInvalidRegistry: (a) => `${short(a.registry)} is not a registry contract`,
  SecurityTokenUnexpectedApplicationStatus: (a) =>
    `application ${n(a.applicationId)} is ${en(APPLICATION_STATUS_NAMES, a.current)}, needs Pending`,
  SecurityTokenUnauthorizedCancel: (a) =>
    `${short(a.caller)} may not cancel application ${n(a.applicationId)}`,
  // deposit token
  DepositTokenPaused: () => "the deposit token is paused",
  DepositTokenAccountFrozen: (a) => `${short(a.account)} is frozen`,
  DepositTokenIneligibleSender: (a) =>
    `${short(a.account)} may not send the deposit token: it has no open DCJPY account`,
  DepositTokenIneligibleReceiver: (a) =>
    `${short(a.account)} may not receive the deposit token: it has no open DCJPY account`,
  DepositTokenInsufficientAvailableBalance: (a) =>
    `${short(a.account)} has ${n(a.available)} unfrozen units, needs ${n(a.needed)}`,
  DepositTokenIssuanceReferenceUsed: (a) =>
    `bank reference ${short(a.redemptionRef ?? a.bankReference)} was already used for an issuance`,
  DepositTokenRedemptionReferenceUsed: (a) =>
    `redemption reference ${short(a.redemptionRef)} was already used`,
  DepositTokenZeroReference: () => "the reference is zero",
  DepositTokenZeroAmount: () => "the amount is zero",
  DepositTokenUnexpectedRequestStatus: (a) =>
    `request ${n(a.requestId)} is ${en(REQUEST_STATUS_NAMES, a.current)}, needs Pending`,
  DepositTokenNotRequester: (a) => `${short(a.caller)} did not file request ${n(a.requestId)}`,
  DepositTokenUnfreezeExceedsFrozen: (a) =>
    `cannot unfreeze ${n(a.amount)} of ${short(a.account)}: only ${n(a.frozen)} frozen`,
  DepositTokenInvalidAccount: (a) => `cannot open a DCJPY account for ${short(a.account)}`,
  DepositTokenAccountAlreadyOpen: (a) => `${short(a.account)} already has an open DCJPY account`,
  DepositTokenAccountNotOpen: (a) => `${short(a.account)} has no open DCJPY account`,
  DepositTokenAccountNotEmpty: (a) =>
    `${short(a.account)} still holds ${n(a.balance)} DCJPY: redeem it before closing the account`,
  DepositTokenLengthMismatch: (a) =>
    `batch lengths differ: ${n(a.accounts)} accounts, ${n(a.refs)} deposit-account refs`,
  DepositTokenAuthorizationUsed: (a) =>
    `transfer authorization ${short(a.nonce)} of ${short(a.authorizer)} was already used or cancelled`,
  DepositTokenAuthorizationExpired: (a) =>
    `transfer authorization ${short(a.nonce)} of ${short(a.authorizer)} was valid before ${n(a.validBefore)} (block time ${n(a.nowTime)})`,
  DepositTokenInvalidAuthorization: (a) =>
    `the signature is not ${short(a.authorizer)}'s transfer authorization ${short(a.nonce)} for spender ${short(a.spender)}`,
  DepositTokenSupplyCapExceeded: (a) =>
    `issuing ${n(a.value)} would take supply ${n(a.supply)} past the cap ${n(a.cap)}`,
  // DVP
  DvpUnexpectedState: (a) =>
    `settlement ${short(a.id)} is ${settlementStateName(a.current as bigint)}, needs ${
      expectedStateNames(a.expectedStates as string).join(" or ") || "another state"
    }`,
  DvpTermsMismatch: (a) =>
    `terms given for settlement ${short(a.id)} do not match the stored commitment`,
  DvpZeroSettlementId: () => "the settlement ID is zero",
  DvpMalformedTerms: (a) =>
    `lock data of ${n(a.length)} bytes is not the 288-byte abi.encode(terms) of a settlement`,
  DvpUnlistedSecurityToken: (a) => `${short(a.token)} is not a listed security token`,
  DvpUnlistedCashToken: (a) => `${short(a.token)} is not a listed cash token`,
  DvpLockMismatch: (a) =>
    `lock of ${n(a.amount)} by ${short(a.account)} on ${short(a.token)} does not match the terms of ${short(a.id)}`,
  DvpInvalidParties: (a) =>
    `seller ${short(a.seller)} and buyer ${short(a.buyer)} must be distinct non-zero accounts`,
  DvpZeroValue: (a) => `quantity ${n(a.quantity)} and amount ${n(a.amount)} must both be non-zero`,
  DvpInvalidAgent: (a) => `${short(a.agent)} cannot be the settlement agent`,
  DvpDeadlinePassed: (a) =>
    `deadline ${n(a.deadline)} of ${short(a.id)} passed (block time ${n(a.nowTime)})`,
  DvpDeadlineNotPassed: (a) =>
    `deadline ${n(a.deadline)} of ${short(a.id)} not passed yet (block time ${n(a.nowTime)})`,
  DvpUnauthorized: (a) => `${short(a.caller)} may not do this to settlement ${short(a.id)}`,
  DvpInvalidSignature: (a) => `signature for ${short(a.id)} is not ${short(a.expectedSigner)}'s`,
  DvpAgentApprovalMissing: (a) =>
    `settlement ${short(a.id)} still needs the approval of agent ${short(a.agent)}`,
  DvpAgentApprovalRevoked: (a) =>
    `agent ${short(a.agent)} lost its role after approving ${short(a.id)}: the approval was withdrawn`,
  DvpAgentEpochsExhausted: (a) =>
    `${short(a.account)} lost the agent role 65,535 times and cannot get it again: use another address`,
  DvpAlreadyApproved: (a) =>
    `settlement ${short(a.id)} is already approved by agent ${short(a.agent)}`,
  DvpForcedRemovalExceedsUnassigned: (a) =>
    `a forced removal of ${n(a.value)} units of ${short(a.account)} from the DVP's lock on ${short(a.token)} names no settlement, and only ${n(a.unassigned)} belong to none`,
  DvpEmptyBatch: () => "the batch is empty or inconsistent",
  DvpOnlySelf: (a) => `${short(a.caller)} may not call this (only the DVP itself)`,
  // two ledgers: CrossLedgerDelivery (ST ledger) and CrossLedgerPayment (cash ledger)
  CrossLedgerTermsMismatch: (a) =>
    `terms given for settlement ${short(a.id)} do not match the commitment stored on this ledger`,
  CrossLedgerZeroSettlementId: () => "the settlement ID is zero",
  CrossLedgerWrongLedger: (a) =>
    `the terms name ${short(a.ledger)} on chain ${n(a.chainId)} for this side; this is ${short(a.expectedLedger)} on chain ${n(a.expectedChainId)}`,
  CrossLedgerUnknownCounterpart: (a) =>
    `${short(a.ledger)} on chain ${n(a.chainId)} is not a listed counterpart ledger`,
  CrossLedgerInvalidParties: (a) =>
    `seller ${short(a.seller)} and buyer ${short(a.buyer)} must be distinct non-zero accounts`,
  CrossLedgerZeroValue: (a) =>
    `quantity ${n(a.quantity)} and amount ${n(a.amount)} must both be non-zero`,
  CrossLedgerDeadlinePassed: (a) =>
    `deadline ${n(a.deadline)} of ${short(a.id)} passed (block time ${n(a.nowTime)})`,
  CrossLedgerDeadlineNotPassed: (a) =>
    `deadline ${n(a.deadline)} of ${short(a.id)} not passed yet (block time ${n(a.nowTime)})`,
  CrossLedgerInvalidVerifier: (a) =>
    `${short(a.verifier)} does not hold VERIFIER_ROLE on this ledger`,
  CrossLedgerInvalidAttestation: (a) =>
    `the attestation is not ${short(a.verifier)}'s ${en(CROSS_LEDGER_OUTCOME_NAMES, a.outcome)} for settlement ${short(a.id)}`,
  CrossLedgerUnauthorized: (a) => `${short(a.caller)} may not do this to settlement ${short(a.id)}`,
  DeliveryUnexpectedState: (a) =>
    `settlement ${short(a.id)} is ${en(DELIVERY_STATE_NAMES, a.current)} on the ST ledger, needs ${
      expectedNames(DELIVERY_STATE_NAMES, a.expectedStates as string).join(" or ") ||
      "another state"
    }`,
  DeliveryMalformedTerms: (a) =>
    `lock data of ${n(a.length)} bytes is not the 416-byte abi.encode(terms) of a two-ledger settlement`,
  DeliveryUnlistedSecurityToken: (a) =>
    `${short(a.token)} is not a listed security token of the delivery contract`,
  DeliveryLockMismatch: (a) =>
    `lock of ${n(a.amount)} by ${short(a.account)} on ${short(a.token)} does not match the terms of ${short(a.id)}`,
  DeliveryForcedRemovalExceedsUnassigned: (a) =>
    `a forced removal of ${n(a.value)} units of ${short(a.account)} from the delivery contract's lock on ${short(a.token)} names no settlement, and only ${n(a.unassigned)} belong to none`,
  PaymentUnexpectedState: (a) =>
    `settlement ${short(a.id)} is ${en(PAYMENT_STATE_NAMES, a.current)} on the cash ledger, needs ${
      expectedNames(PAYMENT_STATE_NAMES, a.expectedStates as string).join(" or ") || "another state"
    }`,
  PaymentUnlistedCashToken: (a) =>
    `${short(a.token)} is not a listed cash token of the payment contract`,
  PaymentNoTransferPending: (a) => `settlement ${short(a.id)} has no deferred transfer to complete`,
  // OpenZeppelin: AccessControl, ERC-6093, ERC-2612, ECDSA, guards
  AccessControlUnauthorizedAccount: (a) => {
    const name = roleName(String(a.neededRole));
    return `${short(a.account)} lacks ${name ? `${name} (${short(a.neededRole)})` : `role ${short(a.neededRole)}`}`;
  },
  AccessControlBadConfirmation: () => "the caller must confirm with its own address",
  ERC20InsufficientBalance: (a) => `${short(a.sender)} has ${n(a.balance)}, needs ${n(a.needed)}`,
  ERC20InsufficientAllowance: (a) =>
    `${short(a.spender)} may spend ${n(a.allowance)}, needs ${n(a.needed)}`,
  ERC20InvalidReceiver: (a) => `invalid receiver ${short(a.receiver)}`,
  ERC20InvalidSender: (a) => `invalid sender ${short(a.sender)}`,
  ERC20InvalidApprover: (a) => `invalid approver ${short(a.approver)}`,
  ERC20InvalidSpender: (a) => `invalid spender ${short(a.spender)}`,
  ERC2612ExpiredSignature: (a) => `permit expired at ${n(a.deadline)}`,
  ERC2612InvalidSigner: (a) =>
    `permit signed by ${short(a.signer)}, not by owner ${short(a.owner)}`,
  EnforcedPause: () => "the contract is paused",
  ExpectedPause: () => "the contract is not paused",
  ReentrancyGuardReentrantCall: () => "reentrant call",
};

/** Formats `Name: explanation` for a decoded custom error. */
export function formatContractError(name: string, args: Args, argNames: readonly string[]): string {
  const f = ERROR_MESSAGES[name];
  if (f) return `${name}: ${f(args)}`;
  const list = argNames.map((k) => `${k}=${short(args[k])}`).join(", ");
  return list ? `${name}: ${list}` : name;
}
