import {
  AbstractSigner,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import type { SendInTransitError } from "../errors/transaction.js";
import { TxEngine } from "./engine.js";
import type { TxEngineOptions } from "./types.js";

/** Options of {@link QueuedSigner} and {@link withNonceQueue}. */
export interface QueuedSignerOptions extends TxEngineOptions {
  /** Fixed gas limit for every transaction; skips estimation, so reverts surface after mining. */
  gasLimit?: bigint;
}

/**
 * A signer whose transactions go through its account's transaction engine ({@link TxEngine}):
 * a per-account nonce queue, pipelined, and the lifecycle of every transaction after it.
 *
 * Every transaction of one account (per provider) goes through three phases:
 * 1. **Prepare, concurrently, outside any lock**: gas estimation (or the fixed gas limit), fee
 *    data and chain id. A transaction refused here (e.g. the estimate reverts) throws before a
 *    nonce is allocated, so it uses no nonce.
 * 2. **Allocate and sign, under the account's FIFO lock**: the nonce is the lowest recorded
 *    *hole* if there is one, else the next fresh nonce (the node's pending count on first use,
 *    then the local counter). A local signer (an ethers `Wallet`/`HDNodeWallet`) signs here, the
 *    signed transaction is journaled and dispatched (`eth_sendRawTransaction`); any other signer
 *    (a node account: `JsonRpcSigner`, Hardhat's signer) is handed the transaction with its
 *    explicit nonce. Dispatch therefore starts in nonce order, and the lock is released without
 *    waiting for the node's answer.
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
 * - a transport failure with a locally signed transaction (the node may have it): watched as
 *   sent (the engine re-broadcasts it if the node does not have it);
 * - a transport failure of a node account's `eth_sendTransaction` (the node may have signed it,
 *   there is no transaction to return): {@link SendInTransitError}; the nonce stays held and is
 *   cancelled with a zero-value self-transfer unless the node holds a transaction on it;
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
 * "nonce too low", retries once, then gets {@link NonceError}): give each process its own key.
 */
export class QueuedSigner extends AbstractSigner {
  readonly inner: Signer;
  readonly gasLimit: bigint | undefined;
  /** The account's transaction engine (sends, watches, replaces, journals). */
  readonly engine: TxEngine;
  private readonly options: QueuedSignerOptions;

  constructor(inner: Signer, opts: QueuedSignerOptions = {}) {
    super(inner.provider);
    this.inner = inner;
    this.gasLimit = opts.gasLimit;
    this.options = opts;
    this.engine = new TxEngine(inner, opts);
  }

  getAddress(): Promise<string> {
    return this.engine.getAddress();
  }

  connect(provider: Provider | null): QueuedSigner {
    return new QueuedSigner(this.inner.connect(provider), this.options);
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
   * Sends `tx` through the account's pipelined queue (see the class documentation) and returns
   * the node's response without waiting for the receipt; `engine.wait(hash)` watches it (with
   * replacement, reorg and revert handling), as `engine.send` does for a call it sends itself.
   */
  override sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    return this.engine.submit(tx);
  }
}

/** Wraps `signer` in the account's nonce queue and transaction engine (idempotent). */
export function withNonceQueue(signer: Signer, opts: QueuedSignerOptions = {}): QueuedSigner {
  if (signer instanceof QueuedSigner) return signer;
  return new QueuedSigner(signer, opts);
}
