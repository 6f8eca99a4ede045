/**
 * Enum values of the contracts, mirrored by name (ABIs carry enums as uint8 without member names).
 * The order is the order declared in contracts/interfaces/*.sol.
 */

/** IDeliveryVersusPayment.State */
export const SettlementState = {
  None: 0,
  Pending: 1,
  Affirmed: 2,
  Settled: 3,
  Cancelled: 4,
  Expired: 5,
  Rejected: 6,
  Failed: 7,
} as const;
/** Name of a settlement state (`"Pending"`, `"Settled"`, …). */
export type SettlementStateName = keyof typeof SettlementState;
/** Settlement state names, indexed by their on-chain number. */
export const SETTLEMENT_STATE_NAMES = Object.keys(SettlementState) as SettlementStateName[];

/** IInvestorRegistry.InvestorStatus */
export const InvestorStatus = { None: 0, Active: 1, Suspended: 2 } as const;
/** Name of an investor status in the issuer's investor register. */
export type InvestorStatusName = keyof typeof InvestorStatus;
/** Investor status names, indexed by their on-chain number. */
export const INVESTOR_STATUS_NAMES = Object.keys(InvestorStatus) as InvestorStatusName[];

/** ISecurityToken.ApplicationStatus */
export const ApplicationStatus = { None: 0, Pending: 1, Approved: 2, Cancelled: 3 } as const;
/** Name of a transfer application status. */
export type ApplicationStatusName = keyof typeof ApplicationStatus;
/** Transfer application status names, indexed by their on-chain number. */
export const APPLICATION_STATUS_NAMES = Object.keys(ApplicationStatus) as ApplicationStatusName[];

/** IDepositToken.RequestStatus */
export const RequestStatus = {
  None: 0,
  Pending: 1,
  Fulfilled: 2,
  Rejected: 3,
  Cancelled: 4,
} as const;
/** Name of a DCJPY issuance request status. */
export type RequestStatusName = keyof typeof RequestStatus;
/** Issuance request status names, indexed by their on-chain number. */
export const REQUEST_STATUS_NAMES = Object.keys(RequestStatus) as RequestStatusName[];

/** Name of a settlement state number (or `Unknown(n)`). */
export function settlementStateName(n: bigint | number): SettlementStateName {
  return (SETTLEMENT_STATE_NAMES[Number(n)] ?? `Unknown(${n})`) as SettlementStateName;
}

/** Decodes DvpUnexpectedState's `expectedStates` bit set into state names. */
export function expectedStateNames(bits: bigint | string): SettlementStateName[] {
  const b = BigInt(bits);
  return SETTLEMENT_STATE_NAMES.filter((_n, i) => ((b >> BigInt(i)) & 1n) === 1n);
}
