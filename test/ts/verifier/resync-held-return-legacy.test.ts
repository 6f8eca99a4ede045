/**
 * A return decided for a lock's terms is void when the same settlement ID is locked again under
 * other terms (resync-held-return-new-terms.test.ts): the item names the terms it was decided
 * for. An item enqueued before items named them (outcome alone) was re-armed for the new lock
 * instead: its held send under `st:<id>` names the old terms' call data, so the engine refused
 * every attempt, and once the buyer paid the new lock the watcher stopped (the payment's relay
 * met the return's item under the same key with another payload). Such an item is voided on the
 * terms its held send was built for. Two anvil nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { encodeJson, sql } from "@kessai/storage";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { roundsUntil, statesOf } from "./fixture.js";
import { instruct } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync, relockUnderNewTerms } from "./held-return-fixture.js";

const K = 3;

sqliteOnly("a held return enqueued without its terms, the lock back under new terms", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is void on the terms of its held send; the new lock is paid and delivered", async function () {
    this.timeout(180_000);
    const { t, id } = await heldReturnAfterResync(nodes, K, `legacy return ${backend().dialect}`);

    // The item as the previous release wrote it: the outcome alone.
    const item = await nodes.store.get(sql`SELECT id, payload FROM kessai_outbox
      WHERE topic = 'st.relay' AND idempotency_key = ${id}`);
    const { terms, ...legacy } = JSON.parse(String(item!.payload)) as Record<string, unknown>;
    expect(terms).to.equal(termsHash(t));
    await nodes.store.transaction((tx) =>
      tx.run(
        sql`UPDATE kessai_outbox SET payload = ${encodeJson(legacy)} WHERE id = ${Number(item!.id)}`,
      ),
    );

    const { again, t2 } = await relockUnderNewTerms(nodes, K, t);
    expect({
      reason: (await nodes.store.get(sql`SELECT reason FROM verifier_settlements WHERE id = ${id}`))
        ?.reason,
      outbox: await nodes.store.all(sql`SELECT topic, status FROM kessai_outbox
        WHERE idempotency_key LIKE ${`${id}%`}`),
      journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`}`),
    }).to.deep.equal({
      reason:
        `the return decided for terms ${termsHash(t)} (not instructed by the deadline) is void: ` +
        `the lock came back with terms ${termsHash(t2)}`,
      outbox: [],
      journal: [],
    });

    const { l } = nodes;
    await instruct(l, t2);
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
    expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
  });
});
