/**
 * A reorg deeper than the confirmations on the ST ledger that takes away both the lock of a
 * settlement never instructed and the service's `returnToSeller` of it (the deadline passed, the
 * units went back). Resync holds the lost return (its lock is gone). Started again, the requeued
 * relay finds no lock and ends; when the lock is back (the seller's lock made again, after the
 * first rounds), the held return must be sent: nothing but the service returns the units without
 * the buyer (the ST ledger has no time-out). Two anvil nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { sql } from "@kessai/storage";
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { issue, lock, termsFor, type TwoLedgers } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";

const K = 3;

sqliteOnly("resync after a reorg that takes away an expired lock and its return", (backend) => {
  const nodes = useResyncNodes(backend, K);
  const { height, open, resync } = nodes;
  let l: TwoLedgers;
  before(function () {
    ({ l } = nodes);
  });

  it("the lock and the return both gone, the lock made again after the restart: the held return is sent", async function () {
    this.timeout(120_000);
    const verifier = await open();
    const t = await termsFor(l, `expired lock again ${backend().dialect}`, { deadlineIn: 600 });
    await issue(l, t);
    await mine(l.st, 3);
    await lock(l, t, { issued: true });
    const lockBlock = await height();
    await mine(l.st, K + 1);
    // Never instructed; the cash ledger's clock passes the deadline: the units go back.
    await l.cash.node.rpc("evm_increaseTime", [601]);
    await mine(l.cash, K + 1);
    await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 3);

    await reorg(l.st, (await height()) - lockBlock + 1);
    expect((await statesOf(l, t)).st).to.equal(0);
    await mine(l.st, K);
    expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
    const r = await resync(lockBlock);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.include("1 held until their lock or instruction is back");

    const again = await open();
    for (let i = 0; i < 3; i++) {
      await again.tick();
      await mine(l.st, 1);
    }
    await lock(l, t, { issued: true });
    await mine(l.st, K + 1);
    // The lock is back: its return is owed, as before the reorg.
    const stuck = await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 3).then(
      () => undefined,
      async () =>
        JSON.stringify({
          st: (await statesOf(l, t)).st,
          outbox: await nodes.store.all(sql`SELECT topic, idempotency_key, status, result
            FROM kessai_outbox`),
          journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal`),
        }),
    );
    if (stuck) console.log(stuck);
    expect(stuck, "the held return was never sent").to.equal(undefined);
  });
});
