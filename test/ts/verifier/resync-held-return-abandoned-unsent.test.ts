/**
 * An old return kept `abandoned` when its lock came back under other terms
 * (resync-held-return-in-flight.test.ts) whose transaction never left: signed on the account's
 * next nonce, given up before it was broadcast. The next process does not resume an abandoned
 * send, so the new lock's delivery takes that nonce, and the old return can never be mined. Once
 * that nonce is used in a block with k confirmations the journal records the old return
 * `replaced` (before: `abandoned` for good), and it was never sent. Two anvil nodes, k = 3, SQLite
 * and PostgreSQL.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { sql } from "@kessai/storage";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { statesOf } from "./fixture.js";
import { VERIFIER } from "./two-nodes.js";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import { abandonedOldReturn, signHeldReturn } from "./held-return-fixture.js";

const K = 3;

describeBackends("an abandoned old return never broadcast, its nonce taken", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is recorded replaced once its nonce is confirmed; never sent; the new lock delivered", async function () {
    this.timeout(180_000);
    const { l, store } = nodes;
    const sender = new Wallet(nodeKey(VERIFIER), l.st.provider);
    let nonce = 0;
    let hash = "";
    const { t, t2, id, end } = await abandonedOldReturn(
      nodes,
      K,
      `unsent return ${backend().dialect}`,
      async (held) => {
        const { signed, ...sent } = await signHeldReturn(nodes, held);
        ({ nonce, hash } = sent);
        return { ...signed, state: "abandoned", error: "the caller gave up" };
      },
    );
    expect({
      states: await statesOf(l, t),
      old: await l.st.provider.getTransactionReceipt(hash),
      sent: await l.st.provider.getTransactionCount(sender.address),
      end: { state: end.state, nonce: end.nonce, mined: end.mined, error: end.error },
      journal: await store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`st:${id}%`} ORDER BY id`),
    }).to.deep.equal({
      states: { st: 2, cash: 2 },
      old: null,
      // the new lock's delivery alone, on the old return's nonce
      sent: nonce + 1,
      end: {
        state: "replaced",
        nonce,
        mined: undefined,
        error: `nonce ${nonce} used by another transaction`,
      },
      journal: [
        { id: `st:${id}`, state: "replaced" },
        { id: `st:${id}:${termsHash(t2)}`, state: "confirmed" },
      ],
    });
  });
});
