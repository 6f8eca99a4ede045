/**
 * A journal written before entries recorded `unkeyed`: a `QueuedSigner.sendTransaction` (no key,
 * its app waiting with ethers' own `tx.wait()`) left open in it by a process of that release is
 * taken up by a process of this one (anvil, no automine). Its key is one the engine made up
 * (`tx:<uuid>:<n>`), so it is taken as unkeyed: nothing is sent in its place while nobody waits.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import {
  MemoryJournal,
  QueuedSigner,
  TxEngine,
  type JournalEntry,
  type TxEvent,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, key, providerFor } from "./gas-fixture.js";

const POLICY = { ...FAST, bumpAfterMs: 200 };

/** The journal as the previous release wrote it: no `unkeyed` field. */
class LegacyJournal extends MemoryJournal {
  override put(entry: JournalEntry): Promise<void> {
    const { unkeyed: _, ...older } = entry;
    return super.put(older as JournalEntry);
  }
}

describe("sdk: an entry of an older journal (no unkeyed field) taken up after a restart (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil({ noMining: true, order: "fees" });
  });
  after(async function () {
    await anvil?.stop();
  });

  it("stuck, with a key the engine made up: not replaced while nobody waits", async function () {
    const journal = Object.assign(new LegacyJournal(), { durable: true });
    const [p1, p2] = [providerFor(anvil.url), providerFor(anvil.url)];
    try {
      const sent = await new QueuedSigner(new Wallet(key(40), p1), {
        journal,
        policy: POLICY,
      }).sendTransaction({ to: Wallet.createRandom().address, value: 1n });
      const engine = new TxEngine(new Wallet(key(40), p2), { journal, policy: POLICY });
      const events: TxEvent[] = [];
      engine.on((e) => events.push(e));
      await engine.resumeOpen();
      const [entry] = await engine.openEntries();
      expect([entry.unkeyed, entry.nonce], "an older entry").to.deep.equal([undefined, sent.nonce]);
      await new Promise((r) => setTimeout(r, 5 * POLICY.bumpAfterMs));
      expect(
        events.map((e) => e.type),
        "events while nobody waits",
      ).to.not.include("replaced");
    } finally {
      p1.destroy();
      p2.destroy();
    }
  });
});
