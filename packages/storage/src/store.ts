import { AsyncLocalStorage } from "node:async_hooks";
import { StorageError, TransactionStateError } from "./errors.js";
import {
  runMigrations,
  type MigrationModule,
  type MigrationReport,
  type ScriptTx,
} from "./migrations.js";
import { compile, type CompiledSql, type Dialect, type Sql } from "./sql.js";

/** A row as the driver returns it: column name to value (see codec.ts for decoding). */
export type Row = Record<string, unknown>;

/** What a statement changed. */
export interface RunResult {
  /** Rows inserted, updated or deleted (or returned, for a statement with RETURNING). */
  rowCount: number;
}

/** Runs statements. Both a {@link Store} (each statement on its own) and a {@link Tx} are one. */
export interface Queryable {
  /** The back end: "sqlite" or "postgres". */
  readonly dialect: Dialect;
  /** Every row the statement returns. */
  all<T = Row>(query: Sql): Promise<T[]>;
  /** The first row the statement returns, or undefined. */
  get<T = Row>(query: Sql): Promise<T | undefined>;
  /** Runs a statement for its effect. */
  run(query: Sql): Promise<RunResult>;
}

/** A transaction in progress, handed to the callback of {@link Store.transaction}. */
export interface Tx extends Queryable {
  /** 1 on the first run of the callback, 2 on its first retry (PostgreSQL), ... */
  readonly attempt: number;
}

/** Options of {@link Store.transaction}. */
export interface TransactionOptions {
  /**
   * A transaction that only reads: SQLite `BEGIN DEFERRED` (does not take the write lock),
   * PostgreSQL `SERIALIZABLE READ ONLY`. A write in it fails.
   */
  readOnly?: boolean;
  /**
   * PostgreSQL only; default "serializable". "read-committed" is for statements that are safe
   * under it by construction and would only cause needless serialization failures under
   * SERIALIZABLE: queue claims with `FOR UPDATE SKIP LOCKED`, outbox completions that lock
   * their row, migrations under an advisory lock. SQLite transactions are always serializable
   * (one writer at a time).
   */
  isolation?: "serializable" | "read-committed";
}

/** How a PostgreSQL transaction is retried after a serialization failure or deadlock. */
export interface RetryPolicy {
  /** Total runs of the callback, first included (default 10). */
  maxAttempts: number;
  /** Delay before the first retry, in ms (default 5); doubles each time. */
  baseDelayMs: number;
  /** Largest delay, in ms (default 400). */
  maxDelayMs: number;
}

/** A retry that is about to happen, for logging (every retry logged with its cause). */
export interface RetryEvent {
  /** The attempt that failed (1 = the first run). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delayMs: number;
  /** The failure (a SerializationFailureError-worthy SQLSTATE: 40001 or 40P01). */
  error: StorageError;
}

/** Options shared by both back ends. */
export interface StoreOptions {
  /** Retries of PostgreSQL transactions (ignored by SQLite, which never needs them). */
  retry?: Partial<RetryPolicy>;
  /** Called before each retry of a transaction. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * The storage interface every Kessai service writes to. Open one with `openSqliteStore` (the
 * embedded default) or `openPostgresStore` (production), or `openStore(url)` for either.
 *
 * Read-modify-write goes in {@link Store.transaction}; the callback may run more than once on
 * PostgreSQL (after a serialization failure), so it must not have effects outside the database:
 * put those in the outbox. Never await the network inside it (SQLite holds the write lock).
 */
export interface Store extends Queryable {
  /**
   * Runs `fn` in one transaction and returns its result: committed when `fn` resolves, rolled
   * back when it throws (the error is rethrown as is). SQLite: `BEGIN IMMEDIATE` (the write
   * lock first, so concurrent read-modify-writes queue instead of failing). PostgreSQL:
   * `SERIALIZABLE`, retried on 40001/40P01 with exponential backoff, up to
   * `retry.maxAttempts` runs, then {@link SerializationFailureError}.
   *
   * Calling the store (not `tx`) inside `fn` is a {@link TransactionStateError}, as is using
   * `tx` after the transaction ended or after one of its statements failed.
   *
   * @example
   * const id = await store.transaction(async (tx) => {
   *   await tx.run(sql`UPDATE trades SET state = 'affirmed' WHERE id = ${tradeId}`);
   *   return (await outbox.enqueue(tx, { topic: "chain.send", key: `affirm:${tradeId}`, payload })).id;
   * });
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Applies the modules' pending migrations, each in its own transaction, in order; checks the
   * checksums of those already applied. See migrations.ts.
   */
  migrate(modules: readonly MigrationModule[]): Promise<MigrationReport>;
  /** Closes the connection (SQLite) or the pool (PostgreSQL). Idempotent. */
  close(): Promise<void>;
}

/** Raw statement execution, implemented by each back end; errors already mapped. */
export interface Executor {
  execute(query: CompiledSql): Promise<{ rows: Row[]; rowCount: number }>;
}

/** The state of a transaction shared by its Tx and the store's nesting check. */
export interface TxContext {
  open: boolean;
}

/** A Tx over an executor, that refuses use after its end or after a failed statement. */
export class BoundTx implements Tx {
  /** The first statement error, if any: the transaction cannot commit after it. */
  failure: StorageError | undefined;
  ended = false;

