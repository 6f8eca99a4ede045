import { expect } from "chai";
import {
  groupCommit,
  sql,
  UniqueViolationError,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends } from "./backends.js";

/**
 * Group commit: callers that arrive while a transaction commits share the next one; each is
 * durable when its promise resolves, in call order, and one caller's failure is its own.
 */
describeBackends("groupCommit", (backend) => {
  let store: Store;
  let n = 0;
  /** A table of its own per test. */
  let table: string;

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
  });
  beforeEach(async () => {
    table = `t_group_${++n}`;
    await store.run(sql`CREATE TABLE ${sql.id(table)} (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
  });

  const rows = async () =>
    (
      await store.all<{ k: string; v: unknown }>(sql`SELECT k, v FROM ${sql.id(table)} ORDER BY k`)
    ).map((r) => [r.k, Number(r.v)]);
  /** Counts the transactions the store runs. */
  const counting = (s: Store) => {
    const counter = { transactions: 0 };
    const proxy = new Proxy(s, {
      get(t, p) {
        if (p === "transaction")
          return (...args: Parameters<Store["transaction"]>) => {
            counter.transactions++;
            return t.transaction(...args);
          };
        const v = Reflect.get(t, p, t) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
    return { store: proxy, counter };
  };

  it("puts callers that arrive during a commit into one transaction, in call order", async function () {
    const { store: counted, counter } = counting(store);
    const group = groupCommit(counted);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        group.run(async (tx) => {
          // The same key written by every caller: the last call's value must win.
          await tx.run(sql`INSERT INTO ${sql.id(table)} (k, v) VALUES ('last', ${i})
            ON CONFLICT (k) DO UPDATE SET v = excluded.v`);
          await tx.run(
            sql`INSERT INTO ${sql.id(table)} (k, v) VALUES (${`k${String(i).padStart(2, "0")}`}, ${i})`,
          );
          return i;
        }),
      ),
    );
    expect(results).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    // The first caller commits alone; the 49 that arrived meanwhile share the next transaction.
    expect(counter.transactions).to.equal(2);
    const all = await rows();
    expect(all).to.have.length(51);
    expect(all.find(([k]) => k === "last")).to.deep.equal(["last", 49]);
  });

  it("resolves a caller only once its write is committed", async function () {
    const group = groupCommit(store);
    let seenBefore: unknown[] | undefined;
    const first = group.run((tx) =>
      tx.run(sql`INSERT INTO ${sql.id(table)} (k, v) VALUES ('a', 1)`),
    );
    const second = group.run((tx) =>
      tx.run(sql`INSERT INTO ${sql.id(table)} (k, v) VALUES ('b', 2)`),
    );
    await first;
    seenBefore = await rows();
    await second;
    expect(seenBefore).to.deep.include(["a", 1]);
    expect(await rows()).to.deep.equal([
      ["a", 1],
      ["b", 2],
    ]);
    await group.settled();
  });

  it("fails only the caller whose work fails; the others of its group are committed", async function () {
    const { store: counted, counter } = counting(store);
    const group = groupCommit(counted);
    const insert = (k: string) =>
      group.run((tx) => tx.run(sql`INSERT INTO ${sql.id(table)} (k, v) VALUES (${k}, 1)`));
    const settled = await Promise.allSettled([
      insert("a"),
      insert("b"),
      insert("a"), // a duplicate key: fails
      insert("c"),
    ]);
    expect(settled.map((s) => s.status)).to.deep.equal([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((settled[2] as PromiseRejectedResult).reason).to.be.instanceOf(UniqueViolationError);
    expect(await rows()).to.deep.equal([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
    // "a" alone; then b, a, c together (rolled back), then each alone again.
    expect(counter.transactions).to.equal(5);
  });

  it("settled() waits for every call made before it", async function () {
    const group = groupCommit(store);
    for (let i = 0; i < 5; i++)
      void group.run((tx) =>
        tx.run(sql`INSERT INTO ${sql.id(table)} (k, v) VALUES (${`k${i}`}, ${i})`),
      );
    await group.settled();
    expect(await rows()).to.have.length(5);
  });
});
