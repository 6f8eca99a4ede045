/**
 * Gaps in resync's liveness check (`verifier_instances`): two services under the default worker
 * name (`verifier-<pid>`: two in one process, or two containers that each run as pid 1) share one
 * row, so the first to stop deletes the other's; and the row's `alive_until` is written on the
 * service's clock and compared on resync's, so a resync host whose clock runs ahead by more than
 * two thirds of the lease sees a running service as gone. Either way resync must refuse while a
 * service runs. The same for the leases of its queue (`kessai_outbox` items claimed): a service
 * whose host runs 90 s behind (lease 60 s) holds a claim whose lease, on its own clock, ran out
 * before it was taken; they are written on the database's clock, so resync still refuses.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, type Provider } from "ethers";
import {
  buildingBlocks,
  cursors,
  openSqliteStore,
  outbox,
  sql,
  type Sql,
  type Store,
} from "@kessai/storage";
import {
  Verifier,
  VerifierResyncError,
  resyncLedger,
  verifierMigrations,
} from "../../../packages/verifier/src/index.js";
import { skewedDate } from "../skewed-date.js";
import { key, VERIFIER, deployLedgers, type Ledgers } from "./in-process-ledgers.js";

const KEY = key(VERIFIER);

describe("resync liveness: a running service is always seen", function () {
  let l: Ledgers;
  let store: Store;

  before(async function () {
    this.timeout(60_000);
    l = await deployLedgers();
    const dir = await mkdtemp(path.join(tmpdir(), "kessai-liveness-gaps-"));
    store = await openSqliteStore({ filename: path.join(dir, "v.db") });
    await store.migrate([...buildingBlocks, verifierMigrations]);
  });
  after(async () => {
    await store?.close();
  });

  const stProvider = () => l.st.ethers.provider as unknown as Provider;
  const open = (o: { worker?: string; leaseMs: number; store?: Store }) =>
    Verifier.open({
      store: o.store ?? store,
      st: { sender: new Wallet(KEY, stProvider()), contract: l.addr.delivery },
      cash: {
        sender: new Wallet(KEY, l.cash.ethers.provider as unknown as Provider),
        contract: l.addr.payment,
      },
      attester: new Wallet(KEY),
      confirmations: 1,
      ...(o.worker ? { worker: o.worker } : {}),
      leaseMs: o.leaseMs,
      pollMs: 600_000,
    });
  const resync = async () => {
    const c = await cursors.get(store, { consumer: "verifier.st", chainId: 31338 });
    return resyncLedger({
      store,
      provider: stProvider(),
      ledger: "st",
      fromBlock: c!.blockNumber + 1,
    });
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const waitForRows = async (n: number) => {
    for (let i = 0; i < 200; i++) {
      const rows = await store.all(sql`SELECT worker FROM verifier_instances`);
      const c = await cursors.get(store, { consumer: "verifier.st", chainId: 31338 });
      if (rows.length >= n && c) return;
      await sleep(20);
    }
  };

  it("two services under the default worker name: one stops, the other still runs, resync refuses", async function () {
    this.timeout(30_000);
    const a = await open({ leaseMs: 60_000 });
    const b = await open({ leaseMs: 60_000 });
    a.start();
    b.start();
    try {
      await waitForRows(1);
      await a.stop();
      // b still runs: its liveness must still be visible.
      const err = await resync().catch((e: unknown) => e);
      expect(err, "resync went ahead while a service runs").to.be.instanceOf(VerifierResyncError);
      expect(err).to.include({ field: "service" });
    } finally {
      await a.stop();
      await b.stop();
      await store.run(sql`DELETE FROM verifier_instances`);
    }
  });

  it("resync's clock 45 s ahead of the service's (lease 60 s): resync still refuses", async function () {
    this.timeout(30_000);
    const v = await open({ worker: "verifier-skew", leaseMs: 60_000 });
    v.start();
    const RealDate = Date;
    try {
      await waitForRows(1);
      // The operator's host runs 45 s ahead (the service renews every 20 s, so its row is at
      // most 40 s from lapsing on its own clock, and at most -5 s on resync's).
      await sleep(0);
      // Row written at t0 with alive_until t0+60 s; resync reads at t0+20 s..t0+40 s on the
      // service's clock in the worst case: simulate the worst case directly.
      await store.run(sql`UPDATE verifier_instances SET alive_until = ${new RealDate(RealDate.now() + 40_000).toISOString()}
        WHERE worker = 'verifier-skew'`);
      globalThis.Date = skewedDate(45_000);
      let err: unknown;
      try {
        err = await resync().catch((e: unknown) => e);
      } finally {
        globalThis.Date = RealDate;
      }
      expect(err, "resync went ahead while the service runs").to.be.instanceOf(VerifierResyncError);
    } finally {
      globalThis.Date = RealDate;
      await v.stop();
    }
  });

  it("the service's host 90 s behind (lease 60 s), a queue item claimed: resync refuses", async function () {
    this.timeout(30_000);
    const X = `0x${"ab".repeat(32)}`;
    // The service's read of the item's settlement waits here: its claim is held meanwhile.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reached = false;
    const readsX = (q: Sql) =>
      q.strings.join("?").includes("FROM verifier_settlements WHERE id") &&
      q.values.includes(X.toLowerCase());
    const gated = new Proxy(store, {
      get(target, p) {
        if (p === "get")
          return async (q: Sql) => {
            if (readsX(q)) {
              reached = true;
              await held;
            }
            return target.get(q);
          };
        const v: unknown = Reflect.get(target, p, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const v = await open({ leaseMs: 60_000, store: gated });
    await store.transaction((tx) =>
      outbox.enqueue(tx, {
        topic: "st.relay",
        key: X,
        payload: { outcome: 1 },
        now: new Date(Date.now() - 180_000),
      }),
    );
    const RealDate = Date;
    let round: Promise<unknown> | undefined;
    let err: unknown;
    try {
      // Its rounds (no loop: no liveness record) on a clock 90 s behind.
      globalThis.Date = skewedDate(-90_000);
      round = v.tick().catch((e: unknown) => e);
      for (let i = 0; i < 500 && !reached; i++) await sleep(10);
      globalThis.Date = RealDate;
      expect(reached, "the service claimed the item").to.equal(true);
      const claimed = await store.get<{ n: unknown }>(
        sql`SELECT COUNT(*) AS n FROM kessai_outbox WHERE status = 'claimed'`,
      );
      expect(Number(claimed?.n)).to.equal(1);
      err = await resync().catch((e: unknown) => e);
    } finally {
      globalThis.Date = RealDate;
      release();
      await round;
    }
    expect(err, "resync went ahead while the service holds a claim").to.be.instanceOf(
      VerifierResyncError,
    );
    expect(err).to.include({ ledger: "st", field: "service" });
    expect((err as Error).message).to.match(
      /^st ledger: the service is running: 1 queue item\(s\) claimed, the last lease until /,
    );
  });
});
