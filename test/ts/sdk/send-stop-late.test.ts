/**
 * A send stopped (its deadline, its caller's abort) while one of its broadcasts is still with the
 * node, against anvil: the broadcast's answer, arriving after the caller has its error, starts
 * nothing and reports nothing (`abandoned` stays the send's last event), while the transaction it
 * handed the node is accounted for: among the error's hashes and in the journal entry, and a
 * retry of the key waits for it. A replacement's broadcast answered late under load used to be
 * reported `replaced` after the caller's SendTimeoutError.
 */
import { expect } from "chai";
import { JsonRpcProvider, keccak256 } from "ethers";
import {
  MemoryJournal,
  SendAbortedError,
  SendTimeoutError,
  TxEngine,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { FaultyProvider, OTHER, earlierTransfer, faultyAnvil, gate, until } from "./faults.js";
import { FAST } from "./gas-fixture.js";
import { outcome } from "./node-transit.js";

/**
 * gas-fixture's fast looks, stuck after 100 ms; a broadcast left unanswered is waited for (no
 * `gapFillMs` cut-off); the deadline well after the first replacement, even on a loaded machine.
 */
const POLICY: TxPolicy = { ...FAST, bumpAfterMs: 100, gapFillMs: 10_000, timeoutMs: 1_500 };

/** A retry of the key: waits, replaces nothing (what it waits for was sent long before). */
const RETRY: TxPolicy = { bumpAfterMs: 60_000, timeoutMs: 10_000 };

describe("sdk: a send stopped while its broadcast is with the node (anvil)", function () {
  this.timeout(30_000);
  const suite = faultyAnvil(1, { noMining: true });

  /** A fresh account on a fresh provider, its engine (journaled), and what the engine reports. */
  async function account(policy: TxPolicy = POLICY) {
    const { provider, wallet, n0 } = await suite.account();
    const journal = new MemoryJournal();
    const engine = new TxEngine(wallet, { policy, journal });
    const seen: TxEvent[] = [];
    engine.on((e) => seen.push(e));
    return { provider, wallet, journal, engine, seen, n0 };
  }

  /** Holds the `nth` raw broadcast (0-based) until released; the others go to the node. */
  function hold(provider: FaultyProvider, nth: number) {
    const release = gate<void>();
    const held: string[] = [];
    let raws = 0;
    provider.hook = (method, params) => {
      if (method !== "eth_sendRawTransaction" || raws++ !== nth) return undefined;
      held.push(keccak256(params[0] as string));
      return release.promise.then(() =>
        JsonRpcProvider.prototype.send.call(provider, method, params),
      );
    };
    return { held, release: () => release.resolve() };
  }

  /** Releases the held broadcast: what the engine reports in the 300 ms after. */
  async function reportedAfter(seen: TxEvent[], release: () => void) {
    const after = seen.length;
    release();
    await new Promise((r) => setTimeout(r, 300));
    return seen.slice(after).map((x) => x.type);
  }

  /** Mines a block every 40 ms until `p` settles. */
  async function mineUntil<T>(p: Promise<T>): Promise<T> {
    let over = false;
    const done = p.finally(() => (over = true));
    while (!over) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 40))]);
      if (!over)
        await suite
          .anvil()
          .mine()
          .catch(() => undefined);
    }
    return done;
  }

  /** Hashes of the account's transactions in anvil's mempool. */
  async function poolOf(account: string): Promise<string[]> {
    const content = await suite.anvil().rpc<{
      pending: Record<string, Record<string, { hash: string }>>;
    }>("txpool_content");
    const mine = Object.entries(content.pending).find(
      ([a]) => a.toLowerCase() === account.toLowerCase(),
    );
    return mine ? Object.values(mine[1]).map((t) => t.hash) : [];
  }

  for (const stop of ["deadline", "abort"] as const) {
    it(`${stop} during a replacement's broadcast: nothing reported after the error; the retry waits for the replacement`, async function () {
      const { provider, wallet, journal, engine, seen, n0 } = await account();
      const { held, release } = hold(provider, 1); // the first replacement
      const ctl = new AbortController();
      const sending = outcome(
        engine.send(
          { to: OTHER, value: 1n },
          stop === "deadline"
            ? { key: `late-${stop}` }
            : { key: `late-${stop}`, signal: ctl.signal, timeoutMs: 10_000 },
        ),
      );
      await until(() => held.length === 1, "the replacement's broadcast");
      if (stop === "abort") ctl.abort(new Error("the caller gave up"));
      const err = await sending;
      expect(err).to.be.instanceOf(stop === "deadline" ? SendTimeoutError : SendAbortedError);
      const e = err as SendTimeoutError;
      // the node answers the replacement's broadcast now
      expect(await reportedAfter(seen, release), "events after the error").to.deep.equal([]);
      expect(seen.map((x) => x.type)).to.deep.equal(["submitted", "abandoned"]);
      expect(provider.raws.length, "broadcasts").to.equal(2);
      // the replacement the node took is the send's: in its error, its journal entry, the pool
      expect(e.hashes).to.deep.equal([seen[0].hash, held[0]]);
      const entry = (await journal.get(`late-${stop}`))!;
      expect(entry.state).to.equal("abandoned");
      expect(entry.txs.map((t) => t.hash)).to.deep.equal(e.hashes);
      expect(await poolOf(wallet.address)).to.deep.equal([held[0]]);

      // sent again with its key: it waits for the replacement, sends nothing new
      const r = await mineUntil(
        engine.send({ to: OTHER, value: 1n }, { key: `late-${stop}`, ...RETRY }),
      );
      expect(r.resumed).to.equal(true);
      expect(r.hash).to.equal(held[0]);
      expect(r.nonce).to.equal(n0);
      expect(provider.raws.length, "broadcasts").to.equal(2);
      expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(n0 + 1);
    });
  }

  it("abort during a resumed send's re-broadcast: no rebroadcast reported after the error", async function () {
    const { provider, wallet, journal, engine, seen, n0 } = await account({
      ...POLICY,
      timeoutMs: 10_000,
    });
    await engine.resumeOpen(); // (before the entry: the send below takes it up, not a watch of its own)
    // an earlier process signed this transaction; the node never had it
    const signed = {
      key: "resumed",
      state: "signed",
      nonce: n0,
      value: 2n,
      at: Date.now(),
    } as const;
    const { entry, hash } = await earlierTransfer(wallet, signed);
    await journal.put(entry);
    const { held, release } = hold(provider, 0);
    const ctl = new AbortController();
    const sending = outcome(
      engine.send({ to: OTHER, value: 2n }, { key: "resumed", signal: ctl.signal }),
    );
    await until(() => held.length === 1, "the re-broadcast");
    ctl.abort(new Error("the caller gave up"));
    const err = await sending;
    expect(err).to.be.instanceOf(SendAbortedError);
    expect(await reportedAfter(seen, release), "events after the error").to.deep.equal([]);
    expect(seen.map((x) => x.type)).to.deep.equal(["resumed", "abandoned"]);
    expect((err as SendAbortedError).hashes).to.deep.equal([hash]);
    expect(held).to.deep.equal([hash]);
    expect(await poolOf(wallet.address)).to.deep.equal([hash]);
    const r = await mineUntil(engine.send({ to: OTHER, value: 2n }, { key: "resumed", ...RETRY }));
    expect(r.hash).to.equal(hash);
    expect(provider.raws.length, "broadcasts").to.equal(1);
  });
});
