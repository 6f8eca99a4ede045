/**
 * Nonce holes and unanswered broadcasts, against anvil (which queues a transaction behind a
 * missing lower nonce, as a real node does). Faults are injected at chosen calls: a provider
 * whose `send` holds or refuses a chosen `eth_sendRawTransaction`, a wallet whose filler
 * preparation or signature fails or waits. Every send must end within a few seconds although
 * `bumpAfterMs` (the last resort of a send queued behind a gap) is 60 s.
 */
import { expect } from "chai";
import { JsonRpcProvider, Transaction, Wallet, type TransactionRequest } from "ethers";
import { TxEngine, type TxPolicy, type TxResult } from "../../../packages/sdk/src/index.js";
import { OTHER, faultyAnvil, gate, refusal, until } from "./faults.js";
import { FAST } from "./gas-fixture.js";

/** gas-fixture's fast looks; replacement of a stuck transaction and the send's deadline far away. */
const POLICY: TxPolicy = { ...FAST, timeoutMs: 15_000 };
/** What "well under bumpAfterMs" means here. */
const BOUND_MS = 4_000;

/** A wallet that can fail the preparation of a gap filler, or hold a chosen signature. */
class FaultyWallet extends Wallet {
  failFillers = 0;
  holdSign: ((tx: TransactionRequest) => Promise<void> | undefined) | undefined;
  override async populateTransaction(tx: TransactionRequest) {
    const filler = tx.to === this.address && BigInt(tx.value ?? 0n) === 0n && tx.data == null;
    if (filler && this.failFillers > 0) {
      this.failFillers--;
      throw new Error("fee data unavailable");
    }
    return super.populateTransaction(tx);
  }
  override async signTransaction(tx: TransactionRequest): Promise<string> {
    await this.holdSign?.(tx);
    return super.signTransaction(tx);
  }
}

/** The rejection of `p` (fails when it resolves). */
async function rejection(p: Promise<unknown> | undefined): Promise<Error> {
  const r = await p!.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(r, "rejected").to.be.instanceOf(Error);
  return r!;
}