  constructor(
    readonly dialect: Dialect,
    readonly attempt: number,
    private readonly executor: Executor,
  ) {}

  async all<T = Row>(query: Sql): Promise<T[]> {
    return (await this.exec(query)).rows as T[];
  }

  async get<T = Row>(query: Sql): Promise<T | undefined> {
    return (await this.exec(query)).rows[0] as T | undefined;
  }

  async run(query: Sql): Promise<RunResult> {
    return { rowCount: (await this.exec(query)).rowCount };
  }

  private async exec(query: Sql) {
    if (this.ended) {
      throw new TransactionStateError("Transaction already ended: this tx can no longer be used");
    }
    if (this.failure) {
      throw new TransactionStateError(
        "An earlier statement in this transaction failed; it can only roll back",
        { cause: this.failure },
      );
    }
    try {
      return await this.executor.execute(compile(query, this.dialect));
    } catch (e) {
      if (e instanceof StorageError) this.failure ??= e;
      throw e;
    }
  }
}

/**
 * What the two back ends' stores share: `all`, `get` and `run`, each one statement outside any
 * transaction (the back end's `single`), the nesting guard and the closed flag.
 */
export abstract class StoreBase {
  protected readonly guard = new NestingGuard();
  protected closed = false;
  abstract readonly dialect: Dialect;

  /** See {@link Store.migrate}; each migration runs in a {@link migrationTransaction}. */
  async migrate(modules: readonly MigrationModule[]): Promise<MigrationReport> {
    this.guard.check("store.migrate"); // inside a transaction: a rejected promise, as before
    return runMigrations(this.dialect, (fn) => this.migrationTransaction(fn), modules);
  }

  all<T = Row>(query: Sql): Promise<T[]> {
    return this.single(query).then((r) => r.rows as T[]);
  }

  get<T = Row>(query: Sql): Promise<T | undefined> {
    return this.single(query).then((r) => r.rows[0] as T | undefined);
  }

  run(query: Sql): Promise<RunResult> {
    return this.single(query).then((r) => ({ rowCount: r.rowCount }));
  }

  /** One statement outside any transaction, on the store's own terms. */
  protected abstract single(query: Sql): Promise<{ rows: Row[]; rowCount: number }>;

  /** The transaction one migration runs in, on the back end's own terms. */
  protected abstract migrationTransaction<T>(fn: (tx: ScriptTx) => Promise<T>): Promise<T>;

  protected ensureOpen(): void {
    if (this.closed) throw new TransactionStateError("Store is closed");
  }
}

/** Guards against calling a store from inside one of its own transactions. */
export class NestingGuard {
  private readonly als = new AsyncLocalStorage<TxContext>();

  /** Throws when the caller runs inside an open transaction of this store. */
  check(what: string): void {
    if (this.als.getStore()?.open) {
      throw new TransactionStateError(
        `${what} called inside a transaction of the same store: use the tx the callback received`,
      );
    }
  }

  /** Runs `fn` marked as inside the transaction `ctx`. */
  run<T>(ctx: TxContext, fn: () => Promise<T>): Promise<T> {
    return this.als.run(ctx, fn);
  }
}

/** The default retry policy merged with `partial`. */
export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 400, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  return policy;
}

/** Full-jitter exponential backoff: a random delay in [0, min(max, base * 2^(attempt-1))]. */
export function retryDelay(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap * random());
}

/** A promise that resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
