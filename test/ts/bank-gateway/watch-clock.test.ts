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
import { restoreHostClockAfterEach } from "../skewed-date.js";
import { databaseUrl, issuedOnSkewedHost, timeOf, type TestGateway } from "./helpers.js";

describeBackends("bank gateway: its watcher's times on the database's clock", (backend) => {
  let g: TestGateway | undefined;
  restoreHostClockAfterEach(async () => {
    await g?.stop();
    g = undefined;
  });

  it("host 90 s behind: the cursor's and the inbox's times are the database's now", async function () {
    this.timeout(120_000);
    const url = await databaseUrl(backend());
    const { gw, from } = await issuedOnSkewedHost(
      url,
      -90_000,
      "watch-times",
      (started) => (g = started),
    );
    const to = (await readDatabaseTime(gw.ctx.store)).getTime();
    const times = await gw.ctx.store.all(sql`SELECT 'cursor' AS what, updated_at AS at
      FROM kessai_cursors UNION ALL SELECT 'inbox', received_at FROM kessai_inbox`);
    const off = times
      .map((r) => ({ what: r.what as string, t: timeOf(r.at) }))
      // within the run on the database's clock (1 s for the clock's read and rounding)
      .filter(({ t }) => t < from - 1_000 || t > to + 1_000)
      .map(({ what, t }) => `${what} ${(t - to) / 1000} s`);
    expect(off).to.deep.equal([]);
    expect(times.map((r) => r.what)).to.include.members(["cursor", "inbox"]);
  });
});
