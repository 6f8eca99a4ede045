/**
 * The gateway's one lock order (store/ledger.ts: the accounts, then the issuance) on PostgreSQL:
 * the watcher posting an issuance's hold (store/issuance-path.ts's one statement) and the worker
 * failing the same issuance (worker.ts's failIssuance), run at once, never deadlock. The
 * interleaving is forced: a third transaction holds the hold's accounts while one and then the
 * other queue behind it, and each must wait for the accounts holding no issuance. Either path
 * taking the issuance first would make the two wait for each other until PostgreSQL's deadlock
 * timeout broke the cycle (a retry on 40P01, which these tests refuse): watcher first catches the
 * worker's order, worker first the watcher's.
 */
import { expect } from "chai";
import {
  buildingBlocks,
  encodeTime,
  openStore,
  sql,
  toNumber,
  UniqueViolationError,
  type RetryEvent,
  type Store,
  type Tx,
} from "@kessai/storage";
import { gatewayMigrations } from "../../../packages/bank-gateway/src/store/schema.js";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import {
  holdIssuance,
  postIssuanceHolds,
} from "../../../packages/bank-gateway/src/store/issuance-path.js";
import { getIssuance, type Issuance } from "../../../packages/bank-gateway/src/store/records.js";
import { failIssuance } from "../../../packages/bank-gateway/src/app/worker.js";
import { sharedPostgres } from "../storage/backends.js";

const TO = `0x${"ab".repeat(20)}`;
const REF = `0x${"01".padStart(64, "0")}`;
const TX_HASH = `0x${"02".padStart(64, "0")}`;

