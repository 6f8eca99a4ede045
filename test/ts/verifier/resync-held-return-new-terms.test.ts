/**
 * A return held by a resync (its lock and the return itself went with a reorg deeper than the
 * confirmations on the ST ledger) was decided for the lock's terms: the deadline of those terms
 * passed with no instruction. When the seller locks the same settlement ID again with other terms
 * (here a later deadline), that decision is void: the held return must not go out under the new
 * terms, and the new lock is decided afresh under its own (here the buyer instructs it in time
 * and is delivered). Before, the return was re-armed for the new lock and built for its terms;
 * the engine's journal refused the call (the held send under `st:<id>` names the old terms' call
 * data) on every retry, and once the buyer paid the new lock the watcher stopped: the payment's
 * relay met the return's item under the same key with another payload. Once as it runs, once with
 * the service dead right after the new lock's event is recorded and started again. Two anvil
 * nodes, k = 3, SQLite.
 */
import { expect } from "chai";
import { sql } from "@kessai/storage";
import { VerifierReorgError, type Verifier } from "../../../packages/verifier/src/index.js";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { instruct, issue, lock, termsFor, type TwoLedgers } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";

const K = 3;

class Killed extends Error {}

sqliteOnly(
  "resync after a reorg that takes away an expired lock, then a lock under new terms",
  (backend) => {
    const nodes = useResyncNodes(backend, K);
    const { height, open, resync } = nodes;
    let l: TwoLedgers;
    before(function () {
      ({ l } = nodes);
    });

    async function heldReturnThenNewTerms(name: string, restart: boolean) {
      const verifier = await open();
      const t = await termsFor(l, `${name} ${backend().dialect}`, { deadlineIn: 600 });
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

      // With `restart`, the service dies once the new lock's event is recorded (its watch
      // transaction committed) and another is started on the same database.
      let armed = false;
      let kills = 0;
      let again: Verifier = await open({
        crashPoint: (point, id) => {
          if (armed && point === "event.DeliveryRegistered" && id === t.id.toLowerCase())
            throw new Killed(point);
        },
      });
      for (let i = 0; i < 3; i++) {
        await again.tick();
        await mine(l.st, 1);
      }
      // The same ID locked again, with a deadline ten hours on: nothing is owed to the seller yet.
      const t2 = { ...t, deadline: t.deadline + 36_000n };
      await lock(l, t2, { issued: true });
      await mine(l.st, K + 1);
      armed = restart;
      for (let i = 0; i < 12; i++) {
        const e = await again.tick().then(
          () => undefined,
          (e: unknown) => e,
        );
        if (e instanceof Killed) {
          kills++;
          armed = false;
          again = await open();
        } else if (e) throw e;
        await l.mine();
      }
      const row = await nodes.store.get(sql`SELECT st_state, cash_state, decision, reason,
        st_attestation FROM verifier_settlements WHERE id = ${t.id.toLowerCase()}`);
      expect({
        kills,
        st: (await statesOf(l, t)).st,
        row,
        // the return's item and its held send are gone with it
        outbox: await nodes.store.all(sql`SELECT topic, status FROM kessai_outbox
          WHERE idempotency_key LIKE ${`${t.id.toLowerCase()}%`}`),
        journal: await nodes.store.all(sql`SELECT id, state FROM kessai_journal
          WHERE id LIKE ${`%${t.id.toLowerCase()}%`}`),
        metric: restart
          ? undefined
          : (await again.metricsText()).match(/kessai_verifier_voided_returns_total \d+/)?.[0],
      }).to.deep.equal({
        kills: restart ? 1 : 0,
        st: 1,
        row: {
          st_state: "locked",
          cash_state: "none",
          decision: null,
          st_attestation: null,
          reason:
            `the return decided for terms ${termsHash(t)} (not instructed by the deadline) is void: ` +
            `the lock came back with terms ${termsHash(t2)}`,
        },
        outbox: [],
        journal: [],
        metric: restart ? undefined : "kessai_verifier_voided_returns_total 1",
      });

      // Decided afresh under its own terms: instructed in time, paid, delivered.
      await instruct(l, t2);
      await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
    }

    it("the held return is void for the new terms; the new lock is paid and delivered", async function () {
      this.timeout(180_000);
      await heldReturnThenNewTerms("expired lock, new terms", false);
    });

    it("the same with the service dead right after the new lock is recorded, and started again", async function () {
      this.timeout(180_000);
      await heldReturnThenNewTerms("expired lock, new terms, restart", true);
    });
  },
);
