/**
 * The service's records of a settlement (`decided_at`, `updated_at` in `verifier_settlements`) are
 * written on the database's clock, as its outbox times and liveness record are: the offset read at
 * the start of each round, not the host's clock. Before, the decision's time, and the updates of
 * the reason, the attestation and `not_ours`, were the host's: on a host 90 s behind the decision
 * was recorded 90 s before the events it followed (their `updated_at` were already the
 * database's). Two anvil nodes, k = 2, on SQLite and on PostgreSQL, the service's host 90 s
 * behind.
 */
import { expect } from "chai";
import { databaseTime, sql } from "@kessai/storage";
import { describeBackends } from "../storage/backends.js";
import { skewedDate } from "../skewed-date.js";
import { roundsUntil, statesOf } from "./fixture.js";
import { instruct, termsFor } from "./two-nodes.js";
import { useResyncNodes } from "./resync-fixture.js";

const K = 2;

describeBackends("the verifier's settlement times on the database's clock", (backend) => {
  const nodes = useResyncNodes(backend, K);
  const RealDate = Date;
  afterEach(() => {
    globalThis.Date = RealDate;
  });

  it("the service's host 90 s behind: decided_at and updated_at are the database's now", async function () {
    this.timeout(120_000);
    const { l, store } = nodes;
    const t = await termsFor(l, `times ${backend().dialect}`);
    const id = t.id.toLowerCase();
    await nodes.lockAboveIssue(t);
    await instruct(l, t);
    const verifier = await nodes.open();
    globalThis.Date = skewedDate(-90_000);
    await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 2);
    globalThis.Date = RealDate;
    const within = (column: string) =>
      sql`CASE WHEN ${sql.id(column)} BETWEEN ${databaseTime(-30_000)} AND ${databaseTime(1_000)}
        THEN 1 ELSE 0 END`;
    const row = await store.get(sql`SELECT decision, ${within("decided_at")} AS decided,
      ${within("updated_at")} AS updated, st_attestation IS NOT NULL AS attested
      FROM verifier_settlements WHERE id = ${id}`);
    expect({
      decision: row?.decision,
      decided: Number(row?.decided),
      updated: Number(row?.updated),
      attested: Boolean(row?.attested),
    }).to.deep.equal({ decision: "paid", decided: 1, updated: 1, attested: true });
  });
});
