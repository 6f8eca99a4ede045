/**
 * The transactional outbox: a service writes the intent to do something outside the database (send
 * a chain transaction, call the bank) in the same transaction as the state change that calls for
 * it; a worker claims due items, does them, and records the outcome.
 *
 * Guarantees (each tested on both back ends, see test/ts/storage):
 * - An item is enqueued once per (topic, idempotency key); enqueueing it again with the same
 *   payload returns the existing item, with another payload is an {@link OutboxKeyConflictError}.
 * - A claim is a lease: a worker that dies leaves the item claimed until the lease expires, then
 *   any worker claims it again (a new attempt). Concurrent claimers never get the same item
 *   (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time).
 * - An item completes at most once: completing or failing needs the current claim, so a worker
 *   whose lease was taken over gets {@link OutboxLeaseLostError} and records nothing.
 * - None is lost: an item leaves the queue only by completing (`done`, with its result) or by
 *   running out of attempts (`dead`, visible with its last error and every attempt's error, and
 *   re-queued by an operator with {@link requeueDead}).
 *
 * Delivery to the handler is at least once (a lease can expire while a slow worker still runs):
 * handlers must be idempotent, e.g. keyed by the item's idempotency key or, for a chain
 * transaction, by the journal of what was sent (nonce, hash).
 *
 * Tables: `kessai_outbox` (one row per item) and `kessai_outbox_attempts` (one per claim).
 */
import { randomUUID } from "node:crypto";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.js";
import { checkDate, checkInt, checkText } from "./check.js";
import {
  decodeJson,
  decodeOptionalTime,
  decodeTime,
  encodeJson,
  encodeTime,
  toNumber,
} from "./codec.js";
import { columnTypes, jsonCheck, timestampCheck } from "./ddl.js";
import { OutboxKeyConflictError, OutboxLeaseLostError, OutboxStateError } from "./errors.js";
import type { GroupCommit } from "./group-commit.js";
import type { MigrationModule } from "./migrations.js";
import { sql, type Dialect, type Sql } from "./sql.js";
import type { Queryable, Store, Tx } from "./store.js";

/** pending: waiting until `dueAt`; claimed: a worker holds it until `dueAt`; done; dead. */
export type OutboxStatus = "pending" | "claimed" | "done" | "dead";

/** An outbox item as stored. */
export interface OutboxItem {
  id: number;
  topic: string;
  key: string;
  payload: unknown;
  status: OutboxStatus;
  /** Claims so far (each claim is one attempt). */
  attempts: number;
  maxAttempts: number;
  /** pending: when it becomes due; claimed: when the lease expires. */
  dueAt: Date;
  /** The worker holding the claim (claimed only). */
  leaseOwner: string | undefined;
  /** The last failure's message. */
  lastError: string | undefined;
  /** What the worker recorded (done only). */
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
  /** When it became done or dead. */
  finishedAt: Date | undefined;
}

/** One attempt (claim) of an item. */
export interface OutboxAttempt {
  attempt: number;
  worker: string;
  startedAt: Date;
  finishedAt: Date | undefined;
  /** undefined while it runs. */
  outcome: "done" | "failed" | "expired" | undefined;
  error: string | undefined;
}

