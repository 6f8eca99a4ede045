/**
 * A `submit` of a key whose `send` is under way returns that send's transaction and is to have it
 * watched in the background. It was only when nothing watched it yet: the send's own watch running,
 * the send's caller stopping afterwards gave the send up (nobody waiting, nothing in the
 * background), and the transaction the submit's caller holds was left unwatched, its journal entry
 * `abandoned` after it was mined. Against anvil, no automine, a local key.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import {
  MemoryJournal,
  SendTimeoutError,
  TxEngine,
  type TxEvent,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, key, providerFor } from "./gas-fixture.js";
import { outcome } from "./node-transit.js";

describe("sdk: a keyed submit joining a send whose caller stops (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  before(async function () {
    anvil = await startAnvil({ noMining: true });
  });
  after(async function () {
    await anvil?.stop();
  });

  it("the send's transaction stays watched to its end for the submit", async function () {
    const provider = providerFor(anvil.url);
    try {
      const journal = new MemoryJournal();
      const engine = new TxEngine(new Wallet(key(34), provider), { journal, policy: FAST });
      const events: TxEvent[] = [];
      engine.on((e) => events.push(e));
      const to = Wallet.createRandom().address;
      const sending = outcome(
        engine.send({ to, value: 7n }, { key: "both", deadline: Date.now() + 400 }),
      );
      await new Promise((r) => setTimeout(r, 150));
      const tx = await engine.submit({ to, value: 7n }, { key: "both" });
      expect(await sending).to.be.instanceOf(SendTimeoutError);
      expect(engine.inFlight("both"), "still watched").to.equal(true);
      await anvil.mine();
      await engine.settled();
      expect((await journal.get("both"))?.state).to.equal("confirmed");
      expect((await provider.getTransactionReceipt(tx.hash))?.status).to.equal(1);
      expect(events.map((e) => e.type)).to.not.include("abandoned");
    } finally {
      provider.destroy();
    }
  });
});
