/**
 * The journal of in-flight work: what the transaction engine meant to send, what it signed and
 * what became of it, so that a restarted process waits for (or replaces) what it had sent instead
 * of sending it again.
 *
 * A storage back end implements {@link Journal}: three calls over plain JSON records keyed by a
 * string. The SDK ships {@link MemoryJournal} (the default: one process, nothing survives it) and
 * `FileJournal` (append-only JSON lines with fsync). A SQL back end needs one table:
 *
 * ```sql
 * CREATE TABLE tx_journal (
 *   key        TEXT PRIMARY KEY,          -- JournalEntry.key
 *   chain_id   TEXT NOT NULL,             -- JournalEntry.chainId
 *   sender     TEXT NOT NULL,             -- JournalEntry.from
 *   state      TEXT NOT NULL,             -- JournalEntry.state
 *   entry      TEXT NOT NULL,             -- the whole JournalEntry as JSON (JSONB on PostgreSQL)
 *   updated_at BIGINT NOT NULL            -- JournalEntry.updatedAt
 * );
 * CREATE INDEX tx_journal_open ON tx_journal (chain_id, sender) WHERE state IN ('signed', 'mined');
 * ```
 * `put` is an upsert of the row, `get` a select by key, `open` a select on the index.
 */

/**
 * Where a journaled send stands.
 * - `intent`: recorded before signing; nothing was sent (no nonce used).
 * - `signed`: signed with a nonce (the raw transaction is kept) and broadcast, or about to be.
 * - `mined`: one of its transactions is mined, with fewer confirmations than asked for.
 * - `confirmed`: mined with the confirmations asked for, and succeeded.
 * - `reverted`: mined with the confirmations asked for, and reverted.
 * - `replaced`: its nonce was used by a transaction the engine did not sign for it.
 * - `abandoned`: the caller gave up (deadline, abort, fee ceiling) while it was pending; it may
 *   still be mined. A send with the same key waits for it; the engine does not resume it alone.
 *
 * `signed` and `mined` are *open*: on start, the engine resumes them by itself.
 */
export type JournalState =
  "intent" | "signed" | "mined" | "confirmed" | "reverted" | "replaced" | "abandoned";

/** States a process resumes by itself when it starts. */
export const OPEN_JOURNAL_STATES: readonly JournalState[] = ["signed", "mined"];

/** One signed transaction of a send (the original, or a replacement on the same nonce). */
export interface JournalTx {
  hash: string;
  /**
   * The signed, serialized transaction, re-broadcast unchanged when it fell out of the mempool or
   * out of the chain. Absent when the node signs (a node-managed account).
   */
  raw?: string;
  /** Decimal wei per gas (EIP-1559). */
  maxFeePerGas?: string;
  /** Decimal wei per gas (EIP-1559). */
  maxPriorityFeePerGas?: string;
  /** Decimal wei per gas (legacy and EIP-2930 transactions). */
  gasPrice?: string;
  /** Milliseconds since the epoch when it was signed. */
  at: number;
}

/** One send, as the journal keeps it. Plain JSON: strings, numbers, arrays and objects. */
export interface JournalEntry {
  /** The caller's key (unique per intended effect), or one the engine made up. */
  key: string;
  /**
   * Set when the engine made `key` up (the caller gave none): taken up after a restart, the send
   * is waited for and re-broadcast unchanged, but nothing is sent in its place (no replacement
   * past `bumpAfterBlocks`/`bumpAfterMs`, no resend after running out of gas) unless a caller
   * waits for it; priced out, or held by the node on the account's next nonce without being
   * counted pending, it is still replaced by the same call on its nonce. Absent (an entry written
   * before it was recorded), a key of the engine's making (`tx:<uuid>:<n>`) counts as set.
   */
  unkeyed?: boolean;
  /**
   * Which attempt of the key this entry is (absent: 0): a send of a key already in the journal,
   * in this process or a restarted one, raises it. A journal ignores a `put` of an attempt below
   * the one it holds for the key: a stopped attempt's late write never overwrites a newer one's.
   */
  attempt?: number;
  /** Chain ID, decimal. */
  chainId: string;
  /** The sending account, checksummed. */
  from: string;
  /** SDK action, e.g. `firm.settle`. */
  action?: string;
  /**
   * What is sent: target, call data, value (decimal wei) and gas limit (decimal); `gasEstimated`
   * when the engine estimated the limit (a send mined out of gas is then sent again).
   */
  request: {
    to: string | null;
    data: string;
    value: string;
    gasLimit?: string;
    gasEstimated?: boolean;
  };
  state: JournalState;
  /** The nonce, once allocated. */
  nonce?: number;
  /** Every transaction signed for this send, oldest first. */
  txs: JournalTx[];
  /** The head's number when it was first broadcast (where to look for a replacement). */
  firstBlock?: number;
  /**
   * The number of the head the engine last saw when it signed (or, a node-managed account, sent)
   * the first transaction on `nonce`: none of the send's transactions is mined at or below it, so
   * the search for what used the nonce starts there. Absent when the engine had no head yet (a
   * first send's, read beside its estimate, not answered in time), and in entries of older
   * versions (then `firstBlock` bounds a send whose first transaction is known, and nothing bounds
   * one watched by its nonce).
   */
  startBlock?: number;
  /**
   * Transactions of this send mined out of gas, oldest first: each was followed by a new
   * transaction on a later nonce with a larger gas limit (`nonce` and `txs` are the newest's).
   */
  outOfGas?: string[];
  /** The transaction that was mined, once one was. */
  mined?: { hash: string; blockNumber: number; blockHash: string; status: number };
  /** Why it ended without success (`reverted`, `replaced`, `abandoned`). */
  error?: string;
  /** Milliseconds since the epoch of the last change. */
  updatedAt: number;
}

