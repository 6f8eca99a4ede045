import { toQuantity, type Provider, type TransactionReceipt } from "ethers";
import { feesOf, type Fees } from "./fees.js";

/** The chain's head as the engine tracks it: a new hash at the same height is a reorg. */
export interface Head {
  number: number;
  hash: string;
  /** Base fee of this block (undefined before London). */
  baseFeePerGas: bigint | undefined;
  /** Gas limit of this block (when the node gave it). */
  gasLimit?: bigint;
}

/** Raw block as JSON-RPC returns it (the fields the engine reads). */
export interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
  miner?: string;
  gasLimit?: string;
  baseFeePerGas?: string;
  transactions: (string | RpcTransaction)[];
}

/** Raw transaction as JSON-RPC returns it (the fields the engine reads). */
export interface RpcTransaction {
  hash: string;
  from: string;
  to: string | null;
  input: string;
  value: string;
  nonce: string;
  gas: string;
  type?: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  blockNumber: string | null;
  blockHash?: string | null;
  transactionIndex?: string | null;
}

type Send = (method: string, params: unknown[]) => Promise<unknown>;

/**
 * Chain reads for the engine that bypass ethers' request cache (a `JsonRpcProvider` answers an
 * identical request made within 250 ms with the earlier answer, so a receipt or a nonce read
 * there can be stale): raw JSON-RPC through the provider's `send` when it has one, else the
 * provider's own methods.
 */
export class ChainReader {
  readonly provider: Provider;
  private readonly send: Send | undefined;
  private readonly wrapReceipt: ((raw: unknown) => TransactionReceipt) | undefined;

  constructor(provider: Provider) {
    this.provider = provider;
    const p = provider as unknown as {
      send?: Send;
      _wrapTransactionReceipt?: (raw: unknown, network: unknown) => TransactionReceipt;
    };
    this.send = typeof p.send === "function" ? p.send.bind(provider) : undefined;
    this.wrapReceipt =
      typeof p._wrapTransactionReceipt === "function"
        ? (raw) => p._wrapTransactionReceipt!.call(provider, raw, undefined)
        : undefined;
  }

  /** A raw JSON-RPC call; throws when the provider has no `send`. */
  rpc<T>(method: string, params: unknown[]): Promise<T> {
    if (!this.send) return Promise.reject(new Error(`${method}: the provider has no send()`));
    return this.send(method, params) as Promise<T>;
  }

  /** The receipt of `hash`, or null while it is not mined (or no longer, after a reorg). */
  async receipt(hash: string): Promise<TransactionReceipt | null> {
    if (this.send && this.wrapReceipt) {
      const raw = await this.send("eth_getTransactionReceipt", [hash]);
      return raw == null ? null : this.wrapReceipt(raw);
    }
    return this.provider.getTransactionReceipt(hash);
  }

  /**
   * The transaction (mined or in the mempool) with its fees, or null when the node does not know
   * it.
   */
  async transaction(hash: string): Promise<{ blockNumber: number | null; fees: Fees } | null> {
    if (this.send) {
      const t = (await this.send("eth_getTransactionByHash", [hash])) as RpcTransaction | null;
      if (t == null) return null;
      const big = (v: string | undefined) => (v == null ? undefined : BigInt(v));
      return {
        blockNumber: t.blockNumber == null ? null : Number(t.blockNumber),
        fees: feesOf({
          maxFeePerGas: big(t.maxFeePerGas),
          maxPriorityFeePerGas: big(t.maxPriorityFeePerGas),
          gasPrice: big(t.gasPrice),
        }),
      };
    }
    const t = await this.provider.getTransaction(hash);
    return t == null ? null : { blockNumber: t.blockNumber, fees: feesOf(t) };
  }

  /**
   * The account's transaction count: mined (`latest`), including the mempool (`pending`), or
   * mined by the end of block `tag` (a number: a node that keeps no state of it refuses).
   */
  async nonce(address: string, tag: "latest" | "pending" | number): Promise<number> {
    const at = typeof tag === "number" ? toQuantity(tag) : tag;
    if (this.send) return Number(await this.send("eth_getTransactionCount", [address, at]));
    return this.provider.getTransactionCount(address, tag);
  }

  /** The latest block's number, hash and base fee. */
  async head(): Promise<Head> {
    if (this.send) {
      const b = (await this.send("eth_getBlockByNumber", ["latest", false])) as RpcBlock;
      return {
        number: Number(b.number),
        hash: b.hash,
        baseFeePerGas: b.baseFeePerGas == null ? undefined : BigInt(b.baseFeePerGas),
        ...(b.gasLimit == null ? {} : { gasLimit: BigInt(b.gasLimit) }),
      };
    }
    const b = await this.provider.getBlock("latest");
    if (!b) throw new Error("the node has no latest block");
    return {
      number: b.number,
      hash: b.hash!,
      baseFeePerGas: b.baseFeePerGas ?? undefined,
      gasLimit: b.gasLimit,
    };
  }

