/**
 * The PostgreSQL back end (node-postgres): a connection pool; every transaction SERIALIZABLE and
 * retried, with exponential backoff and full jitter, when PostgreSQL aborts it with a
 * serialization failure (40001) or a deadlock (40P01); the session time zone UTC.
 *
 * Types come back as the SQLite back end returns them where it matters: BIGINT as bigint,
 * NUMERIC as a decimal string (amounts), JSON/JSONB as text (decoded by `decodeJson`, which keeps
 * bigints), TIMESTAMPTZ as a Date.
 */
import type pg from "pg";
import {
  SerializationFailureError,
  StorageConnectionError,
  StorageError,
  TransactionStateError,
} from "./errors.js";
import { mapPgError } from "./driver-errors.js";
import type { ScriptTx } from "./migrations.js";
import { compile, isoParam, sql, type CompiledSql, type Sql, type SqlValue } from "./sql.js";
import { BoundTx, retryDelay, retryPolicy, sleep, StoreBase } from "./store.js";
import type {
  Executor,
  RetryPolicy,
  Row,
  Store,
  StoreOptions,
  TransactionOptions,
  Tx,
} from "./store.js";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions extends StoreOptions {
  /** e.g. "postgres://user:password@host:5432/kessai". */
  connectionString?: string;
  /** Further pool settings (max connections, timeouts, TLS, ...); `types` is set by the store. */
  pool?: Omit<pg.PoolConfig, "types" | "connectionString">;
}

/**
 * Opens a pool to a PostgreSQL database as a {@link Store}; checks that the server answers
 * (a {@link StorageConnectionError} otherwise), so a bad URL stops a service at start.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: process.env.DATABASE_URL });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  let driver: typeof pg;
  try {
    driver = (await import("pg")).default;
  } catch (e) {
    throw new StorageError("pg could not be loaded", { cause: e });
  }
  const base = driver.types;
  const parsers: Record<number, (text: string) => unknown> = {
    20: (text) => BigInt(text), // int8
    114: (text) => text, // json: decoded by the caller, keeping bigints
    3802: (text) => text, // jsonb
    1114: (text) => new Date(`${text.replace(" ", "T")}Z`), // timestamp without time zone: UTC
  };
  // Every session in UTC. node-postgres lets a URL's `options` override the config's, so the
  // URL's are moved into the config and joined with ours.
  let connectionString = options.connectionString;
  const sessionOptions = [options.pool?.options];
  if (connectionString?.includes("options=")) {
    try {
      const url = new URL(connectionString);
      sessionOptions.unshift(url.searchParams.get("options") ?? undefined);
      url.searchParams.delete("options");
      connectionString = url.toString();
    } catch {
      /* not a URL node-postgres would parse either; let it report that */
    }
  }
  sessionOptions.push("-c TimeZone=UTC");
  const pool = new driver.Pool({
    ...options.pool,
    connectionString,
    options: sessionOptions.filter(Boolean).join(" "),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        (format ?? "text") === "text" && parsers[oid]
          ? parsers[oid]
          : base.getTypeParser(oid, format as "text")) as typeof base.getTypeParser,
    },
  });
  // An idle client whose server went away emits "error" on the pool: without a listener that
  // would crash the process. The next query gets a fresh connection or a typed error.
  pool.on("error", () => undefined);
  const store = new PostgresStore(pool, options);
  try {
    await store.get(sql`SELECT 1 AS ok`);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
  return store;
}