/**
 * Durable storage of {@link JournalEntry} records by key. Requirements on an implementation:
 * - `put` replaces the entry with that key (or adds it) and resolves once it is durable: after a
 *   crash, `get` returns it or a later version; a `put` whose `attempt` is below the held entry's
 *   (absent counts as 0) changes nothing (compare-and-set on the attempt);
 * - calls to `put` on one journal take effect in the order they were made;
 * - `get` returns the latest `put` (a copy: the engine never mutates what it reads);
 * - `open` returns the entries of that chain and sender whose state is in
 *   {@link OPEN_JOURNAL_STATES}, in any order.
 * One journal serves one process at a time.
 */
export interface Journal {
  /**
   * False for a journal that does not survive the process ({@link MemoryJournal}): the engine
   * then records only sends that have a key. Default: true.
   */
  readonly durable?: boolean;
  /** The latest entry with this key (a copy), or undefined. */
  get(key: string): Promise<JournalEntry | undefined>;
  /** Adds or replaces the entry with `entry.key`; resolves once it is durable. */
  put(entry: JournalEntry): Promise<void>;
  /** Open entries (state `signed` or `mined`) of this chain (decimal ID) and sender. */
  open(chainId: string, from: string): Promise<JournalEntry[]>;
}

/**
 * A deep copy of a JSON value, as `JSON.parse(JSON.stringify(e))` makes it, without writing and
 * parsing the text when the entry holds only plain values (strings, finite numbers, booleans,
 * null, plain objects and arrays; properties holding `undefined` left out): the strings (call
 * data, signed transactions) are shared, not copied. Anything else (a bigint, a Date, NaN, an
 * array hole, a `toJSON`) takes the JSON round trip itself, so the copy is always what the file
 * journal would read back, and a value JSON refuses throws here. Every put and get of the memory
 * journal copies.
 */
export function copyEntry(e: JournalEntry): JournalEntry {
  try {
    return copyPlain(e);
  } catch (err) {
    if (err !== NOT_PLAIN) throw err;
    return JSON.parse(JSON.stringify(e)) as JournalEntry;
  }
}

const NOT_PLAIN = Symbol("not plain JSON");

function copyPlain<T>(v: T): T {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v !== "object") throw NOT_PLAIN;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      if (!(i in v) || v[i] === undefined) throw NOT_PLAIN;
      out.push(copyPlain(v[i]));
    }
    return out as T;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in v) throw NOT_PLAIN;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    if (k === "__proto__") throw NOT_PLAIN;
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined) out[k] = copyPlain(x);
  }
  return out as T;
}

/**
 * The journal that keeps entries in this process only (the engine's default): nothing survives a
 * restart, but a send with a key already sent in this process waits for that send instead of
 * sending again. Keeps every open entry and the last `maxClosed` (default 10,000) closed ones.
 */
export class MemoryJournal implements Journal {
  readonly durable = false;
  private readonly entries = new Map<string, JournalEntry>();
  private readonly maxClosed: number;
  private closed = 0;

  constructor(options: { maxClosed?: number } = {}) {
    this.maxClosed = options.maxClosed ?? 10_000;
  }

  /** {@inheritDoc Journal.get} */
  async get(key: string): Promise<JournalEntry | undefined> {
    const e = this.entries.get(key);
    return e && copyEntry(e);
  }

  /** {@inheritDoc Journal.put} */
  async put(entry: JournalEntry): Promise<void> {
    const was = this.entries.get(entry.key);
    if (was && olderAttempt(entry, was)) return;
    if (was) {
      this.entries.delete(entry.key); // re-inserted last: the map keeps insertion order
      if (!isOpen(was)) this.closed--;
    }
    this.entries.set(entry.key, copyEntry(entry));
    if (!isOpen(entry)) this.closed++;
    if (this.closed > this.maxClosed) {
      for (const [k, e] of this.entries) {
        if (this.closed <= this.maxClosed) break;
        if (!isOpen(e)) {
          this.entries.delete(k);
          this.closed--;
        }
      }
    }
  }

  /** {@inheritDoc Journal.open} */
  async open(chainId: string, from: string): Promise<JournalEntry[]> {
    const f = from.toLowerCase();
    return [...this.entries.values()]
      .filter((e) => e.chainId === chainId && e.from.toLowerCase() === f && isOpen(e))
      .map(copyEntry);
  }
}

/** True when `entry` is of an earlier attempt of its key than `held` (see JournalEntry.attempt). */
export function olderAttempt(entry: JournalEntry, held: JournalEntry): boolean {
  return (entry.attempt ?? 0) < (held.attempt ?? 0);
}

/** True for an entry the engine resumes on start. */
export function isOpen(e: JournalEntry): boolean {
  return OPEN_JOURNAL_STATES.includes(e.state);
}

/**
 * True when transaction `tx` carries the call of `request` (same target, call data and value):
 * signed anywhere, on the send's account and nonce, it is the send's own outcome, since at most
 * one transaction per nonce is mined. The one rule the engine and the services use to tell a
 * send's own transaction, found by its nonce, from another's.
 */
export function carriesCall(
  tx: { to?: string | null; data: string; value: bigint | string },
  request: { to: string | null; data: string; value: bigint | string },
): boolean {
  return (
    (tx.to ?? "").toLowerCase() === (request.to ?? "").toLowerCase() &&
    tx.data.toLowerCase() === (request.data || "0x").toLowerCase() &&
    BigInt(tx.value) === BigInt(request.value)
  );
}
