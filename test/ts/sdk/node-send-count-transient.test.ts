/**
 * A node-managed send whose request reached the node (mined) while its answer was lost, taken up
 * from the journal long after: the engine finds what used its nonce by bisecting the account's
 * counts at past blocks (the node has no `eth_getTransactionBySenderAndNonce`). One of those reads
 * failing in transit (geth's `-32002 request timed out`, a dropped connection) says nothing of the
 * node's state: the next look bisects again and adopts the send's own transaction. It was taken for
 * a node that keeps no old state: the scan of `replacementScanBlocks` found nothing and the send
 * stopped with `SendOutcomeUnknownError`, its entry abandoned.
 */
import { expect } from "chai";
import { toQuantity } from "ethers";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import {
  TIMED_OUT,
  TRANSIT_POLICY,
  forwardTo,
  lostEntry,
  nodeAccounts,
  outcome,
} from "./node-transit.js";

const NO_METHOD = { code: -32601, message: "the method does not exist" };

describe("sdk: a look for what used a nonce whose count at a past block fails in transit (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("looks again at the next look and adopts the send's own transaction", async function () {
    let failed = 0;
    const account = await suite.account(14, (req) => {
      if (req.method === "eth_getTransactionBySenderAndNonce") return NO_METHOD;
      const numbered = /^0x/.test(String(req.params[1]));
      if (req.method !== "eth_getTransactionCount" || !numbered || failed > 0) return undefined;
      failed++;
      return TIMED_OUT;
    });
    const { signer, to, provider, n0 } = account;
    const journal = new MemoryJournal();
    const entry = await lostEntry(account, "pay", 6n);
    await journal.put(entry);
    // the request reached the node, its answer was lost; 300 blocks on, the process is back
    const request = {
      from: signer.address,
      to,
      value: "0x6",
      gas: "0x5208",
      nonce: toQuantity(n0),
    };
    await forwardTo(suite.anvil(), { id: 1, method: "eth_sendTransaction", params: [request] });
    await suite.anvil().rpc("anvil_mine", [toQuantity(300)]);

    const engine = new TxEngine(signer, {
      journal,
      policy: { ...TRANSIT_POLICY, replacementScanBlocks: 16 },
    });
    const r = await outcome(engine.send({ to, value: 6n }, { key: "pay" }));
    if (r instanceof Error) throw r;
    expect(failed, "counts at past blocks refused in transit").to.equal(1);
    expect([r.nonce, r.receipt.status]).to.deep.equal([n0, 1]);
    expect((await journal.get("pay"))?.state).to.equal("confirmed");
    expect(await provider.getBalance(to)).to.equal(6n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
