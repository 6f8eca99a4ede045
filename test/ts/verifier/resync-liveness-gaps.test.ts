/**
 * Gaps in resync's liveness check (`verifier_instances`): two services under the default worker
 * name (`verifier-<pid>`: two in one process, or two containers that each run as pid 1) share one
 * row, so the first to stop deletes the other's; and the row's `alive_until` is written on the
 * service's clock and compared on resync's, so a resync host whose clock runs ahead by more than
 * two thirds of the lease sees a running service as gone. Either way resync must refuse while a
 * service runs.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, type Provider } from "ethers";
import { buildingBlocks, cursors, openSqliteStore, sql, type Store } from "@kessai/storage";
import {
  Verifier,
  VerifierResyncError,
  resyncLedger,
  verifierMigrations,
} from "../../../packages/verifier/src/index.js";
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
  const open = (o: { worker?: string; leaseMs: number }) =>
    Verifier.open({
      store,
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
      const skew = 45_000;
      class Skewed extends RealDate {
        constructor(...args: unknown[]) {
          if (args.length === 0) super(RealDate.now() + skew);
          else super(...(args as [string]));
        }
        static override now() {
          return RealDate.now() + skew;
        }
      }
      // Row written at t0 with alive_until t0+60 s; resync reads at t0+20 s..t0+40 s on the
      // service's clock in the worst case: simulate the worst case directly.
      await store.run(sql`UPDATE verifier_instances SET alive_until = ${new RealDate(RealDate.now() + 40_000).toISOString()}
        WHERE worker = 'verifier-skew'`);
      globalThis.Date = Skewed as DateConstructor;
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
});
