/**
 * What the gas-limit suites share (anvil, no automine): the test accounts, a contract whose cost
 * depends on its state, a fast policy and a provider without ethers' request cache, and helpers to
 * mine until a send settles and to wait for an engine's event.
 *
 * The contract (raw bytecode, no Solidity) stores its argument in slot 0 and counts its calls in
 * slot 1: writing slot 0 from zero costs 17,100 gas more than writing it from a non-zero value.
 */
import { AbiCoder, HDNodeWallet, JsonRpcProvider, Mnemonic, Wallet, type Provider } from "ethers";
import {
  TxEngine,
  type Journal,
  type MemoryJournal,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import type { Anvil } from "./anvil.js";

const MNEMONIC = "test test test test test test test test test test test junk";
/** The private key of the test mnemonic's account `i`. */
export const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

/** `slot0 = calldata[0:32]; slot1 += 1; stop` */
export const RUNTIME = "600035600055600154600101600155" + "00";
/** Copies RUNTIME (16 bytes) into memory and returns it. */
export const INIT = "0x6010600c60003960106000f3" + RUNTIME;
/** The contract's call data: the value to store. */
export const arg = (n: bigint) => AbiCoder.defaultAbiCoder().encode(["uint256"], [n]);

/** Fast looks; replacement of a stuck transaction far away. */
export const FAST: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  bumpAfterBlocks: 1_000,
  bumpAfterMs: 60_000,
  timeoutMs: 10_000,
};

/** Provider options: one network, fast polling, no request cache. */
export const PROVIDER_OPTS = {
  staticNetwork: true,
  pollingInterval: 20,
  cacheTimeout: -1,
} as const;

/** A provider for `url` with {@link PROVIDER_OPTS}. */
export const providerFor = (url: string) => new JsonRpcProvider(url, undefined, PROVIDER_OPTS);

/** Mines a block every `ms` until `p` settles. */
export async function mineUntil<T>(anvil: Anvil, p: Promise<T>, ms = 40): Promise<T> {
  let over = false;
  const done = p.finally(() => (over = true));
  while (!over) {
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
    if (!over) await anvil.mine().catch(() => undefined);
  }
  return done;
}

/** Resolves with the first event of `type` an engine reports (bounded). */
export function nextEvent(engine: TxEngine, type: TxEvent["type"], ms = 5_000): Promise<TxEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = engine.on((e) => {
      if (e.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** A durable journal (as a database's is) over `store`: its get, put and open alone. */
export function durableOver(store: MemoryJournal): Journal {
  return {
    durable: true,
    get: (k) => store.get(k),
    put: (e) => store.put(e),
    open: (c, f) => store.open(c, f),
  };
}

/**
 * A restarted process of key `pk` on `provider`: takes up `journal`'s open entries (nobody waits
 * for them), then sends the account's next call (5 wei to `to`, key `next`, a 4 s deadline). Each
 * wait goes through `drive` (e.g. a loop that mines). Its events, that send's result, and how long
 * the send took.
 */
export async function resumeThenSendNext(
  pk: string,
  provider: Provider,
  journal: Journal,
  to: string,
  drive: <T>(p: Promise<T>) => Promise<T> = (p) => p,
) {
  const engine = new TxEngine(new Wallet(pk, provider), {
    journal,
    policy: { ...FAST, timeoutMs: 4_000 },
  });
  const events: TxEvent[] = [];
  engine.on((e) => events.push(e));
  await engine.resumeOpen();
  const started = Date.now();
  const next = await drive(engine.send({ to, value: 5n }, { key: "next" }));
  const took = Date.now() - started;
  await drive(engine.settled());
  return { events, next, took };
}
