/**
 * A nonce hole left behind when the process gives up the key's lock (nothing of it in flight any
 * more), against anvil. Another process may hold the lock next and send on that very nonce (it
 * starts from the node's count): the first process must not fill the hole afterwards, or its
 * zero-value self-transfer races the other process's transaction on the nonce.
 */
import { expect } from "chai";
import {
  HDNodeWallet,
  JsonRpcProvider,
  Mnemonic,
  Transaction,
  Wallet,
  type TransactionRequest,
} from "ethers";
import { TxEngine, type KeyLock, type TxPolicy } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const OTHER = "0x000000000000000000000000000000000000dEaD";
const GAP_FILL_MS = 600;
const POLICY: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  gapFillMs: GAP_FILL_MS,
  bumpAfterMs: 60_000,
  timeoutMs: 15_000,
};

/** One process's lock on one key, in memory; `holder` says who has it. */
class MemoryKeyLock implements KeyLock {
  holder: string | undefined;
  constructor(readonly name: string) {}
  acquire(): Promise<() => Promise<void>> {
    if (this.holder) return Promise.reject(new Error(`held by ${this.holder}`));
    this.holder = this.name;
    return Promise.resolve(async () => {
      this.holder = undefined;
    });
  }
}

/** A wallet whose first gap filler cannot be prepared (its fees could not be read). */
class FirstFillerFails extends Wallet {
  failed = false;
  override async populateTransaction(tx: TransactionRequest) {
    const filler = tx.to === this.address && BigInt(tx.value ?? 0n) === 0n && tx.data == null;
    if (filler && !this.failed) {
      this.failed = true;
      throw new Error("fee data unavailable");
    }
    return super.populateTransaction(tx);
  }
}

/** A provider that holds the first raw broadcast until the second went through, then refuses it. */
class RefusingProvider extends JsonRpcProvider {
  /** Nonces broadcast, in order. */
  readonly raws: number[] = [];
  private passed: (() => void) | undefined;
  private readonly second = new Promise<void>((r) => (this.passed = r));
  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  }
  override async send(
    method: string,
    params: unknown[] | Record<string, unknown>,
  ): Promise<unknown> {
    if (method !== "eth_sendRawTransaction") return super.send(method, params);
    const i = this.raws.push(Transaction.from((params as string[])[0]).nonce) - 1;
    if (i === 0) {
      await this.second;
      throw Object.assign(new Error("insufficient funds for gas * price + value"), {
        code: -32003,
      });
    }
    try {
      return await super.send(method, params);
    } finally {
      if (i === 1) this.passed!();
    }
  }
}

describe("nonce hole when the key's lock is given up (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil();
  });
  after(async function () {
    await anvil?.stop();
  });

  it("sends nothing on the key once another process holds its lock", async function () {
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0/31");
    const provider = new RefusingProvider(anvil.url);
    const lock = new MemoryKeyLock("first");
    const engine = new TxEngine(new FirstFillerFails(key.privateKey, provider), {
      policy: POLICY,
      lock,
    });

    // A (the hole) is refused after B, above it, went through; the hole's first filler fails
    // and B's caller gives up before gapFillMs.
    const a = engine.send({ to: OTHER, value: 1n }).catch((e: Error) => e);
    while (provider.raws.length < 1) await new Promise((r) => setTimeout(r, 5));
    const b = engine.send({ to: OTHER, value: 2n }, { timeoutMs: 150 }).catch((e: Error) => e);
    expect((await a) as Error).to.match(/insufficient funds/);
    expect(((await b) as Error).name).to.equal("SendTimeoutError");

    // Nothing of the first process in flight: its lease goes, another process takes the lock.
    const end = Date.now() + 2_000;
    while (lock.holder && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(lock.holder, "lock given up").to.equal(undefined);
    lock.holder = "second";
    const raws = provider.raws.length;

    await new Promise((r) => setTimeout(r, GAP_FILL_MS * 2));
    expect(provider.raws.slice(raws), "broadcasts after the lock went").to.deep.equal([]);
    provider.destroy();
  });
});
