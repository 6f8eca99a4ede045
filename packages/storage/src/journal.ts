/**
 * The journal: durable records of work in flight, keyed by (namespace, id), each with a state, a
 * JSON document and a version, and an append-only history of every version. Made for the SDK's
 * journal of in-flight transactions (settlement terms, references, transaction hashes, nonces):
 * a restarted process lists what was not finished and waits for or replaces what it had sent,
 * instead of sending again.
 *
 * Writes are optimistic: pass the version you read as `expectedVersion`, and a concurrent writer
 * makes the second write a {@link JournalVersionConflictError} instead of a lost update.
 * History rows cannot be updated (a trigger refuses it: {@link ImmutableRowError}); they go only
 * with their entry ({@link remove}).
 *
 * Tables: `kessai_journal` (the current version) and `kessai_journal_history` (every version).
 */
import { checkDate, checkInt, checkText } from "./check.js";
import { decodeJson, decodeTime, encodeJson, encodeTime, toNumber } from "./codec.js";
import { columnTypes, immutableRows, jsonCheck, timestampCheck } from "./ddl.js";
import { JournalVersionConflictError } from "./errors.js";
import type { MigrationModule } from "./migrations.js";
import { sql, type Dialect } from "./sql.js";
import type { Queryable, Store, Tx } from "./store.js";

/** An entry's current version. */
export interface JournalEntry {
  namespace: string;
  id: string;
  state: string;
  data: unknown;
  /** 1 when created, +1 per write. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One version of an entry, from its history. */
export interface JournalVersion {
  version: number;
  state: string;
  data: unknown;
  at: Date;
}

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  const strict = d === "sqlite" ? " STRICT" : "";
  return `
CREATE TABLE kessai_journal (
  namespace TEXT NOT NULL,
  id TEXT NOT NULL,
  state TEXT NOT NULL,
  data ${t.json} NOT NULL,
  version INTEGER NOT NULL,
  created_at ${t.timestamp} NOT NULL,
  updated_at ${t.timestamp} NOT NULL,
  PRIMARY KEY (namespace, id),
  CONSTRAINT kessai_journal__namespace CHECK (length(namespace) BETWEEN 1 AND 200),
  CONSTRAINT kessai_journal__id CHECK (length(id) BETWEEN 1 AND 500),
  CONSTRAINT kessai_journal__state CHECK (length(state) BETWEEN 1 AND 100),
  CONSTRAINT kessai_journal__data CHECK (${jsonCheck(d, "data")}),
  CONSTRAINT kessai_journal__version CHECK (version >= 1),
  CONSTRAINT kessai_journal__created_at CHECK (${timestampCheck(d, "created_at")}),
  CONSTRAINT kessai_journal__updated_at CHECK (${timestampCheck(d, "updated_at")})
)${strict};
CREATE INDEX kessai_journal__state ON kessai_journal (namespace, state);

CREATE TABLE kessai_journal_history (
  namespace TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL,
  data ${t.json} NOT NULL,
  at ${t.timestamp} NOT NULL,
  PRIMARY KEY (namespace, id, version),
  CONSTRAINT kessai_journal_history__entry FOREIGN KEY (namespace, id)
    REFERENCES kessai_journal (namespace, id) ON DELETE CASCADE,
  CONSTRAINT kessai_journal_history__version CHECK (version >= 1),
  CONSTRAINT kessai_journal_history__state CHECK (length(state) BETWEEN 1 AND 100),
  CONSTRAINT kessai_journal_history__data CHECK (${jsonCheck(d, "data")}),
  CONSTRAINT kessai_journal_history__at CHECK (${timestampCheck(d, "at")})
)${strict};
${immutableRows(d, "kessai_journal_history", { deletable: true })}
`;
}

/** The journal's migrations (namespace "kessai.journal"). */
export const migrations: MigrationModule = {
  namespace: "kessai.journal",
  migrations: [{ version: 1, name: "journal entries and history", up: ddl }],
};

const COLUMNS = sql.raw("namespace, id, state, data, version, created_at, updated_at");

function toEntry(r: Record<string, unknown>): JournalEntry {
  return {
    namespace: r.namespace as string,
    id: r.id as string,
    state: r.state as string,
    data: decodeJson(r.data, "data"),
    version: toNumber(r.version, "version"),
    createdAt: decodeTime(r.created_at, "created_at"),
    updatedAt: decodeTime(r.updated_at, "updated_at"),
  };
}

/** The entry, or undefined. */
export async function get(
  q: Queryable,
  args: { namespace: string; id: string },
): Promise<JournalEntry | undefined> {
  const row = await q.get(sql`SELECT ${COLUMNS} FROM kessai_journal
    WHERE namespace = ${args.namespace} AND id = ${args.id}`);
  return row ? toEntry(row) : undefined;
}

/** Arguments of {@link put}. */
export interface PutArgs {
  namespace: string;
  id: string;
  state: string;
  /** Any JSON value; bigints are kept. */
  data: unknown;
  /**
   * The version the caller read: 0 to create only, n to update version n only; omitted to write
   * whatever the current version is.
   */
  expectedVersion?: number;
  /** Clock (default: new Date()). */
  now?: Date;
}

/**
 * Writes a new version of an entry (creating it at version 1) and appends it to the history, in
 * the caller's transaction. Throws {@link JournalVersionConflictError} when `expectedVersion`
 * is given and differs.
 *
 * @example
 * const e = await journal.put(tx, { namespace: "sdk.settle", id: settlementId, state: "sent-step-1",
 *   data: { terms, txHash, nonce }, expectedVersion: 0 });
 */
