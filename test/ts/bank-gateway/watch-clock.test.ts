/**
 * The watcher's own times are on the database's clock too, as the records' are
 * (records-clock.test.ts): the cursor it advances (`kessai_cursors.updated_at`) and the events it
 * records once (`kessai_inbox.received_at`). Before, those were the host's clock: a gateway on a
 * host 90 s behind wrote them 90 s before the records of the same transaction. In-process DCJPY
 * chain, SQLite and PostgreSQL.
 */
import { expect } from "chai";
import { readDatabaseTime, sql } from "@kessai/storage";
import { describeBackends } from "../storage/backends.js";
import { skewedDate } from "../skewed-date.js";
import {
  databaseUrl,
  deployDcjpy,
  openFirm,
  settle,
  startGateway,
  type TestGateway,
} from "./helpers.js";

const RealDate = Date;

describeBackends("bank gateway: its watcher's times on the database's clock", (backend) => {
  let g: TestGateway | undefined;
  afterEach(async function () {
    globalThis.Date = RealDate;
    await g?.stop();
    g = undefined;
  });

  it("host 90 s behind: the cursor's and the inbox's times are the database's now", async function () {
    this.timeout(120_000);
    const chain = await deployDcjpy();
    const url = await databaseUrl(backend());
    globalThis.Date = skewedDate(-90_000);
    g = await startGateway(chain, url, { confirmations: 0 });
    const gw = g;
    const from = (await readDatabaseTime(gw.ctx.store)).getTime();
    const firm = await openFirm(gw, "firm-watch-times", chain.firms[0]!.address, 1_000_000n);
    const iss = await gw.call("POST", "/v1/issuances", {
      key: firm.key,
      idem: "watch-times-iss",
      body: { account: firm.account, amount: 300_000 },
    });
    expect(iss.status, JSON.stringify(iss.body)).to.equal(201);
    await settle(
      gw,
      chain,
      async () =>
        (await gw.call("GET", `/v1/issuances/${iss.body.id}`, { key: firm.key })).body.state ===
        "issued",
    );
    const to = (await readDatabaseTime(gw.ctx.store)).getTime();
    const times = await gw.ctx.store.all(sql`SELECT 'cursor' AS what, updated_at AS at
      FROM kessai_cursors UNION ALL SELECT 'inbox', received_at FROM kessai_inbox`);
    const off = times
      .map((r) => ({
        what: r.what as string,
        t: (r.at instanceof RealDate ? r.at : new RealDate(r.at as string)).getTime(),
      }))
      // within the run on the database's clock (1 s for the clock's read and rounding)
      .filter(({ t }) => t < from - 1_000 || t > to + 1_000)
      .map(({ what, t }) => `${what} ${(t - to) / 1000} s`);
    expect(off).to.deep.equal([]);
    expect(times.map((r) => r.what)).to.include.members(["cursor", "inbox"]);
  });
});
