/**
 * The transaction engine's journal in SQL: the SDK's `Journal` interface (`get(key)`,
 * `put(entry)`, `open(chainId, from)`) over a {@link Store}, in one table, on both back ends.
 *
 * The storage package does not depend on the SDK. The SDK's interface is structural over plain
 * JSON records, so this module states only what it reads of an entry ({@link TxJournalRecord}:
 * key, chain, sender, state, time) and keeps the rest as an opaque JSON document; a caller that
 * has the SDK instantiates it with the SDK's entry type, and TypeScript checks the fit:
 *
 * ```ts
 * import type { Journal, JournalEntry } from "@kessai/sdk";
 * const journal: Journal = txJournal<JournalEntry>(store);
 * ```
 *
 * Table `kessai_tx_journal` (namespace `kessai.tx_journal`), as the engine's documentation
 * describes it: one row per key, the whole entry as JSON, an upsert per `put` and a partial index
 * for `open`. Unlike {@link journal} (versioned, with a history row per write), it keeps only the
 * latest entry: the engine writes 3 to 6 times per transaction and never reads an older version.
 */
import { checkInt, checkText } from "./check.js";
import { decodeJson, encodeJson, toNumber } from "./codec.js";
import { columnTypes, hexCheck, jsonCheck } from "./ddl.js";
import { InvalidValueError } from "./errors.js";
import type { MigrationModule } from "./migrations.js";
import { sql, type Dialect } from "./sql.js";
import type { Queryable, Store } from "./store.js";

/** What the table reads of an entry; the rest of it is kept as it is. */
export interface TxJournalRecord {
  /** The send's key (unique per intended effect). */
  key: string;
  /** Chain ID, decimal. */
  chainId: string;
  /** The sending account (0x address, any case). */
  from: string;
  /** Where the send stands (`intent`, `signed`, `mined`, `confirmed`, ...). */
  state: string;
  /** Milliseconds since the epoch of the last change. */
  updatedAt: number;
  /**
   * Which attempt of the key the entry is (absent: 0): a put of a lower attempt than the row's
   * changes nothing, so a stopped attempt's late write never overwrites a newer one's.
   */
  attempt?: number;
}

/**
 * States the engine takes up by itself on start: what `open` returns. Fixed in the table's
 * partial index (`kessai_tx_journal__open`).
 */
export const OPEN_TX_STATES: readonly string[] = ["signed", "mined"];

function ddl(d: Dialect): string {
  const t = columnTypes[d];
  const strict = d === "sqlite" ? " STRICT" : "";
  const open = OPEN_TX_STATES.map((s) => `'${s}'`).join(", ");
  const decimal =
    d === "postgres"
      ? `chain_id ~ '^[1-9][0-9]{0,77}$'`
      : `length(chain_id) BETWEEN 1 AND 78 AND chain_id NOT GLOB '*[^0-9]*' AND substr(chain_id, 1, 1) <> '0'`;
  return `
CREATE TABLE kessai_tx_journal (
  key TEXT PRIMARY KEY,
  chain_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  state TEXT NOT NULL,
  entry ${t.json} NOT NULL,
  updated_at ${t.bigint} NOT NULL,
  CONSTRAINT kessai_tx_journal__key CHECK (length(key) BETWEEN 1 AND 500),
  CONSTRAINT kessai_tx_journal__chain_id CHECK (${decimal}),
  CONSTRAINT kessai_tx_journal__sender CHECK (${hexCheck(d, "sender", 20)}),
  CONSTRAINT kessai_tx_journal__state CHECK (length(state) BETWEEN 1 AND 100),
  CONSTRAINT kessai_tx_journal__entry CHECK (${jsonCheck(d, "entry")}),
  CONSTRAINT kessai_tx_journal__updated_at CHECK (updated_at >= 0)
)${strict};
CREATE INDEX kessai_tx_journal__open ON kessai_tx_journal (chain_id, sender) WHERE state IN (${open});
CREATE INDEX kessai_tx_journal__closed ON kessai_tx_journal (updated_at) WHERE state NOT IN (${open});
`;
}

/** The table's migrations (namespace "kessai.tx_journal"). */
export const migrations: MigrationModule = {
  namespace: "kessai.tx_journal",
  migrations: [{ version: 1, name: "transaction engine journal", up: ddl }],
};

/**
 * The SDK's `Journal` over a store: `E` is the entry type (the SDK's `JournalEntry`). Requirements
 * it meets (the engine's): `put` is an upsert by key that resolves once committed; puts take effect
 * in call order (they are queued and written in one transaction per batch: concurrent puts share
 * one commit); `get` returns a fresh copy of the latest entry; `open` returns the entries of one
 * chain and sender in an open state.
 */
export interface TxJournal<E extends TxJournalRecord = TxJournalRecord> {
  /** Survives the process: the engine journals every send, keyed or not. */
  readonly durable: true;
  /** The latest entry with this key (a fresh copy), or undefined. */
  get(key: string): Promise<E | undefined>;
  /** Adds or replaces the entry with `entry.key`; resolves once it is committed. */
  put(entry: E): Promise<void>;
  /** Entries of this chain (decimal ID) and sender whose state is open (signed or mined). */
  open(chainId: string, from: string): Promise<E[]>;
  /** Every entry of a chain and sender, any state, by key (inspection, reports). */
  list(args?: { chainId?: string; from?: string; limit?: number }): Promise<E[]>;
  /** Deletes closed entries (not signed or mined) last changed before `closedBefore` (ms). */
  prune(args: { closedBefore: number }): Promise<number>;
  /**
   * Resolves once every put made so far is written (or failed): call it before closing the store,
   * e.g. after aborting sends, whose last state (`abandoned`) the engine writes as they stop.
   */
  flush(): Promise<void>;
}

