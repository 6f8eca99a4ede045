/**
 * A node-managed send without a key whose request was lost in transit (a nonce, no transaction),
 * taken up after a restart with nobody waiting. Its nonce was used long ago and the node can tell
 * nothing of what used it (no lookup by sender and nonce, no state of old blocks, beyond the
 * scan): it ends in `SendOutcomeUnknownError`, which nobody receives. Like every other send
 * stopped by that error, it reports `abandoned`, its last event, and its entry records it.
 */
import { expect } from "chai";
import { toQuantity } from "ethers";
import { MemoryJournal, TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";
import { durableOver } from "./gas-fixture.js";
import { TRANSIT_POLICY, lostEntry, nodeAccounts } from "./node-transit.js";

/** The node has no `eth_getTransactionBySenderAndNonce`. */
const NO_METHOD = { code: -32601, message: "the method does not exist" };
/** A node that keeps no state of old blocks. */
const PRUNED = { code: -32000, message: "missing trie node" };
const policy = { ...TRANSIT_POLICY, replacementScanBlocks: 16, timeoutMs: 5_000 };

describe("sdk: a send without a key watched by its nonce, its outcome unknown (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("reports abandoned (no hash) and journals it; nothing is sent", async function () {
    let sends = 0;
    const account = await suite.account(47, (req) => {
      if (req.method === "eth_getTransactionBySenderAndNonce") return NO_METHOD;
      if (req.method === "eth_getTransactionCount" && /^0x/.test(String(req.params[1])))
        return PRUNED;
      if (req.method === "eth_sendTransaction" || req.method === "eth_sendRawTransaction") sends++;
      return undefined;
    });
    const { signer, to, n0, provider } = account;
    const anvil = suite.anvil();
    // the lost request reached the node, which mined it; 100 blocks later the process is back
    await anvil.rpc("eth_sendTransaction", [{ from: signer.address, to, value: toQuantity(9n) }]);
    await anvil.rpc("anvil_mine", [toQuantity(100)]);
    const store = new MemoryJournal();
    const k = "tx:6b1f0c2e-9d4a-4f7e-8c3b-2a5d1e0f9c8b:0";
    await store.put({ ...(await lostEntry(account, k, 9n)), unkeyed: true });
    const journal = durableOver(store);
    const engine = new TxEngine(signer, { journal, policy });
    const events: TxEvent[] = [];
    engine.on((e) => events.push(e));
    await engine.resumeOpen();
    await engine.settled();

    expect(events.map((e) => [e.type, e.nonce, e.hash])).to.deep.equal([
      ["resumed", n0, ""],
      ["abandoned", n0, ""],
    ]);
    const entry = (await store.get(k))!;
    expect([entry.state, entry.nonce]).to.deep.equal(["abandoned", n0]);
    expect(entry.error).to.match(/used by a transaction the engine could not find/);
    expect(sends, "nothing sent").to.equal(0);
    expect(await provider.getBalance(to)).to.equal(9n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
