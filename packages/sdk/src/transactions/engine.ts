import {
  AbstractSigner,
  BaseWallet,
  JsonRpcApiProvider,
  JsonRpcSigner,
  getAddress,
  keccak256,
  toQuantity,
  Transaction,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
  type TransactionResponse,
} from "ethers";
import { KessaiError } from "../errors/base.js";
import { toKessaiError } from "../errors/decode.js";
import { NodeError } from "../errors/transport.js";
import {
  FeeCeilingError,
  JournalConflictError,
  NonceError,
  OutOfGasError,
  SendAbortedError,
  SendInTransitError,
  SendOutcomeUnknownError,
  SendTimeoutError,
  TransactionFailedError,
  TransactionReplacedError,
  type SendInterruption,
  type SendPhase,
} from "../errors/transaction.js";
import { bumpFees, feesOf, pricedOut, type Fees } from "./fees.js";
import {
  MemoryJournal,
  carriesCall,
  type Journal,
  type JournalEntry,
  type JournalTx,
} from "./journal.js";
import type { KeyLock } from "./lock.js";
import {
  gasLimitWithMargin,
  resolvePolicy,
  type ResolvedTxPolicy,
  type TxPolicy,
} from "./policy.js";
import { nonceQueue, type NonceQueue } from "./queue.js";
import { decodeMinedRevert } from "./revert.js";
import {
  headWatcher,
  type ChainReader,
  type Head,
  type HeadWatcher,
  type RpcTransaction,
} from "./rpc.js";
import type { SendOptions, TxEngineOptions, TxEvent, TxEventReason, TxResult } from "./types.js";

/** The nonce was used by another transaction (ours or another wallet's). */
const NONCE_USED_RE =
  /nonce (too low|has already been used)|invalid nonce|NONCE_EXPIRED|replacement (transaction )?underpriced|already known|known transaction/i;
/** The node already holds this very transaction. */
type RawSend = (method: string, params: unknown[]) => Promise<unknown>;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;
const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;
/** The fields of a plain call, which {@link TxEngine.estimate} asks the node for itself. */
const PLAIN_CALL_KEYS = new Set(["from", "to", "data", "value"]);
const ALREADY_KNOWN_RE = /already known|known transaction|already imported/i;
/** The node cannot queue the transaction before its predecessor arrives (automine). */
const NONCE_HIGH_RE = /nonce too high/i;
/** A replacement refused because its fees are too low (for the pool or for the base fee). */
const UNDERPRICED_RE =
  /underpriced|fee too low|less than (the )?(block )?base ?fee|max fee per gas less than|feecap|fee cap/i;
/**
 * The transport failed, or the node's RPC server gave up waiting for its own handler (geth's
 * `-32002 request timed out`): the node may or may not have taken the transaction.
 */
