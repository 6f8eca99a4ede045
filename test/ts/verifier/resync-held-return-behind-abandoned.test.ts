/**
 * An old return kept `abandoned` when its lock came back under other terms, its nonce taken by
 * the new lock's delivery (resync-held-return-abandoned-unsent.test.ts), behind 100 other
 * `abandoned` sends whose keys sort before it (`cash:<id>`: sends the caller gave up on the cash
 * ledger, which stay `abandoned` for good). Each round still looks at the old return and records
 * it `replaced` once its nonce is confirmed (before: the round read the first 100 `abandoned`
 * entries by key only, all of them cash sends, and the old return stayed `abandoned` for good).
 * Two anvil nodes, k = 3, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { journal } from "@kessai/storage";
import type { JournalEntry } from "@kessai/sdk";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { CASH_CHAIN_ID } from "./two-nodes.js";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import { abandonedOldReturn, signHeldReturn } from "./held-return-fixture.js";

const K = 3;
const OTHERS = 100;

describeBackends("an abandoned old return behind 100 abandoned cash sends", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is still recorded replaced once its nonce is confirmed", async function () {
    this.timeout(180_000);
    let nonce = 0;
    const { end } = await abandonedOldReturn(
      nodes,
      K,
      `behind others ${backend().dialect}`,
      async (held) => {
        const { signed, ...sent } = await signHeldReturn(nodes, held);
        ({ nonce } = sent);
        return { ...signed, state: "abandoned", error: "the caller gave up" };
      },
      // sends on the cash ledger given up by their callers (not the ST ledger's, not returns)
      async (tx, entry) => {
        for (let i = 0; i < OTHERS; i++) {
          const other = `cash:0x${i.toString(16).padStart(64, "0")}`;
          const data: JournalEntry = {
            ...entry,
            key: other,
            chainId: String(CASH_CHAIN_ID),
            request: { ...entry.request, to: "0x000000000000000000000000000000000000dEaD" },
          };
          await journal.put(tx, {
            namespace: TX_JOURNAL_NAMESPACE,
            id: other,
            state: "abandoned",
            data,
          });
        }
      },
    );
    expect({ state: end.state, nonce: end.nonce }).to.deep.equal({ state: "replaced", nonce });
  });
});
