/**
 * A `submit` with a key is registered by its key (a retry of the key finds it), but nothing
 * watched it: nobody waiting (no `wait`), it was never forgotten. The engine held every keyed
 * submit's send for the life of the process (`inFlight(key)` true for ever, its entry `signed` in
 * the journal after it was mined). It is now watched in the background, as a send taken up is, and
 * forgotten once over. Against anvil, a local key.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import { key } from "./gas-fixture.js";
import { nodeAccounts } from "./node-transit.js";

describe("sdk: a keyed submit nobody waits for (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("is watched to its end and forgotten: not in flight, its entry confirmed", async function () {
    const { provider, to } = await suite.account(27, () => undefined);
    const signer = new Wallet(key(27), provider);
    const journal = new MemoryJournal();
    const engine = new TxEngine(signer, { journal, policy: { pollIntervalMs: 20 } });
    const tx = await engine.submit({ to, value: 5n }, { key: "unwaited" });
    await tx.wait();
    await engine.settled();
    expect(engine.inFlight("unwaited"), "in flight").to.equal(false);
    expect((await journal.get("unwaited"))?.state).to.equal("confirmed");
  });
});
