/**
 * The deposit ledger over a {@link Tx}: accounts, transfers (posted, pending, post/void of a
 * pending) and the queries that read them. Every rule is also a constraint in SQL
 * (store/schema.ts); the checks here come first only to give a precise error, since a failed
 * statement ends the transaction.
 *
 * Writers lock the accounts they touch (`FOR NO KEY UPDATE`, in ID order, so two transfers between the
 * same accounts in opposite directions cannot deadlock) before reading their balances.
 *
 * Lock order, the one for every gateway transaction that writes more than one of these rows:
 * first the accounts (in ID order), then the issuance or redemption the money moves for. The order
 * holds for the whole transaction, not only within a statement: a transaction that will write two
 * accounts locks both at once, before it writes either. That includes a transaction of several
 * units or events: a group commit locks all its units' accounts in one statement before its first
 * unit (app/batcher.ts), and the watcher locks every account of a range's events before it applies
 * the first (unless the range has only Issued events, posted in one statement that locks them
 * itself). So the
 * watcher posting a hold (accounts, then the issuance it marks issued), the worker failing an
 * issuance (its hold's accounts, then the issuance it marks failed: worker.ts's failIssuance)
 * and a request (accounts, then its new issuance) never wait for each other in a cycle. An
 * outbox item is written only by the worker holding its lease (claims skip locked items), so its
 * place in the order does not matter.
 *
 * On PostgreSQL the ledger's transactions run READ COMMITTED: every invariant is a row-level
 * constraint evaluated on the row's latest version under that lock, so SERIALIZABLE would add
 * only serialization failures on the hot dedicated account.
 */
import {
  CheckViolationError,
  QueryError,
  UniqueViolationError,
  sql,
  toBigInt,
  toNumber,
} from "@kessai/storage";
import type { Queryable, Tx } from "@kessai/storage";
import {
  InsufficientFundsError,
  NotFoundError,
  PendingResolvedError,
  TransferKeyConflictError,
} from "../domain/errors.js";
import {
  balancesOf,
  type AccountKind,
  type Balances,
  type TransferKind,
} from "../domain/ledger.js";
import { bool, date, opt } from "./decode.js";
import { writtenAt } from "./time.js";

export interface Account {
  id: string;
  kind: AccountKind;
  firmId: string | undefined;
  allowOverdraft: boolean;
  status: "open" | "closed";
  balances: Balances;
  createdAt: Date;
  updatedAt: Date;
}

export interface Transfer {
  id: number;
  key: string;
  kind: TransferKind;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  pendingId: number | undefined;
  reference: string | undefined;
  description: string | undefined;
  createdAt: Date;
}

const ACCOUNT_COLUMNS = sql.raw(
  "id, kind, firm_id, allow_overdraft, status, debits_posted, credits_posted, debits_pending, credits_pending, created_at, updated_at",
);
const TRANSFER_COLUMNS = sql.raw(
  "id, transfer_key, kind, debit_account_id, credit_account_id, amount, pending_id, reference, description, created_at",
);

