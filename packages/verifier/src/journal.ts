/**
 * The SDK transaction engine's journal over `@kessai/storage`: every transaction the verifier
 * sends is recorded in the service's own database (SQLite or PostgreSQL), so that after a crash
 * the engine waits for (or replaces) what it had sent instead of sending it again.
 */
import { groupCommit, journal, type GroupCommit, type Store } from "@kessai/storage";
import { OPEN_JOURNAL_STATES, type Journal, type JournalEntry } from "@kessai/sdk";

/** Journal namespace of the verifier's transactions. */
export const TX_JOURNAL_NAMESPACE = "verifier.tx";

/**
 * A {@link Journal} in the `kessai_journal` table (namespace {@link TX_JOURNAL_NAMESPACE}), one
 * row per send keyed by the engine's key. A `put` resolves once its transaction has committed, so
 * it is durable when it resolves: the engine broadcasts a signed transaction only after the `put`
 * that records it (raw bytes, nonce) resolves, so no transaction leaves the process before its
 * journal row is on disk, and a restart finds every transaction it may have sent.
 *
 * The puts share commits ({@link groupCommit}: the puts made while one commits go together in the
 * next transaction, with the service's other writes when it passes its own group), so hundreds of
 * sends in flight cost a few `fsync`s a round, not four each. They take effect in the order they
 * were made (a later state of a key is never overwritten by an earlier one). `get` sees every put
 * of its key made before it (it waits for those alone, not for the whole group, so a send that
 * starts while hundreds of others are written does not queue behind them), and `open` every put.
 */
export class StoreJournal implements Journal {
  readonly durable = true;
  private readonly commits: GroupCommit;
  /** Per key, its newest put not yet settled (removed once it settles, if still the newest). */
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Per key retried in this process (an attempt above 0), the newest attempt put or read. */
  private readonly attempts = new Map<string, number>();

  /**
   * `onPut`, if given, is called with each entry once its `put` has committed; `commits` is the
   * group its puts join (default: one of the journal's own).
   */
  constructor(
    private readonly store: Store,
    private readonly namespace = TX_JOURNAL_NAMESPACE,
    private readonly onPut?: (entry: JournalEntry) => void,
    commits?: GroupCommit,
  ) {
    this.commits = commits ?? groupCommit(store);
  }

  /** {@inheritDoc Journal.get} */
  async get(key: string): Promise<JournalEntry | undefined> {
    // The puts of one key commit in order, so its newest settles after all of its others.
    await this.pending.get(key)?.catch(() => undefined);
    const e = await journal.get(this.store, { namespace: this.namespace, id: key });
    const entry = e ? (e.data as JournalEntry) : undefined;
    // (the row's attempt, read before each new attempt of the key: the service removes rows of
    // its own, and a key sent afresh after that starts again at 0)
    if (entry?.attempt) this.attempts.set(key, entry.attempt);
    else this.attempts.delete(key);
    return entry;
  }

  /** {@inheritDoc Journal.put} */
  async put(entry: JournalEntry): Promise<void> {
    // A stopped attempt's late write after a retry of its key put a newer attempt: not kept over
    // it (one journal serves one process at a time, so the attempts this process put suffice).
    const attempt = entry.attempt ?? 0;
    if (attempt < (this.attempts.get(entry.key) ?? 0)) return;
    if (attempt > 0) this.attempts.set(entry.key, attempt);
    // The entry as it is now: the engine changes its object after the call.
    const snapshot = { ...entry };
    const put = this.commits.run((tx) =>
      journal.put(tx, {
        namespace: this.namespace,
        id: snapshot.key,
        state: snapshot.state,
        data: snapshot,
      }),
    );
    this.pending.set(snapshot.key, put);
    const forget = () => {
      if (this.pending.get(snapshot.key) === put) this.pending.delete(snapshot.key);
    };
    put.then(forget, forget);
    await put;
    this.onPut?.(snapshot);
  }

  /** {@inheritDoc Journal.open} */
  async open(chainId: string, from: string): Promise<JournalEntry[]> {
    await this.commits.settled();
    const rows = await journal.list(this.store, {
      namespace: this.namespace,
      states: OPEN_JOURNAL_STATES,
      limit: 100_000,
    });
    return rows
      .map((r) => r.data as JournalEntry)
      .filter((e) => e.chainId === chainId && e.from.toLowerCase() === from.toLowerCase());
  }
}
