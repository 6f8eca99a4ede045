/**
 * Group commit: many small transactions, each of which must be durable before its caller goes on,
 * share one commit (one `fsync` of SQLite's WAL, one round trip of PostgreSQL's `COMMIT`).
 *
 * A caller's work runs in the transaction of the next group, after the work of every caller
 * before it, and its promise resolves only once that transaction has committed: what a caller
 * wrote is durable when its `run` resolves, exactly as with a transaction of its own, and the
 * effects of the calls take place in the order they were made. The first call finds no group
 * under way and commits at once; calls made while a group commits wait for it and go together
 * in the next one, so a lone caller waits for nothing and a crowd shares commits.
 *
 * Failure stays the caller's: when one piece of work throws (or the group's commit fails),
 * nothing of the group is kept and each piece runs again in a transaction of its own, so only
 * the failing one fails. A commit whose outcome is unknown (`StorageConnectionError` with
 * `commitUnknown`: the connection broke during COMMIT) is not run again, since the group may have
 * committed: every caller of the group gets that error, as it would from a transaction of its own. The work must therefore be safe to run again, which a transaction's
 * callback already is (PostgreSQL retries it on a serialization failure): database statements
 * and values computed from them, no effect outside the transaction.
 */
import { StorageConnectionError } from "./errors.js";
import type { Store, TransactionOptions, Tx } from "./store.js";

/** Options of {@link groupCommit}. */
export interface GroupCommitOptions {
  /** Most callers in one transaction (default 500). */
  maxGroup?: number;
  /** Isolation of the shared transactions (PostgreSQL; default the store's: serializable). */
  isolation?: TransactionOptions["isolation"];
}

/** Transactions that share commits ({@link groupCommit}). */
export interface GroupCommit {
  /**
   * Runs `fn` in the next group's transaction and resolves with its result once that
   * transaction has committed (rejects with its error, after running it alone, if it throws).
   * Like `store.transaction`'s callback, `fn` uses `tx` only, never the store.
   */
  run<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Resolves once every `run` called before it has settled. */
  settled(): Promise<void>;
}

interface Member {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Transactions on `store` that share commits (see the module's documentation). */
export function groupCommit(store: Store, options: GroupCommitOptions = {}): GroupCommit {
  const maxGroup = Math.max(1, options.maxGroup ?? 500);
  const txOptions: TransactionOptions = options.isolation ? { isolation: options.isolation } : {};
  const queue: Member[] = [];
  let draining = false;
  let last: Promise<unknown> = Promise.resolve();

  const commit = async (group: Member[]): Promise<void> => {
    let results: unknown[] | undefined;
    try {
      results = await store.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const m of group) out.push(await m.fn(tx));
        return out;
      }, txOptions);
    } catch (error) {
      // A commit whose outcome is unknown (the connection broke during COMMIT) may have kept the
      // whole group: running its members again could apply them twice. Each caller is told, as
      // a transaction of its own would tell it, and re-reads before acting.
      if (group.length === 1 || (error instanceof StorageConnectionError && error.commitUnknown))
        return group.forEach((m) => m.reject(error));
    }
    if (results) return group.forEach((m, i) => m.resolve(results[i]));
    // Nothing of the group was kept: each runs alone, so that one failure stays its own.
    for (const m of group) await store.transaction(m.fn, txOptions).then(m.resolve, m.reject);
  };

  const drain = async (): Promise<void> => {
    draining = true;
    try {
      while (queue.length > 0) await commit(queue.splice(0, maxGroup));
    } finally {
      draining = false;
    }
  };

  return {
    run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const p = new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      });
      last = p.catch(() => undefined);
      if (!draining) void drain();
      return p;
    },
    settled(): Promise<void> {
      return last.then(() => undefined);
    },
  };
}