describe("gateway lock order on postgres: watcher and worker on one issuance", function () {
  let store: Store;
  const retries: RetryEvent[] = [];
  /** A fresh database with one firm funded with 100 and issuance iss_1 holding 30 of it. */
  async function hold() {
    await store?.close();
    retries.length = 0;
    store = await openStore(await (await sharedPostgres()).createDatabase(), {
      onRetry: (e) => retries.push(e),
    });
    await store.migrate([...buildingBlocks, gatewayMigrations]);
    const now = encodeTime(new Date());
    await store.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO gw_firms (id, name, dcjpy_address, deposit_account_ref, status, frozen, created_at, updated_at)
        VALUES ('f', 'F', ${TO}, ${`0x${"cd".repeat(32)}`}, 'open', ${false}, ${now}, ${now})`);
      await ledger.createAccount(tx, {
        id: "dep_f",
        kind: "deposit",
        firmId: "f",
        allowOverdraft: false,
      });
      await ledger.createAccount(tx, {
        id: "bank_dedicated",
        kind: "dedicated",
        allowOverdraft: false,
      });
      await ledger.createAccount(tx, { id: "bank_funding", kind: "funding", allowOverdraft: true });
      await ledger.transfer(tx, {
        key: "fund-1",
        kind: "posted",
        debitAccountId: "bank_funding",
        creditAccountId: "dep_f",
        amount: 100n,
      });
    });
    const at = new Date();
    await holdIssuance(store, {
      issuanceId: "iss_1",
      firmId: "f",
      accountId: "dep_f",
      reference: REF,
      to: TO,
      amount: 30n,
      now: at,
      holdDescription: "DCJPY issuance hold",
      item: { topic: "dcjpy.issue", key: REF, payload: { issuanceId: "iss_1" }, now: at },
      response: { scope: "f", key: "k1", requestHash: "h1", status: 201, body: { id: "iss_1" } },
    });
  }
  after(async () => store?.close());

  /** Backends of this database waiting for a lock. */
  const waiting = async () =>
    toNumber(
      (await store.get(sql`SELECT COUNT(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`))!.n,
    );
  const until = async (n: number) => {
    for (let i = 0; (await waiting()) < n; i++) {
      if (i > 500) throw new Error(`${n} backends never waited for a lock`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  /** Whether a transaction other than the caller's holds the issuance's row lock. */
  const issuanceLocked = () =>
    store
      .transaction(
        (tx) => tx.all(sql`SELECT id FROM gw_issuances WHERE id = 'iss_1' FOR UPDATE NOWAIT`),
        { isolation: "read-committed" },
      )
      .then(
        () => false,
        () => true,
      );
  const watcher = (tx: Tx) =>
    postIssuanceHolds(tx, [
      { reference: REF, account: TO, amount: 30n, txHash: TX_HASH, blockNumber: 7 },
    ]);
  const worker = (tx: Tx) =>
    failIssuance(tx, "iss_1", { code: "Test", message: "failed for good" });

  /**
   * Runs `first` and then `second` queued behind a transaction that holds the hold's accounts,
   * each started once the one before waits for a lock, and returns their outcomes once the
   * accounts are released. Neither may hold the issuance while it waits for the accounts.
   */
  async function queued<A, B>(first: (tx: Tx) => Promise<A>, second: (tx: Tx) => Promise<B>) {
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const locked = new Promise<void>((r) => (held = r));
    const gate = store.transaction(
      async (tx) => {
        await ledger.lockAccounts(tx, ["dep_f", "bank_dedicated"]);
        held();
        await open;
      },
      { isolation: "read-committed" },
    );
    await locked;
    const rc = { isolation: "read-committed" } as const;
    const a = store.transaction(first, rc).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await until(1);
    const b = store.transaction(second, rc).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    await until(2);
    const heldWhileWaiting = await issuanceLocked();
    release();
    await gate;
    return { first: await a, second: await b, heldWhileWaiting };
  }

  const kinds = async () =>
    (
      await store.all(
        sql`SELECT kind FROM gw_transfers WHERE reference = ${`issuance:${REF}`} ORDER BY id`,
      )
    ).map((r) => r.kind);

  it("watcher first: the hold is posted once, the issuance stays issued, no deadlock", async function () {
    this.timeout(30_000);
    await hold();
    const r = await queued(watcher, worker);
    expect(retries.map((e) => e.error.message)).to.deep.equal([]);
    expect(r.heldWhileWaiting).to.equal(false);
    expect(r.first).to.deep.equal({ value: new Map([[REF, "iss_1"]]) });
    expect(r.second).to.deep.equal({ value: undefined });
    expect((await getIssuance(store, "iss_1"))!.state).to.equal("issued");
    expect(await kinds()).to.deep.equal(["pending", "post_pending"]);
    const dep = (await ledger.getAccount(store, "dep_f"))!.balances;
    expect([dep.posted, dep.debitsPending]).to.deep.equal([70n, 0n]);
    expect((await ledger.getAccount(store, "bank_dedicated"))!.balances.posted).to.equal(30n);
  });

  it("worker first: the hold is voided once, the watcher's range rolls back and then leaves the event to suspense, no deadlock", async function () {
    this.timeout(30_000);
    await hold();
    const r = await queued(worker, watcher);
    expect(retries.map((e) => e.error.message)).to.deep.equal([]);
    expect(r.heldWhileWaiting).to.equal(false);
    expect((r.first as { value?: Issuance }).value?.id).to.equal("iss_1");
    expect((r.second as { error?: unknown }).error).to.be.instanceOf(UniqueViolationError);
    expect((await getIssuance(store, "iss_1"))!.state).to.equal("failed");
    expect(await kinds()).to.deep.equal(["pending", "void_pending"]);
    // The next poll: the issuance failed, so the event is not matched (the caller books suspense).
    expect(await store.transaction(watcher, { isolation: "read-committed" })).to.deep.equal(
      new Map(),
    );
    const dep = (await ledger.getAccount(store, "dep_f"))!.balances;
    expect([dep.posted, dep.debitsPending]).to.deep.equal([100n, 0n]);
    expect((await ledger.getAccount(store, "bank_dedicated"))!.balances.posted).to.equal(0n);
  });
});
