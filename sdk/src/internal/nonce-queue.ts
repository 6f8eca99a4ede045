import {
  AbstractSigner,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { NonceError } from "../errors/transport.js";

/**
 * Per-account transaction queue.
 *
 * Every transaction of one account (per provider) passes through one FIFO mutex: the nonce is
 * chosen as max(node's pending count, last nonce we used + 1), the transaction is handed to the
 * wrapped signer with that explicit nonce, and only once the node accepted it does the local
 * counter advance. So:
 * - many concurrent actions from one signer get consecutive nonces (no collision);
 * - a transaction refused before broadcast (e.g. gas estimation reverted) consumes no nonce, so
 *   no later transaction waits behind a gap (nothing is dropped);
 * - a nonce refused by the node ("nonce too low", another wallet sent in between) is re-read from
 *   the chain and retried once, then surfaces as NonceError.
 * Only submission is serialised; waiting for receipts happens outside the lock, so throughput is
 * one round trip per transaction.
 */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

interface QueueState {
  mutex: Mutex;
  next: number | undefined;
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
  if (!s) states.set(key, (s = { mutex: new Mutex(), next: undefined }));
  return s;
}

const NONCE_RE =
  /nonce (too low|has already been used)|invalid nonce|NONCE_EXPIRED|replacement (transaction )?underpriced|already known/i;

/** A signer whose transactions go through the account's nonce queue. */
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
   * Sends `tx` with the next nonce of this account's queue: max(node's pending count, last used
   * + 1). Everything that does not depend on the nonce (gas estimation, fee data, the pending
   * count) is prepared before taking the account's lock, concurrently with other submissions;
   * the lock covers only choosing the nonce and handing the transaction to the node. A nonce the
   * node refuses is re-read and retried once, then raised as {@link NonceError}.
   */
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const from = await this.getAddress();
    const provider = this.inner.provider;
    const state = stateFor(provider, from);
    const pendingCount = () =>
      provider ? provider.getTransactionCount(from, "pending") : Promise.resolve(0);
    // Outside the lock: a refused estimate throws here and consumes no nonce.
    const [pending, prepared] = await Promise.all([pendingCount(), this.prepare(tx)]);
    return state.mutex.run(async () => {
      for (let attempt = 0; ; attempt++) {
        const onNode = attempt === 0 ? pending : await pendingCount();
        const nonce = Math.max(onNode, state.next ?? 0);
        try {
          const response = await this.inner.sendTransaction({ ...prepared, nonce });
          state.next = nonce + 1;
          return response;
        } catch (err) {
          const msg = `${(err as { code?: string }).code ?? ""} ${(err as Error).message ?? ""}`;
          if (NONCE_RE.test(msg)) {
            state.next = undefined;
            if (attempt === 0) continue;
            throw new NonceError(from, nonce, { cause: err });
          }
          throw err;
        }
      }
    });
  }

  /**
   * The transaction with its gas limit (the fixed one, or estimated) and whatever else the wrapped
   * signer fills in without a nonce (fee data, chain id); the nonce is set under the lock.
   */
  private async prepare(tx: TransactionRequest): Promise<TransactionRequest> {
    const gasLimit = tx.gasLimit ?? this.gasLimit ?? (await this.inner.estimateGas(tx));
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