/** A claimed item, handed to the worker: pass it back to {@link complete} or {@link fail}. */
export interface OutboxClaim {
  id: number;
  topic: string;
  key: string;
  payload: unknown;
  /** This claim's attempt number (1 for the first). */
  attempt: number;
  worker: string;
  /** Identifies this claim; completing needs it. */
  token: string;
  leaseUntil: Date;
}

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  const id =
    d === "postgres"
      ? "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
      : "id INTEGER PRIMARY KEY AUTOINCREMENT";
  const strict = d === "sqlite" ? " STRICT" : "";
  const ts = (c: string) => `CONSTRAINT kessai_outbox__${c} CHECK (${timestampCheck(d, c)})`;
  const tsA = (c: string) =>
    `CONSTRAINT kessai_outbox_attempts__${c} CHECK (${timestampCheck(d, c)})`;
  return `
CREATE TABLE kessai_outbox (
  ${id},
  topic TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload ${t.json} NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  due_at ${t.timestamp} NOT NULL,
  lease_owner TEXT,
  lease_token TEXT,
  last_error TEXT,
  result ${t.json},
  created_at ${t.timestamp} NOT NULL,
  updated_at ${t.timestamp} NOT NULL,
  finished_at ${t.timestamp},
  CONSTRAINT kessai_outbox__idempotency_key UNIQUE (topic, idempotency_key),
  CONSTRAINT kessai_outbox__topic CHECK (length(topic) BETWEEN 1 AND 200),
  CONSTRAINT kessai_outbox__key CHECK (length(idempotency_key) BETWEEN 1 AND 500),
  CONSTRAINT kessai_outbox__payload CHECK (${jsonCheck(d, "payload")}),
  CONSTRAINT kessai_outbox__status CHECK (status IN ('pending', 'claimed', 'done', 'dead')),
  CONSTRAINT kessai_outbox__attempts CHECK (attempts >= 0 AND max_attempts >= 1 AND attempts <= max_attempts),
  CONSTRAINT kessai_outbox__lease CHECK ((status = 'claimed') = (lease_token IS NOT NULL AND lease_owner IS NOT NULL)),
  CONSTRAINT kessai_outbox__claimed_attempted CHECK (status <> 'claimed' OR attempts >= 1),
  CONSTRAINT kessai_outbox__finished CHECK ((status IN ('done', 'dead')) = (finished_at IS NOT NULL)),
  CONSTRAINT kessai_outbox__result CHECK ((status = 'done') = (result IS NOT NULL)),
  CONSTRAINT kessai_outbox__result_json CHECK (result IS NULL OR ${jsonCheck(d, "result")}),
  ${ts("due_at")},
  ${ts("created_at")},
  ${ts("updated_at")},
  ${ts("finished_at")}
)${strict};
CREATE INDEX kessai_outbox__due ON kessai_outbox (due_at, id) WHERE status IN ('pending', 'claimed');
CREATE INDEX kessai_outbox__dead ON kessai_outbox (topic, id) WHERE status = 'dead';

CREATE TABLE kessai_outbox_attempts (
  outbox_id ${t.bigint} NOT NULL,
  attempt INTEGER NOT NULL,
  worker TEXT NOT NULL,
  started_at ${t.timestamp} NOT NULL,
  finished_at ${t.timestamp},
  outcome TEXT,
  error TEXT,
  PRIMARY KEY (outbox_id, attempt),
  CONSTRAINT kessai_outbox_attempts__item FOREIGN KEY (outbox_id) REFERENCES kessai_outbox (id) ON DELETE CASCADE,
  CONSTRAINT kessai_outbox_attempts__attempt CHECK (attempt >= 1),
  CONSTRAINT kessai_outbox_attempts__outcome CHECK (outcome IN ('done', 'failed', 'expired')),
  CONSTRAINT kessai_outbox_attempts__finished CHECK ((outcome IS NULL) = (finished_at IS NULL)),
  CONSTRAINT kessai_outbox_attempts__error CHECK ((outcome IN ('failed', 'expired')) = (error IS NOT NULL)),
  ${tsA("started_at")},
  ${tsA("finished_at")}
)${strict};
`;
}

/** The outbox's migrations (namespace "kessai.outbox"). */
export const migrations: MigrationModule = {
  namespace: "kessai.outbox",
  migrations: [{ version: 1, name: "outbox items and attempts", up: ddl }],
};

const MAX_ERROR = 4_000;

