/**
 * A return decided for a lock's terms is void when the same settlement ID is locked again under
 * other terms (resync-held-return-new-terms.test.ts). Here its send did not wait in the journal
 * as `intent` but ended `reverted`: broadcast as the reorg took the lock away, it was mined on the
 * new chain, where no lock had those terms. Nothing of it can be mined again, but its entry under
 * `st:<id>` names the old terms' call data: left in place, every send of the new lock under that
 * key (its delivery, or its own return) met JournalConflictError, until the item was dead. Two
 * anvil nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { journal, sql } from "@kessai/storage";
import type { JournalEntry } from "@kessai/sdk";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { roundsUntil, statesOf } from "./fixture.js";
import { instruct } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync, relockUnderNewTerms } from "./held-return-fixture.js";

const K = 3;

sqliteOnly("a return whose send reverted when the lock comes back under new terms", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is void with its send; the new lock is paid and delivered", async function () {
    this.timeout(180_000);
    const { t, id } = await heldReturnAfterResync(nodes, K, `reverted return ${backend().dialect}`);

    // The return's send as it stands when it was mined on the new chain and reverted.
    const key = { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` };
    await nodes.store.transaction(async (tx) => {
      const held = (await journal.get(tx, key))!.data as JournalEntry;
      expect(held.state).to.equal("intent");
      const entry: JournalEntry = { ...held, state: "reverted", updatedAt: Date.now() };
      await journal.put(tx, { ...key, state: entry.state, data: entry });
    });

    const { again, t2 } = await relockUnderNewTerms(nodes, K, t);
    expect({
      outbox: await nodes.store.all(sql`SELECT topic, status FROM kessai_outbox
        WHERE idempotency_key LIKE ${`${id}%`}`),
      journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`}`),
    }).to.deep.equal({ outbox: [], journal: [] });

    const { l } = nodes;
    await instruct(l, t2);
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
    expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
  });
});