describe("nonce holes and unanswered broadcasts (anvil)", function () {
  this.timeout(60_000);
  const suite = faultyAnvil(10);

  /** A fresh account on a fresh provider (its own nonce queue), one transaction already sent. */
  async function setup() {
    const { provider, wallet } = await suite.account((k, p) => new FaultyWallet(k, p));
    const engine = new TxEngine(wallet, { policy: POLICY });
    await engine.send({ to: OTHER, value: 1n });
    const n0 = await provider.getTransactionCount(wallet.address, "latest");
    return { provider, wallet, engine, n0 };
  }

  /**
   * Sends A (nonce n0) and B (n0 + 1); A's broadcast is held until B's went through, then
   * refused: nonce n0 becomes a hole below B, which anvil keeps queued.
   */
  async function holeBelow(
    s: Awaited<ReturnType<typeof setup>>,
    beforeRefusal?: () => void | Promise<void>,
  ) {
    const { provider, engine } = s;
    const heldA = gate<void>();
    const passedB = gate<void>();
    let raws = 0;
    provider.hook = (method, params) => {
      if (method !== "eth_sendRawTransaction") return undefined;
      const i = raws++;
      if (i === 0) return heldA.promise.then(() => Promise.reject(refusal()));
      if (i === 1)
        return JsonRpcProvider.prototype.send.call(provider, method, params).finally(() => {
          passedB.resolve();
        });
      return undefined;
    };
    const a = engine.send({ to: OTHER, value: 2n });
    await until(() => raws === 1, "A's broadcast");
    const b = engine.send({ to: OTHER, value: 3n });
    await passedB.promise;
    await beforeRefusal?.();
    heldA.resolve();
    return { a, b };
  }

  async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
    const t0 = Date.now();
    const value = await p;
    return { value, ms: Date.now() - t0 };
  }

  it("fills a hole whose gap filler could not be prepared", async function () {
    const s = await setup();
    s.wallet.failFillers = 1;
    const t0 = Date.now();
    const { a, b } = await holeBelow(s);
    expect((await rejection(a)).message).to.match(/insufficient funds/);
    const r: TxResult = await b;
    const ms = Date.now() - t0;
    expect(ms).to.be.below(BOUND_MS);
    expect(r.nonce).to.equal(s.n0 + 1);
    expect(s.wallet.failFillers).to.equal(0);
    expect(await s.provider.getTransactionCount(s.wallet.address, "latest")).to.equal(s.n0 + 2);
    // the hole was filled once, by a zero-value transfer to the account itself
    const atHole = s.provider.raws.filter((x) => x.nonce === s.n0);
    expect(atHole).to.deep.equal([
      { nonce: s.n0, to: OTHER, value: 2n },
      { nonce: s.n0, to: s.wallet.address, value: 0n },
    ]);
    this.test!.title += ` (${ms} ms)`;
  });

  it("fills a hole whose gap filler's broadcast was refused", async function () {
    const s = await setup();
    const t0 = Date.now();
    const { a, b } = await holeBelow(s, () => {
      // the next broadcast (the filler's) is refused too
      const inner = s.provider.hook!;
      let refused = false;
      s.provider.hook = (method, params) => {
        if (method === "eth_sendRawTransaction" && !refused) {
          const tx = Transaction.from(params[0] as string);
          if (tx.nonce === s.n0 && tx.value === 0n) {
            refused = true;
            return Promise.reject(refusal());
          }
        }
        return inner(method, params);
      };
    });
    expect((await rejection(a)).message).to.match(/insufficient funds/);
    const r = await b;
    const ms = Date.now() - t0;
    expect(ms).to.be.below(BOUND_MS);
    expect(r.nonce).to.equal(s.n0 + 1);
    expect(await s.provider.getTransactionCount(s.wallet.address, "latest")).to.equal(s.n0 + 2);
    this.test!.title += ` (${ms} ms)`;
  });

  it("fills a hole while the lock's only waiter takes no nonce (its send was aborted)", async function () {
    const s = await setup();
    const { provider, wallet, engine } = s;
    const q = engine.queue();
    // D's signature is held under the lock; C waits behind it and is aborted there.
    const heldD = gate<void>();
    let signingD = false;
    wallet.holdSign = (tx) => {
      if (BigInt(tx.value ?? 0n) !== 4n) return undefined;
      signingD = true;
      return heldD.promise;
    };
    const abortC = new AbortController();
    let c: Promise<TxResult> | undefined;
    let d: Promise<TxResult> | undefined;
    const { a, b } = await holeBelow(s, async () => {
      d = engine.send({ to: OTHER, value: 4n });
      await until(() => signingD, "D's signature");
      c = engine.send({ to: OTHER, value: 5n }, { signal: abortC.signal });
      await until(() => q.mutex.waiting === 2, "C waiting for the lock");
    });
    expect((await rejection(a)).message).to.match(/insufficient funds/);
    await new Promise((r) => setTimeout(r, 20)); // the release's check saw C waiting
    abortC.abort(new Error("caller gave up"));
    await rejection(c);
    heldD.resolve();
    const t1 = Date.now();
    const [rb, rd] = await Promise.all([b, d!]);
    const ms = Date.now() - t1;
    expect(ms).to.be.below(BOUND_MS);
    expect([rb.nonce, rd.nonce]).to.deep.equal([s.n0 + 1, s.n0 + 2]);
    // one filler on the hole, whatever the lock's waiters did; C never got a nonce
    expect(provider.raws.filter((x) => x.nonce === s.n0).map((x) => x.value)).to.deep.equal([
      2n,
      0n,
    ]);
    expect(provider.raws.map((x) => x.value)).to.not.include(5n);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(s.n0 + 3);
    this.test!.title += ` (${ms} ms)`;
  });

  it("watches a transaction whose broadcast the node never answers, and what waits behind it", async function () {
    const s = await setup();
    const { provider, wallet, engine, n0 } = s;
    const never = gate<unknown>();
    let raws = 0;
    provider.hook = (method) => {
      if (method !== "eth_sendRawTransaction") return undefined;
      // the first broadcast never reaches the node and is never answered
      if (raws++ === 0) return never.promise;
      return undefined;
    };
    const t0 = Date.now();
    const a = engine.send({ to: OTHER, value: 2n });
    await until(() => raws === 1, "A's broadcast");
    const b = engine.send({ to: OTHER, value: 3n });
    const { value: results, ms } = await timed(Promise.all([a, b]));
    never.reject(new Error("socket hang up"));
    expect(Date.now() - t0).to.be.below(BOUND_MS);
    expect(results.map((r) => r.nonce)).to.deep.equal([n0, n0 + 1]);
    // A went out again on its own nonce (a replacement of the unanswered one), nothing else
    const ev = results[0].events.map((e) => e.type);
    expect(ev).to.include("replaced");
    // no filler on A's nonce: it was A's own (watched) all along
    expect(provider.raws.filter((x) => x.nonce === n0).map((x) => x.value)).to.deep.equal([2n, 2n]);
    expect(provider.raws.filter((x) => x.nonce === n0 + 1).map((x) => x.value)).to.deep.equal([3n]);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(n0 + 2);
    this.test!.title += ` (${ms} ms)`;
  });

  it("keeps no process alive for a hole: its fill timer is unref'd", async function () {
    const GAP_FILL_MS = 7_777; // a delay nothing else in this test uses
    const s = await setup();
    s.engine = new TxEngine(s.wallet, { policy: { ...POLICY, gapFillMs: GAP_FILL_MS } });
    // every timer armed with that delay, and which of them were cleared (a bounded wait's)
    const timers: ReturnType<typeof setTimeout>[] = [];
    const cleared = new Set<unknown>();
    const [realSet, realClear] = [globalThis.setTimeout, globalThis.clearTimeout];
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      const t = realSet(fn, ms);
      if (ms === GAP_FILL_MS) timers.push(t);
      return t;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((t?: ReturnType<typeof setTimeout>) => {
      cleared.add(t);
      realClear(t);
    }) as typeof clearTimeout;
    try {
      const { a, b } = await holeBelow(s);
      expect((await rejection(a)).message).to.match(/insufficient funds/);
      expect((await b).nonce).to.equal(s.n0 + 1);
    } finally {
      [globalThis.setTimeout, globalThis.clearTimeout] = [realSet, realClear];
    }
    // the refused nonce's hole armed its fill timer, which does not hold the event loop
    const armed = timers.filter((t) => !cleared.has(t));
    expect(armed.length).to.be.greaterThan(0);
    expect(armed.map((t) => t.hasRef())).to.deep.equal(armed.map(() => false));
  });
});
