/**
 * A lock per signing account across processes and machines, on PostgreSQL advisory locks: the
 * SDK's `KeyLock` interface (`acquire(account, signal)` resolving with the release), structural,
 * so this package does not import the SDK. Processes that send with one key share it through the
 * database they already share: an engine takes the account's lock before it allocates a nonce and
 * holds it while it has transactions in flight, so the processes take turns instead of refusing
 * each other's nonces.
 *
 * The lock is a session-level `pg_try_advisory_lock` on a connection of its own (not the store's
 * pool, whose connections change hands): a process that dies, or whose connection drops, loses
 * the lock with its session, so a crashed holder never blocks the others. Waiting is a poll
 * (`pollMs`) so that an `AbortSignal` can stop it. Within the process, a second `acquire` of the
 * same account waits for the first release (PostgreSQL's session locks are re-entrant, so the
 * session alone would not keep two engines of this process apart).
 *
 * The key is `hashtextextended('kessai.key-lock:' || lower(account), 0)` (a 64-bit hash computed by
 * the server): two accounts sharing a hash would only take turns needlessly.
 */
import type pg from "pg";
import { StorageConnectionError, StorageError } from "./errors.js";
import { mapPgError } from "./driver-errors.js";

/** Options of {@link openPostgresKeyLock}. */
export interface PostgresKeyLockOptions {
  /** The database's URL (the same as the store's). */
  connectionString: string;
  /** How often a waiting `acquire` tries again, in ms (default 25). */
  pollMs?: number;
}

/** The SDK's `KeyLock` on PostgreSQL advisory locks, with the connection it holds. */
export interface PostgresKeyLock {
  /**
   * Waits until no other session holds `account`'s lock (nor another caller in this process),
   * takes it and resolves with the function that releases it. Rejects with `signal.reason` when
   * `signal` aborts, and with a {@link StorageConnectionError} when the server is unreachable.
   */
  acquire(account: string, signal?: AbortSignal): Promise<() => Promise<void>>;
  /** Accounts this process holds now (lower-case). */
  held(): string[];
  /** Releases every lock held and closes the connection. Idempotent. */
  close(): Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Opens the lock's connection lazily (on the first `acquire`).
 *
 * @example
 * const lock = openPostgresKeyLock({ connectionString: process.env.DATABASE_URL! });
 * const signer = withNonceQueue(wallet, { journal, lock });
 */
export function openPostgresKeyLock(options: PostgresKeyLockOptions): PostgresKeyLock {
  const pollMs = options.pollMs ?? 25;
  let client: Promise<pg.Client> | undefined;
  let closed = false;
  /** Accounts held by this process, and the callers waiting in this process, in order. */
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();

  const connect = () => {
    client ??= (async () => {
      const driver = (await import("pg")).default;
      const c = new driver.Client({ connectionString: options.connectionString });
      // A dropped connection takes the locks with it; the next query reports it.
      c.on("error", () => undefined);
      try {
        await c.connect();
      } catch (e) {
        client = undefined;
        throw mapPgError(e, "connect");
      }
      return c;
    })();
    return client;
  };
  const query = async (text: string, values: unknown[]) => {
    const c = await connect();
    try {
      return await c.query(text, values);
    } catch (e) {
      const mapped = mapPgError(e, text);
      if (mapped instanceof StorageConnectionError) {
        // The session is gone and its locks with it: start afresh next time.
        client = undefined;
        held.clear();
        void c.end().catch(() => undefined);
      }
      throw mapped;
    }
  };
  const KEY = "hashtextextended('kessai.key-lock:' || $1, 0)";

  /** Waits for this process's own holder of `account` to release it. */
  const inProcess = async (account: string, signal?: AbortSignal) => {
    while (held.has(account)) {
      await new Promise<void>((resolve, reject) => {
        const list = waiting.get(account) ?? [];
        const wake = () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        };
        const onAbort = () => {
          const l = waiting.get(account);
          if (l) l.splice(l.indexOf(wake) >>> 0, 1);
          reject(signal!.reason as Error);
        };
        if (signal?.aborted) return reject(signal.reason as Error);
        signal?.addEventListener("abort", onAbort, { once: true });
        list.push(wake);
        waiting.set(account, list);
      });
    }
  };

  return {
    async acquire(account, signal) {
      if (closed) throw new StorageError("The key lock is closed");
      const a = account.toLowerCase();
      for (;;) {
        await inProcess(a, signal);
        if (signal?.aborted) throw signal.reason;
        if (held.has(a)) continue; // another caller of this process got it first
        held.add(a); // claimed in this process while the server is asked
        let got = false;
        try {
          const r = await query(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, [a]);
          got = r.rows[0]?.ok === true;
        } finally {
          if (!got) {
            held.delete(a);
            waiting.get(a)?.shift()?.();
          }
        }
        if (got) break;
        await sleep(pollMs, signal);
      }
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        try {
          if (client && held.has(a)) await query(`SELECT pg_advisory_unlock(${KEY})`, [a]);
        } finally {
          held.delete(a);
          waiting.get(a)?.shift()?.();
        }
      };
    },
    held: () => [...held],
    async close() {
      if (closed) return;
      closed = true;
      const c = client;
      client = undefined;
      held.clear();
      if (c) await (await c).end().catch(() => undefined);
    },
  };
}
