/**
 * A send mined out of gas and stopped before its resend was broadcast keeps its out-of-gas
 * transaction when it is sent again under its key (anvil, no automine): counted once against
 * `outOfGasResends`, listed once in `hashes` and in the journal's `outOfGas`, and the call done
 * once. Three stops: the process gone right after the resend's intent was journaled, the send
 * aborted while the resend was being estimated, and aborted once the resend was signed (its
 * journal entry must name the resend: naming the transaction that ran out of gas, the send taken
 * up again found it out of gas and sent a third transaction, and the call was done twice).
 *
 * The contract is gas-fixture.ts's: writing its slot 0 from zero costs 17,100 gas more.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";
import {
  MemoryJournal,
  TxEngine,
  type Journal,
  type JournalEntry,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, INIT, PROVIDER_OPTS, arg, key, mineUntil, nextEvent } from "./gas-fixture.js";

/** A provider that calls `onEstimate` before each eth_estimateGas it sends. */
class HookedProvider extends JsonRpcProvider {
  // (each first process has its own: nothing it left running calls another test's hook)
  onEstimate: (() => void) | undefined;
  override send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (method === "eth_estimateGas") this.onEstimate?.();
    return super.send(method, params);
  }
}

describe("sdk: a send stopped between out of gas and its resend, sent again under its key", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let provider: HookedProvider;
  let other: Wallet;
  let target: string;
  let seq = 40;

  const slot = async (n: number) => BigInt(await provider.getStorage(target, n));
  const setAhead = async (value: bigint) =>
    (
      await other.sendTransaction({
        to: target,
        data: arg(value),
        gasLimit: 100_000n,
        maxPriorityFeePerGas: parseUnits("50", "gwei"),
        maxFeePerGas: parseUnits("100", "gwei"),
      })
    ).hash;

  before(async function () {
    anvil = await startAnvil({ noMining: true, order: "fees" });
    provider = new HookedProvider(anvil.url, undefined, PROVIDER_OPTS);
    other = new Wallet(key(39), provider);
    const tx = await other.sendTransaction({ data: INIT, gasLimit: 200_000n });
    await anvil.mine();
    target = (await provider.getTransactionReceipt(tx.hash))!.contractAddress!;
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  /**
   * Sends `set(1)` under `k` while slot 0 is 5, then `other` sets it to 0 ahead of it in the same
   * block: it runs out of gas. Resolves once the first engine's send settled (stopped).
   */
  async function stoppedAfterOutOfGas(engine: TxEngine, k: string, signal?: AbortSignal) {
    await setAhead(5n);
    await anvil.mine();
    const calls = await slot(1);
    const submitted = nextEvent(engine, "submitted");
    const sending = engine
      .send({ to: target, data: arg(1n) }, { key: k, ...(signal ? { signal } : {}) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const first = await submitted;
    await setAhead(0n);
    await anvil.mine();
    const oog = (await provider.getTransactionReceipt(first.hash))!;
    expect(oog.status).to.equal(0);
    expect(oog.gasUsed).to.equal((await provider.getTransaction(first.hash))!.gasLimit);
    const stopped = await sending;
    expect(stopped).to.be.instanceOf(Error);
    return { first, calls };
  }

  /** The same key from a new process: sent once more, the out-of-gas transaction kept. */
  async function sendAgain(journal: Journal, wallet: Wallet, k: string, first: string) {
    const p2 = new JsonRpcProvider(anvil.url, undefined, PROVIDER_OPTS);
    try {
      const engine2 = new TxEngine(new Wallet(wallet.privateKey, p2), { policy: FAST, journal });
      const r = await mineUntil(anvil, engine2.send({ to: target, data: arg(1n) }, { key: k }));
      expect(r.receipt.status).to.equal(1);
      expect(r.hashes).to.deep.equal([first, r.hash]);
      const entry = (await journal.get(k))!;
      expect(entry.state).to.equal("confirmed");
      expect(entry.outOfGas).to.deep.equal([first]);
      return r;
    } finally {
      p2.destroy();
    }
  }

  it("the process gone right after the resend's intent was journaled", async function () {
    const p1 = new HookedProvider(anvil.url, undefined, PROVIDER_OPTS);
    const wallet = new Wallet(key(seq++), p1);
    const n0 = await provider.getTransactionCount(wallet.address);
    const store = new MemoryJournal();
    const stop = new AbortController();
    let dead = false;
    // the journal of a process that dies once it has written the resend's intent
    const dying: Journal = {
      durable: true,
      get: (k) => store.get(k),
      open: (c, f) => store.open(c, f),
      async put(e: JournalEntry) {
        if (dead) return; // nothing more is written
        await store.put(e);
        if (e.state === "intent" && e.outOfGas) {
          dead = true;
          stop.abort();
          throw new Error("the process is gone");
        }
      },
    };
    const engine = new TxEngine(wallet, { policy: FAST, journal: dying });
    const { first, calls } = await stoppedAfterOutOfGas(engine, "oog-intent", stop.signal);
    p1.destroy();
    const left = (await store.get("oog-intent"))!;
    expect(left.state).to.equal("intent");
    expect(left.outOfGas).to.deep.equal([first.hash]);

    const r = await sendAgain(store, wallet, "oog-intent", first.hash);
    expect(r.nonce).to.equal(n0 + 1);
    expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
    expect(await slot(0)).to.equal(1n);
    expect(await slot(1)).to.equal(calls + 2n); // other's call, then this one: once
  });

  it("aborted while its resend was being estimated: the resend is still due", async function () {
    const p1 = new HookedProvider(anvil.url, undefined, PROVIDER_OPTS);
    const wallet = new Wallet(key(seq++), p1);
    const n0 = await provider.getTransactionCount(wallet.address);
    const journal = new MemoryJournal();
    const engine = new TxEngine(wallet, { policy: FAST, journal });
    const stop = new AbortController();
    let estimates = 0;
    p1.onEstimate = () => {
      if (++estimates === 2) stop.abort(); // the resend's estimate
    };
    const { first, calls } = await stoppedAfterOutOfGas(engine, "oog-abort", stop.signal);
    p1.destroy();
    expect(estimates).to.equal(2);
    await new Promise((r) => setTimeout(r, 50)); // the abandon's journal write
    const left = (await journal.get("oog-abort"))!;
    expect(left.state).to.equal("abandoned");
    expect(left.nonce).to.equal(n0);

    const r = await sendAgain(journal, wallet, "oog-abort", first.hash);
    expect(r.nonce).to.equal(n0 + 1);
    expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
    expect(await slot(0)).to.equal(1n);
    expect(await slot(1)).to.equal(calls + 2n);
  });

  it("aborted once its resend was signed and journaled: the resend is watched, not a third sent", async function () {
    const p1 = new JsonRpcProvider(anvil.url, undefined, PROVIDER_OPTS);
    const wallet = new Wallet(key(seq++), p1);
    const n0 = await provider.getTransactionCount(wallet.address);
    const store = new MemoryJournal();
    const stop = new AbortController();
    let resendSigned: JournalEntry | undefined;
    const journal: Journal = {
      durable: true,
      get: (k) => store.get(k),
      open: (c, f) => store.open(c, f),
      async put(e: JournalEntry) {
        await store.put(e);
        if (!resendSigned && e.state === "signed" && e.outOfGas) {
          resendSigned = (await store.get(e.key))!;
          stop.abort(); // the caller gives up while the resend is being broadcast
        }
      },
    };
    const engine = new TxEngine(wallet, { policy: FAST, journal });
    const seen: TxEvent["type"][] = [];
    engine.on((e) => seen.push(e.type));
    const { first, calls } = await stoppedAfterOutOfGas(engine, "oog-signed", stop.signal);
    expect(resendSigned!.nonce).to.equal(n0 + 1);
    const resend = resendSigned!.txs[0].hash;
    // broadcast: out there, though nobody waits for it (nor hears of it: the send was stopped)
    while (!(await provider.getTransaction(resend))) await new Promise((r) => setTimeout(r, 20));
    p1.destroy();
    expect(seen).to.not.include("resent");
    expect(seen.at(-1)).to.equal("abandoned");
    const left = (await store.get("oog-signed"))!;
    expect(left.nonce).to.equal(n0 + 1);
    expect(left.txs.map((t) => t.hash)).to.deep.equal([resend]);

    const r = await sendAgain(store, wallet, "oog-signed", first.hash);
    expect(r.hash).to.equal(resend);
    expect(r.nonce).to.equal(n0 + 1);
    await anvil.mine();
    expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
    expect(await slot(0)).to.equal(1n);
    expect(await slot(1)).to.equal(calls + 2n);
  });
});