function toAccount(r: Record<string, unknown>): Account {
  return {
    id: r.id as string,
    kind: r.kind as AccountKind,
    firmId: (r.firm_id as string | null) ?? undefined,
    allowOverdraft: bool(r.allow_overdraft),
    status: r.status as "open" | "closed",
    balances: balancesOf({
      debitsPosted: toBigInt(r.debits_posted),
      creditsPosted: toBigInt(r.credits_posted),
      debitsPending: toBigInt(r.debits_pending),
      creditsPending: toBigInt(r.credits_pending),
    }),
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
}

function toTransfer(r: Record<string, unknown>): Transfer {
  return {
    id: toNumber(r.id),
    key: r.transfer_key as string,
    kind: r.kind as TransferKind,
    debitAccountId: r.debit_account_id as string,
    creditAccountId: r.credit_account_id as string,
    amount: toBigInt(r.amount),
    pendingId: opt(r.pending_id, toNumber),
    reference: (r.reference as string | null) ?? undefined,
    description: (r.description as string | null) ?? undefined,
    createdAt: date(r.created_at),
  };
}

/** Creates an account (the bank's at start, a firm's deposit account when it is opened). */
export async function createAccount(
  tx: Tx,
  a: { id: string; kind: AccountKind; firmId?: string; allowOverdraft: boolean; now?: Date },
): Promise<void> {
  const now = writtenAt(a.now);
  await tx.run(sql`INSERT INTO gw_accounts (id, kind, firm_id, allow_overdraft, status, created_at, updated_at)
    VALUES (${a.id}, ${a.kind}, ${a.firmId ?? null}, ${a.allowOverdraft}, 'open', ${now}, ${now})
    ON CONFLICT (id) DO NOTHING`);
}

export async function getAccount(q: Queryable, id: string): Promise<Account | undefined> {
  const row = await q.get(sql`SELECT ${ACCOUNT_COLUMNS} FROM gw_accounts WHERE id = ${id}`);
  return row ? toAccount(row) : undefined;
}

export async function listAccounts(q: Queryable, firmId?: string): Promise<Account[]> {
  const rows = await q.all(sql`SELECT ${ACCOUNT_COLUMNS} FROM gw_accounts
    ${firmId === undefined ? sql`` : sql`WHERE firm_id = ${firmId}`} ORDER BY id`);
  return rows.map(toAccount);
}

/**
 * Locks the accounts (PostgreSQL row locks, in ID order) and returns them by ID. `FOR NO KEY
 * UPDATE`: writers change only the totals and the status, never the key, so the foreign-key
 * checks of other transactions' inserts (a transfer or an issuance naming the account) do not
 * wait for the lock.
 */
export async function lockAccounts(tx: Tx, ids: string[]): Promise<Map<string, Account>> {
  const sorted = [...new Set(ids)].sort();
  const rows = await tx.all(sql`SELECT ${ACCOUNT_COLUMNS} FROM gw_accounts
    WHERE id IN (${sql.join(sorted)}) ORDER BY id
    ${sql.dialect({ postgres: sql`FOR NO KEY UPDATE`, sqlite: sql`` })}`);
  return new Map(rows.map((r) => [r.id as string, toAccount(r)]));
}

export async function getTransfer(q: Queryable, id: number): Promise<Transfer | undefined> {
  const row = await q.get(sql`SELECT ${TRANSFER_COLUMNS} FROM gw_transfers WHERE id = ${id}`);
  return row ? toTransfer(row) : undefined;
}

export async function getTransferByKey(q: Queryable, key: string): Promise<Transfer | undefined> {
  const row = await q.get(
    sql`SELECT ${TRANSFER_COLUMNS} FROM gw_transfers WHERE transfer_key = ${key}`,
  );
  return row ? toTransfer(row) : undefined;
}

/** The transfers of `kind` with this reference (at most one: the reference is unique per kind). */
export async function getTransferByReference(
  q: Queryable,
  kind: TransferKind,
  reference: string,
): Promise<Transfer | undefined> {
  const row = await q.get(sql`SELECT ${TRANSFER_COLUMNS} FROM gw_transfers
    WHERE kind = ${kind} AND reference = ${reference}`);
  return row ? toTransfer(row) : undefined;
}

export interface NewTransfer {
  /** Idempotent ID: the same key again returns the first transfer (if it is the same). */
  key: string;
  kind: "posted" | "pending";
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  /** Unique per kind: e.g. `issuance:<bank reference>`, `redemption:<redemption reference>`. */
  reference?: string;
  description?: string;
  now?: Date;
}

const same = (t: Transfer, n: NewTransfer) =>
  t.kind === n.kind &&
  t.debitAccountId === n.debitAccountId &&
  t.creditAccountId === n.creditAccountId &&
  t.amount === n.amount &&
  t.reference === n.reference;

/**
 * Writes a posted or pending transfer, idempotently by `key`: returns `{ created: false }` with
 * the existing transfer when the key was used for the same transfer, throws
 * {@link TransferKeyConflictError} when it was used for another. Throws
 * {@link InsufficientFundsError} when the debit account may not go below zero and would.
 */
export async function transfer(
  tx: Tx,
  n: NewTransfer,
): Promise<{ transfer: Transfer; created: boolean }> {
  const existing = await getTransferByKey(tx, n.key);
  if (existing) {
    if (!same(existing, n)) throw new TransferKeyConflictError(n.key);
    return { transfer: existing, created: false };
  }
  const accounts = await lockAccounts(tx, [n.debitAccountId, n.creditAccountId]);
  const debit = accounts.get(n.debitAccountId);
  const credit = accounts.get(n.creditAccountId);
  if (!debit) throw new NotFoundError("account_not_found", `No account ${n.debitAccountId}`);
  if (!credit) throw new NotFoundError("account_not_found", `No account ${n.creditAccountId}`);
  if (!debit.allowOverdraft && debit.balances.available < n.amount) {
    throw new InsufficientFundsError(debit.id, debit.balances.available, n.amount);
  }
  const row = await insert(tx, {
    key: n.key,
    kind: n.kind,
    debit: n.debitAccountId,
    credit: n.creditAccountId,
    amount: n.amount,
    pendingId: null,
    reference: n.reference ?? null,
    description: n.description ?? null,
    now: n.now,
  });
  return { transfer: row, created: true };
}

/**
 * Posts (`post`) or releases (`void`) a pending transfer, exactly once: a second call the same way
 * returns the first resolution (`created: false`), the other way throws
 * {@link PendingResolvedError}. The resolution has the pending transfer's accounts and amount
 * (a composite foreign key makes any other impossible).
 */
export async function resolvePending(
  tx: Tx,
  args: {
    pendingId: number;
    action: "post" | "void";
    key: string;
    description?: string;
    now?: Date;
  },
): Promise<{ transfer: Transfer; created: boolean }> {
  const kind = args.action === "post" ? "post_pending" : "void_pending";
  const resolved = await tx.get(
    sql`SELECT ${TRANSFER_COLUMNS} FROM gw_transfers WHERE pending_id = ${args.pendingId}`,
  );
  if (resolved) {
    const t = toTransfer(resolved);
    if (t.kind !== kind) throw new PendingResolvedError(args.pendingId, t.kind as never);
    return { transfer: t, created: false };
  }
  const pending = await getTransfer(tx, args.pendingId);
  if (!pending || pending.kind !== "pending") {
    throw new NotFoundError("transfer_not_found", `No pending transfer ${args.pendingId}`);
  }
  await lockAccounts(tx, [pending.debitAccountId, pending.creditAccountId]);
  const row = await insert(tx, {
    key: args.key,
    kind,
    debit: pending.debitAccountId,
    credit: pending.creditAccountId,
    amount: pending.amount,
    pendingId: pending.id,
    reference: pending.reference ?? null,
    description: args.description ?? null,
    now: args.now,
  });
  return { transfer: row, created: true };
}

async function insert(
  tx: Tx,
  r: {
    key: string;
    kind: TransferKind;
    debit: string;
    credit: string;
    amount: bigint;
    pendingId: number | null;
    reference: string | null;
    description: string | null;
    now: Date | undefined;
  },
): Promise<Transfer> {
  const row = await tx.get(sql`INSERT INTO gw_transfers
      (transfer_key, kind, debit_account_id, credit_account_id, amount, pending_id, pending_kind, reference, description, created_at)
    VALUES (${r.key}, ${r.kind}, ${r.debit}, ${r.credit}, ${r.amount}, ${r.pendingId},
      ${r.pendingId === null ? null : "pending"}, ${r.reference}, ${r.description}, ${writtenAt(r.now)})
    RETURNING ${TRANSFER_COLUMNS}`);
  return toTransfer(row!);
}

/** Whether `e` is the violation of the named constraint (a CHECK, a trigger or a UNIQUE). */
export function violates(e: unknown, constraint: string): boolean {
  if (e instanceof CheckViolationError || e instanceof UniqueViolationError) {
    if (e.constraint === constraint) return true;
  }
  if (e instanceof QueryError || e instanceof CheckViolationError) {
    return e.message.includes(constraint);
  }
  return false;
}

/** One line of an account's statement. */
export interface StatementLine {
  transferId: number;
  kind: TransferKind;
  /** Signed from the account's side: + credit, − debit. */
  amount: bigint;
  counterparty: string;
  reference: string | undefined;
  description: string | undefined;
  createdAt: Date;
}

/** The account's transfers after transfer `afterId`, oldest first (cursor pagination). */
export async function statement(
  q: Queryable,
  accountId: string,
  args: { afterId?: number; limit: number },
): Promise<StatementLine[]> {
  const after = args.afterId ?? 0;
  const rows = await q.all(sql`SELECT ${TRANSFER_COLUMNS} FROM (
      SELECT ${TRANSFER_COLUMNS} FROM gw_transfers WHERE debit_account_id = ${accountId} AND id > ${after}
      UNION ALL
      SELECT ${TRANSFER_COLUMNS} FROM gw_transfers WHERE credit_account_id = ${accountId} AND id > ${after}
    ) t ORDER BY id LIMIT ${args.limit}`);
  return rows.map(toTransfer).map((t) => {
    const credit = t.creditAccountId === accountId;
    return {
      transferId: t.id,
      kind: t.kind,
      amount: credit ? t.amount : -t.amount,
      counterparty: credit ? t.debitAccountId : t.creditAccountId,
      reference: t.reference,
      description: t.description,
      createdAt: t.createdAt,
    };
  });
}

/** An account whose running totals differ from the sums of its transfers. */
export interface TotalsMismatch {
  accountId: string;
  column: "debits_posted" | "credits_posted" | "debits_pending" | "credits_pending";
  stored: bigint;
  fromTransfers: bigint;
}

/**
 * Recomputes every account's four totals from the transfers in one set-based query and returns
 * the differences (none when the trigger did its job and nobody edited a total by hand).
 */
export async function checkTotals(q: Queryable): Promise<TotalsMismatch[]> {
  const rows = await q.all(sql`
    WITH legs AS (
      SELECT debit_account_id AS account_id,
        CASE WHEN kind IN ('posted', 'post_pending') THEN amount ELSE 0 END AS dp,
        0 AS cp,
        CASE kind WHEN 'pending' THEN amount WHEN 'posted' THEN 0 ELSE -amount END AS dq,
        0 AS cq
      FROM gw_transfers
      UNION ALL
      SELECT credit_account_id,
        0,
        CASE WHEN kind IN ('posted', 'post_pending') THEN amount ELSE 0 END,
        0,
        CASE kind WHEN 'pending' THEN amount WHEN 'posted' THEN 0 ELSE -amount END
      FROM gw_transfers
    ), sums AS (
      SELECT account_id, SUM(dp) AS dp, SUM(cp) AS cp, SUM(dq) AS dq, SUM(cq) AS cq FROM legs GROUP BY account_id
    )
    SELECT a.id, a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending,
      COALESCE(s.dp, 0) AS dp, COALESCE(s.cp, 0) AS cp, COALESCE(s.dq, 0) AS dq, COALESCE(s.cq, 0) AS cq
    FROM gw_accounts a LEFT JOIN sums s ON s.account_id = a.id
    WHERE a.debits_posted <> COALESCE(s.dp, 0) OR a.credits_posted <> COALESCE(s.cp, 0)
       OR a.debits_pending <> COALESCE(s.dq, 0) OR a.credits_pending <> COALESCE(s.cq, 0)`);
  const out: TotalsMismatch[] = [];
  for (const r of rows) {
    const pairs = [
      ["debits_posted", r.debits_posted, r.dp],
      ["credits_posted", r.credits_posted, r.cp],
      ["debits_pending", r.debits_pending, r.dq],
      ["credits_pending", r.credits_pending, r.cq],
    ] as const;
    for (const [column, stored, computed] of pairs) {
      const a = toBigInt(stored);
      const b = toBigInt(computed);
      if (a !== b) out.push({ accountId: r.id as string, column, stored: a, fromTransfers: b });
    }
  }
  return out;
}
