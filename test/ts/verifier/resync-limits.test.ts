/**
 * `resyncLedger` reads all it needs, however much the service recorded: a touched settlement is
 * rebuilt from every event kept of the ledger (here behind 100 000 events of another settlement,
 * oldest first), and every mined or confirmed send in the journal is checked (here behind 100 000
 * entries whose keys sort first). SQLite and PostgreSQL, a stub node whose blocks are unchanged
 * and that has no receipts (the sends were reorged away).
 */
import { expect } from "chai";
import type { Provider } from "ethers";
import {
  buildingBlocks,
  cursors,
  inbox,
  journal,
  openStore,
  sql,
  type Store,
} from "@kessai/storage";
import { resyncLedger, verifierMigrations } from "../../../packages/verifier/src/index.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";

const CHAIN = 31337;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const X = `0x${"ab".repeat(32)}`;
/** A node whose blocks are all unchanged and that has no receipts (the sends were reorged away). */
const provider = {
  getNetwork: async () => ({ chainId: BigInt(CHAIN) }),
  getBlock: async (n: number) => ({ hash: hash(n), number: n }),
  getTransactionReceipt: async () => null,
} as unknown as Provider;

describeBackends("resync past 100 000 recorded events and journal entries", (backend) => {
  let store: Store;

  before(async function () {
    this.timeout(60_000);
    store = await openStore(await databaseUrl(backend()));
    await store.migrate([...buildingBlocks, verifierMigrations]);
  });
  after(async () => {
    await store?.close();
  });

  const event = (consumer: string, block: number, logIndex: number, payload: unknown) =>
    store.transaction((tx) =>
      inbox.record(tx, {
        consumer,
        event: {
          chainId: CHAIN,
          blockNumber: block,
          blockHash: hash(block),
          txHash: hash(1_000_000 + logIndex),
          logIndex,
        },
        payload,
      }),
    );

  it("cash ledger: a settlement's kept instruction behind 100 000 other events is its rebuilt view", async function () {
    this.timeout(120_000);
    const consumer = "verifier.cash";
    // 100 000 events of other settlements in block 1 (the service's history).
    await event(consumer, 1, 0, { name: "PaymentInstructed", id: "0xother" });
    await store.run(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
      INSERT INTO kessai_inbox (consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at)
      SELECT consumer, chain_id, block_number, block_hash, tx_hash, i, payload, received_at
      FROM kessai_inbox CROSS JOIN n WHERE consumer = ${consumer}`);
    // X: instructed at block 1000 (kept), paid at block 2000 (replaced by the reorg).
    const terms = { id: X, amount: "1" };
    await event(consumer, 1000, 0, { name: "PaymentInstructed", id: X, terms });
    await event(consumer, 2000, 0, { name: "SettlementPaid", id: X });
    await store.run(sql`INSERT INTO verifier_settlements (id, cash_terms, cash_state, updated_at)
      VALUES (${X}, ${JSON.stringify(terms)}, 'paid', '2026-12-01T00:00:00.000Z')`);
    await store.transaction((tx) =>
      cursors.advance(tx, { consumer, chainId: CHAIN, blockNumber: 2005, blockHash: hash(2005) }),
    );

    const r = await resyncLedger({ store, provider, ledger: "cash", fromBlock: 2000 });
    const row = await store.get<{ cash_state: string; cash_terms: unknown }>(
      sql`SELECT cash_state, cash_terms FROM verifier_settlements WHERE id = ${X}`,
    );
    // Its PaymentInstructed at block 1000 is kept: the view must be `instructed`, with its terms.
    expect(r.settlements).to.deep.equal([{ id: X, before: "paid", after: "instructed" }]);
    expect(JSON.parse(row!.cash_terms as string)).to.deep.equal(terms);
  });

  it("ST ledger: a lost `deliver` behind 100 001 cash entries is reopened", async function () {
    this.timeout(120_000);
    const consumer = "verifier.st";
    // Locked at block 1000 (kept: the lock stays, so the lost deliver is reopened, not held).
    await event(consumer, 1000, 0, { name: "DeliveryRegistered", id: X, terms: { id: X } });
    await event(consumer, 2000, 0, { name: "SettlementDelivered", id: X });
    await store.transaction((tx) =>
      cursors.advance(tx, { consumer, chainId: CHAIN, blockNumber: 2005, blockHash: hash(2005) }),
    );
    const entry = (key: string) => ({
      key,
      chainId: String(CHAIN),
      from: `0x${"11".repeat(20)}`,
      request: { to: null, data: "0x", value: "0", gasLimit: "100000" },
      state: "confirmed",
      nonce: 7,
      txs: [{ hash: hash(7), raw: "0x01", at: 0 }],
      mined: { hash: hash(7), blockNumber: 2001, blockHash: hash(2001) },
      updatedAt: 0,
    });
    // 100 000 earlier sends on the cash ledger (of another chain: not looked at), all confirmed.
    await store.transaction((tx) =>
      journal.put(tx, {
        namespace: "verifier.tx",
        id: "cash:0x0",
        state: "confirmed",
        data: { ...entry("cash:0x0"), chainId: "1" },
      }),
    );
    await store.run(sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
      INSERT INTO kessai_journal (namespace, id, state, data, version, created_at, updated_at)
      SELECT namespace, 'cash:0x' || i, state, data, version, created_at, updated_at
      FROM kessai_journal CROSS JOIN n WHERE id = 'cash:0x0'`);
    // The service's deliver of X, mined in block 2001, which the reorg replaced.
    await store.transaction((tx) =>
      journal.put(tx, {
        namespace: "verifier.tx",
        id: `st:${X}`,
        state: "confirmed",
        data: entry(`st:${X}`),
      }),
    );

    const r = await resyncLedger({ store, provider, ledger: "st", fromBlock: 2000 });
    expect(r.reopened).to.deep.equal([`st:${X}`]);
  });
});
