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
  sql,
  toNumber,
  UniqueViolationError,
  type RetryEvent,
  type Store,
  type Tx,
} from "@kessai/storage";
import * as ledger from "../../../packages/bank-gateway/src/store/ledger.js";
import {
  holdIssuance,
  postIssuanceHolds,
} from "../../../packages/bank-gateway/src/store/issuance-path.js";
import { getIssuance, type Issuance } from "../../../packages/bank-gateway/src/store/records.js";
import { failIssuance } from "../../../packages/bank-gateway/src/app/worker.js";
import { FIRM_ADDRESS as TO, fundedFirmStore } from "./funded-firm.js";

const REF = `0x${"01".padStart(64, "0")}`;
const TX_HASH = `0x${"02".padStart(64, "0")}`;

describe("gateway lock order on postgres: watcher and worker on one issuance", function () {
  let store: Store;
  const retries: RetryEvent[] = [];
  /** A fresh database with one firm funded with 100 and issuance iss_1 holding 30 of it. */
  async function hold() {
    await store?.close();
    retries.length = 0;
    store = await fundedFirmStore({ onRetry: (e) => retries.push(e) });
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
    const gateOpen = latch();
    const gateHeld = latch();
    const gate = store.transaction(
      async (tx) => {
        await ledger.lockAccounts(tx, ["dep_f", "bank_dedicated"]);
        gateHeld.set();
        await gateOpen.done;
      },
      { isolation: "read-committed" },
    );
    await gateHeld.done;
    /** The transaction's value or error, once it ends. */
    const outcome = <T>(fn: (tx: Tx) => Promise<T>) =>
      store.transaction(fn, { isolation: "read-committed" }).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    const a = outcome(first);
    await until(1);
    const b = outcome(second);
    await until(2);
    const heldWhileWaiting = await issuanceLocked();
    gateOpen.set();
    await gate;
    return { first: await a, second: await b, heldWhileWaiting };
  }

  /**
   * {@link queued} on a fresh database: neither transaction was retried on a deadlock, and
   * neither held the issuance while it waited for the accounts.
   */
  async function race<A, B>(first: (tx: Tx) => Promise<A>, second: (tx: Tx) => Promise<B>) {
    await hold();
    const r = await queued(first, second);
    expect(retries.map((e) => e.error.message)).to.deep.equal([]);
    expect(r.heldWhileWaiting).to.equal(false);
    return r;
  }

  /** A promise and the function that resolves it. */
  function latch() {
    let set!: () => void;
    const done = new Promise<void>((r) => (set = r));
    return { done, set };
  }

  /** Posted balances of the firm's and the dedicated account, and what the firm has on hold. */
  const posted = async () => {
    const dep = (await ledger.getAccount(store, "dep_f"))!.balances;
    const dedicated = (await ledger.getAccount(store, "bank_dedicated"))!.balances;
    return { dep_f: dep.posted, pending: dep.debitsPending, bank_dedicated: dedicated.posted };
  };

  const kinds = async () =>
    (
      await store.all(
        sql`SELECT kind FROM gw_transfers WHERE reference = ${`issuance:${REF}`} ORDER BY id`,
      )
    ).map((r) => r.kind);

  it("watcher first: the hold is posted once, the issuance stays issued, no deadlock", async function () {
    this.timeout(30_000);
    const r = await race(watcher, worker);
    expect(r.first).to.deep.equal({ value: new Map([[REF, "iss_1"]]) });
    expect(r.second).to.deep.equal({ value: undefined });
    expect((await getIssuance(store, "iss_1"))!.state).to.equal("issued");
    expect(await kinds()).to.deep.equal(["pending", "post_pending"]);
    expect(await posted()).to.deep.equal({ dep_f: 70n, pending: 0n, bank_dedicated: 30n });
  });

  it("worker first: the hold is voided once, the watcher's range rolls back and then leaves the event to suspense, no deadlock", async function () {
    this.timeout(30_000);
    const r = await race(worker, watcher);
    expect((r.first as { value?: Issuance }).value?.id).to.equal("iss_1");
    expect((r.second as { error?: unknown }).error).to.be.instanceOf(UniqueViolationError);
    expect((await getIssuance(store, "iss_1"))!.state).to.equal("failed");
    expect(await kinds()).to.deep.equal(["pending", "void_pending"]);
    // The next poll: the issuance failed, so the event is not matched (the caller books suspense).
    expect(await store.transaction(watcher, { isolation: "read-committed" })).to.deep.equal(
      new Map(),
    );
    expect(await posted()).to.deep.equal({ dep_f: 100n, pending: 0n, bank_dedicated: 0n });
  });
});
