/**
 * The gateway's group commit (app/batcher.ts) on both back ends: units queued together share one
 * transaction and see each other's writes; a unit that throws fails alone, and the units batched
 * with it commit as if run alone; no caller hears of its writes before they are committed.
 */
import { expect } from "chai";
import { openStore, sql, toBigInt, type Store } from "@kessai/storage";
import { writeBatcher } from "../../../packages/bank-gateway/src/app/batcher.js";
import { describeBackends } from "../storage/backends.js";
import { databaseUrl } from "./helpers.js";

describeBackends("bank gateway group commit", (backend) => {
  let store: Store;
  before(async function () {
    this.timeout(60_000);
    // the gateway is built on @kessai/storage's dist: the store comes from there too
    store = await openStore(await databaseUrl(backend()));
    await store.run(sql`CREATE TABLE batch_t (k TEXT PRIMARY KEY, v BIGINT NOT NULL)`);
  });
  after(async () => store?.close());

  const count = async () =>
    Number(toBigInt((await store.get<{ n: unknown }>(sql`SELECT COUNT(*) AS n FROM batch_t`))!.n));

  it("commits units queued together in one transaction, in order, each seeing the ones before", async function () {
    const b = writeBatcher(store);
    const seen: number[] = [];
    const runs = Array.from({ length: 20 }, (_, i) =>
      b.run(async (tx) => {
        const before = await tx.get<{ n: unknown }>(sql`SELECT COUNT(*) AS n FROM batch_t`);
        seen.push(Number(toBigInt(before!.n)));
        await tx.run(sql`INSERT INTO batch_t (k, v) VALUES (${`a${i}`}, ${i})`);
        return i;
      }),
    );
    expect(await Promise.all(runs)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    expect(seen).to.deep.equal(Array.from({ length: 20 }, (_, i) => i));
    expect(await count()).to.equal(20);
  });

  it("fails a throwing unit alone: nothing of it is written, the others commit", async function () {
    const b = writeBatcher(store);
    const runs = Array.from({ length: 10 }, (_, i) =>
      b.run(async (tx) => {
        await tx.run(sql`INSERT INTO batch_t (k, v) VALUES (${`b${i}`}, ${i})`);
        // the 5th writes, then breaks a constraint (a duplicate key): its own insert must go too
        if (i === 4) await tx.run(sql`INSERT INTO batch_t (k, v) VALUES (${"a0"}, ${0})`);
        if (i === 7) throw new Error("refused by the use case");
        return i;
      }),
    );
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).to.deep.equal(
      Array.from({ length: 10 }, (_, i) => (i === 4 || i === 7 ? "rejected" : "fulfilled")),
    );
    expect((settled[7] as PromiseRejectedResult).reason.message).to.equal(
      "refused by the use case",
    );
    const keys = (await store.all<{ k: string }>(sql`SELECT k FROM batch_t WHERE k LIKE ${"b%"}`))
      .map((r) => r.k)
      .sort();
    expect(keys).to.deep.equal(["b0", "b1", "b2", "b3", "b5", "b6", "b8", "b9"]);
  });

  it("settles no caller while its batch is still running (only after the commit)", async function () {
    const b = writeBatcher(store);
    const settledEarly: boolean[] = [];
    let settled = 0;
    // the first unit runs alone; the next ten queue meanwhile and share a transaction
    const runs = Array.from({ length: 11 }, (_, i) =>
      b
        .run(async (tx) => {
          settledEarly.push(i > 1 && settled > 1);
          await tx.run(sql`INSERT INTO batch_t (k, v) VALUES (${`c${i}`}, ${i})`);
          await new Promise((r) => setImmediate(r)); // let any early settlement run
        })
        .then(() => void settled++),
    );
    await Promise.all(runs);
    expect(settled).to.equal(11);
    expect(settledEarly).to.deep.equal(Array.from({ length: 11 }, () => false));
    expect((await store.all(sql`SELECT k FROM batch_t WHERE k LIKE ${"c%"}`)).length).to.equal(11);
  });
});
