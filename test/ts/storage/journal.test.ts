import { expect } from "chai";
import {
  CheckViolationError,
  ForeignKeyViolationError,
  ImmutableRowError,
  InvalidValueError,
  journal,
  JournalVersionConflictError,
  sql,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends, expectError, hash } from "./backends.js";

const T0 = new Date("2026-03-01T12:00:00.000Z");

describeBackends("journal", (backend) => {
  let store: Store;
  let n = 0;
  let ns: string;
  beforeEach(() => (ns = `sdk.test-${++n}`));

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([journal.migrations]);
  });

  /** What the SDK journals for one settlement in flight. */
  const terms = {
    settlementId: hash(1),
    amount: 2n ** 128n - 1n,
    quantity: 10n,
    deadline: 1_800_000_000,
  };
  const put = (id: string, state: string, data: unknown, expectedVersion?: number, now = T0) =>
    store.transaction((tx) =>
      journal.put(tx, { namespace: ns, id, state, data, expectedVersion, now }),
    );

  it("creates an entry at version 1 and writes each change as the next version, keeping bigints", async function () {
    const created = await put("s1", "step-1-sent", { terms, txHash: hash(11), nonce: 7 }, 0);
    expect(created).to.deep.equal({
      namespace: ns,
      id: "s1",
      state: "step-1-sent",
      data: { terms, txHash: hash(11), nonce: 7 },
      version: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    const later = new Date(T0.getTime() + 1_000);
    const updated = await put(
      "s1",
      "step-1-mined",
      { terms, txHash: hash(11), block: 42 },
      1,
      later,
    );
    expect(updated).to.deep.include({
      version: 2,
      state: "step-1-mined",
      createdAt: T0,
      updatedAt: later,
    });
    expect(await journal.get(store, { namespace: ns, id: "s1" })).to.deep.equal(updated);
  });

  it("keeps every version in an append-only history", async function () {
    await put("s1", "a", { v: 1 });
    await put("s1", "b", { v: 2 });
    await put("s1", "c", { v: 3n });
    const h = await journal.history(store, { namespace: ns, id: "s1" });
    expect(h.map((v) => [v.version, v.state, v.data])).to.deep.equal([
      [1, "a", { v: 1 }],
      [2, "b", { v: 2 }],
      [3, "c", { v: 3n }],
    ]);
    await expectError(
      store.run(sql`UPDATE kessai_journal_history SET state = 'forged' WHERE namespace = ${ns}`),
      ImmutableRowError,
      { table: "kessai_journal_history" },
    );
    expect(
      (await journal.history(store, { namespace: ns, id: "s1" })).map((v) => v.state),
    ).to.deep.equal(["a", "b", "c"]);
  });

  it("refuses a write at a version other than the one expected (JournalVersionConflictError)", async function () {
    await put("s1", "a", 1, 0);
    await expectError(put("s1", "b", 2, 0), JournalVersionConflictError, {
      namespace: ns,
      id: "s1",
      expected: 0,
      actual: 1,
    });
    await expectError(put("s2", "b", 2, 1), JournalVersionConflictError, {
      expected: 1,
      actual: 0,
    });
    // Two writers that read version 1: the second loses instead of overwriting.
    const results = await Promise.allSettled([put("s1", "x", "x", 1), put("s1", "y", "y", 1)]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(lost.reason).to.be.instanceOf(JournalVersionConflictError);
    expect((await journal.get(store, { namespace: ns, id: "s1" }))!.version).to.equal(2);
  });

  it("lists a namespace's entries by state: what was in flight at restart", async function () {
    await put("a", "sent", 1);
    await put("b", "settled", 1);
    await put("c", "confirming", 1);
    await put("d", "sent", 1);
    const open = await journal.list(store, { namespace: ns, excludeStates: ["settled"] });
    expect(open.map((e) => e.id)).to.deep.equal(["a", "c", "d"]);
    expect(
      (await journal.list(store, { namespace: ns, states: ["sent"] })).map((e) => e.id),
    ).to.deep.equal(["a", "d"]);
    expect(await journal.list(store, { namespace: ns, states: [] })).to.deep.equal([]);
    expect(
      (await journal.list(store, { namespace: ns, afterId: "b", limit: 1 })).map((e) => e.id),
    ).to.deep.equal(["c"]);
  });

  it("removes an entry with its history; with an expected version only at that version", async function () {
    await put("s1", "a", 1);
    await put("s1", "b", 2);
    await expectError(
      store.transaction((tx) =>
        journal.remove(tx, { namespace: ns, id: "s1", expectedVersion: 1 }),
      ),
      JournalVersionConflictError,
      {
        expected: 1,
        actual: 2,
      },
    );
    expect(
      await store.transaction((tx) =>
        journal.remove(tx, { namespace: ns, id: "s1", expectedVersion: 2 }),
      ),
    ).to.equal(true);
    expect(await journal.get(store, { namespace: ns, id: "s1" })).to.equal(undefined);
    expect(await journal.history(store, { namespace: ns, id: "s1" })).to.deep.equal([]);
    expect(
      await store.transaction((tx) => journal.remove(tx, { namespace: ns, id: "s1" })),
    ).to.equal(false);
  });

  it("binds a namespace to the store for callers that write one entry at a time", async function () {
    const j = journal.bind(store, ns);
    await j.put("s1", "sent", { nonce: 1 }, 0);
    await j.put("s1", "mined", { nonce: 1, block: 9 }, 1);
    expect((await j.get("s1"))!.state).to.equal("mined");
    expect((await j.list({ excludeStates: ["done"] })).map((e) => e.id)).to.deep.equal(["s1"]);
    expect((await j.history("s1")).map((v) => v.state)).to.deep.equal(["sent", "mined"]);
    await expectError(j.put("s1", "x", 1, 1), JournalVersionConflictError);
    expect(await j.remove("s1", 2)).to.equal(true);
  });

  it("refuses bad arguments with InvalidValueError, and SQL keeps history tied to entries", async function () {
    await expectError(put("", "a", 1), InvalidValueError, { field: "id" });
    await expectError(put("s1", "", 1), InvalidValueError, { field: "state" });
    await expectError(put("s1", "a", { when: new Date() }), InvalidValueError, {
      field: "data.when",
    });
    await expectError(
      store.run(sql`INSERT INTO kessai_journal_history (namespace, id, version, state, data, at)
        VALUES (${ns}, 'ghost', 1, 'a', '1', ${T0})`),
      ForeignKeyViolationError,
    );
    await put("s1", "a", 1);
    await expectError(
      store.run(sql`UPDATE kessai_journal SET version = 0 WHERE namespace = ${ns}`),
      CheckViolationError,
      { constraint: "kessai_journal__version", table: "kessai_journal" },
    );
  });
});
