/**
 * A lock refused on the cash ledger (the buyer instructed other terms) is returned to the seller;
 * a reorg deeper than the confirmations then takes the lock and its return away, and the resync
 * holds the return's send (`st:<id>`, `intent`: the lock is gone). The seller locks the same ID
 * again under other terms: the cash ledger's record is refunded for good, so the new lock takes
 * the late-lock path (`<id>:late-lock`, outcome Refunded) and is returned too. Before, that
 * return went under `st:<id>`, where the held send names the old terms' call data: the engine's
 * journal refused it (JournalConflictError) on every attempt and the units stayed locked. Now the
 * held send stays as it is (it can only go to a lock with its own terms) and the new lock's return
 * goes under `st:<id>:<its terms hash>`, once. Two anvil nodes, k = 3, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { sql } from "@kessai/storage";
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { VERIFIER, instruct, lock, termsFor } from "./two-nodes.js";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";

const K = 3;

describeBackends("a lock under new terms after the cash ledger refused the old one", (backend) => {
  const nodes = useResyncNodes(backend, K);

  it("is returned under a key of its own; the held return of the old terms is not sent", async function () {
    this.timeout(180_000);
    const { l, store } = nodes;
    const verifier = await nodes.open();
    const t = await termsFor(l, `late lock, held return ${backend().dialect}`);
    const id = t.id.toLowerCase();
    const lockBlock = await nodes.lockAboveIssue(t);
    // The buyer instructs other terms: refused on the cash ledger, the lock returned.
    await instruct(l, { ...t, amount: t.amount + 1n });
    await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 3);
    expect(await statesOf(l, t)).to.deep.equal({ st: 3, cash: 3 });

    await reorg(l.st, (await nodes.height()) - lockBlock + 1);
    await mine(l.st, K);
    expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
    const r = await nodes.resync(lockBlock);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include("1 held until their lock or instruction is back");

    const sender = new Wallet(nodeKey(VERIFIER)).address;
    const sent = await l.st.provider.getTransactionCount(sender);
    const again = await nodes.open();
    const t2 = { ...t, deadline: t.deadline + 36_000n };
    await lock(l, t2, { issued: true });
    await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 3);
    expect({
      states: await statesOf(l, t),
      sent: await l.st.provider.getTransactionCount(sender),
      journal: await store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`st:${id}%`} ORDER BY id`),
      outbox: await store.all(sql`SELECT idempotency_key, status FROM kessai_outbox
        WHERE topic = 'st.relay' AND idempotency_key LIKE ${`${id}%`} ORDER BY idempotency_key`),
    }).to.deep.equal({
      states: { st: 3, cash: 3 },
      sent: sent + 1,
      journal: [
        { id: `st:${id}`, state: "intent" },
        { id: `st:${id}:${termsHash(t2)}`, state: "confirmed" },
      ],
      outbox: [
        { idempotency_key: id, status: "done" },
        { idempotency_key: `${id}:late-lock`, status: "done" },
      ],
    });
  });
});
