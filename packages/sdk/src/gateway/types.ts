/**
 * The bank gateway's API as data: the states and kinds it reports, its JSON bodies as they travel
 * (amounts as decimal strings, times as ISO-8601: the `…Json` types, which the gateway's views are
 * typed against), and the same objects as {@link GatewayClient} returns them (amounts as bigints).
 */

/** The states of an issuance (step 3), in the order a request goes through them. */
export const GATEWAY_ISSUANCE_STATES = [
  "pending",
  "sent",
  "mined",
  "issued",
  "failed",
  "rejecting",
  "rejected",
] as const;
/** The state of an issuance: one of {@link GATEWAY_ISSUANCE_STATES}. */
export type GatewayIssuanceState = (typeof GATEWAY_ISSUANCE_STATES)[number];

/** The states of a redemption (step 7). */
export const GATEWAY_REDEMPTION_STATES = [
  "pending",
  "sent",
  "mined",
  "credited",
  "failed",
] as const;
/** The state of a redemption: one of {@link GATEWAY_REDEMPTION_STATES}. */
export type GatewayRedemptionState = (typeof GATEWAY_REDEMPTION_STATES)[number];

/** The kinds of ledger account. */
export const GATEWAY_ACCOUNT_KINDS = ["deposit", "dedicated", "funding", "suspense"] as const;
/** The kind of a ledger account: one of {@link GATEWAY_ACCOUNT_KINDS}. */
export type GatewayAccountKind = (typeof GATEWAY_ACCOUNT_KINDS)[number];

/** The kinds of transfer a statement line shows (after TigerBeetle's pending transfers). */
export const GATEWAY_TRANSFER_KINDS = [
  "posted",
  "pending",
  "post_pending",
  "void_pending",
] as const;
/** The kind of a transfer: one of {@link GATEWAY_TRANSFER_KINDS}. */
export type GatewayTransferKind = (typeof GATEWAY_TRANSFER_KINDS)[number];

/** The states of a firm on the ledger and on DCJPY. */
export const GATEWAY_FIRM_STATES = ["opening", "open", "closing", "closed", "failed"] as const;
/** The state of a firm: one of {@link GATEWAY_FIRM_STATES}. */
export type GatewayFirmState = (typeof GATEWAY_FIRM_STATES)[number];

/** An amount as the client takes it: whole yen (a bigint, a safe integer or a string of digits). */
export type GatewayAmount = bigint | number | string;

// ---- on the wire ---------------------------------------------------------------------------

/** An account's balances on the wire (decimal strings). */
export interface GatewayBalancesJson {
  posted: string;
  available: string;
  pendingDebits: string;
  pendingCredits: string;
}

/** A ledger account on the wire. */
export interface GatewayAccountJson {
  id: string;
  kind: GatewayAccountKind;
  firmId: string | null;
  status: "open" | "closed";
  balances: GatewayBalancesJson;
  updatedAt: string;
}

/** Why a request failed: the chain's error name (or the gateway's code) and its message. */
export interface GatewayFailure {
  code: string;
  message: string;
}

/** An issuance (step 3) on the wire. */
export interface GatewayIssuanceJson {
  id: string;
  object: "issuance";
  source: "api" | "chain";
  requestId: string | null;
  account: string | null;
  to: string;
  amount: string;
  reference: string;
  state: GatewayIssuanceState;
  txHash: string | null;
  blockNumber: number | null;
  error: GatewayFailure | null;
  createdAt: string;
  updatedAt: string;
}

/** A redemption (step 7) on the wire. */
export interface GatewayRedemptionJson {
  id: string;
  object: "redemption";
  from: string;
  amount: string;
  reference: string;
  state: GatewayRedemptionState;
  txHash: string | null;
  blockNumber: number | null;
  error: GatewayFailure | null;
  createdAt: string;
  updatedAt: string;
}