class PostgresStore extends StoreBase implements Store {
  readonly dialect = "postgres" as const;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: StoreOptions,
  ) {
    super();
    this.retry = retryPolicy(options.retry);
  }

  /** One statement outside any transaction (autocommit, READ COMMITTED). */
  protected async single(query: Sql) {
    this.guard.check("A store query");
    this.ensureOpen();
    const compiled = compile(query, "postgres");
    try {
      const r = await this.pool.query({
        text: compiled.text,
        values: compiled.params.map(toPgParam),
      });
      return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
    } catch (e) {
      throw mapPgError(e, compiled.text);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.guard.check("store.transaction");
    return this.runTransaction(fn, options);
  }

  private async runTransaction<T>(
    fn: (tx: ScriptTx) => Promise<T>,
    options: TransactionOptions,
  ): Promise<T> {
    this.ensureOpen();
    const level = options.isolation === "read-committed" ? "READ COMMITTED" : "SERIALIZABLE";
    const begin = `BEGIN ISOLATION LEVEL ${level}${options.readOnly ? " READ ONLY" : ""}`;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(fn, begin, attempt);
      if (outcome.ok) return outcome.value;
      const failure = outcome.failure;
      if (attempt >= this.retry.maxAttempts) {
        throw new SerializationFailureError(
          { attempts: attempt, sqlState: failure.sqlState },
          { cause: failure },
        );
      }
      const delayMs = retryDelay(this.retry, attempt);
      this.options.onRetry?.({ attempt, delayMs, error: failure });
      await sleep(delayMs);
    }
  }

  /** One run of `fn`: its value, or the serialization failure to retry; other errors thrown. */
  private async attempt<T>(
    fn: (tx: ScriptTx) => Promise<T>,
    begin: string,
    attempt: number,
  ): Promise<{ ok: true; value: T } | { ok: false; failure: SerializationFailureError }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw mapPgError(e, "connect");
    }
    let broken: Error | undefined;
    // A checked-out client whose connection drops emits "error": without a listener that would
    // crash the process. The next statement then fails with a StorageConnectionError.
    const onError = (e: Error) => (broken ??= mapPgError(e, "connection"));
    client.on("error", onError);
    const executor: Executor = {
      execute: async ({ text, params }: CompiledSql) => {
        try {
          const r = await client.query({ text, values: params.map(toPgParam) });
          return { rows: r.rows as Row[], rowCount: r.rowCount ?? r.rows.length };
        } catch (e) {
          const mapped = mapPgError(e, text);
          if (mapped instanceof StorageConnectionError) broken = mapped;
          throw mapped;
        }
      },
    };
    const ctx = { open: true };
    const tx: BoundTx & ScriptTx = Object.assign(new BoundTx("postgres", attempt, executor), {
      script: async (text: string) => {
        if (tx.ended) throw new TransactionStateError("Transaction already ended");
        try {
          await client.query(text); // simple protocol: several statements, no parameters
        } catch (e) {
          throw mapPgError(e, text);
        }
      },
    });
    try {
      await executor.execute({ text: begin, params: [] });
      let value: T | undefined;
      let thrown: { error: unknown } | undefined;
      try {
        value = await this.guard.run(ctx, () => fn(tx));
      } catch (e) {
        thrown = { error: e };
      }
      ctx.open = false;
      tx.ended = true;
      const failure = tx.failure;
      if (failure || thrown) {
        await this.rollback(client).catch((e: Error) => (broken ??= e));
        // A serialization failure is retried even if the callback turned it into its own error.
        if (failure instanceof SerializationFailureError) return { ok: false, failure };
        if (thrown) throw thrown.error;
        throw failure;
      }
      try {
        const r = await client.query("COMMIT");
        // COMMIT of an aborted transaction answers ROLLBACK instead of failing.
        if (r.command === "ROLLBACK") {
          throw new TransactionStateError("PostgreSQL rolled the transaction back at COMMIT");
        }
      } catch (e) {
        if (e instanceof StorageError) throw e;
        const mapped = mapPgError(e, "COMMIT");
        if (mapped instanceof SerializationFailureError) return { ok: false, failure: mapped };
        if (mapped instanceof StorageConnectionError) {
          broken = mapped;
          throw new StorageConnectionError("Connection lost during COMMIT: outcome unknown", {
            cause: e,
            commitUnknown: true,
          });
        }
        throw mapped;
      }
      return { ok: true, value: value as T };
    } finally {
      ctx.open = false;
      tx.ended = true;
      client.removeListener("error", onError);
      client.release(broken);
    }
  }

  private async rollback(client: pg.PoolClient) {
    await client.query("ROLLBACK");
  }

  protected migrationTransaction<T>(fn: (tx: ScriptTx) => Promise<T>): Promise<T> {
    return this.runTransaction(fn, { isolation: "read-committed" });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

function toPgParam(value: SqlValue): unknown {
  if (typeof value === "bigint") return value.toString(10);
  if (value instanceof Date) return isoParam(value);
  return value;
}
