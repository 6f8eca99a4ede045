/**
 * A gateway whose host's clock is stepped back (an NTP correction) while it runs: its next claim
 * is still leased for 60 s on the database's clock, as the worker reads that clock again at once.
 * Before, the worker's last read of the database's clock looked 90 s in the future, so it was not
 * read again for 90 s and the offset stayed the one taken against the clock before the step: the
 * issuance queued then was due 90 s in the past and its claim's lease had run out before it was
 * taken, so an instance on another host took the item while the first was sending it, and the
 * first's outcome was lost. In-process DCJPY chain, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { workOutbox } from "../../../packages/bank-gateway/src/index.js";
import { gatewayPerTest, issueItem, otherClaims, withIssue } from "./outbox-clock-fixture.js";
import { describeBackends } from "../storage/backends.js";
import { skewHostClock } from "../skewed-date.js";
import { databaseUrl, deployDcjpy, openFirm, startGateway } from "./helpers.js";

describeBackends("bank gateway: the outbox across a step of the host's clock", (backend) => {
  const started = gatewayPerTest();

  it("stepped 90 s back (lease 60 s): the claim holds for 60 s on the database's clock; no other instance takes the item", async function () {
    this.timeout(120_000);
    const chain = await deployDcjpy();
    const gw = started(
      await startGateway(chain, await databaseUrl(backend()), { confirmations: 0 }),
    );
    const firm = await openFirm(gw, "firm-step", chain.firms[0]!.address, 1_000_000n);
    skewHostClock(-90_000);
    const r = await gw.call("POST", "/v1/issuances", {
      key: firm.key,
      idem: "step-1",
      body: { account: firm.account, amount: 100 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    // What another instance finds while this one sends the issuance, and the lease it holds then.
    let seen: { other: string[]; leased50s: boolean } | undefined;
    const work = await workOutbox(
      withIssue(gw.ctx, async (send) => {
        const leased = await issueItem(gw.ctx.store, 50_000);
        seen = { other: await otherClaims(gw.ctx.store), leased50s: !leased.dueWithin };
        return send();
      }),
    );
    expect({ seen, done: work.done, lost: work.lost }).to.deep.equal({
      seen: { other: [], leased50s: true },
      done: 1,
      lost: 0,
    });
    expect((await issueItem(gw.ctx.store, 0)).status).to.equal("done");
  });
});
