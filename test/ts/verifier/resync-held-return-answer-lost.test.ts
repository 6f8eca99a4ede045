/**
 * An old return kept `abandoned` when its lock came back under other terms
 * (resync-held-return-in-flight.test.ts) whose journal names its nonce and no transaction (a
 * node-managed send whose answer was lost, given up): the node had it, and it was mined on that
 * nonce and reverted on the new lock (CrossLedgerTermsMismatch). Once its nonce is confirmed the
 * journal records it `reverted` with the transaction mined, found by its nonce and call, as the
 * engine counts a transaction of that nonce with the same call as the send's own (before:
 * `replaced`, "nonce used by another transaction", which it was not). Two anvil nodes, k = 3,
 * SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import { abandonedOldReturn, signHeldReturn } from "./held-return-fixture.js";

const K = 3;

describeBackends("an abandoned old return whose answer was lost, mined", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is recorded reverted with its transaction once its nonce is confirmed", async function () {
    this.timeout(180_000);
    const { l } = nodes;
    let nonce = 0;
    let hash = "";
    let block = 0;
    const { end } = await abandonedOldReturn(
      nodes,
      K,
      `answer lost ${backend().dialect}`,
      async (held) => {
        const { raw, signed, ...sent } = await signHeldReturn(nodes, held);
        ({ nonce, hash } = sent);
        await l.st.provider.broadcastTransaction(raw);
        const receipt = (await l.st.provider.getTransactionReceipt(hash))!;
        expect(receipt.status).to.equal(0);
        block = receipt.blockNumber;
        // the node's answer (the hash) never came back: the journal has the nonce alone
        return { ...signed, txs: [], state: "abandoned", error: "no answer" };
      },
    );
    expect({
      state: end.state,
      nonce: end.nonce,
      mined: end.mined && { hash: end.mined.hash, block: end.mined.blockNumber },
      status: end.mined?.status,
    }).to.deep.equal({ state: "reverted", nonce, mined: { hash, block }, status: 0 });
  });
});
