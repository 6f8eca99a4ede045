/**
 * The SDK transaction engine's journal over `@kessai/storage`: every transaction the verifier
 * sends is recorded in the service's own database (SQLite or PostgreSQL), so that after a crash
 * the engine waits for (or replaces) what it had sent instead of sending it again.
 */
import { journal, type Store } from "@kessai/storage";
import { OPEN_JOURNAL_STATES, type Journal, type JournalEntry } from "@kessai/sdk";

/** Journal namespace of the verifier's transactions. */
export const TX_JOURNAL_NAMESPACE = "verifier.tx";

/**
 * A {@link Journal} in the `kessai_journal` table (namespace {@link TX_JOURNAL_NAMESPACE}), one
 * row per send keyed by the engine's key; each `put` is one transaction, so it is durable when it
 * resolves. Calls are chained so that they take effect in the order they were made.
 */
export class StoreJournal implements Journal {
  readonly durable = true;
  private last: Promise<unknown> = Promise.resolve();

  /** `onPut`, if given, is called with each entry once its `put` has committed. */
  constructor(
    private readonly store: Store,
    private readonly namespace = TX_JOURNAL_NAMESPACE,
    private readonly onPut?: (entry: JournalEntry) => void,
  ) {}

  /** {@inheritDoc Journal.get} */
  async get(key: string): Promise<JournalEntry | undefined> {
    await this.last.catch(() => undefined);
    const e = await journal.get(this.store, { namespace: this.namespace, id: key });
    return e ? (e.data as JournalEntry) : undefined;
  }

  /** {@inheritDoc Journal.put} */
  put(entry: JournalEntry): Promise<void> {
    const snapshot = { ...entry };
    const p = this.last
      .catch(() => undefined)
      .then(() =>
        this.store.transaction(async (tx) => {
          await journal.put(tx, {
            namespace: this.namespace,
            id: entry.key,
            state: entry.state,
            data: entry,
          });
        }),
      )
      .then(() => this.onPut?.(snapshot));
    this.last = p;
    return p;
  }

  /** {@inheritDoc Journal.open} */
  async open(chainId: string, from: string): Promise<JournalEntry[]> {
    await this.last.catch(() => undefined);
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
