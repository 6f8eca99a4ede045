/**
 * A return decided for a lock's terms is void when the same settlement ID is locked again under
 * other terms (resync-held-return-new-terms.test.ts). Here its send is still in flight when that
 * happens: `signed` (journaled with its nonce, not broadcast yet: as the engine leaves it when the
 * process dies at `tx.returnToSeller.signed`), `mined` (with fewer confirmations than asked) or
 * `abandoned` (given up while pending). Such a send may still be mined, or was: it is not dropped
 * from the journal (the engine waits for a signed or mined one to its end and never signs it
 * again), and it can only revert on the new lock, whose terms differ (CrossLedgerTermsMismatch).
 * Before, it stayed under `st:<id>` and every send of the new lock under that key met
 * JournalConflictError (its call data differs): the new lock was never delivered. Now the new
 * lock's sends go under `st:<id>:<its terms hash>`. An abandoned one, which the engine no longer
 * watches, is recorded `reverted` (with the transaction mined) once its nonce is used in a block
 * with k confirmations; before, it stayed `abandoned` after it was mined and refused. Two anvil
 * nodes, k = 3, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { journal, sql } from "@kessai/storage";
import type { JournalEntry } from "@kessai/sdk";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { roundsUntil, statesOf } from "./fixture.js";
import { VERIFIER, instruct } from "./two-nodes.js";
import { describeBackends } from "../storage/backends.js";
import { useResyncNodes } from "./resync-fixture.js";
import {
  heldReturnAfterResync,
  relockUnderNewTerms,
  signHeldReturn,
} from "./held-return-fixture.js";
import { delivery } from "./wire-fixture.js";

const K = 3;

describeBackends("a return still in flight when the lock comes back under new terms", (backend) => {
  const nodes = useResyncNodes(backend, K);

  for (const state of ["signed", "mined", "abandoned"] as const)
    it(`${state}: kept until its end, sent once; the new lock is paid and delivered`, async function () {
      this.timeout(180_000);
      const { l, store } = nodes;
      const { t, id } = await heldReturnAfterResync(
        nodes,
        K,
        `${state} return ${backend().dialect}`,
      );
      const key = { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` };
      const held = (await journal.get(store, key))!.data as JournalEntry;
      expect(held.state).to.equal("intent");
      const sender = new Wallet(nodeKey(VERIFIER), l.st.provider);
      let nonce = 0;
      let hash = "";

      const { again, t2 } = await relockUnderNewTerms(nodes, K, t, async () => {
        // The return's send as the engine journals it: signed on the account's next nonce.
        const { raw, signed, ...sent } = await signHeldReturn(nodes, held);
        ({ nonce, hash } = sent);
        let entry = signed;
        // `signed`: not broadcast yet; the restarted engine broadcasts it (the node mines at once).
        if (state !== "signed") {
          await l.st.provider.broadcastTransaction(raw);
          const receipt = (await l.st.provider.getTransactionReceipt(hash))!;
          expect(receipt.status).to.equal(0);
          // the new lock has other terms: the contract's own refusal, replayed in that block
          const refusal = await l.st.provider
            .call({
              from: sender.address,
              to: l.addr.delivery,
              data: held.request.data,
              blockTag: receipt.blockNumber,
            })
            .then(
              () => undefined,
              (err: { data?: string }) => delivery.parseError(err.data ?? "0x"),
            );
          expect({ name: refusal?.name, args: refusal?.args.toArray() }).to.deep.equal({
            name: "CrossLedgerTermsMismatch",
            args: [id],
          });
          entry =
            state === "mined"
              ? {
                  ...signed,
                  state: "mined",
                  mined: {
                    hash,
                    blockNumber: receipt.blockNumber,
                    blockHash: receipt.blockHash,
                    status: 0,
                  },
                }
              : { ...signed, state: "abandoned", error: "the caller gave up" };
        }
        await store.transaction((tx) =>
          journal.put(tx, { ...key, state: entry.state, data: entry }),
        );
      });
      // The item is gone; the send stays under its key, where it was.
      expect({
        outbox: await store.all(sql`SELECT topic, status FROM kessai_outbox
          WHERE idempotency_key LIKE ${`${id}%`}`),
        journal: await store.all(sql`SELECT id FROM kessai_journal WHERE id LIKE ${`%${id}%`}`),
      }).to.deep.equal({ outbox: [], journal: [{ id: `st:${id}` }] });

      await instruct(l, t2);
      await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
      expect({
        states: await statesOf(l, t),
        // mined once (the nonce it was signed with), reverted on the new lock
        old: (await l.st.provider.getTransactionReceipt(hash))?.status,
        // the old return and the new lock's delivery: nothing else
        sent: await l.st.provider.getTransactionCount(sender.address),
        journal: await store.all(sql`SELECT id, state FROM kessai_journal
          WHERE id LIKE ${`st:${id}%`} ORDER BY id`),
      }).to.deep.equal({
        states: { st: 2, cash: 2 },
        old: 0,
        sent: nonce + 2,
        journal: [
          // its end: as the engine saw it, or, abandoned (the engine no longer watches it), as
          // the verifier saw it once its nonce was used in a block with k confirmations
          { id: `st:${id}`, state: "reverted" },
          { id: `st:${id}:${termsHash(t2)}`, state: "confirmed" },
        ],
      });
      // the transaction that was mined, recorded with its end
      const end = (await journal.get(store, key))!.data as JournalEntry;
      expect({ mined: end.mined?.hash, status: end.mined?.status }).to.deep.equal({
        mined: hash,
        status: 0,
      });
    });
});
