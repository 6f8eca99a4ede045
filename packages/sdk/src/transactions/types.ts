import type { TransactionReceipt } from "ethers";
import type { Journal } from "./journal.js";
import type { TxPolicy } from "./policy.js";
import type { Fees } from "./fees.js";
import type { KeyLock } from "./lock.js";

/** What happened to a send, reported as it happens ({@link TxEngine.on}, `onEvent`) and kept. */
export type TxEventType =
  /** The first transaction of the send was broadcast. */
  | "submitted"
  /** A replacement on the same nonce with higher fees was broadcast (`reason`, `previous`). */
  | "replaced"
  /** The same signed transaction was broadcast again (`reason`: `reorged` or `resumed`). */
  | "rebroadcast"
  /**
   * The send's transaction was mined out of gas (`previous`), and a new one with a larger gas
   * limit (`gasLimit`) was broadcast on the next nonce (`reason`: `out-of-gas`); see
   * `TxPolicy.outOfGasResends`.
   */
  | "resent"
  /** A transaction of the send was mined (`blockNumber`, `blockHash`). */
  | "mined"
  /**
   * A mined transaction of the send left the canonical chain (`blockNumber`, `blockHash` of the
   * block that no longer holds it): a reorg undid it. The engine puts it back (re-broadcast)
   * unless it was re-mined elsewhere; the caller should re-check what depended on it.
   */
  | "reorged"
  /** The send has its confirmations and succeeded. */
  | "confirmed"
  /** The send has its confirmations and reverted. */
  | "reverted"
  /** A send was taken up again from the journal (after a restart, or by a send with its key). */
  | "resumed"
  /** Nobody waits for the send any more (deadline, abort, fee ceiling): the engine stops. */
  | "abandoned";

/** Why a transaction was replaced or re-broadcast. */
export type TxEventReason =
  /** Not in the mempool, not mined, its nonce unused. */
  | "dropped"
  /** Its max fee (or gas price) is below the base fee. */
  | "priced-out"
  /**
   * Pending longer than the policy allows (`bumpAfterBlocks`, `bumpAfterMs`); or held by the node
   * on the account's next nonce without being counted as pending (not executable) for `gapFillMs`.
   */
  | "stuck"
  /** It was mined, then a reorg removed it and it was not in the mempool any more. */
  | "reorged"
  /** Taken up from the journal, and the node no longer had it. */
  | "resumed"
  /** Mined out of gas with a gas limit the engine estimated. */
  | "out-of-gas";

/** One event of a send. */
export interface TxEvent {
  type: TxEventType;
  /** Journal key of the send. */
  key: string;
  /** SDK action, e.g. `firm.settle`. */
  action: string | undefined;
  account: string;
  nonce: number;
  /**
   * The transaction the event is about; empty when the send has none the engine knows of (a
   * node-managed request lost in transit, watched by its nonce: `resumed`, and `abandoned` after
   * `SendOutcomeUnknownError`).
   */
  hash: string;
  /** `replaced`: the transaction it replaces. */
  previous?: string;
  reason?: TxEventReason;
  blockNumber?: number;
  blockHash?: string;
  /** `replaced`: the new fees. */
  fees?: Fees;
  /** `resent`: the gas limit of the new transaction. */
  gasLimit?: bigint;
  /** Milliseconds since the epoch. */
  at: number;
}

/** Outcome of a mined, successful send. */
export interface TxResult {
  /** The transaction that was mined (the original or a replacement). */
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
  /** Its nonce. */
  nonce: number;
  /** Journal key of the send (the caller's, or one the engine made up). */
  key: string;
  /**
   * Every transaction signed for the send, oldest first (those mined out of gas and sent again
   * included: see `TxPolicy.outOfGasResends`).
   */
  hashes: string[];
  /** What happened, in order (submitted, replaced, reorged, mined, confirmed, ...). */
  events: TxEvent[];
  /**
   * True when this call did not send the transaction itself: it waited for one sent earlier
   * under the same key (in this process, or before a restart, from the journal).
   */
  resumed: boolean;
  /** True when a reorg removed one of the send's mined transactions while the engine watched. */
  reorged: boolean;
}

/** Per-send options: the policy's fields, plus a key, a signal, a deadline and a listener. */
export interface SendOptions extends TxPolicy {
  /**
   * Journal key: one per intended effect (e.g. `<settlement ID>:settle`). A second send with a
   * key already sent (in this process, or in the journal after a restart) waits for that
   * transaction (or replaces it if it was dropped) instead of sending again; with other call
   * data it fails with {@link JournalConflictError}. A key whose send reverted or was replaced
   * by a foreign transaction is sent afresh. Default: a new key per send.
   */
  key?: string;
  /** Aborts the send ({@link SendAbortedError}); the engine stops watching it at once. */
  signal?: AbortSignal;
  /** Absolute deadline, milliseconds since the epoch (default: now + `timeoutMs`). */
  deadline?: number;
  /** Name in errors and events, e.g. `firm.settle`. */
  action?: string;
  /** Called with every event of this send. */
  onEvent?: (e: TxEvent) => void;
}

/** Options of a {@link TxEngine} (given to `connect` as `transactions`). */
export interface TxEngineOptions {
  /** Defaults of every send of this engine. */
  policy?: TxPolicy;
  /** Where in-flight work is recorded (default: a new {@link MemoryJournal} per engine). */
  journal?: Journal;
  /**
   * Coordination with other processes that send with the same key (default: none; they then
   * get {@link NonceError}). See {@link KeyLock}.
   */
  lock?: KeyLock;
}
