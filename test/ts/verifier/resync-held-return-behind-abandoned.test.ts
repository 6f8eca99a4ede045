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
import { roundsUntil, statesOf } from "./fixture.js";
import { CASH_CHAIN_ID, instruct } from "./two-nodes.js";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import {
  heldReturnAfterResync,
  relockUnderNewTerms,
  signHeldReturn,
} from "./held-return-fixture.js";

const K = 3;
const OTHERS = 100;

describeBackends("an abandoned old return behind 100 abandoned cash sends", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is still recorded replaced once its nonce is confirmed", async function () {
    this.timeout(180_000);
    const { l, store } = nodes;
    const { t, id } = await heldReturnAfterResync(nodes, K, `behind others ${backend().dialect}`);
    const key = { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` };
    const held = (await journal.get(store, key))!.data as JournalEntry;
    let nonce = 0;
    const { again, t2 } = await relockUnderNewTerms(nodes, K, t, async () => {
      const { signed, ...sent } = await signHeldReturn(nodes, held);
      ({ nonce } = sent);
      const entry: JournalEntry = { ...signed, state: "abandoned", error: "the caller gave up" };
      await store.transaction(async (tx) => {
        await journal.put(tx, { ...key, state: entry.state, data: entry });
        // sends on the cash ledger given up by their callers (not the ST ledger's, not returns)
        for (let i = 0; i < OTHERS; i++) {
          const other = `cash:0x${i.toString(16).padStart(64, "0")}`;
          const data: JournalEntry = {
            ...entry,
            key: other,
            chainId: String(CASH_CHAIN_ID),
            request: { ...entry.request, to: "0x000000000000000000000000000000000000dEaD" },
          };
          await journal.put(tx, { namespace: key.namespace, id: other, state: "abandoned", data });
        }
      });
    });
    await instruct(l, t2);
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
    await roundsUntil(l, again, async () => (await journal.get(store, key))?.state !== "abandoned");
    const end = (await journal.get(store, key))!.data as JournalEntry;
    expect({ state: end.state, nonce: end.nonce }).to.deep.equal({ state: "replaced", nonce });
  });
});
