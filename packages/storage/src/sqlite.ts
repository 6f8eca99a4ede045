/**
 * The SQLite back end (better-sqlite3): one connection to a file in WAL mode with
 * `synchronous = FULL` (a committed transaction survives a power cut, not only a crash) and
 * foreign keys on.
 *
 * better-sqlite3 is synchronous; the store keeps the async interface of {@link Store} and runs one
 * transaction at a time per file through a queue shared by every store of this process on that
 * file, so an `await` inside a transaction callback never lets another statement of this process
 * slip into it. Write transactions start with `BEGIN IMMEDIATE`: the write lock is taken first,
 * so two read-modify-writes queue instead of failing with SQLITE_BUSY half-way. When another
 * process holds the lock, the store retries `BEGIN IMMEDIATE` with short waits that do not block
 * the event loop (SQLite's own busy handler sleeps in the calling thread) until `busyTimeoutMs`,
 * then fails with {@link StorageBusyError}.
 */
import { realpathSync } from "node:fs";
import { dirname, basename, join, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { StorageBusyError, StorageError, TransactionStateError } from "./errors.js";
import { mapSqliteError } from "./driver-errors.js";
import type { ScriptTx } from "./migrations.js";
import { compile, isoParam, type CompiledSql, type Sql, type SqlValue } from "./sql.js";
import { BoundTx, sleep, StoreBase } from "./store.js";
import type { Executor, Row, Store, StoreOptions, TransactionOptions, Tx } from "./store.js";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** Path of the database file, created when missing; ":memory:" for a private in-memory database. */
  filename: string;
  /** How long to wait for another connection's write lock before {@link StorageBusyError}, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) an SQLite database file as a {@link Store}.
 *
 * @example
 * const store = await openSqliteStore({ filename: "/var/lib/kessai/verifier.db" });
 * await store.migrate([outbox.migrations, inbox.migrations, cursors.migrations]);
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  let Database: typeof BetterSqlite3;
  try {
    Database = (await import("better-sqlite3")).default;
  } catch (e) {
    throw new StorageError("better-sqlite3 could not be loaded (run `npm run setup`)", {
      cause: e,
    });
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  let db: BetterSqlite3.Database;
  try {
    // SQLite's busy handler sleeps in this thread: keep its slice short and wait in between
    // asynchronously (see beginWithin).
    db = new Database(options.filename, { timeout: Math.min(busyTimeoutMs, BUSY_SLICE_MS) });
  } catch (e) {
    throw mapSqliteError(e, `open ${options.filename}`);
  }
  try {
    if (options.filename !== ":memory:") {
      // Switching to WAL needs the file briefly to itself: wait for other processes like BEGIN does.
      const deadline = Date.now() + busyTimeoutMs;
      let mode: unknown;
      for (;;) {
        try {
          mode = db.pragma("journal_mode = WAL", { simple: true });
          break;
        } catch (e) {
          const mapped = mapSqliteError(e, "PRAGMA journal_mode = WAL");
          if (!(mapped instanceof StorageBusyError) || Date.now() >= deadline) throw mapped;
        }
        await sleep(5 + Math.random() * 20);
      }
      if (mode !== "wal") {
        throw new StorageError(`SQLite refused WAL mode (journal_mode is ${String(mode)})`);
      }
    }
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.defaultSafeIntegers(true);
    db.aggregate("kessai_amount_sum", {
      start: () => 0n,
      step: (total: bigint, value: unknown) =>
        value === null || value === undefined ? total : total + BigInt(value as string),
      result: (total: bigint) => total.toString(10),
      deterministic: true,
    });
  } catch (e) {
    db.close();
    throw e instanceof StorageError ? e : mapSqliteError(e, "configure connection");
  }
  return new SqliteStore(db, fileKey(options.filename), busyTimeoutMs);
}

/** How long SQLite itself waits for a lock before the store retries asynchronously, in ms. */
const BUSY_SLICE_MS = 10;

/** A promise chain that runs one task at a time, in call order. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Stores using this queue. */
  users = 0;

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/** One queue per database file in this process (two stores on one file must not interleave). */
const queues = new Map<string, Queue>();

/** The file's identity for the queue map: its real path (":memory:" databases are each their own). */
function fileKey(filename: string): string | undefined {
  if (filename === ":memory:" || filename === "") return undefined;
  const path = resolve(filename);
  try {
    return realpathSync(path);
  } catch {
    // Created by this open in a folder reached through a symlink: resolve the folder.
    return join(realpathSync(dirname(path)), basename(path));
  }
}

const STATEMENT_CACHE_SIZE = 256;

class SqliteStore extends StoreBase implements Store, Executor {
  readonly dialect = "sqlite" as const;
  private readonly queue: Queue;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly key: string | undefined,
    private readonly busyTimeoutMs: number,
  ) {
    super();
    let queue = key === undefined ? undefined : queues.get(key);
    if (!queue) {
      queue = new Queue();
      if (key !== undefined) queues.set(key, queue);
    }
    queue.users++;
    this.queue = queue;
  }

  /** One statement outside any transaction: a read as is, a write in a transaction of its own. */
  protected async single(query: Sql) {
    this.guard.check("A store query");
    const compiled = compile(query, "sqlite");
    return this.queue.run(async () => {
      this.ensureOpen();
      let readonly: boolean;
      try {
        readonly = this.prepare(compiled.text).readonly;
      } catch (e) {
        throw mapSqliteError(e, compiled.text);
      }
      if (readonly) return this.execute(compiled);
      return this.runTransaction(() => this.execute(compiled), false);
    });
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.guard.check("store.transaction");
    return this.queue.run(() => this.runTransaction(fn, options.readOnly ?? false));
  }

  private async runTransaction<T>(fn: (tx: ScriptTx) => Promise<T>, readOnly: boolean): Promise<T> {
    this.ensureOpen();
    await this.beginWithin(readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE");
    if (readOnly) this.db.pragma("query_only = ON");
    const ctx = { open: true };
    const tx: BoundTx & ScriptTx = Object.assign(new BoundTx("sqlite", 1, this), {
      script: async (text: string) => {
        if (tx.ended) throw new TransactionStateError("Transaction already ended");
        this.exec(text);
      },
    });
    let result: T;
    try {
      result = await this.guard.run(ctx, () => fn(tx));
    } catch (e) {
      this.finish(ctx, tx, readOnly, false);
      throw e;
    }
    // A statement failed and the callback went on: the transaction cannot commit.
    this.finish(ctx, tx, readOnly, tx.failure === undefined);
    if (tx.failure) throw tx.failure;
    return result;
  }

  /**
   * Runs BEGIN, retrying while another connection (another process) holds the write lock, with
   * short asynchronous waits, for at most the busy timeout.
   */
  private async beginWithin(begin: string) {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (;;) {
      try {
        this.exec(begin);
        return;
      } catch (e) {
        if (!(e instanceof StorageBusyError) || Date.now() >= deadline) throw e;
      }
      await sleep(Math.min(5 + Math.random() * 20, Math.max(0, deadline - Date.now())));
    }
  }

  /** Ends the transaction: commits it, or rolls it back (also when COMMIT fails). */
  private finish(ctx: { open: boolean }, tx: BoundTx, readOnly: boolean, commit: boolean) {
    ctx.open = false;
    tx.ended = true;
    if (readOnly) this.db.pragma("query_only = OFF");
    try {
      if (commit) this.exec("COMMIT");
    } finally {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
    }
  }

  protected migrationTransaction<T>(fn: (tx: ScriptTx) => Promise<T>): Promise<T> {
    return this.queue.run(() => this.runTransaction(fn, false));
  }

  async close(): Promise<void> {
    await this.queue.run(() => {
      if (this.closed) return;
      this.closed = true;
      this.statements.clear();
      this.db.close();
      if (--this.queue.users === 0 && this.key !== undefined) queues.delete(this.key);
    });
  }

  async execute({ text, params }: CompiledSql): Promise<{ rows: Row[]; rowCount: number }> {
    try {
      const stmt = this.prepare(text);
      const args = params.map(toSqliteParam);
      if (stmt.reader) {
        const rows = stmt.all(...args) as Row[];
        return { rows, rowCount: rows.length };
      }
      return { rows: [], rowCount: stmt.run(...args).changes };
    } catch (e) {
      throw e instanceof StorageError ? e : mapSqliteError(e, text);
    }
  }

  private prepare(text: string): BetterSqlite3.Statement {
    let stmt = this.statements.get(text);
    if (stmt) {
      this.statements.delete(text); // re-insert: most recently used last
    } else {
      stmt = this.db.prepare(text);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
    }
    this.statements.set(text, stmt);
    return stmt;
  }

  /** Runs SQL text without parameters (BEGIN, COMMIT, a migration's script). */
  private exec(text: string) {
    try {
      this.db.exec(text);
    } catch (e) {
      throw mapSqliteError(e, text);
    }
  }
}

function toSqliteParam(value: SqlValue): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return isoParam(value);
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}