  /** Block `n` with its transactions as objects (raw JSON-RPC), or null. */
  async block(n: number): Promise<RpcBlock | null> {
    if (this.send) {
      return (await this.send("eth_getBlockByNumber", [toQuantity(n), true])) as RpcBlock | null;
    }
    const b = await this.provider.getBlock(n, true);
    if (!b) return null;
    return {
      number: toQuantity(b.number),
      hash: b.hash!,
      parentHash: b.parentHash,
      timestamp: toQuantity(b.timestamp),
      miner: b.miner,
      gasLimit: toQuantity(b.gasLimit),
      baseFeePerGas: b.baseFeePerGas == null ? undefined : toQuantity(b.baseFeePerGas),
      transactions: b.prefetchedTransactions.map((t) => ({
        hash: t.hash,
        from: t.from,
        to: t.to,
        input: t.data,
        value: toQuantity(t.value),
        nonce: toQuantity(t.nonce),
        gas: toQuantity(t.gasLimit),
        type: toQuantity(t.type),
        gasPrice: toQuantity(t.gasPrice),
        maxFeePerGas: t.maxFeePerGas == null ? undefined : toQuantity(t.maxFeePerGas),
        maxPriorityFeePerGas:
          t.maxPriorityFeePerGas == null ? undefined : toQuantity(t.maxPriorityFeePerGas),
        blockNumber: toQuantity(b.number),
        blockHash: b.hash,
        transactionIndex: toQuantity(t.index),
      })),
    };
  }

  /** The priority fee the node suggests (`eth_maxPriorityFeePerGas`), and its gas price. */
  async market(): Promise<{ tip: bigint; gasPrice: bigint }> {
    const fee = await this.provider.getFeeData();
    return {
      tip: fee.maxPriorityFeePerGas ?? 1_000_000_000n,
      gasPrice: fee.gasPrice ?? fee.maxFeePerGas ?? 1_000_000_000n,
    };
  }
}

interface Waiter {
  after: Head;
  pollMs: number;
  resolve: (h: Head) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One poll of the head per provider, however many transactions wait: each waiter is woken when
 * the head changes (a new block, or a new hash at the same height) or when its own wait ends.
 */
export class HeadWatcher {
  readonly reader: ChainReader;
  private latest: Head | undefined;
  private inflight: Promise<Head> | undefined;
  private readonly waiters = new Set<Waiter>();
  private polling = false;

  constructor(reader: ChainReader) {
    this.reader = reader;
  }

  /** The latest head read so far (no request), if any. */
  get last(): Head | undefined {
    return this.latest;
  }

  /** The head now (concurrent callers share one request). */
  current(): Promise<Head> {
    if (!this.inflight) {
      const p = this.reader.head().then(
        (h) => {
          this.latest = h;
          return h;
        },
        (err: unknown) => {
          throw err;
        },
      );
      this.inflight = p;
      const clear = () => {
        if (this.inflight === p) this.inflight = undefined;
      };
      p.then(clear, clear);
    }
    return this.inflight;
  }

  /**
   * Resolves with the head once it differs from `after`, or after `maxWaitMs` with the latest
   * head seen; rejects with `signal.reason` when `signal` aborts.
   */
  wait(after: Head, maxWaitMs: number, pollMs: number, signal: AbortSignal): Promise<Head> {
    return new Promise<Head>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const done = (h: Head | Error) => {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        signal.removeEventListener("abort", onAbort);
        if (h instanceof Error) reject(h);
        else resolve(h);
      };
      const onAbort = () => done(signal.reason as Error);
      const w: Waiter = {
        after,
        pollMs,
        resolve: (h) => done(h),
        timer: setTimeout(() => done(this.latest ?? after), maxWaitMs),
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(w);
      if (this.latest && changed(this.latest, after)) return done(this.latest);
      if (!this.polling) void this.poll();
    });
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiters.size > 0) {
        const ms = Math.min(...[...this.waiters].map((w) => w.pollMs));
        await new Promise((r) => setTimeout(r, ms));
        if (this.waiters.size === 0) break;
        let h: Head;
        try {
          h = await this.current();
        } catch {
          continue; // a failed poll is retried; each waiter's own wait bounds it
        }
        for (const w of [...this.waiters]) if (changed(h, w.after)) w.resolve(h);
      }
    } finally {
      this.polling = false;
    }
  }
}

function changed(h: Head, after: Head): boolean {
  return h.number !== after.number || h.hash !== after.hash;
}

const watchers = new WeakMap<object, HeadWatcher>();

/** The head watcher shared by every engine on `provider`. */
export function headWatcher(provider: Provider): HeadWatcher {
  let w = watchers.get(provider);
  if (!w) watchers.set(provider, (w = new HeadWatcher(new ChainReader(provider))));
  return w;
}
