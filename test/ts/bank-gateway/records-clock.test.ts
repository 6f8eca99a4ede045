/**
 * Every time the gateway writes is on the database's clock, not only the outbox's: the firms',
 * accounts', transfers', issuances', redemptions', stored responses' and API keys' `created_at` and
 * `updated_at`. Before, those were the host's clock: a gateway on a host 90 s behind (or ahead)
 * wrote them 90 s off the outbox's and the other instances'. In-process DCJPY chain, SQLite and
 * PostgreSQL.
 */
import { expect } from "chai";
import { readDatabaseTime, sql } from "@kessai/storage";
import { describeBackends } from "../storage/backends.js";
import { restoreHostClockAfterEach } from "../skewed-date.js";
import { databaseUrl, issuedOnSkewedHost, settle, timeOf, type TestGateway } from "./helpers.js";

const SLACK_MS = 15_000;

/** Each table the gateway writes, with its time columns. */
const TIMES: Record<string, string[]> = {
  gw_firms: ["created_at", "updated_at"],
  gw_accounts: ["created_at", "updated_at"],
  gw_transfers: ["created_at"],
  gw_issuances: ["created_at", "updated_at"],
  gw_redemptions: ["created_at", "updated_at"],
  gw_idempotency: ["created_at"],
  gw_api_keys: ["created_at"],
};

describeBackends("bank gateway: its records' times on the database's clock", (backend) => {
  let g: TestGateway | undefined;
  restoreHostClockAfterEach(async () => {
    await g?.stop();
    g = undefined;
  });

  for (const skewMs of [-90_000, 90_000]) {
    it(`host ${Math.abs(skewMs) / 1000} s ${skewMs < 0 ? "behind" : "ahead"}: every row's times are the database's now`, async function () {
      this.timeout(120_000);
      const url = await databaseUrl(backend());
      const { gw, chain, firm, from, state } = await issuedOnSkewedHost(
        url,
        skewMs,
        "times",
        (started) => (g = started),
      );
      const red = await gw.call("POST", "/v1/redemptions", {
        key: firm.key,
        idem: "times-red",
        body: { amount: "20000" },
      });
      expect(red.status, JSON.stringify(red.body)).to.equal(201);
      await settle(
        gw,
        chain,
        async () => (await state(`/v1/redemptions/${red.body.id}`)) === "credited",
      );
      const to = (await readDatabaseTime(gw.ctx.store)).getTime();

      const off: string[] = [];
      const counts: Record<string, number> = {};
      for (const [table, columns] of Object.entries(TIMES)) {
        const rows = await gw.ctx.store.all(
          sql`SELECT ${sql.raw(columns.join(", "))} FROM ${sql.raw(table)}`,
        );
        counts[table] = rows.length;
        for (const r of rows)
          for (const c of columns) {
            const t = timeOf(r[c]);
            // within the run on the database's clock, give or take 15 s: the rows the gateway
            // writes as it starts come before `from`, by as long as a start takes under load;
            // a host clock's 90 s is well outside
            if (t < from - SLACK_MS || t > to + SLACK_MS)
              off.push(`${table}.${c} ${(t - to) / 1000} s`);
          }
      }
      expect(off).to.deep.equal([]);
      // every table written: firm, its deposit account and the bank's 3, the API key, ...
      expect(
        Object.values(counts).every((n) => n > 0),
        JSON.stringify(counts),
      ).to.equal(true);
      expect(counts.gw_issuances).to.equal(1);
      expect(counts.gw_redemptions).to.equal(1);
    });
  }
});
