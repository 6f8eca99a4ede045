/**
 * `resyncLedger` refuses whenever a service runs on the database, idle as well as busy: the
 * running service keeps a liveness record (`verifier_instances`) that it renews every third of
 * `leaseMs` and deletes when it stops; a record that lapsed (a service killed outright) does not
 * count. The service here is idle (no settlement, a long poll: no outbox claim at any moment), on
 * two in-process ledgers, with each back end (SQLite and PostgreSQL).
 */
import { expect } from "chai";
import { Wallet, type Provider } from "ethers";
import { buildingBlocks, cursors, openStore, sql, type Store } from "@kessai/storage";
import {
  Verifier,
  VerifierResyncError,
  resyncLedger,
  verifierMigrations,
} from "../../../packages/verifier/src/index.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "../storage/database-url.js";
import { key, VERIFIER, deployLedgers, type Ledgers } from "./in-process-ledgers.js";

const KEY = key(VERIFIER);
const LEASE_MS = 600;

describeBackends("resync refuses while a service runs, idle or busy", (backend) => {
  let st: Ledgers["st"];
  let cash: Ledgers["cash"];
  let addr: Ledgers["addr"];
  let store: Store;

  before(async function () {
    this.timeout(60_000);
    ({ st, cash, addr } = await deployLedgers());
    store = await openStore(await databaseUrl(backend()));
    await store.migrate([...buildingBlocks, verifierMigrations]);
  });

  after(async () => {
    await store?.close();
  });

  const stProvider = () => st.ethers.provider as unknown as Provider;
  const open = () =>
    Verifier.open({
      store,
      st: { sender: new Wallet(KEY, stProvider()), contract: addr.delivery },
      cash: {
        sender: new Wallet(KEY, cash.ethers.provider as unknown as Provider),
        contract: addr.payment,
      },
      attester: new Wallet(KEY),
      confirmations: 1,
      worker: "verifier-idle",
      leaseMs: LEASE_MS,
      // One round at the start, then idle for the rest of the test.
      pollMs: 600_000,
    });
  /** Resync of the ST ledger from the block after the last one processed (changes nothing). */
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

  it("an idle service: refused (field `service`, the worker named) for longer than its lease; stopped, resync goes ahead", async function () {
    this.timeout(30_000);
    const verifier = await open();
    verifier.start();
    try {
      // Its first round records the cursors; no item is ever claimed.
      for (let i = 0; i < 100; i++) {
        if (await cursors.get(store, { consumer: "verifier.st", chainId: 31338 })) break;
        await sleep(20);
      }
      expect(await store.all(sql`SELECT id FROM kessai_outbox`)).to.deep.equal([]);
      // Refused now, and still after three leases: the record is renewed while the service idles.
      for (const wait of [0, 3 * LEASE_MS]) {
        await sleep(wait);
        const err = await resync().catch((e: unknown) => e);
        expect(err).to.be.instanceOf(VerifierResyncError);
        expect(err).to.include({ ledger: "st", field: "service" });
        expect((err as Error).message).to.match(
          new RegExp(
            `^st ledger: the service is running: verifier-idle \\(instance [0-9a-f-]{36}, pid ${process.pid}, alive until \\S+Z\\); stop it \\(or wait for its record to lapse\\) and resync again$`,
          ),
        );
      }
    } finally {
      await verifier.stop();
    }
    // Stopped: its record is gone, and resync goes ahead.
    expect(await store.all(sql`SELECT worker FROM verifier_instances`)).to.deep.equal([]);
    const r = await resync();
    expect(r).to.include({ ledger: "st", eventsDropped: 0 });
  });

  it("a record that lapsed (a service killed outright) does not count; one alive does", async function () {
    const row = (until: string) => sql`INSERT INTO verifier_instances
      (instance, worker, pid, started_at, alive_until)
      VALUES ('i-killed', 'verifier-killed', 4242, '2026-01-01T00:00:00.000Z', ${until})
      ON CONFLICT (instance) DO UPDATE SET alive_until = excluded.alive_until`;
    // One round, never started: the cursors resync goes on from, and no record of its own.
    await (await open()).tick();
    await store.run(row("2026-01-01T00:00:01.000Z"));
    expect(await resync()).to.include({ ledger: "st" });
    await store.run(row("2999-01-01T00:00:00.000Z"));
    const err = await resync().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(VerifierResyncError);
    expect((err as Error).message).to.equal(
      "st ledger: the service is running: verifier-killed (instance i-killed, pid 4242, alive until 2999-01-01T00:00:00.000Z); stop it (or wait for its record to lapse) and resync again",
    );
  });
});
