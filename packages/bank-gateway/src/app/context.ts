/** What every use case gets: the store, the chain port, the settings and a logger. */
import type { DatabaseClock, Store, Tx } from "@kessai/storage";
import type { DepositChain } from "../chain/port.js";
import { lockingFirst, type WriteBatcher } from "./batcher.js";

/** A logger with pino's shape (the use cases never import pino). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

export interface GatewaySettings {
  /** Blocks on top of an event's block before it counts (0: the event's own block). */
  confirmations: number;
  /** First block the watcher reads when it has no cursor. */
  startBlock: number;
  /** Most blocks read per query. */
  maxBlockRange: number;
  /** Largest amount of one request. */
  maxAmount: bigint;
  /** Outbox: worker name, lease, attempts and backoff. */
  worker: {
    id: string;
    leaseMs: number;
    batch: number;
    maxAttempts: number;
    backoff: { initialDelayMs: number; multiplier: number; maxDelayMs: number; jitter: number };
  };
}

/**
 * Named points where a test may stop the process (kill -9) to prove that a restart neither loses
 * nor repeats anything. No-ops in production.
 */
export type CrashPoint =
  | "issuance.after-hold"
  | "issue.before-send"
  | "issue.after-send"
  | "watch.before-commit"
  | "watch.after-commit";

export interface GatewayContext {
  store: Store;
  chain: DepositChain;
  chainId: number;
  settings: GatewaySettings;
  log: Logger;
  /** Test hook, see {@link CrashPoint}. */
  crashPoint?: (point: CrashPoint) => void;
  /** Aborts when the gateway stops: sends in flight stop waiting (a restart takes them up). */
  signal?: AbortSignal;
  /**
   * Group commit of requests and of the worker's records (see batcher.ts); without it each runs
   * in a transaction of its own.
   */
  writes?: WriteBatcher;
  /**
   * The database's clock, on which every time the gateway writes is (the outbox's due times,
   * leases and retries, the records' `created_at` and `updated_at`): instances on hosts whose
   * clocks disagree then compare them on one clock. The worker reads it at most once a second;
   * without it, the host's clock.
   */
  clock?: DatabaseClock;
}

/**
 * Now on the database's clock ({@link GatewayContext.clock}): every time the gateway writes is
 * this, or, when the store is given no time, the database's clock read by the statement
 * (store/time.ts).
 */
export const databaseNow = (ctx: Pick<GatewayContext, "clock">): Date =>
  ctx.clock?.now() ?? new Date();

/**
 * Runs `fn` in a READ COMMITTED write transaction: through `ctx.writes` when there is one. The
 * ledger accounts `fn` may write are named in `accounts` and locked first (in ID order, before
 * anything else: the lock order of store/ledger.ts, also across the units of a group commit).
 */
export function write<T>(
  ctx: Pick<GatewayContext, "store" | "writes">,
  fn: (tx: Tx) => Promise<T>,
  accounts: readonly string[] = [],
): Promise<T> {
  return ctx.writes
    ? ctx.writes.run(fn, accounts)
    : ctx.store.transaction(lockingFirst(accounts, fn), { isolation: "read-committed" });
}