export async function put(tx: Tx, args: PutArgs): Promise<JournalEntry> {
  const namespace = checkText("namespace", args.namespace, 200);
  const id = checkText("id", args.id, 500);
  const state = checkText("state", args.state, 100);
  const data = encodeJson(args.data, "data");
  const now = encodeTime(checkDate("now", args.now ?? new Date()));
  const current = await get(tx, { namespace, id });
  const actual = current?.version ?? 0;
  if (args.expectedVersion !== undefined) {
    const expected = checkInt("expectedVersion", args.expectedVersion);
    if (expected !== actual) {
      throw new JournalVersionConflictError({ namespace, id, expected, actual });
    }
  }
  const version = actual + 1;
  const row = current
    ? await tx.get(sql`UPDATE kessai_journal SET state = ${state}, data = ${data}, version = ${version}, updated_at = ${now}
        WHERE namespace = ${namespace} AND id = ${id} AND version = ${actual}
        RETURNING ${COLUMNS}`)
    : await tx.get(sql`INSERT INTO kessai_journal (${COLUMNS})
        VALUES (${namespace}, ${id}, ${state}, ${data}, 1, ${now}, ${now})
        RETURNING ${COLUMNS}`);
  await tx.run(sql`INSERT INTO kessai_journal_history (namespace, id, version, state, data, at)
    VALUES (${namespace}, ${id}, ${version}, ${state}, ${data}, ${now})`);
  return toEntry(row!);
}

/** Entries of a namespace by id, optionally only in / not in some states; `afterId` pages. */
export async function list(
  q: Queryable,
  args: {
    namespace: string;
    states?: readonly string[];
    excludeStates?: readonly string[];
    afterId?: string;
    limit?: number;
  },
): Promise<JournalEntry[]> {
  const limit = checkInt("limit", args.limit ?? 1_000, 1, 100_000);
  const rows = await q.all(sql`SELECT ${COLUMNS} FROM kessai_journal
    WHERE namespace = ${args.namespace}
      ${args.states ? (args.states.length ? sql`AND state IN (${sql.join([...args.states])})` : sql`AND FALSE`) : sql``}
      ${args.excludeStates?.length ? sql`AND state NOT IN (${sql.join([...args.excludeStates])})` : sql``}
      ${args.afterId === undefined ? sql`` : sql`AND id > ${args.afterId}`}
    ORDER BY id LIMIT ${limit}`);
  return rows.map(toEntry);
}

/** Every version of an entry, oldest first (empty when there is no such entry). */
export async function history(
  q: Queryable,
  args: { namespace: string; id: string },
): Promise<JournalVersion[]> {
  const rows = await q.all(sql`SELECT version, state, data, at FROM kessai_journal_history
    WHERE namespace = ${args.namespace} AND id = ${args.id} ORDER BY version`);
  return rows.map((r) => ({
    version: toNumber(r.version, "version"),
    state: r.state as string,
    data: decodeJson(r.data, "data"),
    at: decodeTime(r.at, "at"),
  }));
}

/**
 * Deletes an entry and its history (finished work that is no longer needed); with
 * `expectedVersion`, only at that version. Returns whether it existed.
 */
export async function remove(
  tx: Tx,
  args: { namespace: string; id: string; expectedVersion?: number },
): Promise<boolean> {
  const current = await get(tx, args);
  if (!current) {
    if (args.expectedVersion !== undefined && args.expectedVersion !== 0) {
      throw new JournalVersionConflictError({ ...args, expected: args.expectedVersion, actual: 0 });
    }
    return false;
  }
  if (args.expectedVersion !== undefined && args.expectedVersion !== current.version) {
    throw new JournalVersionConflictError({
      ...args,
      expected: args.expectedVersion,
      actual: current.version,
    });
  }
  await tx.run(
    sql`DELETE FROM kessai_journal WHERE namespace = ${args.namespace} AND id = ${args.id}`,
  );
  return true;
}

/** A journal namespace bound to a store: each call in a transaction of its own. */
export interface BoundJournal {
  readonly namespace: string;
  get(id: string): Promise<JournalEntry | undefined>;
  put(id: string, state: string, data: unknown, expectedVersion?: number): Promise<JournalEntry>;
  list(args?: {
    states?: readonly string[];
    excludeStates?: readonly string[];
    afterId?: string;
    limit?: number;
  }): Promise<JournalEntry[]>;
  history(id: string): Promise<JournalVersion[]>;
  remove(id: string, expectedVersion?: number): Promise<boolean>;
}

/**
 * The journal functions bound to a store and a namespace, for callers that do not compose them
 * with other writes (the SDK's journal).
 *
 * @example
 * const j = journal.bind(store, "sdk.settle");
 * const open = await j.list({ excludeStates: ["settled", "abandoned"] });
 */
export function bind(store: Store, namespace: string): BoundJournal {
  checkText("namespace", namespace, 200);
  return {
    namespace,
    get: (id) => get(store, { namespace, id }),
    put: (id, state, data, expectedVersion) =>
      store.transaction((tx) => put(tx, { namespace, id, state, data, expectedVersion })),
    list: (args = {}) => list(store, { ...args, namespace }),
    history: (id) => history(store, { namespace, id }),
    remove: (id, expectedVersion) =>
      store.transaction((tx) => remove(tx, { namespace, id, expectedVersion })),
  };
}