const AMBIGUOUS_CODES = new Set(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR"]);
const AMBIGUOUS_RE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|fetch failed|network error|request time(?:out|d out)/i;
/** Broadcasts of a "nonce too high" transaction after its predecessors settled. */
const MAX_REORDER_RETRIES = 20;
/** Gas limit of a gap filler (a zero-value transfer to oneself). */
const FILLER_GAS = 21_000n;
/** Transactions submitted through the signer interface that a later `wait` can take up. */
const RECENT_LIMIT = 4_096;
/** A gas limit with margin above this is checked against the block's even before a head is seen. */
const BLOCK_GAS_CHECK = 10_000_000n;

function errorText(err: unknown): string {
  const e = err as
    | { code?: string; message?: string; shortMessage?: string; info?: { error?: unknown } }
    | undefined;
  const inner = e?.info?.error as { message?: string } | undefined;
  return `${e?.code ?? ""} ${e?.shortMessage ?? ""} ${e?.message ?? ""} ${inner?.message ?? ""}`;
}

function ambiguous(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return (code !== undefined && AMBIGUOUS_CODES.has(code)) || AMBIGUOUS_RE.test(errorText(err));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` after `ms` on a timer that does not keep the process alive: a hole's filler matters
 * only while a send of this process waits above it, and that send's own watch keeps it alive.
 */
function later(fn: () => void, ms: number): void {
  const t = setTimeout(fn, ms) as { unref?: () => void };
  t.unref?.();
}

/** Waits `ms`, or rejects with `signal.reason` as soon as it aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** What {@link within} gives when its time passed first. */
const UNANSWERED = Symbol("unanswered");

/** `p`'s outcome, or {@link UNANSWERED} once `ms` passed without it (`p` keeps running). */
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof UNANSWERED> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof UNANSWERED>((resolve) => {
    timer = setTimeout(() => resolve(UNANSWERED), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** `p`, or a rejection with `signal.reason` as soon as `signal` aborts. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** Why a send stopped before its outcome. */
type StopReason = { kind: "timeout"; deadline: number } | { kind: "abort"; cause: unknown };

/** Thrown inside the engine when a send's caller stops waiting (never escapes to callers). */
class Stopped extends Error {
  readonly reason: StopReason;
  constructor(reason: StopReason) {
    super(reason.kind);
    this.reason = reason;
  }
}

/** A send's deadline and its caller's signal, as one stop. */
class Stopper {
  reason: StopReason | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly signal: AbortSignal | undefined;
  private listeners: Set<() => void> | undefined;
  private controller: AbortController | undefined;
  private readonly onAbort = () => this.stop({ kind: "abort", cause: this.signal?.reason });

  constructor(signal: AbortSignal | undefined, deadline: number) {
    this.signal = signal;
    if (signal?.aborted) this.stop({ kind: "abort", cause: signal.reason });
    else {
      signal?.addEventListener("abort", this.onAbort, { once: true });
      if (Number.isFinite(deadline)) {
        const ms = Math.max(0, deadline - Date.now());
        this.timer = setTimeout(() => this.stop({ kind: "timeout", deadline }), ms);
      }
    }
  }

  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** An AbortSignal that aborts when the send stops (made on demand). */
  get abortSignal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(new Stopped(this.reason));
    }
    return this.controller.signal;
  }

  stop(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.dispose();
    this.controller?.abort(new Stopped(reason));
    const ls = this.listeners;
    this.listeners = undefined;
    if (ls) for (const l of ls) l();
  }

  /** Calls `fn` once when the send stops (at once if it already has); returns the undo. */
  onStop(fn: () => void): () => void {
    if (this.reason) {
      fn();
      return () => undefined;
    }
    (this.listeners ??= new Set()).add(fn);
    return () => this.listeners?.delete(fn);
  }

  /** `p`, or a rejection with {@link Stopped} as soon as the send is stopped. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.reason) return Promise.reject(new Stopped(this.reason));
    return new Promise<T>((resolve, reject) => {
      const off = this.onStop(() => reject(new Stopped(this.reason!)));
      p.then(
        (v) => {
          off();
          resolve(v);
        },
        (e: unknown) => {
          off();
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.signal?.removeEventListener("abort", this.onAbort);
  }
}

/** The typed error for a stopped send. */
function interruption(reason: StopReason, at: SendInterruption): KessaiError {
  return reason.kind === "timeout"
    ? new SendTimeoutError(at, reason.deadline)
    : new SendAbortedError(at, { cause: reason.cause });
}

/** A final outcome of a watched send (everything else in its loop is retried). */
class Final extends Error {
  readonly error: KessaiError;
  constructor(error: KessaiError) {
    super(error.message);
    this.error = error;
  }
}

/** One signed transaction of a send. */
interface Candidate {
  hash: string;
  /** Serialized signed transaction (local keys only). */
  raw: string | undefined;
  /**
   * Its fees; none (`{}`) while not known: a node-managed send's, until the watch reads its
   * transaction ({@link Tracked.learnFees}).
   */
  fees: Fees;
  at: number;
}

/** True when `fees` name a fee (see {@link Candidate.fees}). */
function feesKnown(fees: Fees): boolean {
  return fees.maxFeePerGas !== undefined || fees.gasPrice !== undefined;
}

/** The fields a send signs (everything but the nonce and the fees is fixed for its lifetime). */
interface Template {
  to: string | null;
  data: string;
  value: bigint;
  gasLimit: bigint;
  chainId: bigint;
  type: number | undefined;
  accessList?: TransactionRequest["accessList"];
}

function journalTx(c: Candidate): JournalTx {
  const j: JournalTx = { hash: c.hash, at: c.at };
  if (c.raw) j.raw = c.raw;
  if (c.fees.maxFeePerGas !== undefined) j.maxFeePerGas = c.fees.maxFeePerGas.toString();
  if (c.fees.maxPriorityFeePerGas !== undefined)
    j.maxPriorityFeePerGas = c.fees.maxPriorityFeePerGas.toString();
  if (c.fees.gasPrice !== undefined) j.gasPrice = c.fees.gasPrice.toString();
  return j;
}

function candidateOf(j: JournalTx): Candidate {
  const fees: Fees = {};
  if (j.maxFeePerGas !== undefined) fees.maxFeePerGas = BigInt(j.maxFeePerGas);
  if (j.maxPriorityFeePerGas !== undefined)
    fees.maxPriorityFeePerGas = BigInt(j.maxPriorityFeePerGas);
  if (j.gasPrice !== undefined) fees.gasPrice = BigInt(j.gasPrice);
  return { hash: j.hash, raw: j.raw, fees, at: j.at };
}

let keySeq = 0;
function freshKey(): string {
  const rnd =
    typeof crypto !== "undefined" && typeof crypto.randomUUID === "function"
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `tx:${rnd}:${++keySeq}`;
}

/** A key {@link freshKey} made up: an entry of a journal written before `unkeyed` was recorded. */
const MADE_UP_KEY = /^tx:[0-9a-z-]+:\d+$/;

/** The journal's `intent` record of a prepared request, before its first signature. */
function intentEntry(
  key: string,
  chainId: bigint,
  from: string,
  action: string | undefined,
  prepared: TransactionRequest,
  gasEstimated: boolean,
): JournalEntry {
  return {
    key,
    chainId: chainId.toString(),
    from,
    ...(action ? { action } : {}),
    request: {
      to: prepared.to == null ? null : String(prepared.to),
      data: String(prepared.data ?? "0x"),
      value: BigInt(prepared.value ?? 0n).toString(),
      gasLimit: BigInt(prepared.gasLimit!).toString(),
      ...(gasEstimated ? { gasEstimated } : {}),
    },
    state: "intent",
    txs: [],
    updatedAt: Date.now(),
  };
}

const sameAddress = (a: string | null | undefined, b: string | null | undefined) =>
  (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

/**
 * The transaction engine of one signing account: every transaction the SDK sends goes through
 * it. It prepares (gas, fees) outside any lock, allocates the nonce and signs in the account's
 * FIFO queue, records the intent and the signed transaction in the {@link Journal} before the
 * broadcast, and then watches the transaction until it has its confirmations:
 *
 * - **dropped or priced out** (not in the mempool, not mined, nonce unused; or a max fee below
 *   the base fee) or **stuck** (pending for `bumpAfterBlocks` blocks or `bumpAfterMs`): replaced on
 *   the same nonce with fees raised by `feeBumpPercent`, up to the policy's ceiling
 *   ({@link FeeCeilingError} beyond it). Whichever of its transactions the chain mines is the
 *   result; a transaction of another origin on that nonce with the same call counts too, any
 *   other is {@link TransactionReplacedError}.
 * - **reorged** (its receipt gone or in another block before it had its confirmations): reported
 *   (`reorged` event, `result.reorged`), and the same signed transaction is re-broadcast if the
 *   node no longer has it.
 * - **reverted**: the typed contract error, decoded at the transaction's own position in its block
 *   (see {@link decodeMinedRevert}).
 * - **deadline or abort**: the caller gets {@link SendTimeoutError} / {@link SendAbortedError} once;
 *   the engine stops watching, replacing and re-broadcasting that send at once. Its journal
 *   entry becomes `abandoned`; a send with the same key waits for it again.
 *
 * A send with a journal key already known (in flight in this process, or in the journal) waits
 * for that transaction instead of sending a second one. On first use with a journal, the engine
 * resumes by itself every open entry of its account (signed or mined, not yet confirmed); one
 * sent without a key is watched, but nothing is sent in its place until a caller waits for it.
 *
 * Nonces: the lowest refused nonce (a *hole*) is reused first, else the next fresh one (the
 * node's pending count on first use, then the local counter). A "nonce too low" re-syncs the
 * counter from the node and retries once, then raises {@link NonceError} (another process or
 * wallet uses the key: give each process its own key). When the chain's pending count falls
 * behind the counter while nothing of this process is in flight (transactions given up and
 * dropped), the counter steps back to it; a watched transaction stuck behind a missing lower
 * nonce that nothing watches has that gap filled with a zero-value self-transfer. No nonce
 * stays unsent for longer than the policy's `gapFillMs`: a hole still open then is filled
 * whatever the queue's waiters do, and a broadcast the node leaves unanswered is watched (and
 * replaced if the node does not have it).
 */
export class TxEngine {
  readonly signer: Signer;
  readonly provider: Provider;
  readonly journal: Journal;
  readonly policy: TxPolicy;
  readonly gasLimit: bigint | undefined;
  /** The key's lock shared with other processes, if any. */
  readonly lock: KeyLock | undefined;
  private headsValue: HeadWatcher | undefined;
  private queueValue: NonceQueue | undefined;
  private address: string | undefined;
  private chainIdValue: bigint | undefined;
  private readonly listeners = new Set<(e: TxEvent) => void>();
  /** Sends being watched (or waiting to be), by key. */
  private readonly byKey = new Map<string, Tracked>();
  /** Keyed sends being prepared and signed, by key (a second send with the key joins it). */
  private readonly starting = new Map<string, Promise<Tracked>>();
  /** Transactions submitted through {@link submit}, by hash (bounded). */
  private readonly recent = new Map<string, Tracked>();
  /** The head read for the first sends, before any was seen (see prepare). */
  private firstHead: Promise<unknown> | undefined;

  constructor(signer: Signer, options: TxEngineOptions & { gasLimit?: bigint } = {}) {
    this.signer = signer;
    this.provider = signer.provider as Provider;
    this.journal = options.journal ?? new MemoryJournal();
    this.policy = options.policy ?? {};
    this.gasLimit = options.gasLimit;
    this.lock = options.lock;
  }

  /** @internal The head watcher of the provider (shared by every engine on it). */
  get heads(): HeadWatcher {
    if (!this.provider)
      throw new KessaiError("The transaction engine needs a signer with a provider");
    this.headsValue ??= headWatcher(this.provider);
    return this.headsValue;
  }

  /** @internal The chain reader (reads that bypass ethers' request cache). */
  get reader(): ChainReader {
    return this.heads.reader;
  }

  /** The signing account. */
  async getAddress(): Promise<string> {
    this.address ??= getAddress(await this.signer.getAddress());
    return this.address;
  }

  /** Listens to every event of every send of this engine; returns the function that stops it. */
  on(listener: (e: TxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The policy of a send: the engine's, overridden by the send's options. */
  resolve(options: SendOptions = {}): ResolvedTxPolicy {
    const interval = (this.provider as { pollingInterval?: unknown }).pollingInterval;
    return resolvePolicy(typeof interval === "number" ? interval : undefined, this.policy, options);
  }

  /**
   * Sends `request` (a call: `to`, `data`, `value`; optionally `gasLimit`) and resolves once it
   * is mined with the confirmations asked for. Rejects with a typed error: the contract's
   * custom error for a revert (at estimation, or after mining), {@link SendTimeoutError} /
   * {@link SendAbortedError}, {@link FeeCeilingError}, {@link TransactionReplacedError},
   * {@link NonceError}, {@link JournalConflictError}, or whatever {@link toKessaiError} makes of
   * a node's refusal.
   */
  async send(request: TransactionRequest, options: SendOptions = {}): Promise<TxResult> {
    const policy = this.resolve(options);
    const stopper = new Stopper(options.signal, options.deadline ?? Date.now() + policy.timeoutMs);
    const action = options.action;
    let nonce: number | undefined;
    let signedHash: string | undefined;
    let started: Promise<Tracked> | undefined;
    try {
      const from = this.address ?? (await stopper.race(this.getAddress()));
      await stopper.race(this.resumeOpen());
      const key = options.key ?? freshKey();
      let joined = false;
      const begin = async (): Promise<Tracked> => {
        const carried: { outOfGas?: string[]; attempt?: number } = {};
        if (options.key !== undefined) {
          const taken = await this.takeUp(key, request, options, carried);
          if (taken) {
            joined = true;
            return taken;
          }
        }
        const prepared = await stopper.race(this.prepare(request, policy));
        const chainId = this.chainIdValue ?? (await stopper.race(this.chainId()));
        const entry = intentEntry(key, chainId, from, action, prepared, this.estimates(request));
        if (options.key === undefined) entry.unkeyed = true;
        if (carried.outOfGas) entry.outOfGas = carried.outOfGas;
        if (carried.attempt) entry.attempt = carried.attempt;
        const journaled = options.key !== undefined || this.journal.durable !== false;
        if (journaled) await stopper.race(this.journal.put(entry));
        const t = await this.start(entry, prepared, journaled, policy, stopper, (n, h) => {
          nonce = n;
          signedHash = h;
        });
        this.byKey.set(key, t);
        return t;
      };
      let t: Tracked;
      const starting = options.key === undefined ? undefined : this.starting.get(key);
      if (starting) {
        // The same key is being started by another call in this process: wait for that one.
        t = await stopper.race(starting);
        joined = true;
      } else {
        const p = (started = begin());
        if (options.key !== undefined) {
          this.starting.set(key, p);
          const clear = () => {
            if (this.starting.get(key) === p) this.starting.delete(key);
          };
          p.then(clear, clear);
        }
        t = await stopper.race(p);
      }
      return await t.attach(stopper, options.onEvent, joined);
    } catch (err) {
      if (err instanceof Stopped) {
        // Stopped while it was being signed or broadcast: once signed, it is out there.
        if (nonce !== undefined)
          void started?.then(
            (t) => t.abandonIfIdle(),
            () => undefined,
          );
        throw interruption(err.reason, {
          action,
          key: options.key,
          nonce,
          hashes: signedHash ? [signedHash] : [],
          phase: nonce === undefined ? "not-sent" : "pending",
        });
      }
      throw err instanceof KessaiError
        ? err
        : toKessaiError(err, {
            action,
            contractAddress: request.to == null ? undefined : String(request.to),
            sender: this.address,
          });
    } finally {
      stopper.dispose();
    }
  }

  /**
   * Prepares, signs and broadcasts `request` and returns the node's response without waiting
   * (the `Signer.sendTransaction` of {@link QueuedSigner}). {@link wait} takes it up later. A
   * node-managed account's request lost in transit throws {@link SendInTransitError}: there is no
   * transaction to return; its nonce stays held and is cancelled (nothing is sent again for it).
   * With a key already sent (watched in this process, or open in the journal) nothing is sent:
   * its newest transaction is returned, or, while it has none (a request lost in transit, its
   * nonce watched or being cancelled), {@link SendInTransitError} again. A send with a key is
   * watched in the background until it is over or `timeoutMs` passes, as one taken up from the
   * journal is (a send or submit of the key made meanwhile joins it).
   */
  async submit(
    request: TransactionRequest,
    options: SendOptions = {},
  ): Promise<TransactionResponse> {
    const from = await this.getAddress();
    await this.resumeOpen();
    const policy = this.resolve(options);
    const key = options.key;
    const carried: { attempt?: number } = {};
    let fresh = false;
    const begin = async (): Promise<Tracked> => {
      const taken =
        key === undefined ? undefined : await this.takeUp(key, request, options, carried);
      if (taken) return taken;
      fresh = true;
      const prepared = await this.prepare(request, policy);
      const chainId = await this.chainId();
      const entry = intentEntry(
        key ?? freshKey(),
        chainId,
        from,
        options.action,
        prepared,
        this.estimates(request),
      );
      if (key === undefined) entry.unkeyed = true;
      if (carried.attempt) entry.attempt = carried.attempt;
      // (a key's entry is kept, as send's is: its retry finds what this one sent)
      const journaled = key !== undefined || this.journal.durable !== false;
      if (journaled) await this.journal.put(entry);
      const t = await this.start(entry, prepared, journaled, policy, undefined, undefined, true);
      if (key !== undefined) this.byKey.set(key, t);
      return t;
    };
    // (a key being started by another call of this process, a send's or a submit's: that one's)
    const joined = key === undefined ? undefined : this.starting.get(key);
    let t: Tracked;
    if (joined) t = await joined;
    else {
      const p = begin();
      if (key !== undefined) {
        this.starting.set(key, p);
        const clear = () => {
          if (this.starting.get(key) === p) this.starting.delete(key);
        };
        p.then(clear, clear);
      }
      t = await p;
    }
    if (!fresh) {
      t.watchUnlessWatched(Date.now() + policy.timeoutMs);
      const last = t.candidates.at(-1);
      if (!last) throw t.inTransit();
      return this.transactionOf(last.hash);
    }
    // (a key's send is watched, as one taken up is: forgotten once over, not held by its key for a
    // wait that may never come)
    if (key !== undefined && t.candidates.length > 0)
      t.watchUnlessWatched(Date.now() + policy.timeoutMs);
    const response = t.response;
    if (response) return response;
    // A node-managed request lost in transit: nobody waits for it, so it is not sent again.
    if (t.candidates.length === 0) throw t.lostInTransit();
    // Broadcast outcome unknown (transport failure): the transaction as signed.
    return this.transactionOf(t.candidates[0].hash);
  }

  /** The node's transaction `hash` of this account, which it was sent (see submit). */
  private async transactionOf(hash: string): Promise<TransactionResponse> {
    const r = await this.provider.getTransaction(hash);
    if (!r) throw new TransactionFailedError("The node did not answer the broadcast", hash);
    return r;
  }

  /**
   * Waits for a transaction of this account by hash: one {@link submit} sent (then it is watched,
   * replaced and re-broadcast like any send), or any other (then it is only watched).
   */
  async wait(hash: string, options: SendOptions = {}): Promise<TxResult> {
    const policy = this.resolve(options);
    const stopper = new Stopper(options.signal, options.deadline ?? Date.now() + policy.timeoutMs);
    try {
      let t = this.recent.get(hash.toLowerCase());
      if (!t) {
        const tx = await stopper.race(this.provider.getTransaction(hash));
        if (!tx)
          throw new TransactionFailedError(`Transaction ${hash} is unknown to the node`, hash);
        const from = await this.getAddress();
        const entry: JournalEntry = {
          key: options.key ?? freshKey(),
          chainId: tx.chainId.toString(),
          from,
          ...(options.action ? { action: options.action } : {}),
          request: {
            to: tx.to,
            data: tx.data,
            value: tx.value.toString(),
            gasLimit: tx.gasLimit.toString(),
          },
          state: "signed",
          nonce: tx.nonce,
          txs: [journalTx({ hash: tx.hash, raw: undefined, fees: feesOf(tx), at: Date.now() })],
          updatedAt: Date.now(),
        };
        t = new Tracked(this, entry, this.templateOf(entry, tx.type), policy, false, false);
      } else if (options.action) t.action ??= options.action;
      t.policy = policy;
      return await t.attach(stopper, options.onEvent);
    } catch (err) {
      if (err instanceof Stopped) {
        throw interruption(err.reason, {
          action: options.action,
          key: options.key,
          nonce: undefined,
          hashes: [hash],
          phase: "pending",
        });
      }
      throw err instanceof KessaiError ? err : toKessaiError(err, { action: options.action });
    } finally {
      stopper.dispose();
    }
  }

  /**
   * Takes up, in the background, every open entry of this account in the journal (signed or
   * mined, not yet confirmed): each is watched, re-broadcast if the node lost it, replaced if
   * it is stuck, until it has its confirmations or its deadline passes (a send of its key meanwhile
   * joins it: it is then given up when that caller stops). Runs once per journal and account;
   * every send calls it first. Resolves once the entries are taken up (not done).
   */
  resumeOpen(): Promise<void> {
    if (!this.address) return this.getAddress().then(() => this.resumeOpen());
    const q = this.queue();
    let p = q.resumed.get(this.journal);
    if (!p) {
      const started = this.resumeEntries(q);
      q.resumed.set(this.journal, started);
      // A failure (node or journal unreachable) is retried by the next send.
      started.catch(() => {
        if (q.resumed.get(this.journal) === started) q.resumed.delete(this.journal);
      });
      p = started;
    }
    return p;
  }

  /** True while a send with this key is being sent or watched in this process. */
  inFlight(key: string): boolean {
    return this.byKey.has(key) || this.starting.has(key);
  }

  /** Open journal entries of this account (what {@link resumeOpen} takes up). */
  async openEntries(): Promise<JournalEntry[]> {
    return this.journal.open((await this.chainId()).toString(), await this.getAddress());
  }

  /**
   * Resolves once every send this engine watches in the background is over: the ones resumed
   * from the journal, and the keyed {@link submit}s nobody waits for.
   */
  async settled(): Promise<void> {
    await this.resumeOpen();
    const running = [...this.byKey.values()].map((t) => t.done);
    await Promise.all(running);
  }

  // ---- internals -------------------------------------------------------------------------

  /** @internal */
  emit(e: TxEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** @internal */
  forget(t: Tracked): void {
    if (this.byKey.get(t.key) === t) this.byKey.delete(t.key);
    if (this.lock) this.releaseIfIdle();
  }

  /** Releases the key's lock once nothing of this process is in flight (checked a tick later). */
  private releaseIfIdle = (): void => {
    setTimeout(() => {
      const q = this.queue();
      if (q.lease && q.idle) {
        const release = q.lease;
        q.lease = undefined;
        void release().catch(() => undefined);
      }
    }, 0);
  };

  /** @internal */
  queue(): NonceQueue {
    this.queueValue ??= nonceQueue(this.provider, this.address!);
    return this.queueValue;
  }

  /** @internal */
  async chainId(): Promise<bigint> {
    this.chainIdValue ??= (await this.provider.getNetwork()).chainId;
    return this.chainIdValue;
  }

  /** @internal True when the engine signs itself (the raw transaction is known). */
  get local(): boolean {
    return this.signer instanceof BaseWallet;
  }

  /**
   * True when the signer's gas estimate is its provider's, so the raw request asks the same:
   * ethers' own (local keys, a node's `JsonRpcSigner`) and Hardhat's signer, which does as ethers
   * does. A signer with an `estimateGas` of its own (a relayer's margin, a bundler) keeps it.
   */
  private get providerEstimates(): boolean {
    const own = (this.signer as { estimateGas?: unknown }).estimateGas;
    return (
      own === AbstractSigner.prototype.estimateGas ||
      this.signer.constructor.name === "HardhatEthersSigner"
    );
  }

  /**
   * True when the signer's `sendTransaction` is the node's own and `tx` a plain one (addresses,
   * no names to resolve): ethers' `JsonRpcSigner` and Hardhat's signer. Those send
   * `eth_sendTransaction` through the provider after a block-number read (the start block of a
   * replaceable response), then read the transaction back; {@link sendByNode} does the same send
   * without that read. A signer with a `sendTransaction` (or, a `JsonRpcSigner`, a
   * `sendUncheckedTransaction`) of its own (a wrapper, a relayer, an audit log) keeps it.
   */
  private nodeSends(tx: TransactionRequest): boolean {
    const s = this.signer as unknown as {
      sendTransaction: unknown;
      sendUncheckedTransaction?: unknown;
      constructor: { name: string; prototype: { sendTransaction?: unknown } };
    };
    // ethers' sendTransaction sends through sendUncheckedTransaction: a subclass's own is kept
    const own =
      (s.sendTransaction === JsonRpcSigner.prototype.sendTransaction &&
        s.sendUncheckedTransaction === JsonRpcSigner.prototype.sendUncheckedTransaction) ||
      (s.constructor.name === "HardhatEthersSigner" &&
        s.sendTransaction === s.constructor.prototype.sendTransaction);
    const address = (v: unknown) => v == null || (typeof v === "string" && HEX_ADDRESS.test(v));
    return (
      own &&
      typeof (this.provider as { send?: RawSend }).send === "function" &&
      address(tx.to) &&
      address(tx.from)
    );
  }

  /**
   * A node-managed account's send (see {@link nodeSends}): the node's `eth_sendTransaction`,
   * encoded as the signer encodes it (same refusals, mapped by the same provider); resolves to
   * the hash the node returned. The engine watches the nonce itself, so no start block is read,
   * and it has what it needs of the transaction (its call, nonce, gas limit; the hash), so it is
   * not read back as the signer reads it: the fees the node chose are learnt when the watch reads
   * the transaction (see {@link Tracked.learnFees}).
   */
  private async sendByNode(tx: TransactionRequest): Promise<string> {
    const send = (this.provider as unknown as { send: RawSend }).send;
    const rpc = JsonRpcApiProvider.prototype.getRpcTransaction.call(this.provider, tx);
    return (await send.call(this.provider, "eth_sendTransaction", [rpc])) as string;
  }

  private async resumeEntries(q: NonceQueue): Promise<void> {
    const entries = await this.openEntries();
    const policy = this.resolve();
    for (const entry of entries) {
      if (entry.nonce === undefined || this.byKey.has(entry.key)) continue;
      q.floor = Math.max(q.floor, entry.nonce + 1);
      if (q.next !== undefined) q.next = Math.max(q.next, entry.nonce + 1);
      const t = new Tracked(this, entry, this.templateOf(entry), policy, true, true);
      this.byKey.set(entry.key, t);
      for (const c of t.candidates) this.remember(c.hash, t); // wait(hash) joins it
      t.startBackground(Date.now() + policy.timeoutMs);
    }
  }

  /**
   * A send with a key already known: the send watched in this process, or the journal's entry
   * (undefined when there is nothing to wait for and the key may be sent afresh).
   */
  private async takeUp(
    key: string,
    request: TransactionRequest,
    options: SendOptions,
    carried: { outOfGas?: string[]; attempt?: number } = {},
  ): Promise<Tracked | undefined> {
    const live = this.byKey.get(key);
    if (live) {
      this.checkSame(key, live.entry, request);
      return live;
    }
    const entry = await this.journal.get(key);
    if (!entry) return undefined;
    // this send is the key's next attempt: the journal keeps its writes over an older attempt's
    carried.attempt = (entry.attempt ?? 0) + 1;
    const from = await this.getAddress();
    const chainId = (await this.chainId()).toString();
    if (!sameAddress(entry.from, from) || entry.chainId !== chainId) {
      throw new JournalConflictError(
        key,
        `it was sent by ${entry.from} on chain ${entry.chainId}, not by ${from} on chain ${chainId}`,
      );
    }
    this.checkSame(key, entry, request);
    if (entry.state === "reverted" || entry.state === "replaced") return undefined;
    // (a nonce and no transaction: a node-managed send whose answer was lost, watched by nonce)
    if (entry.state === "intent" || entry.nonce === undefined) {
      // stopped between a transaction mined out of gas and its resend: sent afresh, still counted
      if (entry.outOfGas) carried.outOfGas = entry.outOfGas;
      return undefined;
    }
    const again = this.byKey.get(key); // taken up meanwhile
    if (again) return again;
    entry.attempt = carried.attempt;
    const t = new Tracked(this, entry, this.templateOf(entry), this.resolve(options), true, false);
    this.byKey.set(key, t);
    // (written at once: a stopped attempt's write still under way is then never kept over it)
    await this.journal.put(entry);
    const q = this.queue();
    q.abandoned.delete(entry.nonce);
    return t;
  }

  private checkSame(key: string, entry: JournalEntry, request: TransactionRequest): void {
    const to = request.to == null ? null : String(request.to);
    if (!sameAddress(entry.request.to, to))
      throw new JournalConflictError(key, `it called ${entry.request.to}, not ${to}`);
    if ((entry.request.data ?? "0x").toLowerCase() !== String(request.data ?? "0x").toLowerCase())
      throw new JournalConflictError(key, "its call data differs");
    if (BigInt(entry.request.value) !== BigInt(request.value ?? 0n))
      throw new JournalConflictError(
        key,
        `it sent ${entry.request.value} wei, not ${request.value}`,
      );
  }

  /** The fields a send signs, from its journal entry (and its first raw transaction if any). */
  private templateOf(entry: JournalEntry, type?: number): Template {
    const raw = entry.txs.find((t) => t.raw)?.raw;
    if (raw) {
      const tx = Transaction.from(raw);
      return {
        to: tx.to,
        data: tx.data,
        value: tx.value,
        gasLimit: tx.gasLimit,
        chainId: tx.chainId,
        type: tx.type ?? undefined,
        accessList: tx.accessList ?? undefined,
      };
    }
    return {
      to: entry.request.to,
      data: entry.request.data,
      value: BigInt(entry.request.value),
      gasLimit: BigInt(entry.request.gasLimit ?? 0),
      chainId: BigInt(entry.chainId),
      type,
    };
  }

  /** True when the gas limit of `tx` is estimated (fixed neither by `tx` nor by the engine). */
  private estimates(tx: TransactionRequest): boolean {
    return tx.gasLimit == null && this.gasLimit === undefined;
  }

  /**
   * The transaction with its gas limit (the fixed one, or the estimate with the policy's margin
   * when it is the node's, at least `floor`). A local key also gets what it needs to sign without
   * a nonce (fees, chain id, type); a node-managed account is handed the request as is, the node
   * filling in the fees. Refused estimates throw here: no nonce is used.
   */
  private async prepare(
    tx: TransactionRequest,
    policy: ResolvedTxPolicy = this.resolve(),
    floor = 0n,
  ): Promise<TransactionRequest> {
    const from = await this.getAddress();
    // No head seen yet (a process's first sends): one read beside the estimate, so the send's
    // journal entry has its startBlock (a head seen before it was signed; see start).
    if (!this.heads.last) this.firstHead ??= this.heads.current().catch(() => undefined);
    const base = { ...tx, from };
    const fixed = tx.gasLimit ?? this.gasLimit;
    // The margin goes on the node's estimate; a signer's own estimate (a relayer's) is its own.
    const margin = this.providerEstimates ? policy.gasMarginPercent : 0;
    const estimated = () => this.estimate(base).then((gas) => this.withMargin(gas, margin, floor));
    if (!this.local) return { ...base, gasLimit: fixed ?? (await estimated()) };
    // One populate: the estimate runs beside it (a placeholder gas limit keeps populate from
    // estimating again, a placeholder nonce from reading one; the nonce is set under the lock).
    const [gas, populated] = await Promise.allSettled([
      fixed ?? estimated(),
      this.signer.populateTransaction({ ...base, gasLimit: fixed ?? 0n, nonce: 0 }),
    ]);
    // a refused estimate is the error of the send, whatever populate met meanwhile
    if (gas.status === "rejected") throw gas.reason;
    if (populated.status === "rejected") throw populated.reason;
    return { ...populated.value, gasLimit: gas.value, nonce: undefined };
  }

  /**
   * The gas `tx` needs (`from` set): a plain call (`to` an address or none, `data`, `value`) is
   * one raw `eth_estimateGas` through the provider's `send`, with the parameters the provider's
   * own `estimateGas` sends (`"pending"` beside them, as Hardhat's provider asks, except on an
   * ethers JSON-RPC provider, which gives no block); anything else goes through the signer. The
   * raw request skips the signer's populate (addresses resolved and checksummed again, the
   * request copied twice) and ethers' 250 ms request cache (no stale estimate). Its refusals are
   * the ones the provider's `estimateGas` throws: the same `send` answers both.
   */
  private estimate(tx: TransactionRequest & { from: string }): Promise<bigint> {
    const send = (this.provider as { send?: RawSend }).send;
    const plain = (v: unknown) =>
      v === undefined || v === null || (typeof v === "string" && HEX_ADDRESS.test(v));
    const rest = Object.keys(tx).some(
      (k) => !PLAIN_CALL_KEYS.has(k) && tx[k as keyof TransactionRequest] != null,
    );
    if (
      typeof send !== "function" ||
      !this.providerEstimates ||
      rest ||
      !plain(tx.to) ||
      (tx.data != null && !(typeof tx.data === "string" && HEX_DATA.test(tx.data)))
    )
      return this.signer.estimateGas(tx);
    const rpc: Record<string, string> = { from: tx.from.toLowerCase() };
    if (tx.to != null) rpc.to = (tx.to as string).toLowerCase();
    if (tx.data != null) rpc.data = (tx.data as string).toLowerCase();
    if (tx.value != null) rpc.value = toQuantity(tx.value);
    const params = this.provider instanceof JsonRpcApiProvider ? [rpc] : [rpc, "pending"];
    return send.call(this.provider, "eth_estimateGas", params).then((g) => {
      // a quantity, as ethers' own estimate insists: "", true or [] is no gas limit
      if (typeof g === "string" && HEX_QUANTITY.test(g)) return BigInt(g);
      throw new NodeError(undefined, `not a quantity: ${JSON.stringify(g)}`, "eth_estimateGas");
    });
  }

  /**
   * `gas` plus `marginPercent`, at least `floor`, capped at the gas limit of the latest block
   * seen (read only when none was seen and the limit is large enough to matter).
   */
  private async withMargin(gas: bigint, marginPercent: number, floor: bigint): Promise<bigint> {
    const limit = gasLimitWithMargin(gas, marginPercent, undefined, floor);
    if (limit === gas) return gas;
    let block = this.heads.last?.gasLimit;
    if (block === undefined && limit > BLOCK_GAS_CHECK)
      block = (await this.heads.current()).gasLimit;
    return gasLimitWithMargin(gas, marginPercent, block, floor);
  }

  /**
   * @internal Sends `t` again after its transaction was mined out of gas: estimated afresh (a
   * call that now reverts throws its error), with the margin and at least 1.5 × the limit that
   * ran out, on a new nonce; the journal entry (same key) records the intent, then the new
   * signed transaction before its broadcast.
   */
  async resendOutOfGas(t: Tracked, journaled: boolean, stopper: Stopper): Promise<void> {
    const tpl = t.template;
    const prepared = await stopper.race(
      this.prepare(
        {
          to: tpl.to,
          data: tpl.data,
          value: tpl.value,
          ...(tpl.accessList ? { accessList: tpl.accessList } : {}),
        },
        t.policy,
        (tpl.gasLimit * 3n) / 2n,
      ),
    );
    const entry = t.entry;
    entry.request = { ...entry.request, gasLimit: BigInt(prepared.gasLimit!).toString() };
    entry.state = "intent";
    entry.txs = [];
    delete entry.nonce;
    delete entry.mined;
    delete entry.firstBlock;
    entry.updatedAt = Date.now();
    if (journaled) await this.journal.put(entry);
    await this.start(entry, prepared, journaled, t.policy, stopper, undefined, false, t);
  }

  private pendingCount = (): Promise<number> => this.reader.nonce(this.address!, "pending");

  /**
   * Allocates, signs, journals and broadcasts the first transaction of a send, with the
   * re-sync/retry and hole handling of the queue; returns the tracked send.
   */
  private async start(
    entry: JournalEntry,
    prepared: TransactionRequest,
    journaled: boolean,
    policy: ResolvedTxPolicy,
    stopper: Stopper | undefined,
    onNonce?: (n: number, hash: string | undefined) => void,
    withResponse = false,
    into?: Tracked,
  ): Promise<Tracked> {
    const q = this.queue();
    const from = this.address!;
    for (let attempt = 0; ; attempt++) {
      const d = await q.mutex.run(() =>
        this.dispatch(
          q,
          prepared,
          stopper,
          async (signed) => {
            onNonce?.(signed.nonce, signed.candidate?.hash);
            entry.state = "signed";
            entry.nonce = signed.nonce;
            // (a head seen before: nothing of the send is mined at or below it; a first send's
            // was read beside its estimate, answered by now as a rule: a node slower than that
            // holds the lock 100 ms at most, and the entry goes without)
            if (!this.heads.last && this.firstHead) await within(this.firstHead, 100);
            entry.startBlock = this.heads.last?.number;
            if (!journaled) return;
            entry.txs = signed.candidate ? [journalTx(signed.candidate)] : [];
            entry.updatedAt = Date.now();
            await this.journal.put(entry);
          },
          false,
          withResponse,
        ),
      );
      let response: TransactionResponse | undefined;
      let sentHash: string | undefined;
      let candidate = d.candidate;
      try {
        // A local key's broadcast the node leaves unanswered is watched like one whose outcome
        // is unknown after `gapFillMs`: the watch replaces it if the node does not have it, so
        // neither it nor the sends queued behind its nonce wait for the transport's own timeout.
        const answer =
          d.candidate && !withResponse ? await within(d.sent, policy.gapFillMs) : await d.sent;
        if (typeof answer === "string") sentHash = answer;
        else if (answer !== UNANSWERED) response = answer;
      } catch (err) {
        if (d.candidate && ALREADY_KNOWN_RE.test(errorText(err))) {
          // The node holds this very transaction: it was sent.
        } else if (d.candidate && ambiguous(err)) {
          // The node may have it: watch it (the loop re-broadcasts it if not).
        } else if (!d.candidate && ambiguous(err) && this.nodeSends(prepared)) {
          // The node may have signed it: no hash, so watched by its nonce (see Tracked.byNonce);
          // submit, with no transaction to return, holds the nonce and cancels it (see submit).
        } else if (NONCE_USED_RE.test(errorText(err))) {
          // Used elsewhere (not a hole): re-read the node's count under the lock and retry once.
          await q.mutex.run(() => q.resync(this.pendingCount));
          if (attempt === 0) continue;
          await this.unsign(entry, journaled);
          throw new NonceError(from, d.nonce, {
            cause: err,
            details: "another process or wallet is sending with this key: give each its own key",
          });
        } else {
          this.release(q, d.nonce);
          await this.unsign(entry, journaled);
          throw err;
        }
      }
      if (!candidate && (response || sentHash)) {
        // A node-managed account: the node signed; its answer names the transaction (the hash
        // alone: the fees it chose are learnt when the watch reads the transaction).
        candidate = {
          hash: response?.hash ?? sentHash!,
          raw: undefined,
          fees: response ? feesOf(response) : {},
          at: Date.now(),
        };
        if (journaled) {
          entry.txs = [journalTx(candidate)];
          entry.updatedAt = Date.now();
          await this.journal.put(entry);
        }
      }
      const template: Template = {
        to: prepared.to == null ? null : String(prepared.to),
        data: String(prepared.data ?? "0x"),
        value: BigInt(prepared.value ?? 0n),
        gasLimit: BigInt(prepared.gasLimit!),
        chainId: BigInt(prepared.chainId ?? response?.chainId ?? (await this.chainId())),
        type: prepared.type ?? response?.type ?? undefined,
        accessList: prepared.accessList ?? undefined,
      };
      // A send sent again after it ran out of gas keeps its watch (its callers, its events).
      const t =
        into ??
        new Tracked(this, entry, template, policy, false, journaled, candidate ? [candidate] : []);
      into?.restart(template, candidate);
      t.response = response;
      if (candidate) this.remember(candidate.hash, t);
      if (!into && candidate) t.event("submitted", candidate.hash, {});
      return t;
    }
  }

  private async unsign(entry: JournalEntry, journaled: boolean): Promise<void> {
    entry.state = "intent";
    delete entry.nonce;
    entry.txs = [];
    entry.updatedAt = Date.now();
    if (journaled) await this.journal.put(entry).catch(() => undefined);
  }

  /** @internal The send of this process that broadcast transaction `hash`, if it is known. */
  sendOf(hash: string): Tracked | undefined {
    return this.recent.get(hash.toLowerCase());
  }

  private remember(hash: string, t: Tracked): void {
    this.recent.set(hash.toLowerCase(), t);
    if (this.recent.size > RECENT_LIMIT) {
      const first = this.recent.keys().next().value;
      if (first !== undefined) this.recent.delete(first);
    }
  }

  /**
   * Under the lock: allocates a nonce, signs, starts the journal write and then the broadcast
   * (dispatch order = nonce order). `sent` settles outside the lock, once the node has answered.
   */
  private async dispatch(
    q: NonceQueue,
    prepared: TransactionRequest,
    stopper: Stopper | undefined,
    onSigned:
      ((s: { nonce: number; candidate: Candidate | undefined }) => Promise<void>) | undefined,
    filler = false,
    withResponse = false,
  ): Promise<{
    nonce: number;
    candidate: Candidate | undefined;
    /**
     * The node's answer: the hash of a node-managed send ({@link sendByNode}), else the response;
     * undefined for a local key's broadcast that asked for no response.
     */
    sent: Promise<TransactionResponse | string | undefined>;
  }> {
    if (stopper?.stopped) throw new Stopped(stopper.reason!);
    if (this.lock && !q.lease) {
      // Another process may have sent meanwhile: start again from the node's count.
      let lease: () => Promise<void>;
      try {
        lease = await this.lock.acquire(this.address!, stopper?.abortSignal);
      } catch (err) {
        if (stopper?.stopped) throw new Stopped(stopper.reason!);
        throw err;
      }
      q.lease = lease;
      q.next = undefined;
      q.holes = [];
    }
    // The node's count, read under the lock, is bounded by the send's deadline and signal.
    const count = stopper ? () => stopper.race(this.pendingCount()) : this.pendingCount;
    if (q.abandoned.size > 0) await q.fallBack(count);
    const nonce = await q.allocate(count);
    const txn = { ...prepared, nonce };
    const provider = this.provider;
    let sent: Promise<TransactionResponse | string | undefined>;
    let candidate: Candidate | undefined;
    if (this.local) {
      let raw: string;
      try {
        raw = await this.signer.signTransaction(txn);
      } catch (err) {
        this.release(q, nonce, filler);
        throw err;
      }
      candidate = { hash: keccak256(raw), raw, fees: feesOf(txn as Fees), at: Date.now() };
      const broadcast = () => this.broadcastRaw(raw, withResponse);
      const first = onSigned ? onSigned({ nonce, candidate }).then(broadcast) : broadcast();
      sent = this.broadcastInOrder(q, nonce, broadcast, first);
    } else {
      const broadcast = (): Promise<TransactionResponse | string> =>
        withResponse || !this.nodeSends(txn)
          ? this.signer.sendTransaction(txn)
          : this.sendByNode(txn);
      const first = onSigned ? onSigned({ nonce, candidate }).then(broadcast) : broadcast();
      sent = this.broadcastInOrder(q, nonce, broadcast, first);
    }
    q.track(nonce, sent);
    if (this.lock) void sent.then(this.releaseIfIdle, this.releaseIfIdle);
    return { nonce, candidate, sent };
  }

  /**
   * Awaits the node's answer. A "nonce too high" (the node cannot queue it: a predecessor has
   * not arrived yet) is broadcast again, unchanged, once the lower in-flight broadcasts settled.
   */
  private async broadcastInOrder<R>(
    q: NonceQueue,
    nonce: number,
    broadcast: () => Promise<R>,
    first: Promise<R>,
  ): Promise<R> {
    let attempt = first;
    for (let retry = 0; ; retry++) {
      try {
        return await attempt;
      } catch (err) {
        if (!NONCE_HIGH_RE.test(errorText(err)) || retry >= MAX_REORDER_RETRIES) throw err;
        const lower = q.lower(nonce);
        // (at most `gapFillMs`: an unanswered one is watched and replaced meanwhile)
        if (lower.length > 0) await within(Promise.all(lower), this.resolve().gapFillMs);
        else await sleep(5 * (retry + 1)); // a hole below is being filled
        attempt = broadcast();
      }
    }
  }

  /**
   * A refused nonce: steps the counter back if it was the highest allocated, else records a hole
   * and, when no transaction is waiting for the lock to take it, schedules a gap filler. A hole
   * still open after `gapFillMs` is filled whatever the waiters do ({@link fillHole}): a waiter
   * may take no nonce (stopped, re-syncing), a filler may fail.
   */
  private release(q: NonceQueue, nonce: number, filler = false): void {
    if (!q.release(nonce)) return;
    // Checked once the current turn of the lock (if any) is over.
    if (!filler)
      setTimeout(() => {
        if (q.holes.length > 0 && q.mutex.waiting === 0) void this.fillGap(q);
      }, 0);
    later(() => this.fillHole(q, nonce), this.resolve().gapFillMs);
  }

  /**
   * Fills hole `nonce` if it is still open, outside the lock: takes it off the queue's holes at
   * once (no allocation gets it afterwards), then sends a zero-value self-transfer on it. When
   * that fails, the hole is open again and tried later (backing off) while a transaction of
   * this process is in flight above it.
   */
  private fillHole(q: NonceQueue, nonce: number, attempt = 0): void {
    const i = q.holes.indexOf(nonce);
    if (i < 0) return; // taken by a send, or filled
    // The key's lock was given up: the next holder starts from the node's count, maybe this nonce.
    if (this.lock && !q.lease) return;
    q.holes.splice(i, 1);
    const sent = this.sendFiller(nonce);
    q.track(nonce, sent);
    sent.catch((err: unknown) => {
      if (NONCE_USED_RE.test(errorText(err)) || !q.release(nonce)) return; // no hole any more
      const above = [...q.live, ...q.inflight.keys()].some((n) => n > nonce);
      if (!above) return; // the next send takes it
      // backing off, but never longer than a stuck transaction waits for its replacement
      const { gapFillMs, bumpAfterMs } = this.resolve();
      const delay = Math.min(gapFillMs * 2 ** Math.min(attempt + 1, 6), bumpAfterMs);
      later(() => this.fillHole(q, nonce, attempt + 1), delay);
    });
  }

  /** Sends a zero-value self-transfer with the lowest hole's nonce, if a hole is still open. */
  private async fillGap(q: NonceQueue): Promise<void> {
    let prepared: TransactionRequest;
    try {
      prepared = await this.prepare({ to: this.address!, value: 0n, gasLimit: FILLER_GAS });
    } catch {
      return; // the next transaction takes the hole
    }
    let taken: { nonce: number; sent: Promise<unknown> } | undefined;
    try {
      taken = await q.mutex.run(async () =>
        q.holes.length > 0 ? this.dispatch(q, prepared, undefined, undefined, true) : undefined,
      );
      if (taken) {
        // unanswered after `gapFillMs`, it holds the nonce no longer (see sendFiller)
        const answered = within(taken.sent, this.resolve().gapFillMs);
        q.track(taken.nonce, answered);
        await answered;
      }
    } catch (err) {
      if (taken && !NONCE_USED_RE.test(errorText(err))) this.release(q, taken.nonce, true);
    }
  }

  /**
   * @internal Fills nonce `n` (a gap below a watched send that nothing of this process watches)
   * with a zero-value self-transfer at the market's fees. Errors are ignored: the nonce was
   * used meanwhile, or the next check tries again.
   */
  async fillNonce(n: number): Promise<void> {
    try {
      await this.sendFiller(n);
    } catch {
      /* used meanwhile, or retried at the next check */
    }
  }

  /**
   * @internal Fills nonce `n` of a send given up with no transaction (its `eth_sendTransaction`
   * unanswered) unless the node holds a transaction on it: the send's own, if the node had it,
   * or the filler is mined on it. Tracked as in flight meanwhile (the lock is kept).
   */
  cancelNonce(n: number): void {
    const q = this.queue();
    const done = this.pendingCount()
      .then((pending) => this.nonceHeld(n, pending))
      .then((held) => ((held ?? true) ? undefined : this.fillNonce(n)));
    q.track(n, done);
    void done.then(this.releaseIfIdle, this.releaseIfIdle);
  }

  /**
   * @internal Whether the node holds a transaction of this account on nonce `n` (not mined), given
   * its `pending` count: not when the count is at or below `n`; above it, some nodes count queued
   * transactions (above a gap) too, so the transaction on the nonce itself is asked for
   * (`eth_getTransactionBySenderAndNonce`). Undefined when the node cannot say (no such method).
   */
  async nonceHeld(n: number, pending: number): Promise<boolean | undefined> {
    if (pending <= n) return false;
    const tx = await this.transactionOnNonce(n);
    return tx === undefined ? undefined : tx !== null;
  }

  /**
   * @internal The account's transaction on nonce `n` as the node has it, pending or mined
   * (`eth_getTransactionBySenderAndNonce`): null when it has none, undefined when it cannot say.
   */
  async transactionOnNonce(n: number): Promise<RpcTransaction | null | undefined> {
    try {
      const tx = await this.reader.rpc<RpcTransaction | null>(
        "eth_getTransactionBySenderAndNonce",
        [this.address, toQuantity(n)],
      );
      return tx ?? null;
    } catch {
      return undefined;
    }
  }

  /**
   * Signs and broadcasts (a node account: sends) a zero-value self-transfer on `nonce`. A broadcast
   * the node leaves unanswered for `gapFillMs` counts as sent, as a local key's does: the nonce is
   * no longer held by it, and a send waiting above fills it again if the node does not have it.
   */
  private async sendFiller(nonce: number): Promise<unknown> {
    const prepared = await this.prepare({ to: this.address!, value: 0n, gasLimit: FILLER_GAS });
    const txn = { ...prepared, nonce };
    const sent = this.local
      ? this.broadcastRaw(await this.signer.signTransaction(txn))
      : this.signer.sendTransaction(txn);
    return within(sent, this.resolve().gapFillMs);
  }

  /**
   * @internal Broadcasts a signed transaction. Over JSON-RPC, unless `withResponse`, it waits for
   * the node's answer (the hash) only: ethers' `broadcastTransaction` would also build a response
   * whose sender it recovers from the signature, an elliptic-curve recovery per transaction (as
   * much work as signing it) for an account the engine knows. The node's refusals are the same
   * errors either way (ethers maps both).
   */
  async broadcastRaw(raw: string, withResponse = false): Promise<TransactionResponse | undefined> {
    const p = this.provider;
    // (A provider whose broadcastTransaction is its own, a wrapper's say, keeps it.)
    if (
      withResponse ||
      !(p instanceof JsonRpcApiProvider) ||
      p.broadcastTransaction !== JsonRpcApiProvider.prototype.broadcastTransaction
    )
      return p.broadcastTransaction(raw);
    await p.send("eth_sendRawTransaction", [raw]);
    return undefined;
  }

  /**
   * @internal Sends the call of `t` again on its nonce through the node, which fills in the fees
   * (a node-managed send whose first `eth_sendTransaction` never reached the node); records its
   * transaction as the send's.
   */
  async sendOnNonce(t: Tracked): Promise<Candidate> {
    const tx = { ...this.callOf(t), from: this.address };
    // (the node's fees, by the hash alone, are learnt when the watch reads the transaction)
    const r = await (this.nodeSends(tx) ? this.sendByNode(tx) : this.signer.sendTransaction(tx));
    const hash = typeof r === "string" ? r : r.hash;
    const candidate = {
      hash,
      raw: undefined,
      fees: typeof r === "string" ? {} : feesOf(r),
      at: Date.now(),
    };
    this.remember(hash, t);
    return candidate;
  }

  /** The call of `t` on its nonce, as each of its transactions carries it (no fees, no chain). */
  private callOf(t: Tracked): TransactionRequest {
    const tpl = t.template;
    return {
      to: tpl.to,
      data: tpl.data,
      value: tpl.value,
      gasLimit: tpl.gasLimit,
      nonce: t.nonce,
      ...(tpl.accessList ? { accessList: tpl.accessList } : {}),
    };
  }

  /** @internal Signs (local key) or sends (node account) a transaction of `t` with `fees`. */
  async sign(
    t: Tracked,
    fees: Fees,
  ): Promise<{ candidate: Candidate; send: () => Promise<unknown> }> {
    const tpl = t.template;
    const tx: TransactionRequest = {
      ...this.callOf(t),
      chainId: tpl.chainId,
      ...(fees.maxFeePerGas !== undefined
        ? {
            type: 2,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          }
        : { type: tpl.type === 1 ? 1 : 0, gasPrice: fees.gasPrice }),
    };
    if (this.local) {
      const raw = await this.signer.signTransaction(tx);
      const candidate = { hash: keccak256(raw), raw, fees, at: Date.now() };
      return { candidate, send: () => this.broadcastRaw(raw) };
    }
    // The node signs: sending is signing. Its signature is deterministic (RFC 6979), so the
    // same fields give the same transaction again. The hash the node returns is the transaction's
    // (see sendByNode): a read-back that fails after the node took it would lose it unwatched.
    const request = { ...tx, from: this.address };
    const send = async (): Promise<string> =>
      this.nodeSends(request)
        ? this.sendByNode(request)
        : (await this.signer.sendTransaction(request)).hash;
    return { candidate: { hash: await send(), raw: undefined, fees, at: Date.now() }, send };
  }
}

/** One send the engine watches: its candidates on one nonce, until it has an outcome. */
class Tracked {
  readonly engine: TxEngine;
  readonly entry: JournalEntry;
  template: Template;
  readonly key: string;
  nonce: number;
  action: string | undefined;
  policy: ResolvedTxPolicy;
  candidates: Candidate[];
  /** Transactions of earlier nonces that were mined out of gas (the send was sent again). */
  private readonly spent: string[] = [];
  readonly events: TxEvent[] = [];
  response: TransactionResponse | undefined;
  /** Taken up from the journal (or joined): not sent by the caller that waits. */
  readonly resumed: boolean;
  private readonly journaled: boolean;
  private readonly listeners = new Set<(e: TxEvent) => void>();
  private readonly stop = new AbortController();
  private waiters = 0;
  private background = false;
  private loop: Promise<TxResult> | undefined;
  private mined: { candidate: Candidate; receipt: TransactionReceipt } | undefined;
  /** Set when a mined transaction left the chain: the next drop is re-broadcast unchanged. */
  private fellOut = false;
  private reorged = false;
  /** Where the journal saw it mined (a send taken up again): compared with what the chain has. */
  private priorMined: JournalEntry["mined"];
  private lastSent: { at: number; head: number | undefined };
  /** Fees the node refused as too low for a replacement: the next one pays more. */
  private floor: Fees | undefined;
  private settledFlag = false;
  /**
   * Started with no transaction: a node-managed send whose `eth_sendTransaction` went unanswered
   * (the node may have signed it, or never seen it). Watched by its nonce: a transaction of the
   * account mined on it with the same call is adopted, another one replaced it; the nonce still
   * free and not pending after `gapFillMs` means the node never had it, and it is sent again.
   */
  private byNonce: boolean;
  /**
   * Sent again by nonce (see {@link byNonce}) and refused by the node: the caller has the node's
   * error, and the nonce is cancelled (the first request may still be mined on it; see fail).
   */
  private refusedOnNonce = false;
  /** Replaced once as held on the next nonce but not counted pending (see notCounted). */
  private unstuck = false;

  constructor(
    engine: TxEngine,
    entry: JournalEntry,
    template: Template,
    policy: ResolvedTxPolicy,
    resumed: boolean,
    journaled: boolean,
    candidates?: Candidate[],
  ) {
    this.engine = engine;
    this.entry = entry;
    this.template = template;
    this.key = entry.key;
    this.nonce = entry.nonce!;
    this.action = entry.action;
    this.policy = policy;
    this.candidates = candidates ?? entry.txs.map(candidateOf);
    this.byNonce = this.candidates.length === 0;
    if (entry.outOfGas) this.spent.push(...entry.outOfGas);
    this.resumed = resumed;
    this.journaled = journaled || resumed;
    this.lastSent = { at: this.candidates.at(-1)?.at ?? Date.now(), head: entry.firstBlock };
    this.priorMined = entry.mined;
    if (resumed) this.fellOut = true; // re-broadcast unchanged if the node lost it
  }

  /**
   * True when something may be sent in the send's place (a replacement when it is stuck, a resend
   * after running out of gas, the call again on its nonce): a caller waits for it, or it has a key
   * one can. (A send priced out, or held on the next nonce but not counted, is replaced either way.)
   */
  private get mayResend(): boolean {
    // (an entry written before `unkeyed` was recorded: the key says whether the engine made it up)
    return this.waiters > 0 || !(this.entry.unkeyed ?? MADE_UP_KEY.test(this.entry.key));
  }

  /** Resolves when the watch is over (whatever its outcome). */
  get done(): Promise<unknown> {
    return (this.loop ?? Promise.resolve()).catch(() => undefined);
  }

  private get phase(): SendPhase {
    return this.mined ? "mined" : "pending";
  }

  private at(): SendInterruption {
    return {
      action: this.action,
      key: this.key,
      nonce: this.nonce,
      hashes: this.candidates.map((c) => c.hash),
      phase: this.phase,
    };
  }

  /** Waits for the outcome on behalf of one caller; the caller's stop detaches it alone. */
  attach(stopper: Stopper, onEvent?: (e: TxEvent) => void, joined = false): Promise<TxResult> {
    this.waiters++;
    if (onEvent) {
      this.listeners.add(onEvent);
      for (const e of this.events) onEvent(e);
    }
    const result = this.run();
    return new Promise<TxResult>((resolve, reject) => {
      let over = false;
      const off = stopper.onStop(() => {
        if (over) return;
        over = true;
        if (onEvent) this.listeners.delete(onEvent);
        const at = this.at();
        this.detach();
        reject(interruption(stopper.reason!, at));
      });
      result.then(
        (r) => {
          if (over) return;
          over = true;
          off();
          if (onEvent) this.listeners.delete(onEvent);
          this.waiters--;
          resolve(joined && !r.resumed ? { ...r, resumed: true } : r);
        },
        (e: unknown) => {
          if (over) return;
          over = true;
          off();
          if (onEvent) this.listeners.delete(onEvent);
          this.waiters--;
          reject(e instanceof Final ? e.error : e);
        },
      );
    });
  }

  /** Watches with nobody waiting (a journal entry taken up on start) until `deadline`. */
  startBackground(deadline: number): void {
    this.background = true;
    // (a caller that joined it meanwhile has its own deadline: the send is its, given up when the
    // last caller stops, not at the background's deadline under it)
    const over = () => {
      this.background = false;
      if (this.waiters === 0) this.halt("deadline");
    };
    const timer = setTimeout(over, Math.max(0, deadline - Date.now()));
    void this.run().then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /**
   * A node-managed request lost in transit that nobody waits for ({@link TxEngine.submit}): its
   * nonce is cancelled, as a send given up before it has a transaction is, unless a send of its
   * key joined it meanwhile (that one waits for the outcome); the caller's error.
   */
  lostInTransit(): SendInTransitError {
    // (a send of its key that joined it while it was started attaches once its start resolves, a
    // few microtasks on, and waits for the outcome: the watch goes on for it; given up only when
    // nobody waits for it, or watches it, by then)
    setTimeout(() => {
      if (this.waiters === 0 && !this.background) this.halt("request failed in transit");
    }, 0);
    return new SendInTransitError(this.at());
  }

  /**
   * Taken up by a `submit` of its key: watched in the background unless it is already (also when
   * a caller waits for it: its caller's stop then does not give up what the submit returned).
   */
  watchUnlessWatched(deadline: number): void {
    if (!this.background && !this.settledFlag) this.startBackground(deadline);
  }

  /** The error of a `submit` of its key while it has no transaction (see lostInTransit). */
  inTransit(): SendInTransitError {
    return new SendInTransitError(this.at());
  }

  /** Abandons the send if nobody ever waited for it (its caller stopped while it was sent). */
  abandonIfIdle(): void {
    if (this.waiters === 0 && !this.background && !this.loop) this.halt("no caller waits");
  }

  private detach(): void {
    this.waiters--;
    if (this.waiters === 0 && !this.background) this.halt("no caller waits");
  }

  /** Stops the loop: nobody waits any more. */
  private halt(why: string): void {
    if (this.settledFlag || this.stop.signal.aborted) return;
    this.stop.abort(new Stopped({ kind: "abort", cause: why }));
    this.settledFlag = true;
    const q = this.engine.queue();
    q.live.delete(this.nonce);
    // A send never answered, its nonce maybe free: cancelled, not handed to the next send (which
    // may be the same call under another key, and be taken for this one by a retry of its key).
    if (this.candidates.length === 0) this.engine.cancelNonce(this.nonce);
    else q.abandoned.add(this.nonce);
    this.engine.forget(this);
    const last = this.candidates.at(-1);
    if (last) this.event("abandoned", last.hash, {});
    // (its caller has its error already; an entry left open is taken up again by a restart)
    void this.save({ state: "abandoned", error: why }).catch(() => undefined);
  }

  private run(): Promise<TxResult> {
    if (!this.loop) {
      this.engine.queue().live.add(this.nonce);
      this.loop = this.watch();
      this.loop.catch(() => undefined); // callers see it through attach()
    }
    return this.loop;
  }

  /**
   * @internal Reports `type`. Once the send is stopped (halted: its caller has its error), its
   * `abandoned` is the last: a look or a broadcast still under way then reports nothing.
   */
  event(type: TxEvent["type"], hash: string, extra: Partial<TxEvent>): void {
    if (this.stop.signal.aborted && type !== "abandoned") return;
    const e: TxEvent = {
      type,
      key: this.key,
      action: this.action,
      account: this.entry.from,
      nonce: this.nonce,
      hash,
      ...extra,
      at: Date.now(),
    };
    this.events.push(e);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* the listener's own failure */
      }
    }
    this.engine.emit(e);
  }

  private async save(patch: Partial<JournalEntry>): Promise<void> {
    Object.assign(this.entry, patch);
    if (!this.journaled) return;
    // while a resend is under way the entry already names its new nonce (or none yet): its
    // transactions are the resend's, not those of the nonce that ran out of gas
    if (this.entry.nonce === this.nonce) this.entry.txs = this.candidates.map(journalTx);
    this.entry.updatedAt = Date.now();
    await this.engine.journal.put(this.entry);
  }

  private check(): void {
    if (this.stop.signal.aborted) throw this.stop.signal.reason as Error;
  }

  private async watch(): Promise<TxResult> {
    if (this.resumed) this.event("resumed", this.candidates.at(-1)?.hash ?? "", {});
    const heads = this.engine.heads;
    let head: Head | undefined;
    for (let first = true; ; first = false) {
      this.check();
      try {
        // The first look needs no head: an automining node has the receipt already.
        const found = await unlessAborted(this.findReceipt(), this.stop.signal);
        this.check();
        const prior = this.priorMined;
        if (prior && (!found || found.receipt.blockHash !== prior.blockHash)) {
          // Mined where the journal says no longer: a reorg undid it since it was recorded.
          this.priorMined = undefined;
          this.reorged = true;
          this.event("reorged", prior.hash, {
            blockNumber: prior.blockNumber,
            blockHash: prior.blockHash,
          });
        } else if (found) this.priorMined = undefined;
        if (found) {
          if (!this.mined || this.mined.receipt.blockHash !== found.receipt.blockHash) {
            if (this.mined) this.reorgedOut();
            this.mined = found;
            this.event("mined", found.receipt.hash, {
              blockNumber: found.receipt.blockNumber,
              blockHash: found.receipt.blockHash,
            });
            if (this.policy.confirmations > 1) {
              // kept for a rebroadcast, should a reorg take it out of the chain (a failed read
              // leaves them to the mempool look, should it come to that)
              await this.learnFees(found.candidate).catch(() => false);
              await this.save({
                state: "mined",
                mined: {
                  hash: found.receipt.hash,
                  blockNumber: found.receipt.blockNumber,
                  blockHash: found.receipt.blockHash,
                  status: found.receipt.status ?? 0,
                },
              });
            }
          }
          if (this.policy.confirmations <= 1) {
            const done = await this.finish(found);
            if (done) return done;
            continue; // sent again (out of gas): watch the new transaction
          }
          head ??= await heads.current();
          const depth =
            Math.max(head.number, found.receipt.blockNumber) - found.receipt.blockNumber + 1;
          if (depth >= this.policy.confirmations) {
            // The receipt was read after the head: the block is canonical at that depth unless a
            // reorg happened in between, which the next look at the receipt would show.
            const again = await this.engine.reader.receipt(found.receipt.hash);
            if (again && again.blockHash === found.receipt.blockHash) {
              const done = await this.finish(found);
              if (done) return done;
            }
            continue;
          }
        } else {
          if (this.mined) {
            this.reorgedOut();
            this.mined = undefined;
            this.fellOut = true;
            await this.save({ state: "signed", mined: undefined });
          }
          head = await unlessAborted(heads.current(), this.stop.signal);
          this.check();
          if (this.lastSent.head === undefined) {
            this.lastSent.head = head.number;
            if (this.entry.firstBlock === undefined) await this.save({ firstBlock: head.number });
          }
          if (!first || this.resumed)
            await unlessAborted(this.checkPending(head), this.stop.signal);
        }
      } catch (err) {
        if (err instanceof Final || err instanceof Stopped) {
          // (the caller's error is the send's whatever the journal does: an entry it failed to
          // close stays open, and a restart or the key's retry takes it up and finds it again)
          if (err instanceof Final) await this.fail(err).catch(() => undefined);
          throw err;
        }
        // A transient failure (node unreachable, a refused read): tried again after a pause.
        await pause(this.policy.pollIntervalMs, this.stop.signal);
        continue;
      }
      this.check();
      head = await heads.wait(
        head ?? { number: -1, hash: "", baseFeePerGas: undefined },
        this.policy.stallCheckMs,
        this.policy.pollIntervalMs,
        this.stop.signal,
      );
    }
  }

  private reorgedOut(): void {
    const m = this.mined!;
    this.reorged = true;
    this.event("reorged", m.receipt.hash, {
      blockNumber: m.receipt.blockNumber,
      blockHash: m.receipt.blockHash,
    });
  }

  /** The receipt of any of the send's transactions (newest first). */
  private async findReceipt(): Promise<
    { candidate: Candidate; receipt: TransactionReceipt } | undefined
  > {
    const reader = this.engine.reader;
    for (let i = this.candidates.length - 1; i >= 0; i--) {
      const c = this.candidates[i];
      const receipt = await reader.receipt(c.hash);
      if (receipt) return { candidate: c, receipt };
    }
    return undefined;
  }

  /** Not mined: is the nonce used, is the transaction still in the mempool, is it stuck? */
  private async checkPending(head: Head): Promise<void> {
    const reader = this.engine.reader;
    const from = this.entry.from;
    const latest = await reader.nonce(from, "latest");
    if (latest > this.nonce) {
      if (await this.findReceipt()) return; // mined meanwhile: the next look finishes it
      await this.nonceUsed(head);
      return;
    }
    if (this.candidates.length === 0) return this.sendUnanswered(head);
    let inPool: Candidate | undefined;
    for (let i = this.candidates.length - 1; i >= 0 && !inPool; i--) {
      const c = this.candidates[i];
      const tx = await reader.transaction(c.hash);
      if (!tx) continue;
      inPool = c;
      if (!feesKnown(c.fees)) {
        c.fees = tx.fees;
        await this.save({});
      }
    }
    this.check();
    if (!inPool) {
      if (this.fellOut)
        await this.rebroadcast(head, this.resumed && !this.reorged ? "resumed" : "reorged");
      else await this.replace(head, "dropped");
      return;
    }
    const waited =
      head.number - (this.lastSent.head ?? head.number) >= this.policy.bumpAfterBlocks ||
      Date.now() - this.lastSent.at >= this.policy.bumpAfterMs;
    if (latest < this.nonce) {
      // Waiting behind a lower nonce: if nothing of this process holds it, fill it.
      if (waited || Date.now() - this.lastSent.at >= this.policy.gapFillMs)
        await this.fillBelow(latest);
      return;
    }
    if (pricedOut(inPool.fees, head.baseFeePerGas)) await this.replace(head, "priced-out");
    else if (waited && this.mayResend) await this.replace(head, "stuck");
    else if (!this.unstuck && (await this.notCounted())) {
      this.unstuck = true;
      // (a guess: a node whose pending count lags its pool looks the same; a replacement the
      // ceiling forbids leaves the transaction watched, `bumpAfterBlocks`/`bumpAfterMs` decide)
      await this.replace(head, "stuck", true).catch((err: unknown) => {
        if (!(err instanceof Final && err.error instanceof FeeCeilingError)) throw err;
      });
    }
  }

  /**
   * True when the node holds the send's transaction on the account's next nonce without counting
   * it as pending (its pending count not past the nonce), `gapFillMs` after the last send: it keeps
   * the transaction as not executable (anvil does, when it came while the one before it was being
   * mined) and mines nothing on the nonce until a new transaction comes for it. Waiting for
   * `bumpAfterMs` would hold every send of the account above it that long. Replaced once per nonce
   * ({@link unstuck}): a node whose pending count never counts its pool (a load balancer's
   * backends) costs one fee bump, not one every `gapFillMs`.
   */
  private async notCounted(): Promise<boolean> {
    if (Date.now() - this.lastSent.at < this.policy.gapFillMs) return false;
    return (await this.engine.reader.nonce(this.entry.from, "pending")) <= this.nonce;
  }

  /**
   * @internal True once `c`'s fees are known: a node-managed send's are read from its transaction
   * the first time they are needed (and journaled); false when the node does not have it. A read
   * that fails throws (the next look asks again).
   */
  async learnFees(c: Candidate): Promise<boolean> {
    if (feesKnown(c.fees)) return true;
    const tx = await this.engine.reader.transaction(c.hash);
    if (!tx) return false;
    c.fees = tx.fees;
    await this.save({});
    return true;
  }

  /**
   * Nonces from `latest` up to this send's that nothing of this process holds (watched, or being
   * broadcast) and the node does not hold. A hole among them is taken off the queue first.
   */
  private async fillBelow(latest: number): Promise<void> {
    const q = this.engine.queue();
    const pending = await this.engine.reader.nonce(this.entry.from, "pending");
    for (let n = latest; n < this.nonce; n++) {
      if (q.live.has(n) || q.inflight.has(n)) continue;
      // (a node that cannot say whether it holds the nonce is taken at its count)
      if ((await this.engine.nonceHeld(n, pending)) ?? true) continue;
      this.check(); // stopped during the reads: nothing more is sent
      const hole = q.holes.indexOf(n);
      if (hole >= 0) q.holes.splice(hole, 1);
      const filled = this.engine.fillNonce(n);
      q.track(n, filled);
      await filled;
      q.abandoned.delete(n);
    }
    this.lastSent = { at: Date.now(), head: this.lastSent.head };
  }

  /**
   * The nonce was used, by none of the send's transactions: find what used it. When nothing can
   * be found, that may be the send's own transaction (a replacement or a node-managed request
   * whose answer was lost): the outcome is unknown, never "replaced" (which invites a resend).
   */
  private async nonceUsed(head: Head): Promise<void> {
    const user = await this.nonceUser(head);
    if (!user) throw new Final(new SendOutcomeUnknownError(this.at(), this.entry.from));
    if (await this.adopt(user)) return;
    const cancelled =
      sameAddress(user.to, this.entry.from) && user.input === "0x" && BigInt(user.value) === 0n;
    throw new Final(
      new TransactionReplacedError(
        cancelled ? "cancelled" : "replaced",
        this.entry.from,
        this.nonce,
        this.candidates.map((c) => c.hash),
        user.hash,
        { action: this.action },
      ),
    );
  }

  /**
   * True, and `user` (the account's transaction on the send's nonce) made one of the send's
   * transactions, when it carries the send's call: signed elsewhere (a replacement made outside, a
   * node-managed request whose answer was lost), it is the send's own.
   */
  private async adopt(user: RpcTransaction): Promise<boolean> {
    const tpl = this.template;
    // (another send's own transaction is not this one's, however alike: a send given up frees its
    // nonce, and the next send, maybe the same call under another key, takes it)
    const other = this.engine.sendOf(user.hash);
    if (
      (other !== undefined && other !== this) ||
      !carriesCall({ to: user.to, data: user.input, value: user.value }, tpl)
    )
      return false;
    this.candidates.push({
      hash: user.hash,
      raw: undefined,
      fees: feesOf({
        maxFeePerGas: user.maxFeePerGas === undefined ? undefined : BigInt(user.maxFeePerGas),
        maxPriorityFeePerGas:
          user.maxPriorityFeePerGas === undefined ? undefined : BigInt(user.maxPriorityFeePerGas),
        gasPrice: user.gasPrice === undefined ? undefined : BigInt(user.gasPrice),
      }),
      at: Date.now(),
    });
    await this.save({});
    if (this.candidates.length === 1) this.event("submitted", user.hash, {});
    return true;
  }

  /**
   * The account's transaction mined on the send's nonce (used): the node's own lookup by sender
   * and nonce (`eth_getTransactionBySenderAndNonce`) where it has one; else the one in the block
   * where the account's mined count passed the nonce, found by bisecting the counts between
   * {@link sentAbove} (genesis when unknown) and the head: a few reads however long ago; else
   * (the node keeps no state of those blocks) the blocks scanned one by one back to
   * {@link sentAbove}, at most `replacementScanBlocks`. Undefined when none of these finds it; a
   * block read that fails, a count lost in transit, or a nonce used above `head`, throws (looked
   * for at the next look).
   */
  private async nonceUser(head: Head): Promise<RpcTransaction | undefined> {
    const reader = this.engine.reader;
    const from = this.entry.from;
    const ours = (t: RpcTransaction | string | null | undefined): t is RpcTransaction =>
      typeof t === "object" &&
      t !== null &&
      sameAddress(t.from, from) &&
      Number(t.nonce) === this.nonce;
    const held = await this.engine.transactionOnNonce(this.nonce);
    if (ours(held) && held.blockNumber != null) return held;
    const above = this.sentAbove;
    // (a count refused: a node that keeps no state of that block; one lost in transit says
    // nothing of it, and the next look bisects again)
    const at = await this.passedAt(head.number, above ?? 0).catch((err: unknown) => {
      if (ambiguous(err)) throw err;
      return null;
    });
    // (mined after the head was read: the next look, at a later head, finds it)
    if (at === undefined) throw new Error(`nonce ${this.nonce} used above block ${head.number}`);
    const found = at === null ? undefined : (await reader.block(at))?.transactions.find(ours);
    if (found) return found;
    const lowest = Math.max(0, head.number - this.policy.replacementScanBlocks, above ?? 0);
    for (let b = head.number; b >= lowest; b--) {
      const user = (await reader.block(b))?.transactions.find(ours);
      if (user) return user;
    }
    return undefined;
  }

  /**
   * A block below every block that may hold a transaction of the send: the head seen when it was
   * signed, else (an entry of an older version) the one before the head of its first look, when
   * its first transaction was known then. Undefined when unknown: a send watched by its nonce may
   * have been mined before its first look.
   */
  private get sentAbove(): number | undefined {
    const e = this.entry;
    if (e.startBlock !== undefined) return e.startBlock;
    return this.byNonce || e.firstBlock === undefined ? undefined : e.firstBlock - 1;
  }

  /**
   * The block where the account's mined count went past the nonce, bisected between `low` and
   * `high`; undefined when the count at `high` has not (the nonce used after that head). Throws
   * when the node refuses a count (no state of that block).
   */
  private async passedAt(high: number, low: number): Promise<number | undefined> {
    const past = async (b: number) =>
      (await this.engine.reader.nonce(this.entry.from, b)) > this.nonce;
    if (!(await past(high))) return undefined;
    let lo = Math.min(low, high - 1);
    if (lo > 0 && (await past(lo))) lo = 0; // used at or below the bound after all (a reorg)
    let hi = high;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await past(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  /**
   * A send with no transaction yet (see {@link byNonce}), its nonce not mined: while the node
   * holds a transaction on it (pending), the next looks wait for it; when none, `gapFillMs` after
   * the last send, the call is sent again on the nonce (at most one of the two can be mined), or,
   * when nothing may be sent in its place, the nonce is cancelled with a zero-value self-transfer.
   */
  private async sendUnanswered(head: Head): Promise<void> {
    // The node holds the account's transaction on the nonce with the send's call: the lost
    // request's, adopted by its hash and fees, and replaced as any other when stuck or priced out.
    if (Date.now() - this.lastSent.at >= this.policy.gapFillMs) {
      const held = await this.engine.transactionOnNonce(this.nonce);
      this.check();
      if (
        held &&
        held.blockNumber == null &&
        sameAddress(held.from, this.entry.from) &&
        Number(held.nonce) === this.nonce &&
        (await this.adopt(held))
      )
        return;
    }
    if (!(await this.nonceFree(head))) return;
    if (!this.mayResend) {
      // Nobody waits to have the call sent again (see mayResend), but its nonce must not stay
      // empty under the sends above it: cancelled, the next looks see what was mined on it.
      await this.engine.fillNonce(this.nonce);
      return;
    }
    let candidate: Candidate;
    try {
      candidate = await this.engine.sendOnNonce(this);
    } catch (err) {
      // unanswered again, used meanwhile, or not yet sendable (a gap below it, a base fee above
      // the node's fees): the next look sees which
      const text = errorText(err);
      if (
        ambiguous(err) ||
        [NONCE_USED_RE, NONCE_HIGH_RE, UNDERPRICED_RE].some((re) => re.test(text))
      )
        return;
      // Refused (a locked account, a fee above the node's cap, no funds): the node's error, as a
      // first send's refusal gives it; the nonce is cancelled (see fail).
      this.refusedOnNonce = true;
      throw new Final(
        toKessaiError(err, {
          action: this.action,
          contractAddress: this.template.to ?? undefined,
          sender: this.entry.from,
        }),
      );
    }
    this.candidates.push(candidate);
    await this.save({});
    this.event("submitted", candidate.hash, {});
  }

  /**
   * True, and counted as a send, when something may be sent on the send's nonce now: `gapFillMs`
   * after its last send, the node holding no transaction on it (see {@link nonceHeld}).
   */
  private async nonceFree(head: Head): Promise<boolean> {
    if (Date.now() - this.lastSent.at < this.policy.gapFillMs) return false;
    if (await this.nonceHeld()) return false;
    this.check();
    this.lastSent = { at: Date.now(), head: head.number };
    return true;
  }

  /**
   * True when the node may hold a transaction on this send's nonce (see
   * {@link TxEngine.nonceHeld}). A node that cannot say is taken at its pending count unless a
   * later send of this process may be what it counts: then the call is sent again, and the node's
   * refusal (known, underpriced, nonce too low) says it holds one, while a same-call replacement
   * of it does no harm. Not when nothing may be sent in the send's place ({@link mayResend}): what
   * goes on the nonce then is a cancel, which would replace the call the node may hold.
   */
  private async nonceHeld(): Promise<boolean> {
    const engine = this.engine;
    const held = await engine.nonceHeld(
      this.nonce,
      await engine.reader.nonce(this.entry.from, "pending"),
    );
    if (held !== undefined) return held;
    if (!this.mayResend) return true;
    const q = engine.queue();
    return ![...q.live, ...q.inflight.keys()].some((n) => n > this.nonce);
  }

  /** Broadcasts the newest signed transaction again, unchanged (same hash, same effect). */
  private async rebroadcast(head: Head, reason: TxEventReason): Promise<void> {
    const last = this.candidates.at(-1)!;
    // a node-managed send's fees never learnt, its transaction unknown to the node: it cannot be
    // sent again unchanged; a replacement at the market's fees takes its nonce, or, when nothing
    // may be sent in its place (see mayResend), a cancel does, as a lost request's (sendUnanswered)
    if (!(await this.learnFees(last))) {
      if (this.mayResend) return this.replace(head, reason);
      if (await this.nonceFree(head)) await this.engine.fillNonce(this.nonce);
      return;
    }
    if (pricedOut(last.fees, head.baseFeePerGas)) return this.replace(head, "priced-out");
    this.check(); // stopped during the reads: nothing is sent
    try {
      if (last.raw) await within(this.engine.broadcastRaw(last.raw), this.policy.gapFillMs);
      else await this.engine.sign(this, last.fees);
    } catch (err) {
      const text = errorText(err);
      if (ALREADY_KNOWN_RE.test(text)) {
        /* the node has it after all */
      } else if (UNDERPRICED_RE.test(text)) return this.replace(head, "priced-out");
      else if (!NONCE_USED_RE.test(text)) throw err; // retried at the next look
    }
    this.check(); // stopped while the node had it: its caller has the error, nothing follows
    this.fellOut = false;
    this.lastSent = { at: Date.now(), head: head.number };
    this.event("rebroadcast", last.hash, { reason });
  }

  /**
   * Signs and broadcasts a replacement on the same nonce with higher fees. `blocking`: the node
   * mines nothing on the nonce until a new transaction comes for it (see notCounted).
   */
  private async replace(head: Head, reason: TxEventReason, blocking = false): Promise<void> {
    // Watched only, nobody waits: not replaced when stuck, but when priced out or held by the node
    // without being counted pending (never mined as it is, and every later send of the account
    // waits behind it) a replacement of the same call on the same nonce takes its place: only one
    // of them can be mined.
    if (!this.mayResend && reason !== "priced-out" && !blocking) return;
    const last = this.candidates.at(-1)!;
    const market = await this.engine.reader.market();
    // (fees not known, and the node does not have the transaction: the market's fees replace it)
    const none = head.baseFeePerGas === undefined ? { gasPrice: 0n } : { maxFeePerGas: 0n };
    const known = await this.learnFees(last);
    // A replacement refused as underpriced is the one raised next: a node-managed account's is not
    // among the candidates (sending it was signing it), and raising the last one, or the market's
    // fees when its own are not known, would send the refused fees again at every look.
    const bump = bumpFees(
      this.floor ?? (known ? last.fees : none),
      { baseFeePerGas: head.baseFeePerGas, ...market },
      this.policy,
      this.floor,
    );
    if (!bump.ok) throw new Final(new FeeCeilingError(this.at(), bump.needed, bump.ceiling));
    this.check();
    let signed: { candidate: Candidate; send: () => Promise<unknown> };
    try {
      signed = await this.engine.sign(this, bump.fees);
    } catch (err) {
      if (this.engine.local) throw err;
      // A node-managed account: signing is sending, and it was refused.
      return this.refused(err, bump.fees);
    }
    // (a node that takes the same fields again answers the same hash: not a replacement, the next
    // one pays more)
    if (this.candidates.some((c) => c.hash === signed.candidate.hash)) {
      this.floor = bump.fees;
      return;
    }
    // (a local key's signature made after the stop is dropped unsent; a node-managed account's
    // was sent by signing: journaled, a retry of the key waits for it)
    if (this.engine.local) this.check();
    this.candidates.push(signed.candidate);
    await this.save({});
    if (this.engine.local) {
      this.check();
      try {
        // unanswered after `gapFillMs`: the next look sees whether the node has it
        await within(signed.send(), this.policy.gapFillMs);
      } catch (err) {
        return this.refused(err, bump.fees);
      }
    }
    // stopped while the node had it: the hash is in the caller's error and the journal; no more
    this.check();
    this.fellOut = false;
    this.floor = undefined;
    this.lastSent = { at: Date.now(), head: head.number };
    this.event("replaced", signed.candidate.hash, { previous: last.hash, reason, fees: bump.fees });
  }

  /** A replacement the node refused: pay more next time, or let the next look see why. */
  private refused(err: unknown, fees: Fees): void {
    const text = errorText(err);
    // Known: the node holds a transaction with these very fields. A node-managed send's whose fees
    // were never learnt, replaced at the market's fees (legacy: the gas price the node chose for
    // it), is the original itself: the next replacement pays more than these, as after a refusal.
    if (UNDERPRICED_RE.test(text) || ALREADY_KNOWN_RE.test(text)) {
      this.floor = fees; // the next bump starts above these
      return;
    }
    if (NONCE_USED_RE.test(text)) return; // mined meanwhile: the next look sees it
    if (/insufficient funds/i.test(text))
      throw new Final(toKessaiError(err, { action: this.action, sender: this.entry.from }));
    // Anything else (transport): the next look retries.
  }

  /**
   * @internal The send's new transaction after the last one ran out of gas (`entry.nonce` is its
   * nonce): the watch starts again on it.
   */
  restart(template: Template, candidate: Candidate | undefined): void {
    const q = this.engine.queue();
    q.live.delete(this.nonce);
    for (const c of this.candidates) if (!this.spent.includes(c.hash)) this.spent.push(c.hash);
    this.nonce = this.entry.nonce!;
    if (!this.settledFlag) q.live.add(this.nonce);
    this.template = template;
    this.candidates = candidate ? [candidate] : [];
    this.byNonce = !candidate;
    this.mined = undefined;
    this.priorMined = undefined;
    this.fellOut = false;
    this.floor = undefined;
    this.unstuck = false;
    this.lastSent = { at: candidate?.at ?? Date.now(), head: undefined };
  }

  /** Sends again after `r` ran out of gas, if the gas limit was estimated and resends are left. */
  private async resend(r: TransactionReceipt): Promise<boolean> {
    // `r` itself is listed when a send stopped during its resend was taken up again
    const done = (this.entry.outOfGas ?? []).filter((h) => h !== r.hash);
    if (
      !this.entry.request.gasEstimated ||
      done.length >= this.policy.outOfGasResends ||
      !this.mayResend
    )
      return false;
    this.entry.outOfGas = [...done, r.hash];
    const stopper = new Stopper(this.stop.signal, Infinity);
    try {
      await this.engine.resendOutOfGas(this, this.journaled, stopper);
    } catch (err) {
      if (err instanceof Stopped) throw err;
      throw err instanceof KessaiError
        ? err
        : toKessaiError(err, {
            action: this.action,
            contractAddress: this.template.to ?? undefined,
            sender: this.entry.from,
          });
    } finally {
      stopper.dispose();
    }
    this.event("resent", this.candidates[0]?.hash ?? "", {
      previous: r.hash,
      reason: "out-of-gas",
      gasLimit: this.template.gasLimit,
    });
    return true;
  }

  /**
   * The outcome of a mined transaction with its confirmations: the result, or the typed error
   * (thrown as {@link Final}); undefined when it ran out of gas and the send was sent again.
   */
  private async finish(found: {
    candidate: Candidate;
    receipt: TransactionReceipt;
  }): Promise<TxResult | undefined> {
    const r = found.receipt;
    let error: KessaiError | undefined;
    if (r.status !== 1) {
      error = await this.revertError(r);
      try {
        if (error instanceof OutOfGasError && (await this.resend(r))) return undefined;
      } catch (err) {
        if (err instanceof Stopped) throw err;
        error = err as KessaiError; // the fresh estimate reverted, or the new send was refused
      }
    }
    const mined = {
      hash: r.hash,
      blockNumber: r.blockNumber,
      blockHash: r.blockHash,
      status: r.status ?? 0,
    };
    this.settledFlag = true;
    const q = this.engine.queue();
    q.live.delete(this.nonce);
    this.engine.forget(this);
    if (r.status === 1) {
      this.event("confirmed", r.hash, { blockNumber: r.blockNumber, blockHash: r.blockHash });
      await this.save({ state: "confirmed", mined });
      return {
        hash: r.hash,
        blockNumber: r.blockNumber,
        gasUsed: r.gasUsed,
        receipt: r,
        nonce: this.nonce,
        key: this.key,
        hashes: [...this.spent, ...this.candidates.map((c) => c.hash)],
        events: [...this.events],
        resumed: this.resumed,
        reorged: this.reorged,
      };
    }
    this.event("reverted", r.hash, { blockNumber: r.blockNumber, blockHash: r.blockHash });
    await this.save({ state: "reverted", nonce: this.nonce, mined, error: error!.shortMessage });
    throw new Final(error!);
  }

  /** The typed error of the send's reverted transaction `r`, decoded where it ran. */
  private revertError(r: TransactionReceipt): Promise<KessaiError> {
    const tpl = this.template;
    return decodeMinedRevert(
      this.engine.reader,
      r,
      {
        from: this.entry.from,
        to: tpl.to,
        data: tpl.data,
        value: tpl.value,
        gasLimit: tpl.gasLimit,
      },
      {
        action: this.action ?? "transaction",
        contractAddress: tpl.to ?? undefined,
        sender: this.entry.from,
      },
    );
  }

  /** A final error: the journal records it; the queue forgets the nonce (used, or abandoned). */
  private async fail(f: Final): Promise<void> {
    if (this.settledFlag) return;
    this.settledFlag = true;
    const q = this.engine.queue();
    q.live.delete(this.nonce);
    this.engine.forget(this);
    if (f.error instanceof TransactionReplacedError) {
      await this.save({ state: "replaced", error: f.error.shortMessage });
    } else if (this.refusedOnNonce) {
      // Only the resend was refused: the first request, lost in transit, may still reach the node
      // (geth's handler runs on after its -32002) and be mined. So the nonce is cancelled, as a
      // send given up with no transaction is (see halt), and the entry keeps it: a retry of the
      // key watches the nonce (the call adopted if the first request is mined on it, else
      // "cancelled") instead of sending the call a second time.
      this.engine.cancelNonce(this.nonce);
      await this.save({ state: "abandoned", error: f.error.shortMessage });
    } else {
      q.abandoned.add(this.nonce);
      const last = this.candidates.at(-1);
      // (a send watched by its nonce has no transaction, but what used its nonce may be its own)
      if (last || f.error instanceof SendOutcomeUnknownError)
        this.event("abandoned", last?.hash ?? "", {});
      await this.save({ state: "abandoned", error: f.error.shortMessage });
    }
  }
}

export type { Tracked };
