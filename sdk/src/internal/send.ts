import { TransactionReceipt, type Block, type ContractTransactionResponse, type Log } from "ethers";
import { toKessaiError } from "../errors/decode.js";
import { MissingSignerError } from "../errors/input.js";
import { TransactionFailedError } from "../errors/transport.js";
import type { KessaiContext } from "../connect.js";

/** Outcome of a mined, successful transaction. */
export interface TxResult {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
}

/** Contract whose address we can name in errors. */
interface Target {
  getAddress(): Promise<string>;
}

/**
 * Sends one contract transaction from the context's signer and waits for it, turning every
 * failure into a typed error: a revert during estimation or after mining becomes the generated
 * contract error class (a mined revert is replayed with eth_call at its block to recover the data).
 */
export async function sendTx(
  ctx: KessaiContext,
  action: string,
  target: Target,
  send: () => Promise<ContractTransactionResponse>,
): Promise<TxResult> {
  if (!ctx.signer) throw new MissingSignerError(action);
  const sender = await ctx.signer.getAddress();
  const contractAddress = await target.getAddress();
  let tx: ContractTransactionResponse;
  try {
    tx = await send();
  } catch (err) {
    throw toKessaiError(err, { action, contractAddress, sender });
  }
  let receipt: TransactionReceipt | null;
  try {
    receipt = await tx.wait(ctx.confirmations);
  } catch (err) {
    const r = (err as { receipt?: TransactionReceipt }).receipt;
    if (r && r.status === 0)
      throw await replayRevert(ctx, tx, r, action, contractAddress, sender, err);
    throw toKessaiError(err, { action, contractAddress, sender, txHash: tx.hash });
  }
  if (!receipt)
    throw new TransactionFailedError(`${action}: transaction ${tx.hash} was not mined`, tx.hash);
  if (receipt.status === 0)
    throw await replayRevert(ctx, tx, receipt, action, contractAddress, sender, undefined);
  return { hash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt };
}

async function replayRevert(
  ctx: KessaiContext,
  tx: ContractTransactionResponse,
  receipt: TransactionReceipt,
  action: string,
  contractAddress: string,
  sender: string,
  cause: unknown,
) {
  try {
    await ctx.provider.call({
      to: tx.to,
      from: tx.from,
      data: tx.data,
      value: tx.value,
      blockTag: Math.max(receipt.blockNumber - 1, 0),
    });
  } catch (err) {
    const e = toKessaiError(err, { action, contractAddress, sender, txHash: tx.hash });
    if (e.name !== "NetworkError") return e;
  }
  return new TransactionFailedError(
    `${action}: transaction ${tx.hash} reverted after mining (gas used ${receipt.gasUsed})`,
    tx.hash,
    { cause },
  );
}

/** Runs a read-only call, turning failures into typed errors. */
export async function readCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKessaiError(err, { action });
  }
}

const latestInFlight = new WeakMap<object, Promise<Block | null>>();

/**
 * The latest block. Concurrent callers on one provider share one in-flight `eth_getBlockByNumber`
 * request (as ethers' JSON-RPC provider does for identical requests); nothing is cached once it
 * has answered, so every call sees a block at least as recent as when its request was sent.
 */
export function latestBlock(ctx: KessaiContext): Promise<Block | null> {
  const key = ctx.provider as object;
  let p = latestInFlight.get(key);
  if (!p) {
    const q = ctx.provider.getBlock("latest");
    const clear = () => {
      if (latestInFlight.get(key) === q) latestInFlight.delete(key);
    };
    q.then(clear, clear);
    latestInFlight.set(key, (p = q));
  }
  return p;
}

const plainLogs = Object.getOwnPropertyDescriptor(TransactionReceipt.prototype, "logs")?.get;

/**
 * The receipt's logs as plain `Log`s. A contract call's receipt (`ContractTransactionReceipt`)
 * re-parses every log with the contract's ABI on each `.logs` access; actions that match logs
 * by address and topic themselves read them without that cost.
 */
export function receiptLogs(receipt: TransactionReceipt): readonly Log[] {
  return plainLogs ? (plainLogs.call(receipt) as readonly Log[]) : receipt.logs;
}
