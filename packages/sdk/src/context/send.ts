import {
  TransactionReceipt,
  type BaseContract,
  type Block,
  type FunctionFragment,
  type Result,
  type ContractTransaction,
  type ContractTransactionResponse,
  type Log,
} from "ethers";
import { toKessaiError } from "../errors/decode.js";
import { HEX_ADDRESS } from "../utils/abiWords.js";
import { InvalidParameterError, MissingSignerError } from "../errors/input.js";
import type { TypedData } from "../settlement/eip712.js";
import { decodeResult, encodeCall, handEncoded } from "./abiWords.js";
import type { KessaiContext } from "./connect.js";
import type { SendOptions, TxResult } from "../transactions/types.js";
import { withNonceQueue } from "../transactions/signer.js";
import { checksumAddress } from "../utils/validate.js";

export type { TxResult } from "../transactions/types.js";

/**
 * What a workflow's "done" progress event reports of a send: its transaction hash, gas used,
 * and `resumed: true` when the send was one made earlier under the same key. One definition for
 * every workflow's progress events; `undefined` (a step that sent nothing) gives no hash or gas.
 */
export function sentFields(r: TxResult | undefined): {
  txHash: string | undefined;
  gasUsed: bigint | undefined;
  resumed?: true;
} {
  return { txHash: r?.hash, gasUsed: r?.gasUsed, ...(r?.resumed ? { resumed: true } : {}) };
}

/**
 * What sending needs of a context: the queued signer and the per-send options. A
 * {@link KessaiContext} is one; so are the two-ledger contexts (`StLedgerContext`,
 * `CashLedgerContext`).
 */
export type SenderContext = Pick<KessaiContext, "signer"> & SendContext;

/** Contract whose address we can name in errors. */
interface Target {
  getAddress(): Promise<string>;
}

/**
 * Per-send options carried by a context: {@link withSendOptions} makes a context whose every
 * transaction uses them (a key, a signal, a deadline, policy overrides).
 */
export interface SendContext {
  sendOptions?: SendOptions;
}

/**
 * A copy of `ctx` whose transactions are sent with `options` (merged over any the context
 * already carries): e.g. `withSendOptions(ctx, { key: \`${id}:settle\`, signal })` for one action.
 * The contracts, signer and engine are shared with `ctx`.
 */
export function withSendOptions<C extends SendContext>(ctx: C, options: SendOptions): C {
  const prev = (ctx as SendContext).sendOptions;
  return { ...ctx, sendOptions: { ...prev, ...options } };
}

/**
 * Sends one contract transaction from the context's signer through its account's transaction
 * engine ({@link TxEngine.send}) and waits for its confirmations, turning every failure into a
 * typed error: a revert during estimation, or after mining (decoded at its own position in its
 * block), becomes the generated contract error class.
 *
 * `build` returns the call to send, e.g. `() => dvp.settle.populateTransaction(terms)`. (A
 * function that sends the transaction itself, `() => dvp.settle(terms)`, still works: the engine
 * then watches the transaction it was handed.) The context's `sendOptions` (see
 * {@link withSendOptions}) apply.
 */
export async function sendTx(
  ctx: SenderContext,
  action: string,
  target: Target,
  build: () => Promise<ContractTransaction | ContractTransactionResponse>,
): Promise<TxResult> {
  if (!ctx.signer) throw new MissingSignerError(action);
  const engine = withNonceQueue(ctx.signer).engine;
  const options: SendOptions = { ...(ctx as SendContext).sendOptions, action };
  let built: ContractTransaction | ContractTransactionResponse;
  try {
    built = await build();
  } catch (err) {
    const [sender, contractAddress] = await Promise.all([
      engine.getAddress().catch(() => undefined),
      target.getAddress().catch(() => undefined),
    ]);
    throw toKessaiError(err, { action, contractAddress, sender });
  }
  if (typeof (built as ContractTransactionResponse).hash === "string") {
    return engine.wait((built as ContractTransactionResponse).hash, options);
  }
  return engine.send(built, options);
}

/** Checksummed addresses of contracts by contract (their `target` read once). */
const targets = new WeakMap<BaseContract, string>();

/**
 * The call of `contract`'s `method` with `args`, as `method.populateTransaction(...args)` gives
 * it (`to` and `data`), for {@link sendTx}'s `build`: when the contract's target is an address and
 * every argument is in its usual form (see `encodeCall`), the call data is written by hand and
 * nothing is resolved; otherwise the contract's `populateTransaction` does it all (names and
 * `Addressable`s resolved, overrides, ethers' errors).
 */
export function populateCall<A extends unknown[]>(
  contract: BaseContract,
  method: {
    fragment: FunctionFragment;
    populateTransaction(...args: A): Promise<ContractTransaction>;
  },
  ...args: A
): Promise<ContractTransaction> {
  let to = targets.get(contract);
  if (to === undefined && typeof contract.target === "string" && HEX_ADDRESS.test(contract.target))
    targets.set(contract, (to = checksumAddress(contract.target)));
  const data = to === undefined ? undefined : handEncoded(method.fragment, args);
  if (data === undefined) return method.populateTransaction(...args);
  return Promise.resolve({ to: to!, data });
}

