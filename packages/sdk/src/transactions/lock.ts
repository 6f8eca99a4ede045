/**
 * Coordination of several processes that send with one key. Each process's engine takes the
 * key's lock before it allocates a nonce and keeps it while it has transactions in flight
 * (allocated, broadcasting, or watched until their confirmations); taking it again, the engine
 * re-reads the account's next nonce from the node. So the processes take turns, each starting
 * from the chain's count, instead of refusing each other's nonces.
 *
 * Without a lock, processes on one key keep getting {@link NonceError}: give each process its
 * own key, or share a lock.
 */
export interface KeyLock {
  /**
   * Waits until this process may send with `account` (nobody else holds its lock), then resolves
   * with the function that releases it. Rejects with `signal.reason` when `signal` aborts.
   */
  acquire(account: string, signal?: AbortSignal): Promise<() => Promise<void>>;
}

interface Holder {
  pid: number;
  host: string;
  at: number;
}

/**
 * A {@link KeyLock} for processes on one machine: a lock file per account in `dir`, created
 * exclusively (`O_EXCL`) and holding the owner's process ID. A lock file whose process no longer
 * runs (on this host) is stale and taken over; one from another host is never taken over (use a
 * database lock, e.g. PostgreSQL's `pg_advisory_lock`, across machines). Node.js only.
 */
export class FileKeyLock implements KeyLock {
  readonly dir: string;
  private readonly pollMs: number;

  /** `pollMs`: how often a waiting process looks again (default 25). */
  constructor(dir: string, options: { pollMs?: number } = {}) {
    this.dir = dir;
    this.pollMs = options.pollMs ?? 25;
  }

  /** The lock file of `account`. */
  async file(account: string): Promise<string> {
    const path = await import("node:path");
    return path.join(this.dir, `${account.toLowerCase()}.lock`);
  }

  /** {@inheritDoc KeyLock.acquire} */
  async acquire(account: string, signal?: AbortSignal): Promise<() => Promise<void>> {
    const fs = await import("node:fs/promises");
    const os = await import("node:os");
    const file = await this.file(account);
    await fs.mkdir(this.dir, { recursive: true });
    const me: Holder = { pid: process.pid, host: os.hostname(), at: Date.now() };
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      try {
        const h = await fs.open(file, "wx");
        try {
          await h.writeFile(JSON.stringify(me));
          await h.sync();
        } finally {
          await h.close();
        }
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await fs.rm(file, { force: true });
        };
      } catch (err) {
        if ((err as { code?: string }).code !== "EEXIST") throw err;
      }
      if (await this.stale(file, me.host)) {
        await fs.rm(file, { force: true });
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(t);
          reject(signal!.reason);
        };
        const t = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, this.pollMs);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  /** True when the lock file's process is gone (same host only). */
  private async stale(file: string, host: string): Promise<boolean> {
    const fs = await import("node:fs/promises");
    let holder: Holder;
    try {
      holder = JSON.parse(await fs.readFile(file, "utf8")) as Holder;
    } catch {
      return false; // being written, or just removed: look again
    }
    if (holder.host !== host || typeof holder.pid !== "number") return false;
    try {
      process.kill(holder.pid, 0);
      return false;
    } catch (err) {
      return (err as { code?: string }).code === "ESRCH";
    }
  }
}