function record(e: TxJournalRecord) {
  const key = checkText("key", e?.key, 500);
  const chainId = checkText("chainId", e.chainId, 78);
  if (!/^[1-9][0-9]*$/.test(chainId)) {
    throw new InvalidValueError({ field: "chainId", value: chainId, reason: "expected a decimal" });
  }
  if (typeof e.from !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(e.from)) {
    throw new InvalidValueError({ field: "from", value: e.from, reason: "expected an address" });
  }
  return {
    key,
    chainId,
    sender: e.from.toLowerCase(),
    state: checkText("state", e.state, 100),
    updatedAt: checkInt("updatedAt", e.updatedAt),
    entry: encodeJson(e, "entry"),
    /** Not a column: the entry's attempt of its key (see attemptOf). */
    attempt: typeof e.attempt === "number" ? e.attempt : 0,
  };
}

const decode = <E>(r: Record<string, unknown>): E => decodeJson(r.entry, "entry") as E;

/** The entry's attempt of its key (`attempt`, absent: 0), in SQL, for `table`'s row. */
function attemptOf(d: Dialect, table: string): string {
  return d === "postgres"
    ? `coalesce((${table}.entry->>'attempt')::numeric, 0)`
    : `coalesce(json_extract(${table}.entry, '$.attempt'), 0)`;
}

/** An upsert that keeps the row of a newer attempt (compare-and-set on the entry's `attempt`). */
async function upsert(q: Queryable, r: ReturnType<typeof record>): Promise<void> {
  const newer = sql.raw(
    `${attemptOf(q.dialect, "excluded")} >= ${attemptOf(q.dialect, "kessai_tx_journal")}`,
  );
  await q.run(sql`INSERT INTO kessai_tx_journal (key, chain_id, sender, state, entry, updated_at)
    VALUES (${r.key}, ${r.chainId}, ${r.sender}, ${r.state}, ${r.entry}, ${r.updatedAt})
    ON CONFLICT (key) DO UPDATE SET chain_id = excluded.chain_id, sender = excluded.sender,
      state = excluded.state, entry = excluded.entry, updated_at = excluded.updated_at
    WHERE ${newer}`);
}

interface Pending {
  row: ReturnType<typeof record>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The SDK's journal in `store` (which must have {@link migrations} applied). One instance per
 * process and store: puts are queued in call order and written in batches, one transaction each
 * (a later put of a key in the same batch wins, as it would have one commit later).
 *
 * @example
 * await store.migrate([...buildingBlocks, txJournalMigrations]);
 * const signer = withNonceQueue(wallet, { journal: txJournal<JournalEntry>(store) });
 */
export function txJournal<E extends TxJournalRecord = TxJournalRecord>(store: Store): TxJournal<E> {
  let queue: Pending[] = [];
  let writing = false;
  let drained: Promise<void> = Promise.resolve();
  const drain = async () => {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        const last = new Map<string, ReturnType<typeof record>>();
        for (const p of batch) {
          const held = last.get(p.row.key);
          if (!held || p.row.attempt >= held.attempt) last.set(p.row.key, p.row);
        }
        try {
          if (last.size === 1) await upsert(store, [...last.values()][0]!);
          else
            await store.transaction(
              async (tx) => {
                for (const row of last.values()) await upsert(tx, row);
              },
              { isolation: "read-committed" },
            );
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      writing = false;
    }
  };
  return {
    durable: true,
    async get(key) {
      const row = await store.get(sql`SELECT entry FROM kessai_tx_journal WHERE key = ${key}`);
      return row ? decode<E>(row) : undefined;
    },
    put(entry) {
      let row: ReturnType<typeof record>;
      try {
        row = record(entry);
      } catch (e) {
        return Promise.reject(e);
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        if (!writing) drained = drain();
      });
    },
    async open(chainId, from) {
      const rows = await store.all(sql`SELECT entry FROM kessai_tx_journal
        WHERE chain_id = ${chainId} AND sender = ${from.toLowerCase()}
          AND state IN (${sql.join([...OPEN_TX_STATES])})
        ORDER BY key`);
      return rows.map((r) => decode<E>(r));
    },
    async list(args = {}) {
      const limit = checkInt("limit", args.limit ?? 10_000, 1, 1_000_000);
      const rows = await store.all(sql`SELECT entry FROM kessai_tx_journal WHERE TRUE
        ${args.chainId === undefined ? sql`` : sql`AND chain_id = ${args.chainId}`}
        ${args.from === undefined ? sql`` : sql`AND sender = ${args.from.toLowerCase()}`}
        ORDER BY key LIMIT ${limit}`);
      return rows.map((r) => decode<E>(r));
    },
    async prune({ closedBefore }) {
      const before = checkInt("closedBefore", closedBefore);
      const r = await store.run(sql`DELETE FROM kessai_tx_journal
        WHERE state NOT IN (${sql.join([...OPEN_TX_STATES])}) AND updated_at < ${before}`);
      return r.rowCount;
    },
    flush: () => drained,
  };
}

/** The number of entries in an open state (for metrics). */
export async function openCount(q: Queryable): Promise<number> {
  const row = await q.get<{ n: unknown }>(sql`SELECT COUNT(*) AS n FROM kessai_tx_journal
    WHERE state IN (${sql.join([...OPEN_TX_STATES])})`);
  return toNumber(row?.n ?? 0, "n");
}
