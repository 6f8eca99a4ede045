/**
 * The outbox worker's loop claims continuously: with one send held back, the items claimed after
 * it are sent (up to `batch` in flight) instead of waiting for the whole batch; when the held send
 * goes through, every issuance is sent once and the ledger reconciles.
 */
import { expect } from "chai";
import { sql } from "@kessai/storage";
import { runOutboxWorker, type GatewayContext } from "../../../packages/bank-gateway/src/index.js";
import { describeBackends } from "../storage/backends.js";
import {
  OPERATOR_KEY,
  databaseUrl,
  deployDcjpy,
  openFirm,
  settle,
  startGateway,
  until,
  type TestGateway,
} from "./helpers.js";

const ISSUANCES = 6;
const BATCH = 4;

describeBackends("bank gateway: outbox worker loop", (backend) => {
  let g: TestGateway | undefined;
  after(async () => g?.stop());

  it(`claims again while a send is in flight (${ISSUANCES} issuances, batch ${BATCH})`, async function () {
    this.timeout(120_000);
    const chain = await deployDcjpy();
    g = await startGateway(chain, await databaseUrl(backend()), {
      batch: BATCH,
      confirmations: 0,
    });
    const firm = await openFirm(g, "firm-a", chain.firms[0]!.address, 1_000_000n);
    for (let i = 0; i < ISSUANCES; i++) {
      const r = await g.call("POST", "/v1/issuances", {
        key: firm.key,
        idem: `w-${i}`,
        body: { account: firm.account, amount: 100 + i },
      });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
    }
    // The first issue() waits for `release`; the others go straight to the chain.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = 0;
    let sends = 0;
    const base = g.ctx.chain;
    const chainPort = new Proxy(base, {
      get(target, p) {
        if (p === "issue") {
          return async (...args: Parameters<typeof base.issue>) => {
            sends++;
            if (held++ === 0) await released;
            return target.issue(...args);
          };
        }
        const v = Reflect.get(target, p) as unknown;
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const ctx: GatewayContext = { ...g.ctx, chain: chainPort };
    let stopped = false;
    const errors: unknown[] = [];
    const loop = runOutboxWorker(ctx, {
      intervalMs: 20,
      stopped: () => stopped,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      onError: (e) => errors.push(e),
    });
    const sent = async () =>
      Number(
        (await g!.ctx.store.get<{ n: unknown }>(
          sql`SELECT COUNT(*) AS n FROM gw_issuances WHERE state = 'sent'`,
        ))!.n,
      );
    try {
      // All but the held one sent, although they span two claims of at most BATCH.
      await until(
        "the issuances behind the held send",
        async () => (await sent()) === ISSUANCES - 1,
      );
      expect(held).to.equal(ISSUANCES);
      release();
      await until("every issuance sent", async () => (await sent()) === ISSUANCES);
    } finally {
      release();
      stopped = true;
      await loop;
    }
    expect(errors).to.deep.equal([]);
    expect(sends).to.equal(ISSUANCES);
    await settle(g, chain, async () => {
      const r = await g!.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
      return r.status === 200 && r.body.ok === true;
    });
    expect(await chain.dcjpy.totalSupply()).to.equal(
      BigInt(Array.from({ length: ISSUANCES }, (_, i) => 100 + i).reduce((a, b) => a + b, 0)),
    );
  });
});
