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

/** ICrossLedgerDelivery.State: a two-ledger settlement on the ST ledger. */
export const DeliveryState = { None: 0, Locked: 1, Delivered: 2, Returned: 3, Failed: 4 } as const;
/** Name of a delivery state on the ST ledger (`"Locked"`, `"Delivered"`, …). */
export type DeliveryStateName = keyof typeof DeliveryState;
/** Delivery state names, indexed by their on-chain number. */
export const DELIVERY_STATE_NAMES = Object.keys(DeliveryState) as DeliveryStateName[];

/** ICrossLedgerPayment.State: a two-ledger settlement on the cash ledger. */
export const PaymentState = { None: 0, Instructed: 1, Paid: 2, Refunded: 3 } as const;
/** Name of a payment state on the cash ledger (`"Instructed"`, `"Paid"`, …). */
export type PaymentStateName = keyof typeof PaymentState;
/** Payment state names, indexed by their on-chain number. */
export const PAYMENT_STATE_NAMES = Object.keys(PaymentState) as PaymentStateName[];

/** ICrossLedger.Outcome: the verifier's decision, as its attestation carries it. */
export const CrossLedgerOutcome = { None: 0, Paid: 1, Refunded: 2 } as const;
/** Name of a verifier outcome. */
export type CrossLedgerOutcomeName = keyof typeof CrossLedgerOutcome;
/** Outcome names, indexed by their on-chain number. */
export const CROSS_LEDGER_OUTCOME_NAMES = Object.keys(
  CrossLedgerOutcome,
) as CrossLedgerOutcomeName[];

/** Name of a delivery state number (or `Unknown(n)`). */
export function deliveryStateName(n: bigint | number): DeliveryStateName {
  return (DELIVERY_STATE_NAMES[Number(n)] ?? `Unknown(${n})`) as DeliveryStateName;
}

/** Name of a payment state number (or `Unknown(n)`). */
export function paymentStateName(n: bigint | number): PaymentStateName {
  return (PAYMENT_STATE_NAMES[Number(n)] ?? `Unknown(${n})`) as PaymentStateName;
}

/**
 * Decodes an `expectedStates` bit set (bit `1 << s` for each accepted state `s`, as
 * `DvpUnexpectedState`, `DeliveryUnexpectedState` and `PaymentUnexpectedState` carry it) into
 * the names of `names`.
 */
export function expectedNames<T extends string>(names: readonly T[], bits: bigint | string): T[] {
  const b = BigInt(bits);
  return names.filter((_n, i) => ((b >> BigInt(i)) & 1n) === 1n);
}
