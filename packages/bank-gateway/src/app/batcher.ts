/**
 * Group commit for the gateway's short write transactions (a request's hold, outbox item and
 * stored response; the worker's record of a send), as the storage layer's journal does for its
 * puts: callers queue units of work; one writer runs all the units queued so far, in order, in
 * one database transaction, and settles every caller once that transaction has committed. With
 * 200 requests at once, one commit (one fsync on SQLite with `synchronous = FULL`) serves many
 * units instead of one each.
 *
 * Nothing is weaker than one transaction per unit:
 * - A caller's promise settles only after the commit that holds its writes: a response is never
 *   sent, and nothing is sent on chain, for writes that a crash could still undo.
 * - Units run one after another inside the transaction and see each other's writes, as they would
 *   one commit apart (a second request with the same Idempotency-Key replays the first).
 * - When any unit throws, the whole transaction is rolled back, and every unit of that batch runs
 *   again alone in a transaction of its own: the failing one fails by itself (its 4xx, its lease
 *   lost), the others commit as if they had never been batched.
 * - A unit that writes ledger accounts names them, and a batch locks all its units' accounts in
 *   one statement, in ID order, before its first unit runs (the lock order of store/ledger.ts):
 *   units that lock as they go would lock in arrival order, and a batch funding firms B then A
 *   would hold B's deposit account while it waits for A's, which the watcher may hold while it
 *   waits for B's.
 */
import type { Store, Tx } from "@kessai/storage";
import { lockAccounts } from "../store/ledger.js";

interface Unit {
  fn: (tx: Tx) => Promise<unknown>;
  accounts: readonly string[];
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface WriteBatcher {
  /**
   * Runs `fn` in a READ COMMITTED transaction, possibly shared with other units (see above), with
   * `accounts` (the ledger accounts `fn` may write) locked before it.
   */
  run<T>(fn: (tx: Tx) => Promise<T>, accounts?: readonly string[]): Promise<T>;
  /** Resolves when every unit queued so far is settled. */
  flush(): Promise<void>;
}

/** Thrown inside a batch to roll it back after a unit failed (never leaves this module). */
class BatchAborted extends Error {}

/** Locks `accounts` (in ID order, store/ledger.ts), then runs `fn`: one unit's transaction. */
export function lockingFirst<T>(
  accounts: readonly string[],
  fn: (tx: Tx) => Promise<T>,
): (tx: Tx) => Promise<T> {
  return async (tx) => {
    if (accounts.length > 0) await lockAccounts(tx, [...accounts]);
    return fn(tx);
  };
}

export function writeBatcher(store: Store, opts: { maxBatch?: number } = {}): WriteBatcher {
  const max = opts.maxBatch ?? 64;
  let queue: Unit[] = [];
  let drained: Promise<void> = Promise.resolve();
  let writing = false;
  const alone = async (u: Unit) => {
    try {
      u.resolve(
        await store.transaction(lockingFirst(u.accounts, u.fn), { isolation: "read-committed" }),
      );
    } catch (e) {
      u.reject(e);
    }
  };
  const drain = async () => {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, max);
        queue = queue.slice(batch.length);
        if (batch.length === 1) {
          await alone(batch[0]!);
          continue;
        }
        let results: unknown[] | undefined;
        try {
          results = await store.transaction(
            lockingFirst(
              batch.flatMap((u) => u.accounts),
              async (tx) => {
                const out: unknown[] = [];
                for (const u of batch) {
                  try {
                    out.push(await u.fn(tx));
                  } catch {
                    throw new BatchAborted();
                  }
                }
                return out;
              },
            ),
            { isolation: "read-committed" },
          );
        } catch {
          results = undefined; // a unit failed or the commit did: each unit again, alone
        }
        if (results) batch.forEach((u, i) => u.resolve(results![i]));
        else for (const u of batch) await alone(u);
      }
    } finally {
      writing = false;
    }
  };
  return {
    run<T>(fn: (tx: Tx) => Promise<T>, accounts: readonly string[] = []): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, accounts, resolve: resolve as (v: unknown) => void, reject });
        if (!writing) drained = drain();
      });
    },
    flush: () => drained,
  };
}
