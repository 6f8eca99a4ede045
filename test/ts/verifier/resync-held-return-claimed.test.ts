/**
 * A return held by a resync is voided when the same settlement ID is locked again under other
 * terms (resync-held-return-new-terms.test.ts), also while another instance on the database holds
 * a claim on its item. Before, the watcher left a claimed item in place (its relay reads the
 * terms again and skips them): the item then finished `done` with the return's payload, so once
 * the buyer paid the new lock the payment's relay met it under the same key with another payload
 * (OutboxKeyConflictError) and the watcher stopped. Two anvil nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { outbox, OutboxLeaseLostError, sql } from "@kessai/storage";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { roundsUntil, statesOf } from "./fixture.js";
import { instruct } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync, relockUnderNewTerms } from "./held-return-fixture.js";

const K = 3;

sqliteOnly(
  "a held return claimed by another instance when the lock comes back under new terms",
  (backend) => {
    const nodes = useResyncNodes(backend, K);

    it("is void all the same; the new lock is paid and delivered", async function () {
      this.timeout(180_000);
      const { t, id } = await heldReturnAfterResync(
        nodes,
        K,
        `claimed held return ${backend().dialect}`,
      );

      // Another instance claims the return's item (its relay would find no lock and skip it).
      const claims = await outbox.claim(nodes.store, {
        worker: "other-instance",
        topics: ["st.relay"],
        limit: 10,
        leaseMs: 600_000,
      });
      const claim = claims.find((c) => c.key === id);
      expect(claim?.payload).to.deep.include({ terms: termsHash(t) });

      const { again, t2 } = await relockUnderNewTerms(nodes, K, t);
      // The other instance finishes its attempt: the item it held is gone.
      const finished = await nodes.store
        .transaction((tx) => outbox.complete(tx, claim!, { skipped: "no lock on the ST ledger" }))
        .catch((e: unknown) => e);
      expect({
        finished: finished instanceof OutboxLeaseLostError,
        reason: (
          await nodes.store.get(sql`SELECT reason FROM verifier_settlements WHERE id = ${id}`)
        )?.reason,
        outbox: await nodes.store.all(sql`SELECT topic, status FROM kessai_outbox
        WHERE idempotency_key LIKE ${`${id}%`}`),
        journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`}`),
      }).to.deep.equal({
        finished: true,
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
  },
);
