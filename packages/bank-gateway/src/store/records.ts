/**
 * The gateway's records besides the ledger: firms, issuances, redemptions, API keys and stored
 * idempotent responses. Row decoding lives here so that use cases see typed objects only.
 */
import { decodeJson, encodeJson, sql, toBigInt, toNumber } from "@kessai/storage";
import type { Queryable, Tx } from "@kessai/storage";
import type { IssuanceState, RedemptionState } from "../domain/lifecycle.js";
import { bool, date, opt } from "./decode.js";
import { writtenAt } from "./time.js";

export type FirmStatus = "opening" | "open" | "closing" | "closed" | "failed";

export interface Firm {
  id: string;
  name: string;
  dcjpyAddress: string;
  depositAccountRef: string;
  status: FirmStatus;
  frozen: boolean;
  lastError: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

const FIRM = sql.raw(
  "id, name, dcjpy_address, deposit_account_ref, status, frozen, last_error, created_at, updated_at",
);
function toFirm(r: Record<string, unknown>): Firm {
  return {
    id: r.id as string,
    name: r.name as string,
    dcjpyAddress: r.dcjpy_address as string,
    depositAccountRef: r.deposit_account_ref as string,
    status: r.status as FirmStatus,
    frozen: bool(r.frozen),
    lastError: (r.last_error as string | null) ?? undefined,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

export async function insertFirm(
  tx: Tx,
  f: { id: string; name: string; dcjpyAddress: string; depositAccountRef: string; now: Date },
): Promise<void> {
  const now = writtenAt(f.now);
  await tx.run(sql`INSERT INTO gw_firms (id, name, dcjpy_address, deposit_account_ref, status, frozen, created_at, updated_at)
    VALUES (${f.id}, ${f.name}, ${f.dcjpyAddress}, ${f.depositAccountRef}, 'opening', ${false}, ${now}, ${now})`);
}

export async function getFirm(q: Queryable, id: string): Promise<Firm | undefined> {
  const r = await q.get(sql`SELECT ${FIRM} FROM gw_firms WHERE id = ${id}`);
  return r ? toFirm(r) : undefined;
}

/**
 * The firm and the firm that owns account `accountId` (undefined when there is no such account),
 * in one read: what a firm's request checks before it writes.
 */
export async function firmAndAccountOwner(
  q: Queryable,
  firmId: string,
  accountId: string,
): Promise<{ firm: Firm | undefined; accountFirmId: string | undefined }> {
  const r = await q.get(sql`SELECT ${FIRM},
      (SELECT firm_id FROM gw_accounts WHERE id = ${accountId}) AS account_firm_id
    FROM gw_firms WHERE id = ${firmId}`);
  // No such firm: no account can be its (a foreign key), so both are unknown.
  if (!r) return { firm: undefined, accountFirmId: undefined };
  return { firm: toFirm(r), accountFirmId: (r.account_firm_id as string | null) ?? undefined };
}

export async function listFirms(q: Queryable): Promise<Firm[]> {
  return (await q.all(sql`SELECT ${FIRM} FROM gw_firms ORDER BY id`)).map(toFirm);
}

export async function firmByAddress(q: Queryable, address: string): Promise<Firm | undefined> {
  const r = await q.get(
    sql`SELECT ${FIRM} FROM gw_firms WHERE dcjpy_address = ${address.toLowerCase()}`,
  );
  return r ? toFirm(r) : undefined;
}

export async function firmByDepositRef(q: Queryable, ref: string): Promise<Firm | undefined> {
  const r = await q.get(
    sql`SELECT ${FIRM} FROM gw_firms WHERE deposit_account_ref = ${ref.toLowerCase()}`,
  );
  return r ? toFirm(r) : undefined;
}

export async function updateFirm(
  tx: Tx,
  id: string,
  set: { status?: FirmStatus; frozen?: boolean; lastError?: string | null },
  args: { fromStatus?: FirmStatus[]; now?: Date } = {},
): Promise<boolean> {
  const now = writtenAt(args.now);
  const { rowCount } = await tx.run(sql`UPDATE gw_firms SET
      status = COALESCE(${set.status ?? null}, status),
      frozen = ${set.frozen === undefined ? sql`frozen` : sql`${set.frozen}`},
      last_error = ${set.lastError === undefined ? sql`last_error` : sql`${set.lastError}`},
      updated_at = ${now}
    WHERE id = ${id} ${args.fromStatus ? sql`AND status IN (${sql.join(args.fromStatus)})` : sql``}`);
  return rowCount === 1;
}

// ------------------------------------------------------- issuances and redemptions alike

/** What an issuance and a redemption both record as they go through their states. */
export interface ChainProgress {
  txHash: string | undefined;
  blockNumber: number | undefined;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  createdAt: Date;
  updatedAt: Date;
}

function toChainProgress(r: Record<string, unknown>): ChainProgress {
  return {
    txHash: (r.tx_hash as string | null) ?? undefined,
    blockNumber: opt(r.block_number, toNumber),
    errorCode: (r.error_code as string | null) ?? undefined,
    errorMessage: (r.error_message as string | null) ?? undefined,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

/** What a move may set besides the state; every column not named keeps its value. */
export interface ProgressUpdate {
  txHash?: string | null;
  blockNumber?: number | null;
  errorCode?: string;
  errorMessage?: string;
}

/** The SET clauses of {@link ChainProgress}'s columns in a move, `updated_at` last. */
function progressColumns(set: ProgressUpdate, now: Date | undefined) {
  return sql`tx_hash = ${set.txHash === undefined ? sql`tx_hash` : sql`${set.txHash}`},
      block_number = ${set.blockNumber === undefined ? sql`block_number` : sql`${set.blockNumber}`},
      error_code = ${set.errorCode === undefined ? sql`error_code` : sql`${set.errorCode}`},
      error_message = ${set.errorMessage === undefined ? sql`error_message` : sql`${set.errorMessage}`},
      updated_at = ${writtenAt(now)}`;
}

// ------------------------------------------------------------------------------- issuances

export interface Issuance extends ChainProgress {
  id: string;
  firmId: string | undefined;
  accountId: string | undefined;
  source: "api" | "chain";
  requestId: bigint | undefined;
  reference: string;
  to: string;
  amount: bigint;
  state: IssuanceState;
  holdTransferId: number | undefined;
}

const ISSUANCE = sql.raw(
  "id, firm_id, account_id, source, request_id, reference, to_address, amount, state, hold_transfer_id, tx_hash, block_number, error_code, error_message, created_at, updated_at",
);
function toIssuance(r: Record<string, unknown>): Issuance {
  return {
    id: r.id as string,
    firmId: (r.firm_id as string | null) ?? undefined,
    accountId: (r.account_id as string | null) ?? undefined,
    source: r.source as "api" | "chain",
    requestId: opt(r.request_id, (v) => BigInt(v as string)),
    reference: r.reference as string,
    to: r.to_address as string,
    amount: toBigInt(r.amount),
    state: r.state as IssuanceState,
    holdTransferId: opt(r.hold_transfer_id, toNumber),
    ...toChainProgress(r),
  };
}

export async function insertIssuance(
  tx: Tx,
  i: Omit<Issuance, "txHash" | "blockNumber" | "updatedAt" | "errorMessage" | "errorCode"> & {
    errorCode?: string;
    errorMessage?: string;
  },
): Promise<void> {
  const now = writtenAt(i.createdAt);
  await tx.run(sql`INSERT INTO gw_issuances (id, firm_id, account_id, source, request_id, reference, to_address, amount, state,
      hold_transfer_id, error_code, error_message, created_at, updated_at)
    VALUES (${i.id}, ${i.firmId ?? null}, ${i.accountId ?? null}, ${i.source}, ${i.requestId?.toString() ?? null},
      ${i.reference}, ${i.to}, ${i.amount}, ${i.state}, ${i.holdTransferId ?? null}, ${i.errorCode ?? null},
      ${i.errorMessage ?? null}, ${now}, ${now})`);
}

export async function getIssuance(q: Queryable, id: string): Promise<Issuance | undefined> {
  const r = await q.get(sql`SELECT ${ISSUANCE} FROM gw_issuances WHERE id = ${id}`);
  return r ? toIssuance(r) : undefined;
}

export async function issuanceByReference(
  q: Queryable,
  ref: string,
): Promise<Issuance | undefined> {
  const r = await q.get(sql`SELECT ${ISSUANCE} FROM gw_issuances WHERE reference = ${ref}`);
  return r ? toIssuance(r) : undefined;
}

export async function issuanceByRequest(
  q: Queryable,
  requestId: bigint,
): Promise<Issuance | undefined> {
  const r = await q.get(
    sql`SELECT ${ISSUANCE} FROM gw_issuances WHERE request_id = ${requestId.toString()}`,
  );
  return r ? toIssuance(r) : undefined;
}

export async function listIssuances(
  q: Queryable,
  args: { states?: IssuanceState[]; limit?: number } = {},
): Promise<Issuance[]> {
  const rows = await q.all(sql`SELECT ${ISSUANCE} FROM gw_issuances
    ${args.states ? sql`WHERE state IN (${sql.join(args.states)})` : sql``}
    ORDER BY created_at, id LIMIT ${args.limit ?? 1000}`);
  return rows.map(toIssuance);
}

/**
 * Moves an issuance to `to` if it is in one of `from` (the state machine's allowed sources);
 * returns false, changing nothing, when it is not.
 */
export async function moveIssuance(
  tx: Tx,
  id: string,
  from: readonly IssuanceState[],
  to: IssuanceState,
  set: ProgressUpdate = {},
  now?: Date,
): Promise<boolean> {
  const { rowCount } = await tx.run(sql`UPDATE gw_issuances SET state = ${to},
      ${progressColumns(set, now)}
    WHERE id = ${id} AND state IN (${sql.join([...from])})`);
  return rowCount === 1;
}

// ------------------------------------------------------------------------------ redemptions

export interface Redemption extends ChainProgress {
  id: string;
  firmId: string;
  reference: string;
  from: string;
  amount: bigint;
  state: RedemptionState;
  creditTransferId: number | undefined;
}

const REDEMPTION = sql.raw(
  "id, firm_id, reference, from_address, amount, state, credit_transfer_id, tx_hash, block_number, error_code, error_message, created_at, updated_at",
);
function toRedemption(r: Record<string, unknown>): Redemption {
  return {
    id: r.id as string,
    firmId: r.firm_id as string,
    reference: r.reference as string,
    from: r.from_address as string,
    amount: toBigInt(r.amount),
    state: r.state as RedemptionState,
    creditTransferId: opt(r.credit_transfer_id, toNumber),
    ...toChainProgress(r),
  };
}

export async function insertRedemption(
  tx: Tx,
  r: { id: string; firmId: string; reference: string; from: string; amount: bigint; now: Date },
): Promise<void> {
  const now = writtenAt(r.now);
  await tx.run(sql`INSERT INTO gw_redemptions (id, firm_id, reference, from_address, amount, state, created_at, updated_at)
    VALUES (${r.id}, ${r.firmId}, ${r.reference}, ${r.from}, ${r.amount}, 'pending', ${now}, ${now})`);
}

export async function getRedemption(q: Queryable, id: string): Promise<Redemption | undefined> {
  const r = await q.get(sql`SELECT ${REDEMPTION} FROM gw_redemptions WHERE id = ${id}`);
  return r ? toRedemption(r) : undefined;
}

export async function redemptionByReference(
  q: Queryable,
  ref: string,
): Promise<Redemption | undefined> {
  const r = await q.get(sql`SELECT ${REDEMPTION} FROM gw_redemptions WHERE reference = ${ref}`);
  return r ? toRedemption(r) : undefined;
}

export async function moveRedemption(
  tx: Tx,
  id: string,
  from: readonly RedemptionState[],
  to: RedemptionState,
  set: ProgressUpdate & { creditTransferId?: number } = {},
  now?: Date,
): Promise<boolean> {
  const { rowCount } = await tx.run(sql`UPDATE gw_redemptions SET state = ${to},
      credit_transfer_id = ${set.creditTransferId === undefined ? sql`credit_transfer_id` : sql`${set.creditTransferId}`},
      ${progressColumns(set, now)}
    WHERE id = ${id} AND state IN (${sql.join([...from])})`);
  return rowCount === 1;
}

// ---------------------------------------------------------------------- idempotent responses

export interface StoredResponse {
  requestHash: string;
  status: number;
  body: unknown;
}

export async function getStoredResponse(
  q: Queryable,
  scope: string,
  key: string,
): Promise<StoredResponse | undefined> {
  const r = await q.get(sql`SELECT request_hash, status_code, response FROM gw_idempotency
    WHERE scope = ${scope} AND idempotency_key = ${key}`);
  return r
    ? {
        requestHash: r.request_hash as string,
        status: toNumber(r.status_code),
        body: decodeJson(r.response),
      }
    : undefined;
}

export async function storeResponse(
  tx: Tx,
  scope: string,
  key: string,
  r: StoredResponse,
  now?: Date,
): Promise<void> {
  await tx.run(sql`INSERT INTO gw_idempotency (scope, idempotency_key, request_hash, status_code, response, created_at)
    VALUES (${scope}, ${key}, ${r.requestHash}, ${r.status}, ${encodeJson(r.body)}, ${writtenAt(now)})`);
}

// -------------------------------------------------------------------------------- API keys

export interface ApiKeyRow {
  id: string;
  role: "firm" | "operator";
  firmId: string | undefined;
  secretSha256: string;
  revoked: boolean;
}

export async function insertApiKey(
  tx: Tx,
  k: { id: string; role: "firm" | "operator"; firmId?: string; secretSha256: string; now?: Date },
): Promise<void> {
  await tx.run(sql`INSERT INTO gw_api_keys (id, role, firm_id, secret_sha256, created_at)
    VALUES (${k.id}, ${k.role}, ${k.firmId ?? null}, ${k.secretSha256}, ${writtenAt(k.now)})`);
}

export async function getApiKey(q: Queryable, id: string): Promise<ApiKeyRow | undefined> {
  const r = await q.get(
    sql`SELECT id, role, firm_id, secret_sha256, revoked_at FROM gw_api_keys WHERE id = ${id}`,
  );
  return r
    ? {
        id: r.id as string,
        role: r.role as "firm" | "operator",
        firmId: (r.firm_id as string | null) ?? undefined,
        secretSha256: r.secret_sha256 as string,
        revoked: r.revoked_at !== null && r.revoked_at !== undefined,
      }
    : undefined;
}
