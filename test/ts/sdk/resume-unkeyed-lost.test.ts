/**
 * A node-managed send without a key whose `eth_sendTransaction` was lost in transit (it never
 * reached the node), its process gone before it sent anything again: the journal holds the entry
 * with its nonce and no transaction. A restarted process takes it up; nobody waits for it, so the
 * call is not sent again, but its nonce must not stay empty under the process's next sends until
 * the entry's deadline: it is cancelled (a zero-value self-transfer), and the next send is done.
 */
import { expect } from "chai";
import { MemoryJournal, TxEngine, type JournalEntry } from "../../../packages/sdk/src/index.js";
import { TRANSIT_POLICY, lostEntry, nodeAccounts, outcome } from "./node-transit.js";

const TIMEOUT_MS = 6_000;

describe("sdk: a lost node-managed send without a key taken up after a restart (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("its nonce is cancelled, not left empty under the next send until the deadline", async function () {
    const sends: { nonce: number; value: bigint }[] = [];
    const account = await suite.account(12, (req) => {
      if (req.method === "eth_sendTransaction") {
        const p = req.params[0] as { nonce?: string; value?: string };
        sends.push({ nonce: Number(p.nonce), value: BigInt(p.value ?? 0) });
      }
      return undefined;
    });
    // a durable journal: the entry is taken up by a restarted process
    const store = Object.assign(new MemoryJournal(), { durable: true });
    const { signer, to, provider } = account;
    const made = "tx:6f1c2c1e-4a0b-4d5e-9b7a-3f2d1e0c9b8a:1"; // a key the engine made up
    const lost = { ...(await lostEntry(account, made, 2n)), unkeyed: true };
    await store.put(lost);

    const engine = new TxEngine(signer, {
      journal: store,
      policy: { ...TRANSIT_POLICY, timeoutMs: TIMEOUT_MS },
    });
    const t0 = Date.now();
    const next = await outcome(engine.send({ to, value: 3n }, { key: "next" }));
    const ms = Date.now() - t0;
    expect(next, "the next send").not.to.be.instanceOf(Error);
    expect(ms, "done well before the deadline").to.be.below(TIMEOUT_MS / 2);
    expect(
      sends.filter((s) => s.value === 2n),
      "the lost call not sent again",
    ).to.deep.equal([]);
    expect(await provider.getBalance(to)).to.equal(3n);
    // the entry's outcome: its nonce cancelled
    await engine.settled();
    expect((await store.get(lost.key))?.state).to.equal("replaced");
    this.test!.title += ` (${ms} ms)`;
  });
});
