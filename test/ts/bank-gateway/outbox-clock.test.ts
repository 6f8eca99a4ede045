/**
 * The gateway's outbox times are written on the database's clock, whatever its host's clock says:
 * the worker reads the database's clock (at most once a second) and writes the leases, retries and
 * due times from that offset. Instances share the queue from hosts whose clocks may disagree.
 * Before, they were the host's: a gateway whose host runs 90 s behind (lease 60 s) took claims
 * whose lease had run out on every other host's clock before it was taken, so another instance
 * took the same item while the first was still sending it; one 90 s ahead queued items, and
 * retries, that no other instance saw due for 90 s. In-process DCJPY chain, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { workOutbox } from "../../../packages/bank-gateway/src/index.js";
import { TOPIC } from "../../../packages/bank-gateway/src/app/firm-requests.js";
import { gatewayPerTest, issueItem, otherClaims, withIssue } from "./outbox-clock-fixture.js";
import { describeBackends } from "../storage/backends.js";
import { skewHostClock } from "../skewed-date.js";
import { databaseUrl, deployDcjpy, openFirm, startGateway, until } from "./helpers.js";

describeBackends("bank gateway: the outbox on the database's clock", (backend) => {
  const started = gatewayPerTest();

  /** A gateway on a host `skewMs` off, a funded firm, and one API issuance queued. */
  async function skewedGateway(skewMs: number) {
    const chain = await deployDcjpy();
    const url = await databaseUrl(backend());
    skewHostClock(skewMs);
    const g = started(await startGateway(chain, url, { confirmations: 0 }));
    const firm = await openFirm(g, "firm-skew", chain.firms[0]!.address, 1_000_000n);
    const r = await g.call("POST", "/v1/issuances", {
      key: firm.key,
      idem: "skew-1",
      body: { account: firm.account, amount: 100 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    return g;
  }

  it("host 90 s behind (lease 60 s): the claim's lease is 60 s on the database's clock; no other instance takes the item", async function () {
    this.timeout(120_000);
    const g = await skewedGateway(-90_000);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let sending = false;
    const work = workOutbox(
      withIssue(g.ctx, async (send) => {
        sending = true;
        await released;
        return send();
      }),
    );
    try {
      await until("the issue claimed and being sent", async () => sending);
      expect({
        lease: await issueItem(g.ctx.store, 50_000),
        leaseLong: (await issueItem(g.ctx.store, 55_000)).dueWithin,
        other: await otherClaims(g.ctx.store),
      }).to.deep.equal({
        lease: { status: "claimed", dueWithin: false },
        leaseLong: false,
        other: [],
      });
    } finally {
      release();
    }
    expect((await work).done).to.equal(1);
    expect((await issueItem(g.ctx.store, 0)).status).to.equal("done");
  });

  it("host 90 s ahead: items and their retries are due now on the database's clock", async function () {
    this.timeout(120_000);
    const g = await skewedGateway(90_000);
    // queued by the request: due now, not in 90 s
    expect(await issueItem(g.ctx.store, 5_000)).to.deep.equal({
      status: "pending",
      dueWithin: true,
    });
    // the first send fails (the node unreachable, say): retried with no backoff
    const r = await workOutbox(
      withIssue(g.ctx, () => Promise.reject(new Error("connection refused"))),
    );
    expect(r).to.deep.include({ claimed: 1, retrying: 1 });
    expect(await issueItem(g.ctx.store, 5_000)).to.deep.equal({
      status: "pending",
      dueWithin: true,
    });
    expect(await otherClaims(g.ctx.store)).to.deep.equal([TOPIC.issue]);
  });
});
