/**
 * What a stopped send, a gap filler and a journal may leave running, against anvil:
 * - a send aborted while its watch was reading the node does nothing afterwards (the look it was in
 *   does not go on to fill the gap below it);
 * - a gap filler whose broadcast the node never answers holds its nonce for `gapFillMs` at most,
 *   as a local key's broadcast does: the send queued above the gap goes through;
 * - a journal that fails the write of a stopped send's `abandoned` state gives no unhandled
 *   rejection.
 */
import { expect } from "chai";
import { JsonRpcProvider, Transaction } from "ethers";
import {
  MemoryJournal,
  SendAbortedError,
  SendTimeoutError,
  TxEngine,
  type JournalEntry,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { OTHER, earlierTransfer, faultyAnvil, gate, refusal, until } from "./faults.js";
import { FAST } from "./gas-fixture.js";
import { outcome } from "./node-transit.js";

/** gas-fixture's fast looks; a hole filled after 300 ms, a near deadline. */
const POLICY: TxPolicy = { ...FAST, gapFillMs: 300, timeoutMs: 6_000 };

describe("sdk: what a stopped send, a gap filler and a journal leave running (anvil)", function () {
  this.timeout(30_000);
  const suite = faultyAnvil(20);

  /** A fresh account on a fresh provider (its own nonce queue), and its mined count. */
  const account = () => suite.account();

  it("a send aborted during its watch's look does not fill the gap below it afterwards", async function () {
    const { provider, wallet, n0 } = await account();
    // an earlier process gave up this transaction on n0 + 1; the node queues it behind n0
    const call = { to: OTHER, value: 1n };
    const given = { key: "given-up", state: "abandoned", nonce: n0 + 1, value: 1n, at: 0 } as const;
    const { entry, raw } = await earlierTransfer(wallet, given);
    await provider.send("eth_sendRawTransaction", [raw]);
    const journal = new MemoryJournal();
    await journal.put(entry);
    // the look that fills the gap below it reads the pending count: held until the abort
    const look = gate<void>();
    let looking = false;
    provider.hook = (method, params) => {
      if (method !== "eth_getTransactionCount" || params[1] !== "pending") return undefined;
      looking = true;
      return look.promise.then(() => JsonRpcProvider.prototype.send.call(provider, method, params));
    };
    const abort = new AbortController();
    const engine = new TxEngine(wallet, { policy: POLICY, journal });
    const sent = outcome(engine.send(call, { key: "given-up", signal: abort.signal }));
    await until(() => looking, "the look below the send");
    abort.abort(new Error("the caller gave up"));
    expect(await sent).to.be.instanceOf(SendAbortedError);
    provider.hook = undefined;
    look.resolve(); // nothing holds n0: the look would fill it

    await new Promise((r) => setTimeout(r, 500));
    expect(
      provider.raws.map((x) => x.nonce),
      "broadcasts",
    ).to.deep.equal([n0 + 1]);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(n0);
  });

  it("a gap filler's broadcast left unanswered holds the nonce for gapFillMs at most", async function () {
    const { provider, wallet, n0 } = await account();
    const engine = new TxEngine(wallet, { policy: POLICY });
    const heldA = gate<void>();
    const passedB = gate<void>();
    const never = gate<unknown>();
    let fillers = 0;
    provider.hook = (method, params) => {
      if (method !== "eth_sendRawTransaction") return undefined;
      const tx = Transaction.from(params[0] as string);
      const broadcast = () => JsonRpcProvider.prototype.send.call(provider, method, params);
      if (tx.to === wallet.address) return fillers++ === 0 ? never.promise : undefined;
      // A (n0) is refused once B (n0 + 1) went through: a hole below B, which anvil queues
      if (tx.nonce === n0) return heldA.promise.then(() => Promise.reject(refusal()));
      return broadcast().finally(() => passedB.resolve());
    };
    const t0 = Date.now();
    const a = outcome(engine.send({ to: OTHER, value: 2n }));
    await until(() => provider.raws.length === 1, "A's broadcast");
    const b = outcome(engine.send({ to: OTHER, value: 3n }));
    await passedB.promise;
    heldA.resolve();
    const [ra, rb] = await Promise.all([a, b]);
    const ms = Date.now() - t0;
    never.reject(new Error("socket hang up"));

    expect((ra as Error).message).to.match(/insufficient funds/);
    if (rb instanceof Error) throw rb;
    expect(rb.nonce).to.equal(n0 + 1);
    expect(provider.raws.filter((x) => x.nonce === n0).map((x) => x.value)).to.deep.equal([
      2n,
      0n,
      0n,
    ]);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(n0 + 2);
    expect(ms, "well before the deadline").to.be.below(POLICY.timeoutMs! / 2);
    this.test!.title += ` (${ms} ms)`;
  });

  it("a journal refusing the abandoned state of a stopped send: no unhandled rejection", async function () {
    const { wallet } = await account();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    class FailingJournal extends MemoryJournal {
      override put(e: JournalEntry): Promise<void> {
        if (e.state === "abandoned") return Promise.reject(new Error("journal unavailable"));
        return super.put(e);
      }
    }
    await suite.anvil().rpc("evm_setAutomine", [false]);
    try {
      const engine = new TxEngine(wallet, { policy: POLICY, journal: new FailingJournal() });
      const sent = await outcome(
        engine.send({ to: OTHER, value: 4n }, { key: "stopped", timeoutMs: 400 }),
      );
      expect(sent).to.be.instanceOf(SendTimeoutError);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await suite.anvil().rpc("evm_setAutomine", [true]);
      await suite.anvil().mine();
    }
    expect(unhandled.map(String)).to.deep.equal([]);
  });
});