/** A firm on the wire. */
export interface GatewayFirmJson {
  id: string;
  name: string;
  dcjpyAddress: string;
  depositAccountRef: string;
  status: GatewayFirmState;
  frozen: boolean;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A statement line on the wire. */
export interface GatewayStatementLineJson {
  transferId: number;
  kind: GatewayTransferKind;
  amount: string;
  counterparty: string;
  reference: string | null;
  description: string | null;
  createdAt: string;
}

// ---- as the client returns them ------------------------------------------------------------

/** An account's balances in whole yen: balance = credits − debits; available = posted − held debits. */
export interface GatewayAccountBalances {
  posted: bigint;
  available: bigint;
  pendingDebits: bigint;
  pendingCredits: bigint;
}

/** A ledger account with its balances as bigints. */
export interface GatewayAccount extends Omit<GatewayAccountJson, "balances"> {
  balances: GatewayAccountBalances;
}

/** An issuance (step 3): a hold on a deposit account, then DCJPY issued against the bank reference. */
export interface GatewayIssuance extends Omit<
  GatewayIssuanceJson,
  "object" | "requestId" | "amount"
> {
  requestId: bigint | null;
  amount: bigint;
  /** True when the gateway answered with the response stored under the Idempotency-Key. */
  replayed: boolean;
}

/** A redemption (step 7): DCJPY burnt, then the deposit account credited once per reference. */
export interface GatewayRedemption extends Omit<GatewayRedemptionJson, "object" | "amount"> {
  amount: bigint;
  replayed: boolean;
}

/** A firm: its deposit account on the ledger and its DCJPY account on chain. */
export type GatewayFirm = GatewayFirmJson;

/** One line of an account's statement, signed from the account's side. */
export interface GatewayStatementLine extends Omit<GatewayStatementLineJson, "amount"> {
  /** Signed from the account's side: + credit, − debit. */
  amount: bigint;
}

/** One page of an account's statement, oldest first; `nextCursor` for the next page. */
export interface GatewayStatement {
  account: string;
  lines: GatewayStatementLine[];
  nextCursor: string | null;
}

/** Money entering a firm's deposit account from outside the ledger (operator). */
export interface GatewayDeposit {
  transferId: number;
  amount: bigint;
  account: GatewayAccount;
  replayed: boolean;
}

/**
 * One reference on which the ledger and the chain's events disagree, amounts as `A`: decimal
 * strings on the wire ({@link GatewayDifferenceJson}), bigints from the client
 * ({@link GatewayDifference}).
 */
export interface GatewayDifferenceOf<A> {
  /** `issuance:<bank reference>` or `redemption:<redemption reference>`. */
  reference: string;
  problem:
    | "missing_posting"
    | "posting_without_event"
    | "duplicate_event"
    | "duplicate_posting"
    | "amount_mismatch";
  events: number;
  postings: number;
  eventAmount: A | null;
  postedAmount: A | null;
}
/** {@link GatewayDifferenceOf} as it travels. */
export type GatewayDifferenceJson = GatewayDifferenceOf<string>;
/** {@link GatewayDifferenceOf} as the client returns it. */
export type GatewayDifference = GatewayDifferenceOf<bigint>;

/**
 * The dedicated account against DCJPY's supply at the watcher's block, event by event, amounts
 * as `A` (see {@link GatewayDifferenceOf}).
 */
export interface GatewayReconciliationOf<A> {
  ok: boolean;
  chainId: number;
  blockNumber: number;
  blockHash: string;
  totalSupply: A;
  dedicatedPosted: A;
  /** dedicatedPosted − totalSupply. */
  supplyDifference: A;
  events: { issued: number; redeemed: number };
  differences: GatewayDifferenceOf<A>[];
  /** Holds not yet posted or voided: issuances in flight (not differences). */
  pendingHolds: {
    count: number;
    amount: A;
    items: { reference: string; amount: A; createdAt: string }[];
  };
  /** Chain movements the gateway could not attribute (booked, but to be investigated). */
  suspense: { posted: A; postings: number };
  /** Accounts whose running totals differ from their transfers (always empty unless edited by hand). */
  totalsMismatches: { accountId: string; column: string; stored: A; fromTransfers: A }[];
  durationMs: number;
}
/** {@link GatewayReconciliationOf} as it travels. */
export type GatewayReconciliationJson = GatewayReconciliationOf<string>;
/** {@link GatewayReconciliationOf} as the client returns it. */
export type GatewayReconciliation = GatewayReconciliationOf<bigint>;

/** `/healthz`: whether the database and the chain answer. */
export interface GatewayHealth {
  ok: boolean;
  database: string;
  chain: string;
}
