/**
 * Resync's check of the service's queue leases (`kessai_outbox` items claimed under a lease) is
 * made on the database's clock, as the liveness record's is: the service writes its claims'
 * leases on that clock (read each round), not on its host's. A service whose host runs 90 s
 * behind (lease 60 s) holds a claim whose lease, on its own clock, ran out before it was taken;
 * resync must still refuse while the claim is held.
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
import { key, VERIFIER, deployLedgers, type Ledgers } from "./in-process-ledgers.js";

const KEY = key(VERIFIER);
const LEASE_MS = 60_000;
/** How far the service's host runs behind the database's (and resync's) clock. */
const SKEW_MS = 90_000;
const X = `0x${"ab".repeat(32)}`;

describe("resync: the service's queue leases on the database's clock", function () {
  this.timeout(60_000);
  let l: Ledgers;
  let store: Store;

  before(async function () {
    l = await deployLedgers();
    const dir = await mkdtemp(path.join(tmpdir(), "kessai-lease-clock-"));
    store = await openSqliteStore({ filename: path.join(dir, "v.db") });
    await store.migrate([...buildingBlocks, verifierMigrations]);
  });
  after(async () => {
    await store?.close();
  });

  it("the service's host 90 s behind (lease 60 s), a claim held: resync refuses", async function () {
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
    const stProvider = l.st.ethers.provider as unknown as Provider;
    const v = await Verifier.open({
      store: gated,
      st: { sender: new Wallet(KEY, stProvider), contract: l.addr.delivery },
      cash: {
        sender: new Wallet(KEY, l.cash.ethers.provider as unknown as Provider),
        contract: l.addr.payment,
      },
      attester: new Wallet(KEY),
      confirmations: 1,
      leaseMs: LEASE_MS,
      pollMs: 600_000,
    });
    await store.transaction((tx) =>
      outbox.enqueue(tx, {
        topic: "st.relay",
        key: X,
        payload: { outcome: 1 },
        now: new Date(Date.now() - 2 * SKEW_MS),
      }),
    );

    const RealDate = Date;
    class Behind extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(RealDate.now() - SKEW_MS);
        else super(...(args as [string]));
      }
      static override now() {
        return RealDate.now() - SKEW_MS;
      }
    }
    let round: Promise<unknown> | undefined;
    let err: unknown;
    try {
      globalThis.Date = Behind as DateConstructor;
      round = v.tick().catch((e: unknown) => e);
      for (let i = 0; i < 500 && !reached; i++) await new Promise((r) => setTimeout(r, 10));
      globalThis.Date = RealDate;
      expect(reached, "the service claimed the item").to.equal(true);
      const claimed = await store.get<{ n: unknown }>(
        sql`SELECT COUNT(*) AS n FROM kessai_outbox WHERE status = 'claimed'`,
      );
      expect(Number(claimed?.n)).to.equal(1);

      const c = await cursors.get(store, { consumer: "verifier.st", chainId: 31338 });
      err = await resyncLedger({
        store,
        provider: stProvider,
        ledger: "st",
        fromBlock: c!.blockNumber + 1,
      }).catch((e: unknown) => e);
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
