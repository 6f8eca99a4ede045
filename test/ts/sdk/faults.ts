/**
 * Faults injected at chosen calls, for the suites of nonce holes and unanswered broadcasts: a
 * provider whose `send` may hold or refuse any request, and the small promise helpers they use.
 */
import { JsonRpcProvider, Transaction, Wallet, parseUnits } from "ethers";
import type { JournalEntry, JournalState } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil, type AnvilOptions } from "./anvil.js";
import { key } from "./gas-fixture.js";

/** The receiver of the suites' transfers. */
export const OTHER = "0x000000000000000000000000000000000000dEaD";

/** Answers a request instead of the node (a promise), or leaves it to the node (undefined). */
export type Hook = (method: string, params: unknown[]) => Promise<unknown> | undefined;

/** A provider whose `hook` may answer (hold, refuse) any request instead of the node. */
export class FaultyProvider extends JsonRpcProvider {
  hook: Hook | undefined;
  readonly raws: { nonce: number; to: string | null; value: bigint }[] = [];
  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  }
  override send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    const args = params as unknown[];
    if (method === "eth_sendRawTransaction") {
      const tx = Transaction.from(args[0] as string);
      this.raws.push({ nonce: tx.nonce, to: tx.to, value: tx.value });
    }
    return this.hook?.(method, args) ?? super.send(method, params);
  }
}

/** A promise with its resolve/reject outside. */
export function gate<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves once `cond()` holds (polled every 5 ms); throws after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A node refusal that is no transport failure (the nonce is released). */
export const refusal = () =>
  Object.assign(new Error("insufficient funds for gas * price + value"), { code: -32003 });

/**
 * One anvil (`options` as {@link startAnvil}'s) for the calling suite, started before its tests
 * and stopped after them, with every provider `account()` made. `account(make)`: the next test
 * account (from `first` on) as `make` makes its wallet (a plain `Wallet` by default), on a
 * {@link FaultyProvider} of its own (so its own nonce queue), and its mined count `n0`.
 */
export function faultyAnvil(first: number, options: AnvilOptions = {}) {
  let anvil: Anvil | undefined;
  let next = first;
  const providers: FaultyProvider[] = [];
  before(async function () {
    anvil = await startAnvil(options);
  });
  after(async function () {
    for (const p of providers) p.destroy();
    await anvil?.stop();
  });
  return {
    anvil: () => anvil!,
    async account<W extends Wallet = Wallet>(
      make: (key: string, provider: FaultyProvider) => W = (k, p) => new Wallet(k, p) as W,
    ) {
      const provider = new FaultyProvider(anvil!.url);
      providers.push(provider);
      const wallet = make(key(next++), provider);
      const n0 = await provider.getTransactionCount(wallet.address, "latest");
      return { provider, wallet, n0 };
    },
  };
}

/**
 * An earlier process's journal entry `key` in `state`: a transfer of `value` wei to
 * {@link OTHER} that `wallet` signed on `nonce` (max fee 10 gwei, tip 1 wei), recorded at `at`.
 * Resolves to the entry and the raw transaction (not broadcast) and its hash.
 */
export async function earlierTransfer(
  wallet: Wallet,
  o: { key: string; state: JournalState; nonce: number; value: bigint; at: number },
) {
  const fees = { maxFeePerGas: parseUnits("10", "gwei"), maxPriorityFeePerGas: 1n };
  const raw = await wallet.signTransaction({
    to: OTHER,
    value: o.value,
    ...fees,
    nonce: o.nonce,
    gasLimit: 21_000n,
    chainId: 31337n,
  });
  const hash = Transaction.from(raw).hash!;
  const entry: JournalEntry = {
    key: o.key,
    chainId: "31337",
    from: wallet.address,
    request: { to: OTHER, data: "0x", value: o.value.toString(), gasLimit: "21000" },
    state: o.state,
    nonce: o.nonce,
    txs: [{ hash, raw, maxFeePerGas: "10000000000", maxPriorityFeePerGas: "1", at: o.at }],
    updatedAt: Date.now(),
  };
  return { entry, raw, hash };
}
