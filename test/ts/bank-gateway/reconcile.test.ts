import { expect } from "chai";
import { cursors, openStore, sql, type Store } from "@kessai/storage";
import {
  DEDICATED_ACCOUNT,
  FUNDING_ACCOUNT,
  WATCH_CONSUMER,
  reconcile,
} from "../../../packages/bank-gateway/src/index.js";
import { bankLedger, reconcileContext } from "./bank-ledger.js";
import { describeBackends } from "../storage/backends.js";

const CHAIN = 31337;
const hex = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const now = sql.dialect({
  postgres: sql`now()`,
  sqlite: sql.raw(`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`),
});

async function post(store: Store, n: number, amount: number) {
  await store.run(sql`INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, reference, created_at)
    VALUES (${`t:${n}`}, 'posted', ${FUNDING_ACCOUNT}, ${DEDICATED_ACCOUNT}, ${sql.raw(String(amount))}, ${`issuance:${hex(n)}`}, ${now})`);
}

let logIndex = 0;
async function event(store: Store, n: number, amount: number) {
  const payload = JSON.stringify({
    kind: "issued",
    ref: `issuance:${hex(n)}`,
    amount: String(amount),
  });
  await store.run(sql`INSERT INTO kessai_inbox (consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at)
    VALUES (${WATCH_CONSUMER}, ${CHAIN}, 1, ${hex(2)}, ${hex(1000 + n)}, ${logIndex++}, ${payload}, ${now})`);
}

describeBackends("bank gateway: reconciliation reports each difference by reference", (backend) => {
  it("matched references pass; every other one is named with its problem and amounts", async () => {
    // The gateway's own copy of the storage package (the built one), on a database of the suite.
    const url = await backend().newDatabase();
    const store = await openStore(url.startsWith("postgres") ? url : `sqlite:${url}`);
    try {
      await bankLedger(store);
      // 1..3 matched; 4 an event without posting; 5 a posting without event; 6 amounts differ;
      // 7 its event twice.
      for (const n of [1, 2, 3]) {
        await post(store, n, 100 + n);
        await event(store, n, 100 + n);
      }
      await event(store, 4, 40);
      await post(store, 5, 50);
      await post(store, 6, 60);
      await event(store, 6, 61);
      await post(store, 7, 70);
      await event(store, 7, 70);
      await event(store, 7, 70);
      await store.transaction((tx) =>
        cursors.advance(tx, {
          consumer: WATCH_CONSUMER,
          chainId: CHAIN,
          blockNumber: 1,
          blockHash: hex(2),
        }),
      );
      const supply = 101n + 102n + 103n + 40n + 61n + 140n;
      const report = await reconcile(reconcileContext(store, CHAIN, supply));
      expect(report.ok).to.equal(false);
      expect(report.events).to.deep.equal({ issued: 7, redeemed: 0 });
      expect(report.dedicatedPosted).to.equal(String(101 + 102 + 103 + 50 + 60 + 70));
      expect(report.differences).to.deep.equal([
        {
          reference: `issuance:${hex(4)}`,
          problem: "missing_posting",
          events: 1,
          postings: 0,
          eventAmount: "40",
          postedAmount: null,
        },
        {
          reference: `issuance:${hex(5)}`,
          problem: "posting_without_event",
          events: 0,
          postings: 1,
          eventAmount: null,
          postedAmount: "50",
        },
        {
          reference: `issuance:${hex(6)}`,
          problem: "amount_mismatch",
          events: 1,
          postings: 1,
          eventAmount: "61",
          postedAmount: "60",
        },
        {
          reference: `issuance:${hex(7)}`,
          problem: "duplicate_event",
          events: 2,
          postings: 1,
          eventAmount: "140",
          postedAmount: "70",
        },
      ]);
    } finally {
      await store.close();
    }
  });
});
