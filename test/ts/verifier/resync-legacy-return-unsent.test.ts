/**
 * A return enqueued by the previous release (its item names the outcome alone, not the terms it
 * was decided for) and never sent (no send under `st:<id>`) when a reorg deeper than k took its
 * lock away: the seller locks the same ID again with a deadline ten hours on. The item, re-armed
 * for the new lock, must not return its units before that deadline. Before, the relay checked the
 * deadline only for items that name their terms, and sent returnToSeller under the new terms at
 * once. Two anvil nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { encodeJson, sql } from "@kessai/storage";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { statesOf } from "./fixture.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync, relockUnderNewTerms } from "./held-return-fixture.js";

const K = 3;

sqliteOnly("an unsent return without its terms, the lock back under new terms", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is not sent to the new lock before its deadline", async function () {
    this.timeout(180_000);
    const { t, id } = await heldReturnAfterResync(nodes, K, `unsent legacy ${backend().dialect}`);
    await nodes.store.transaction(async (tx) => {
      const item = await tx.get(sql`SELECT id, payload FROM kessai_outbox
        WHERE topic = 'st.relay' AND idempotency_key = ${id}`);
      const { terms: _decided, ...legacy } = JSON.parse(String(item!.payload)) as object & {
        terms?: string;
      };
      await tx.run(
        sql`UPDATE kessai_outbox SET payload = ${encodeJson(legacy)} WHERE id = ${Number(item!.id)}`,
      );
      await tx.run(sql`DELETE FROM kessai_journal
        WHERE namespace = ${TX_JOURNAL_NAMESPACE} AND id = ${`st:${id}`}`);
    });

    const { again } = await relockUnderNewTerms(nodes, K, t);
    for (let i = 0; i < 5; i++) {
      await again.tick();
      await nodes.l.mine();
    }
    expect({
      st: (await statesOf(nodes.l, t)).st,
      journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`}`),
    }).to.deep.equal({ st: 1, journal: [] });
  });
});
