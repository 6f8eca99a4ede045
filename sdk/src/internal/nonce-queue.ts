import {
  AbstractSigner,
  BaseWallet,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { NonceError } from "../errors/transport.js";

/** FIFO lock that counts its holder and waiters. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  /** Callers holding or waiting for the lock. */
  waiting = 0;
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++;
    const body = async () => {
      try {
        return await fn();
      } finally {
        this.waiting--;
      }
    };
    const next = this.tail.then(body, body);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

interface QueueState {
  mutex: Mutex;
  /** Next fresh nonce; undefined until read from the node (first use, after a nonce error). */
  next: number | undefined;
  /** Allocated nonces whose broadcast was refused, ascending; taken first. */
  holes: number[];
  /** Broadcasts awaiting the node's answer, by nonce (settle, never reject). */
  inflight: Map<number, Promise<unknown>>;
}

const providerIds = new WeakMap<object, number>();
let providerSeq = 0;
const states = new Map<string, QueueState>();

function stateFor(provider: Provider | null, address: string): QueueState {
  const p = (provider ?? {}) as object;
  let id = providerIds.get(p);
  if (id === undefined) providerIds.set(p, (id = ++providerSeq));
  const key = `${id}:${address.toLowerCase()}`;
  let s = states.get(key);
  if (!s) {
    s = { mutex: new Mutex(), next: undefined, holes: [], inflight: new Map() };
    states.set(key, s);
  }
  return s;
}

/** The nonce was used by another transaction (ours or another wallet's). */
const NONCE_USED_RE =
  /nonce (too low|has already been used)|invalid nonce|NONCE_EXPIRED|replacement (transaction )?underpriced|already known/i;
/** The node cannot queue the transaction before its predecessor arrives (automine). */
const NONCE_HIGH_RE = /nonce too high/i;
/** Broadcasts of a "nonce too high" transaction after its predecessors settled. */
const MAX_REORDER_RETRIES = 20;
/** Gas limit of a gap filler (a zero-value transfer to oneself). */
const FILLER_GAS = 21_000n;

function errorText(err: unknown): string {
  const e = err as { code?: string; message?: string; shortMessage?: string } | undefined;
  return `${e?.code ?? ""} ${e?.shortMessage ?? ""} ${e?.message ?? ""}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A signer whose transactions go through its account's nonce queue: a per-account transaction
 * queue, pipelined.
 *
 * Every transaction of one account (per provider) goes through three phases:
 * 1. **Prepare, concurrently, outside any lock**: gas estimation (or the fixed gas limit), fee
 *    data and chain id. A transaction refused here (e.g. the estimate reverts) throws before a
 *    nonce is allocated, so it uses no nonce.
 * 2. **Allocate and sign, under the account's FIFO lock**: the nonce is the lowest recorded
 *    *hole* if there is one, else the next fresh nonce (the node's pending count on first use,
 *    then the local counter). A local signer (an ethers `Wallet`/`HDNodeWallet`) signs here and
 *    the raw transaction is dispatched (`eth_sendRawTransaction`); any other signer (a node
 *    account: `JsonRpcSigner`, Hardhat's signer) is handed the transaction with its explicit
 *    nonce. Dispatch therefore starts in nonce order, and the lock is released without waiting
 *    for the node's answer.
 * 3. **Broadcast, outside the lock**: the node's answers are awaited in parallel, so many
 *    transactions of one account are in flight at once.
 *
 * Outcomes of a broadcast:
 * - accepted: the transaction is returned (receipts are awaited by the caller, in parallel);
 * - "nonce too low" / "already used" / "replacement underpriced" (another wallet used the key):
 *   the counter is re-read (`max(node's pending count, local counter)`) and the transaction is
 *   re-allocated, re-signed and retried once, then {@link NonceError} is raised; that nonce is
 *   not a hole (it was used);
 * - "nonce too high" (an automining node, such as Hardhat's, that cannot queue a transaction
 *   whose predecessor has not arrived yet): the same transaction is broadcast again once the
 *   account's lower in-flight broadcasts have settled (bounded; then it is treated as refused);
 * - refused for any other reason (an RPC error on `eth_sendRawTransaction`, a signer failure):
 *   the transaction never entered the pool and its nonce becomes a **hole**. If it was the
 *   highest nonce allocated, the counter simply steps back (no gap exists). Otherwise the next
 *   transaction of the account takes the lowest hole first; if no transaction is waiting for the
 *   lock when the hole appears, the queue fills it itself with a zero-value self-transfer
 *   (gas limit 21,000: a *gap filler*), so later transactions are never stuck behind it. A gap
 *   filler that is refused leaves the hole recorded for the next transaction (no retry loop).
 *   The caller of the refused transaction gets the node's error.
 *
 * Several processes signing with one key are not coordinated (each sees the other's nonces as
 * "nonce too low" and retries once): give each process its own key.
 */
export class QueuedSigner extends AbstractSigner {
  readonly inner: Signer;
  readonly gasLimit: bigint | undefined;
  private address: string | undefined;

  constructor(inner: Signer, opts: { gasLimit?: bigint } = {}) {
    super(inner.provider);
    this.inner = inner;
    this.gasLimit = opts.gasLimit;
  }

  async getAddress(): Promise<string> {
    this.address ??= await this.inner.getAddress();
    return this.address;
  }

  connect(provider: Provider | null): QueuedSigner {
    return new QueuedSigner(this.inner.connect(provider), { gasLimit: this.gasLimit });
  }

  /** Signs with the wrapped signer (no nonce handling: use {@link sendTransaction}). */
  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(tx);
  }

  /** Signs an EIP-191 message with the wrapped signer. */
  signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  /** Signs EIP-712 typed data with the wrapped signer. */
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }

  /**
   * Sends `tx` through the account's pipelined queue (see the module documentation): gas and
   * fees are prepared outside the lock (a refused estimate uses no nonce); under the lock the
   * nonce is allocated (lowest hole first, else the next fresh one) and the transaction signed
   * and dispatched; the node's answer is awaited outside the lock. A refused broadcast leaves a
   * hole that the next transaction or a gap filler takes; a used nonce is re-read and retried
   * once, then raised as {@link NonceError}.
   */
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const from = await this.getAddress();
    const state = stateFor(this.inner.provider, from);
    // Outside the lock: a refused estimate throws here and consumes no nonce.
    const prepared = await this.prepare(tx);
    for (let attempt = 0; ; attempt++) {
      const { nonce, sent } = await state.mutex.run(() => this.dispatch(state, from, prepared));
      try {
        return await sent;
      } catch (err) {
        if (NONCE_USED_RE.test(errorText(err))) {
          // Used elsewhere: not a hole. Re-read the node's count under the lock on the retry.
          await state.mutex.run(() => this.resync(state, from));
          if (attempt === 0) continue;
          throw new NonceError(from, nonce, { cause: err });
        }
        this.release(state, from, nonce);
        throw err;
      }
    }
  }

  /**
   * Under the lock: allocates a nonce, signs and starts the broadcast (dispatch order = nonce
   * order). `sent` settles outside the lock, once the node has answered.
   */
  private async dispatch(
    state: QueueState,
    from: string,
    prepared: TransactionRequest,
    filler = false,
  ): Promise<{ nonce: number; sent: Promise<TransactionResponse> }> {
    const nonce = await this.allocate(state, from);
    const txn = { ...prepared, nonce };
    let broadcast: () => Promise<TransactionResponse>;
    const provider = this.inner.provider;
    if (this.inner instanceof BaseWallet && provider) {
      let signed: string;
      try {
        signed = await this.inner.signTransaction(txn);
      } catch (err) {
        this.release(state, from, nonce, filler);
        throw err;
      }
      broadcast = () => provider.broadcastTransaction(signed);
    } else {
      broadcast = () => this.inner.sendTransaction(txn);
    }
    const sent = this.broadcastInOrder(state, nonce, broadcast, broadcast());
    const settled = sent.then(
      () => undefined,
      () => undefined,
    );
    state.inflight.set(nonce, settled);
    void settled.then(() => {
      if (state.inflight.get(nonce) === settled) state.inflight.delete(nonce);
    });
    return { nonce, sent };
  }

  /**
   * Awaits the node's answer. A "nonce too high" (the node cannot queue it: a predecessor has
   * not arrived yet) is broadcast again, unchanged, once the lower in-flight broadcasts settled.
   */
  private async broadcastInOrder(
    state: QueueState,
    nonce: number,
    broadcast: () => Promise<TransactionResponse>,
    first: Promise<TransactionResponse>,
  ): Promise<TransactionResponse> {
    let attempt = first;
    for (let retry = 0; ; retry++) {
      try {
        return await attempt;
      } catch (err) {
        if (!NONCE_HIGH_RE.test(errorText(err)) || retry >= MAX_REORDER_RETRIES) throw err;
        const lower = [...state.inflight].filter(([n]) => n < nonce).map(([, p]) => p);
        if (lower.length > 0) await Promise.all(lower);
        else await sleep(5 * (retry + 1)); // a hole below is being filled
        attempt = broadcast();
      }
    }
  }

  /** Lowest hole, else the next fresh nonce (read from the node when unknown). */
  private async allocate(state: QueueState, from: string): Promise<number> {
    if (state.holes.length > 0) return state.holes.shift()!;
    state.next ??= await this.pendingCount(from);
    return state.next++;
  }

  /** After a used nonce: the counter becomes max(node's pending count, local counter). */
  private async resync(state: QueueState, from: string): Promise<void> {
    const onNode = await this.pendingCount(from);
    state.next = Math.max(onNode, state.next ?? 0);
    state.holes = state.holes.filter((h) => h >= onNode);
  }

  private pendingCount(from: string): Promise<number> {
    const provider = this.inner.provider;
    return provider ? provider.getTransactionCount(from, "pending") : Promise.resolve(0);
  }

  /**
   * A refused nonce: steps the counter back if it was the highest allocated, else records a hole
   * and, when no transaction is waiting for the lock to take it, schedules a gap filler.
   */
  private release(state: QueueState, from: string, nonce: number, filler = false): void {
    if (state.next === nonce + 1) {
      state.next = nonce;
      while (state.holes.length > 0 && state.holes[state.holes.length - 1] === state.next - 1) {
        state.next = state.holes.pop()!;
      }
      return;
    }
    if (state.next !== undefined && nonce >= state.next) return;
    if (!state.holes.includes(nonce)) {
      state.holes.push(nonce);
      state.holes.sort((a, b) => a - b);
    }
    // Checked once the current turn of the lock (if any) is over.
    if (!filler) {
      setTimeout(() => {
        if (state.holes.length > 0 && state.mutex.waiting === 0) void this.fillGap(state, from);
      }, 0);
    }
  }

  /** Sends a zero-value self-transfer with the lowest hole's nonce, if a hole is still open. */
  private async fillGap(state: QueueState, from: string): Promise<void> {
    let prepared: TransactionRequest;
    try {
      prepared = await this.prepare({ to: from, value: 0n, gasLimit: FILLER_GAS });
    } catch {
      return; // the next transaction takes the hole
    }
    let taken: { nonce: number; sent: Promise<TransactionResponse> } | undefined;
    try {
      taken = await state.mutex.run(async () =>
        state.holes.length > 0 ? this.dispatch(state, from, prepared, true) : undefined,
      );
      await taken?.sent;
    } catch (err) {
      if (taken && !NONCE_USED_RE.test(errorText(err)))
        this.release(state, from, taken.nonce, true);
    }
  }

  /**
   * The transaction with its gas limit (the fixed one, or estimated). A local key also gets
   * whatever it needs to sign without a nonce (fee data, chain id, type); a node-managed account
   * is handed the request as is, the node filling in fees (as ethers' `JsonRpcSigner` does).
   * The nonce is set under the lock.
   */
  private async prepare(tx: TransactionRequest): Promise<TransactionRequest> {
    const gasLimit = tx.gasLimit ?? this.gasLimit ?? (await this.inner.estimateGas(tx));
    if (!(this.inner instanceof BaseWallet)) return { ...tx, gasLimit };
    // A placeholder nonce keeps populateTransaction from reading one; it is replaced under the lock.
    const populated = await this.inner.populateTransaction({ ...tx, gasLimit, nonce: 0 });
    return { ...populated, nonce: undefined };
  }
}

/** Wraps `signer` in the account's nonce queue (idempotent). */
export function withNonceQueue(signer: Signer, opts: { gasLimit?: bigint } = {}): QueuedSigner {
  if (signer instanceof QueuedSigner) return signer;
  return new QueuedSigner(signer, opts);
}