/**
 * The context's signer address, before anything is read or signed: {@link MissingSignerError}
 * without a signer; with `expected`, {@link InvalidParameterError} naming `expected.field` unless
 * the signer is `expected.account` (e.g. the buyer signing its affirmation).
 */
export async function signerAddress(
  ctx: SenderContext,
  action: string,
  expected?: { field: string; account: string },
): Promise<string> {
  if (!ctx.signer) throw new MissingSignerError(action);
  const me = await ctx.signer.getAddress();
  if (expected && checksumAddress(me) !== checksumAddress(expected.account)) {
    throw new InvalidParameterError(expected.field, expected.account, `is not the signer ${me}`);
  }
  return me;
}

/** Signs typed data with the context's signer; a wallet, transport or user refusal becomes a typed KessaiError. */
export async function signTyped(
  ctx: SenderContext,
  action: string,
  td: TypedData,
): Promise<string> {
  if (!ctx.signer) throw new MissingSignerError(action);
  try {
    return await ctx.signer.signTypedData(td.domain, td.types, td.message);
  } catch (err) {
    throw toKessaiError(err, { action });
  }
}

/** Runs a read-only call, turning failures into typed errors. */
export async function readCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKessaiError(err, { action });
  }
}

type RawSend = (method: string, params: unknown[]) => Promise<unknown>;

/** Function fragments by contract interface and name (looked up once each). */
const fragments = new WeakMap<object, Map<string, FunctionFragment>>();

/** The function fragment `method` of `contract`'s interface, looked up once per interface. */
export function fragmentOf(contract: BaseContract, method: string): FunctionFragment {
  const iface = contract.interface;
  let m = fragments.get(iface);
  if (!m) fragments.set(iface, (m = new Map()));
  let f = m.get(method);
  if (!f) m.set(method, (f = iface.getFunction(method)!));
  return f;
}

/**
 * Reads view `method` of `contract` at the latest block as one raw `eth_call` through the
 * provider's `send`, the call encoded and the answer decoded with the contract's ABI; failures
 * become typed errors ({@link readCall}). The same answer as `contract.method(...args)` without
 * the contract call's plumbing (argument resolution, the signer's `populateCall`, the provider's
 * request formatting), which costs several times the request itself on a local node, and past
 * ethers' request cache (an identical request made within 250 ms is not answered with the earlier
 * answer): the workflows' checks before every step read the chain as it is now. The call has no
 * `from`: only for views that do not read `msg.sender`. A provider without `send` gets the
 * contract call.
 */
export async function readView(
  ctx: Pick<KessaiContext, "provider">,
  action: string,
  contract: BaseContract,
  method: string,
  args: readonly unknown[],
): Promise<Result> {
  const send = (ctx.provider as { send?: RawSend }).send;
  const fragment = fragmentOf(contract, method);
  return readCall(action, async () => {
    if (typeof send !== "function") return contract.getFunction(fragment).staticCallResult(...args);
    const data = encodeCall(contract, fragment, args);
    const to = typeof contract.target === "string" ? contract.target : await contract.getAddress();
    const raw = (await send.call(ctx.provider, "eth_call", [{ to, data }, "latest"])) as string;
    return decodeResult(contract, fragment, raw);
  });
}

const latestInFlight = new WeakMap<object, Promise<Block | null>>();

/**
 * The latest block. Concurrent callers on one provider share one in-flight `eth_getBlockByNumber`
 * request (as ethers' JSON-RPC provider does for identical requests). Ethers itself may answer a
 * request made within 250 ms of an identical one with the earlier answer: where a decision turns
 * on the clock having moved (a deadline), read {@link latestBlockTime}.
 */
export function latestBlock(ctx: Pick<KessaiContext, "provider">): Promise<Block | null> {
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

/**
 * The latest block's time, read past ethers' request cache (a provider answers a `getBlock`
 * made within 250 ms of the same one with the earlier answer: a run that follows another that
 * soon, after the clock moved, must not judge deadlines by the earlier block).
 */
export async function latestBlockTime(ctx: Pick<KessaiContext, "provider">): Promise<bigint> {
  const p = ctx.provider as { send?: (m: string, a: unknown[]) => Promise<unknown> };
  if (typeof p.send === "function") {
    const b = (await readCall("getBlock", () =>
      p.send!.call(ctx.provider, "eth_getBlockByNumber", ["latest", false]),
    )) as { timestamp?: string } | null;
    return BigInt(b?.timestamp ?? 0);
  }
  return BigInt((await readCall("getBlock", () => latestBlock(ctx)))?.timestamp ?? 0);
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
