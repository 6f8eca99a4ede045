/**
 * A reorg deeper than the confirmations on the ST ledger that takes away both the lock and the
 * delivery of a settlement the cash ledger already paid (docs/two-ledger.md, "Operations"), against
 * two anvil nodes with k = 3 on SQLite. After `kessai verifier resync --ledger st`, the requeued
 * relay finds no lock and ends; when the seller locks the same terms again, the lock is recorded
 * with the cash ledger's outcome `paid`, and the service queues the relay of that outcome for it
 * (`<id>:paid-lock`): the paid buyer gets the units, delivered once.
 */
import { expect } from "chai";
import { outbox } from "@kessai/storage";
import { VerifierReorgError } from "../../../packages/verifier/src/index.js";
import {
  mineBlocks as mine,
  reorgLedger as reorg,
  roundsUntil,
  sentBy,
  statesOf,
} from "./fixture.js";
import { instruct, lock, termsFor } from "./two-nodes.js";
import { sqliteOnly, useResyncNodes } from "./resync-fixture.js";

const K = 3;
const HELD = "0 transactions reopened, 1 held until their lock or instruction is back";

sqliteOnly(
  "resync after a reorg that takes away a paid settlement's lock and its deliver",
  (backend) => {
    const nodes = useResyncNodes(backend, K);

    it("the lock and the deliver both gone: the seller locks again after the restart; the paid buyer gets the units", async function () {
      this.timeout(120_000);
      const { l, store, height, open, resync } = nodes;
      const verifier = await open();
      const t = await termsFor(l, `paid lock again ${backend().dialect}`);
      const lockBlock = await nodes.lockAboveIssue(t);
      await instruct(l, t);
      await mine(l.cash, K);
      await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 2);
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
      const sent = await sentBy(l);

      // A reorg deeper than k from the lock's block: lock and deliver both gone; the buyer has paid.
      await reorg(l.st, (await height()) - lockBlock + 1);
      expect((await statesOf(l, t)).st).to.equal(0);
      await mine(l.st, K);
      expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
      const r = await resync(lockBlock);
      expect(r.code, r.err).to.equal(0);
      expect(r.out).to.match(new RegExp(`${t.id.toLowerCase()}: \\w+ -> none`));
      // The lost deliver is held, not reopened: broadcast again before the lock is back, it
      // would revert and spend a transaction.
      expect(r.out).to.include(HELD);

      // Started again (a few rounds), then the seller locks the same terms again.
      const again = await open();
      for (let i = 0; i < 3; i++) {
        await again.tick();
        await mine(l.st, 1);
      }
      await lock(l, t, { issued: true });
      await mine(l.st, K + 1);
      const relayed = async () =>
        (await outbox.get(store, { topic: "st.relay", key: `${t.id.toLowerCase()}:paid-lock` }))
          ?.status === "done";
      await roundsUntil(l, again, relayed);
      const item = await outbox.get(store, {
        topic: "st.relay",
        key: `${t.id.toLowerCase()}:paid-lock`,
      });
      expect(item?.status).to.equal("done");
      expect(item?.payload).to.deep.equal({ outcome: 1 });
      // The buyer paid on the cash ledger: the units must reach it.
      expect(await statesOf(l, t)).to.deep.equal({ st: 2, cash: 2 });
      // One pay: the cash ledger's outcome is carried, never decided again. One deliver in all:
      // the one the reorg took away spent no nonce; the new one takes its place.
      expect(await sentBy(l)).to.deep.equal(sent);
    });
  },
);
