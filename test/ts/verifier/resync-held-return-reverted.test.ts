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
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { instruct, issue, lock, termsFor, type TwoLedgers } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";

const K = 3;

sqliteOnly("a return whose send reverted when the lock comes back under new terms", (backend) => {
  const nodes = useResyncNodes(backend, K);
  const { height, open, resync } = nodes;
  let l: TwoLedgers;
  before(function () {
    ({ l } = nodes);
  });

  it("is void with its send; the new lock is paid and delivered", async function () {
    this.timeout(180_000);
    const verifier = await open();
    const t = await termsFor(l, `reverted return ${backend().dialect}`, { deadlineIn: 600 });
    const id = t.id.toLowerCase();
    await issue(l, t);
    await mine(l.st, 3);
    await lock(l, t, { issued: true });
    const lockBlock = await height();
    await mine(l.st, K + 1);
    await l.cash.node.rpc("evm_increaseTime", [601]);
    await mine(l.cash, K + 1);
    await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 3);
    await reorg(l.st, (await height()) - lockBlock + 1);
    await mine(l.st, K);
    expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
    const r = await resync(lockBlock);
    expect(r.code, r.err).to.equal(0);

    // The return's send as it stands when it was mined on the new chain and reverted.
    const key = { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` };
    await nodes.store.transaction(async (tx) => {
      const held = (await journal.get(tx, key))!.data as JournalEntry;
      expect(held.state).to.equal("intent");
      const entry: JournalEntry = { ...held, state: "reverted", updatedAt: Date.now() };
      await journal.put(tx, { ...key, state: entry.state, data: entry });
    });

    const again = await open();
    const t2 = { ...t, deadline: t.deadline + 36_000n };
    await lock(l, t2, { issued: true });
    await mine(l.st, K + 1);
    for (let i = 0; i < 3; i++) {
      await again.tick();
      await l.mine();
    }
    expect({
      outbox: await nodes.store.all(sql`SELECT topic, status FROM kessai_outbox
        WHERE idempotency_key LIKE ${`${id}%`}`),
      journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`}`),
    }).to.deep.equal({ outbox: [], journal: [] });

    await instruct(l, t2);
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
    expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
  });
});