function errorText(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${(error as { shortMessage?: string }).shortMessage ?? error.message}`
      : String(error);
  return (text || "error").slice(0, MAX_ERROR);
}

function toItem(r: Record<string, unknown>): OutboxItem {
  return {
    id: toNumber(r.id, "id"),
    topic: r.topic as string,
    key: r.idempotency_key as string,
    payload: decodeJson(r.payload, "payload"),
    status: r.status as OutboxStatus,
    attempts: toNumber(r.attempts, "attempts"),
    maxAttempts: toNumber(r.max_attempts, "max_attempts"),
    dueAt: decodeTime(r.due_at, "due_at"),
    leaseOwner: (r.lease_owner as string | null) ?? undefined,
    lastError: (r.last_error as string | null) ?? undefined,
    result:
      r.result === null || r.result === undefined ? undefined : decodeJson(r.result, "result"),
    createdAt: decodeTime(r.created_at, "created_at"),
    updatedAt: decodeTime(r.updated_at, "updated_at"),
    finishedAt: decodeOptionalTime(r.finished_at, "finished_at"),
  };
}

const ITEM_COLUMNS = sql.raw(
  "id, topic, idempotency_key, payload, status, attempts, max_attempts, due_at, lease_owner, last_error, result, created_at, updated_at, finished_at",
);

/** Arguments of {@link enqueue}. */
export interface EnqueueArgs {
  /** What kind of work, e.g. "dcjpy.issue"; workers claim by topic. */
  topic: string;
  /** Unique per topic: the same intent enqueued twice is one item (e.g. the bank reference). */
  key: string;
  /** Any JSON value; bigints are kept. */
  payload: unknown;
  /** Not before (default: now). */
  dueAt?: Date;
  /** Attempts before it is dead-lettered (default 10). */
  maxAttempts?: number;
  /** Clock (default: new Date()). */
  now?: Date;
}

/**
 * The row {@link enqueue} inserts, checked and encoded as it does, as `SELECT` list items in the
 * order of {@link ITEM_INSERT_COLUMNS}: for a caller that writes the item in one statement with
 * the rows it belongs to (on PostgreSQL, `WITH … INSERT INTO kessai_outbox ${columns} SELECT
 * ${row} FROM …`). Typed on PostgreSQL, where a bare parameter in a SELECT list is text.
 */
export function itemRow(args: EnqueueArgs): Sql {
  const topic = checkText("topic", args.topic, 200);
  const key = checkText("key", args.key, 500);
  const payload = encodeJson(args.payload, "payload");
  const maxAttempts = checkInt("maxAttempts", args.maxAttempts ?? 10, 1, 1_000_000);
  const now = encodeTime(checkDate("now", args.now ?? new Date()));
  const due = args.dueAt === undefined ? now : encodeTime(checkDate("dueAt", args.dueAt));
  const as = (type: string) => sql.dialect({ postgres: sql.raw(`::${type}`), sqlite: sql`` });
  return sql`${topic}${as("text")}, ${key}${as("text")}, ${payload}${as("jsonb")}, 'pending', 0,
    ${maxAttempts}${as("integer")}, ${due}${as("timestamptz")}, ${now}${as("timestamptz")}, ${now}${as("timestamptz")}`;
}

/** The columns of {@link itemRow}, in its order. */
export const ITEM_INSERT_COLUMNS = sql.raw(
  "(topic, idempotency_key, payload, status, attempts, max_attempts, due_at, created_at, updated_at)",
);

/**
 * Enqueues an intent inside the caller's transaction. Returns the item and whether this call
 * created it; the same (topic, key) with an equal payload returns the existing item
 * (`created: false`), with another payload throws {@link OutboxKeyConflictError}.
 *
 * @example
 * await store.transaction(async (tx) => {
 *   await tx.run(sql`INSERT INTO gateway_holds ...`);
 *   await outbox.enqueue(tx, { topic: "dcjpy.issue", key: reference, payload: { to, amount } });
 * });
 */
export async function enqueue(
  tx: Tx,
  args: EnqueueArgs,
): Promise<{ item: OutboxItem; created: boolean }> {
  const row = itemRow(args);
  const inserted = await tx.get(sql`
    INSERT INTO kessai_outbox ${ITEM_INSERT_COLUMNS} SELECT ${row} WHERE TRUE
    ON CONFLICT (topic, idempotency_key) DO NOTHING
    RETURNING ${ITEM_COLUMNS}`);
  if (inserted) return { item: toItem(inserted), created: true };
  const { topic, key } = args;
  const existing = await get(tx, { topic, key });
  if (!existing)
    throw new OutboxStateError({ id: 0, status: undefined, expected: "an item for this key" });
  if (encodeJson(existing.payload) !== encodeJson(args.payload))
    throw new OutboxKeyConflictError({ topic, key });
  return { item: existing, created: false };
}

/** The item with this topic and key, or undefined. */
export async function get(
  q: Queryable,
  args: { topic: string; key: string },
): Promise<OutboxItem | undefined> {
  const row = await q.get(sql`SELECT ${ITEM_COLUMNS} FROM kessai_outbox
    WHERE topic = ${args.topic} AND idempotency_key = ${args.key}`);
  return row ? toItem(row) : undefined;
}

/** The item with this id, or undefined. */
export async function getById(q: Queryable, id: number): Promise<OutboxItem | undefined> {
  const row = await q.get(sql`SELECT ${ITEM_COLUMNS} FROM kessai_outbox WHERE id = ${id}`);
  return row ? toItem(row) : undefined;
}

/** Items, oldest first, filtered by status and topic; `afterId` pages. */
export async function list(
  q: Queryable,
  args: { status?: OutboxStatus; topic?: string; afterId?: number; limit?: number } = {},
): Promise<OutboxItem[]> {
  const limit = checkInt("limit", args.limit ?? 100, 1, 10_000);
  const rows = await q.all(sql`SELECT ${ITEM_COLUMNS} FROM kessai_outbox
    WHERE id > ${args.afterId ?? 0}
      ${args.status ? sql`AND status = ${args.status}` : sql``}
      ${args.topic ? sql`AND topic = ${args.topic}` : sql``}
    ORDER BY id LIMIT ${limit}`);
  return rows.map(toItem);
}

/** The dead-lettered items (ran out of attempts or failed permanently), oldest first. */
export function listDead(
  q: Queryable,
  args: { topic?: string; afterId?: number; limit?: number } = {},
): Promise<OutboxItem[]> {
  return list(q, { ...args, status: "dead" });
}

/** Every attempt of an item, first first. */
export async function attempts(q: Queryable, id: number): Promise<OutboxAttempt[]> {
  const rows = await q.all(sql`SELECT attempt, worker, started_at, finished_at, outcome, error
    FROM kessai_outbox_attempts WHERE outbox_id = ${id} ORDER BY attempt`);
  return rows.map((r) => ({
    attempt: toNumber(r.attempt, "attempt"),
    worker: r.worker as string,
    startedAt: decodeTime(r.started_at, "started_at"),
    finishedAt: decodeOptionalTime(r.finished_at, "finished_at"),
    outcome: (r.outcome as OutboxAttempt["outcome"] | null) ?? undefined,
    error: (r.error as string | null) ?? undefined,
  }));
}

/** Counts per status and the number of items due now, for metrics. */
export async function stats(
  q: Queryable,
  args: { now?: Date } = {},
): Promise<Record<OutboxStatus, number> & { due: number }> {
  const now = encodeTime(args.now ?? new Date());
  const rows = await q.all(sql`SELECT status, COUNT(*) AS n FROM kessai_outbox GROUP BY status`);
  const due = await q.get(sql`SELECT COUNT(*) AS n FROM kessai_outbox
    WHERE status IN ('pending', 'claimed') AND due_at <= ${now}`);
  const out = { pending: 0, claimed: 0, done: 0, dead: 0, due: toNumber(due?.n ?? 0) };
  for (const r of rows) out[r.status as OutboxStatus] = toNumber(r.n);
  return out;
}

/** Arguments of {@link claim}. */
export interface ClaimArgs {
  /** Names the worker in the item and its attempts (e.g. host:pid). */
  worker: string;
  /** Only these topics (default: all). */
  topics?: readonly string[];
  /** At most this many items (default 1). */
  limit?: number;
  /** How long the claim holds, in ms (default 30 000): after that any worker may claim it again. */
  leaseMs?: number;
  /** Clock (default: new Date()). */
  now?: Date;
}

/**
 * Claims up to `limit` due items, oldest due first, in a transaction of its own: pending items
 * whose time has come and claimed items whose lease expired (their running attempt is recorded
 * as expired). An expired item that has used all its attempts is dead-lettered instead.
 *
 * @example
 * for (const c of await outbox.claim(store, { worker: "gw-1", topics: ["dcjpy.issue"], limit: 10 })) { ... }
 */
export async function claim(store: Store, args: ClaimArgs): Promise<OutboxClaim[]> {
  const worker = checkText("worker", args.worker, 200);
  const limit = checkInt("limit", args.limit ?? 1, 1, 10_000);
  const leaseMs = checkInt("leaseMs", args.leaseMs ?? 30_000, 1);
  const topics = (args.topics ?? []).map((t) => checkText("topics", t, 200));
  const nowDate = checkDate("now", args.now ?? new Date());
  const now = encodeTime(nowDate);
  const leaseUntil = new Date(nowDate.getTime() + leaseMs);
  const token = randomUUID();
  return store.transaction(
    async (tx) => {
      const rows = await tx.all(sql`
        SELECT id, topic, idempotency_key, payload, status, attempts, max_attempts FROM kessai_outbox
        WHERE status IN ('pending', 'claimed') AND due_at <= ${now}
          ${topics.length ? sql`AND topic IN (${sql.join(topics)})` : sql``}
        ORDER BY due_at, id
        LIMIT ${limit}
        ${sql.dialect({ postgres: sql`FOR UPDATE SKIP LOCKED`, sqlite: sql`` })}`);
      if (rows.length === 0) return [];
      const exhausted = rows.filter(
        (r) => r.status === "claimed" && toNumber(r.attempts) >= toNumber(r.max_attempts),
      );
      const claimable = rows.filter((r) => !exhausted.includes(r));
      const ids = (rs: typeof rows) => sql.join(rs.map((r) => toNumber(r.id, "id")));
      // The attempts whose lease ran out.
      await tx.run(sql`UPDATE kessai_outbox_attempts
        SET outcome = 'expired', finished_at = ${now}, error = 'lease expired'
        WHERE outbox_id IN (${ids(rows)}) AND outcome IS NULL`);
      if (exhausted.length) {
        await tx.run(sql`UPDATE kessai_outbox
          SET status = 'dead', finished_at = ${now}, updated_at = ${now},
              last_error = 'lease expired on the last attempt', lease_owner = NULL, lease_token = NULL
          WHERE id IN (${ids(exhausted)})`);
      }
      if (claimable.length === 0) return [];
      await tx.run(sql`UPDATE kessai_outbox
        SET status = 'claimed', attempts = attempts + 1, due_at = ${encodeTime(leaseUntil)},
            lease_owner = ${worker}, lease_token = ${token}, updated_at = ${now}
        WHERE id IN (${ids(claimable)})`);
      await tx.run(sql`INSERT INTO kessai_outbox_attempts (outbox_id, attempt, worker, started_at)
        SELECT id, attempts, ${worker}, ${now} FROM kessai_outbox WHERE id IN (${ids(claimable)})`);
      return claimable.map((r) => ({
        id: toNumber(r.id, "id"),
        topic: r.topic as string,
        key: r.idempotency_key as string,
        payload: decodeJson(r.payload, "payload"),
        attempt: toNumber(r.attempts, "attempts") + 1,
        worker,
        token,
        leaseUntil,
      }));
    },
    // SKIP LOCKED makes claims safe under READ COMMITTED; SERIALIZABLE would only add retries.
    { isolation: "read-committed" },
  );
}

/**
 * Fails with OutboxLeaseLostError unless `c` is still the item's current claim. On PostgreSQL the
 * row is locked (FOR UPDATE re-checks the claim against the latest version), so completing and
 * failing are also safe in a READ COMMITTED transaction.
 */
async function holdClaim(
  tx: Tx,
  c: OutboxClaim,
): Promise<{ attempts: number; maxAttempts: number }> {
  const row = await tx.get(sql`SELECT attempts, max_attempts FROM kessai_outbox
    WHERE id = ${c.id} AND status = 'claimed' AND lease_token = ${c.token} AND attempts = ${c.attempt}
    ${sql.dialect({ postgres: sql`FOR UPDATE`, sqlite: sql`` })}`);
  if (!row) throw new OutboxLeaseLostError({ id: c.id, attempt: c.attempt });
  return { attempts: toNumber(row.attempts), maxAttempts: toNumber(row.max_attempts) };
}

/**
 * Records that the claimed work is done, with its result (any JSON value), in the caller's
 * transaction (so the service can record its own state change with it). Throws
 * {@link OutboxLeaseLostError} when the claim is no longer held.
 */
export async function complete(
  tx: Tx,
  c: OutboxClaim,
  result: unknown = null,
  args: { now?: Date } = {},
): Promise<void> {
  const now = encodeTime(checkDate("now", args.now ?? new Date()));
  const encoded = encodeJson(result ?? null, "result");
  if (tx.dialect === "postgres") {
    // One statement, one round trip: the item's update takes the row lock holdClaim would and
    // re-checks the claim on the latest version; no row back is a lost lease.
    const done = await tx.get(sql`WITH item AS (
        UPDATE kessai_outbox
        SET status = 'done', result = ${encoded}, finished_at = ${now}, updated_at = ${now},
            lease_owner = NULL, lease_token = NULL
        WHERE id = ${c.id} AND status = 'claimed' AND lease_token = ${c.token} AND attempts = ${c.attempt}
        RETURNING id
      ), attempt AS (
        UPDATE kessai_outbox_attempts SET outcome = 'done', finished_at = ${now}
        WHERE outbox_id IN (SELECT id FROM item) AND attempt = ${c.attempt}
      )
      SELECT id FROM item`);
    if (!done) throw new OutboxLeaseLostError({ id: c.id, attempt: c.attempt });
    return;
  }
  await holdClaim(tx, c);
  await tx.run(sql`UPDATE kessai_outbox
    SET status = 'done', result = ${encoded}, finished_at = ${now}, updated_at = ${now},
        lease_owner = NULL, lease_token = NULL
    WHERE id = ${c.id}`);
  await tx.run(sql`UPDATE kessai_outbox_attempts SET outcome = 'done', finished_at = ${now}
    WHERE outbox_id = ${c.id} AND attempt = ${c.attempt}`);
}

/** Arguments of {@link fail}. */
export interface FailArgs {
  /** Retry delays (default {@link DEFAULT_BACKOFF}). */
  backoff?: BackoffPolicy;
  /** Dead-letter now, whatever attempts are left (the error will not go away by retrying). */
  permanent?: boolean;
  /** Clock (default: new Date()). */
  now?: Date;
  /** Random source for the jitter (tests). */
  random?: () => number;
}

/**
 * Records a failed attempt with its error, in the caller's transaction: the item is scheduled
 * again after the backoff delay, or dead-lettered when it has no attempts left or `permanent`.
 * Throws {@link OutboxLeaseLostError} when the claim is no longer held.
 */
export async function fail(
  tx: Tx,
  c: OutboxClaim,
  error: unknown,
  args: FailArgs = {},
): Promise<{ status: "pending"; retryAt: Date } | { status: "dead" }> {
  const nowDate = checkDate("now", args.now ?? new Date());
  const now = encodeTime(nowDate);
  const message = errorText(error);
  const { attempts: used, maxAttempts } = await holdClaim(tx, c);
  await tx.run(sql`UPDATE kessai_outbox_attempts SET outcome = 'failed', finished_at = ${now}, error = ${message}
    WHERE outbox_id = ${c.id} AND attempt = ${c.attempt}`);
  if (args.permanent || used >= maxAttempts) {
    await tx.run(sql`UPDATE kessai_outbox
      SET status = 'dead', last_error = ${message}, finished_at = ${now}, updated_at = ${now},
          lease_owner = NULL, lease_token = NULL
      WHERE id = ${c.id}`);
    return { status: "dead" };
  }
  const retryAt = new Date(
    nowDate.getTime() + backoffDelay(args.backoff ?? DEFAULT_BACKOFF, used, args.random),
  );
  await tx.run(sql`UPDATE kessai_outbox
    SET status = 'pending', last_error = ${message}, due_at = ${encodeTime(retryAt)}, updated_at = ${now},
        lease_owner = NULL, lease_token = NULL
    WHERE id = ${c.id}`);
  return { status: "pending", retryAt };
}

/** Extends a held claim's lease to `now + leaseMs`, for long work; returns the new end. */
export async function extendLease(
  tx: Tx,
  c: OutboxClaim,
  args: { leaseMs: number; now?: Date },
): Promise<Date> {
  const nowDate = checkDate("now", args.now ?? new Date());
  const until = new Date(nowDate.getTime() + checkInt("leaseMs", args.leaseMs, 1));
  await holdClaim(tx, c);
  await tx.run(sql`UPDATE kessai_outbox SET due_at = ${encodeTime(until)}, updated_at = ${encodeTime(nowDate)}
    WHERE id = ${c.id}`);
  c.leaseUntil = until;
  return until;
}

/**
 * Puts a dead-lettered item back in the queue, due now, with `additionalAttempts` more attempts
 * (default 1). Its history stays. Throws {@link OutboxStateError} unless it is dead.
 */
export async function requeueDead(
  tx: Tx,
  id: number,
  args: { additionalAttempts?: number; now?: Date } = {},
): Promise<OutboxItem> {
  const extra = checkInt("additionalAttempts", args.additionalAttempts ?? 1, 1, 1_000_000);
  const now = encodeTime(checkDate("now", args.now ?? new Date()));
  const row = await tx.get(sql`UPDATE kessai_outbox
    SET status = 'pending', due_at = ${now}, updated_at = ${now}, finished_at = NULL,
        max_attempts = attempts + ${extra}
    WHERE id = ${id} AND status = 'dead'
    RETURNING ${ITEM_COLUMNS}`);
  if (!row) {
    const item = await getById(tx, id);
    throw new OutboxStateError({ id, status: item?.status, expected: "dead" });
  }
  return toItem(row);
}

/** Arguments of {@link processBatch}. */
export interface ProcessArgs extends Omit<ClaimArgs, "now"> {
  /**
   * Does the work, outside any transaction; its return value is recorded as the result. With
   * `heartbeatMs`, `signal` aborts once the claim is lost (its lease was taken over): the work
   * should stop, since another worker now owns it and its outcome will not be recorded.
   */
  handler: (claim: OutboxClaim, work: { signal: AbortSignal }) => Promise<unknown>;
  /**
   * Heartbeat of the claims, ms (default: none). Every `heartbeatMs` while handlers run, the
   * lease of each claim still being worked is extended to now + `leaseMs` (all of them in one
   * transaction), so that no other worker can claim an item while this one is alive and working
   * on it, however long the work takes; a worker that dies stops extending, and its items are
   * claimable again `leaseMs` after its last heartbeat. Keep it well under `leaseMs` (a third,
   * say) so that a late heartbeat or two do not let the lease lapse.
   */
  heartbeatMs?: number;
  /**
   * Records the outcomes through this group of transactions (see {@link groupCommit}; default:
   * a transaction each, with `isolation`), so that the items of a batch that finish together
   * share a commit with each other and with the service's other writes. Each outcome is still
   * durable when it is counted, and a claim lost meanwhile is still reported as lost.
   */
  commits?: GroupCommit;
  /** Called in the transaction that records completion, for the service's own state change. */
  onComplete?: (tx: Tx, claim: OutboxClaim, result: unknown) => Promise<void>;
  /** Errors that retrying will not fix are dead-lettered at once (default: none). */
  isPermanent?: (error: unknown) => boolean;
  backoff?: BackoffPolicy;
  /** Clock (default: () => new Date()). */
  clock?: () => Date;
  /**
   * Isolation of the transactions that record outcomes (PostgreSQL). Default: "serializable"
   * when `onComplete` changes the service's state, else "read-committed", under which the
   * outbox's own statements are safe (they lock the item's row) and concurrent workers do not
   * abort each other's commits with serialization failures on the queue's hot index pages.
   */
  isolation?: "serializable" | "read-committed";
}

/** What {@link processBatch} did. */
export interface ProcessReport {
  claimed: number;
  done: number;
  retrying: number;
  dead: number;
  /** Claims taken over by another worker before this one recorded the outcome. */
  lost: number;
}

/**
 * One round of a worker: claims due items, runs `handler` on each (concurrently), and records
 * each outcome with {@link complete} or {@link fail} in a transaction of its own. A service's
 * worker loop calls it until it returns `claimed: 0`, then sleeps.
 */
export async function processBatch(store: Store, args: ProcessArgs): Promise<ProcessReport> {
  const clock = args.clock ?? (() => new Date());
  const isolation = args.isolation ?? (args.onComplete ? "serializable" : "read-committed");
  const claims = await claim(store, { ...args, now: clock() });
  const report: ProcessReport = { claimed: claims.length, done: 0, retrying: 0, dead: 0, lost: 0 };
  const working = new Map(claims.map((c) => [c, new AbortController()]));
  const heartbeat =
    args.heartbeatMs === undefined || claims.length === 0
      ? undefined
      : startHeartbeat(store, working, {
          everyMs: checkInt("heartbeatMs", args.heartbeatMs, 1),
          leaseMs: args.leaseMs ?? 30_000,
          clock,
        });
  try {
    await Promise.all(claims.map((c) => processOne(c)));
  } finally {
    await heartbeat?.stop();
  }
  return report;

  async function processOne(c: OutboxClaim): Promise<void> {
    let result: unknown;
    let failure: { error: unknown } | undefined;
    try {
      result = await args.handler(c, { signal: working.get(c)!.signal });
    } catch (e) {
      failure = { error: e };
    } finally {
      // Its outcome is recorded next, under the claim as it stands: no more heartbeats.
      working.delete(c);
    }
    try {
      if (failure) {
        const record = (tx: Tx) =>
          fail(tx, c, failure.error, {
            backoff: args.backoff,
            permanent: args.isPermanent?.(failure.error) ?? false,
            now: clock(),
          });
        const outcome = await (args.commits
          ? args.commits.run(record)
          : store.transaction(record, { isolation: "read-committed" }));
        report[outcome.status === "dead" ? "dead" : "retrying"]++;
      } else {
        const record = async (tx: Tx) => {
          await complete(tx, c, result, { now: clock() });
          await args.onComplete?.(tx, c, result);
        };
        await (args.commits ? args.commits.run(record) : store.transaction(record, { isolation }));
        report.done++;
      }
    } catch (e) {
      if (!(e instanceof OutboxLeaseLostError)) throw e;
      report.lost++;
    }
  }
}

/**
 * Extends the leases of the claims in `working` every `everyMs` until stopped; a claim found
 * lost (taken over after its lease lapsed) is dropped and its controller aborted. A failed
 * heartbeat (database unreachable) is tried again at the next tick.
 */
function startHeartbeat(
  store: Store,
  working: Map<OutboxClaim, AbortController>,
  o: { everyMs: number; leaseMs: number; clock: () => Date },
): { stop(): Promise<void> } {
  let beating: Promise<void> = Promise.resolve();
  const beat = async () => {
    const live = [...working.keys()];
    if (live.length === 0) return;
    const lost = await store.transaction(
      async (tx) => {
        const gone: OutboxClaim[] = [];
        for (const c of live) {
          try {
            await extendLease(tx, c, { leaseMs: o.leaseMs, now: o.clock() });
          } catch (e) {
            // holdClaim reads before extendLease writes: nothing of this claim was written.
            if (!(e instanceof OutboxLeaseLostError)) throw e;
            gone.push(c);
          }
        }
        return gone;
      },
      { isolation: "read-committed" },
    );
    for (const c of lost) {
      working.get(c)?.abort(new OutboxLeaseLostError({ id: c.id, attempt: c.attempt }));
      working.delete(c);
    }
  };
  const timer = setInterval(() => {
    beating = beating.then(beat).catch(() => undefined);
  }, o.everyMs);
  // The work keeps the process alive, not its heartbeat (a handler left hanging, on a node that
  // will never answer say, must not turn into a timer that never stops).
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
    },
  };
}
