/**
 * A node-managed send whose `eth_sendTransaction` was lost in transit has no hash: watched by its
 * nonce, it learns what was mined there by scanning the last `replacementScanBlocks` blocks. Its
 * process gone, the request reached the node and was mined; the process restarts after more
 * blocks than that (a fast private chain, a long outage). The key's retry must find the call's
 * transaction on the nonce (the node says which one it is), not report the nonce replaced, which
 * lets the next retry send the call a second time.
 */
import { expect } from "chai";
import {
  MemoryJournal,
  TransactionReplacedError,
  TxEngine,
  type TxResult,
} from "../../../packages/sdk/src/index.js";
import { TRANSIT_POLICY, forwardTo, lostEntry, nodeAccounts, outcome } from "./node-transit.js";

const SCAN = 4;

describe("sdk: a lost node-managed send mined further back than the replacement scan (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("the key's retry adopts the call's transaction; the call is executed once", async function () {
    const account = await suite.account(14, () => undefined);
    const { signer, n0, to, provider } = account;
    const journal = new MemoryJournal();
    // what the process journaled before its request was lost and it was gone
    await journal.put(await lostEntry(account, "old", 2n));
    // the request reached the node and was mined; then more blocks than the scan looks at
    const call = {
      from: signer.address,
      to,
      value: "0x2",
      gas: "0x5208",
      nonce: `0x${n0.toString(16)}`,
    };
    await forwardTo(suite.anvil(), { id: 1, method: "eth_sendTransaction", params: [call] });
    await provider.send("anvil_mine", [`0x${(2 * SCAN).toString(16)}`]);

    const engine = new TxEngine(signer, {
      journal,
      policy: { ...TRANSIT_POLICY, replacementScanBlocks: SCAN },
    });
    const send = () => outcome(engine.send({ to, value: 2n }, { key: "old" }));
    let r = await send();
    // a nonce replaced by another transaction: the caller may send the key afresh
    if (r instanceof TransactionReplacedError) r = await send();
    expect(await provider.getBalance(to), "executed once").to.equal(2n);
    expect(r, "the key's outcome").not.to.be.instanceOf(Error);
    expect((r as TxResult).nonce).to.equal(n0);
  });
});
