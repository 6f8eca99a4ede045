import { expect } from "chai";
import {
  CheckViolationError,
  ForeignKeyViolationError,
  InvalidValueError,
  outbox,
  OutboxKeyConflictError,
  OutboxLeaseLostError,
  OutboxStateError,
  sql,
  UniqueViolationError,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends, expectError } from "./backends.js";

const T0 = new Date("2026-01-05T09:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
/** Backoff without jitter: 1 s, 2 s, 4 s, ... */
const BACKOFF = { initialDelayMs: 1_000, multiplier: 2, maxDelayMs: 60_000, jitter: 0 };

describeBackends("outbox", (backend) => {
  let store: Store;
  let n = 0;
  /** A topic of its own per test, so tests never claim each other's items. */
  let topic: string;
  beforeEach(() => (topic = `topic-${++n}`));

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([outbox.migrations]);
  });

  const enqueue = (
    key: string,
    payload: unknown = { key },
    extra: Partial<outbox.EnqueueArgs> = {},
  ) => store.transaction((tx) => outbox.enqueue(tx, { topic, key, payload, now: T0, ...extra }));
  const claim = (ms: number, extra: Partial<outbox.ClaimArgs> = {}) =>
    outbox.claim(store, {
      worker: "w1",
      topics: [topic],
      limit: 10,
      leaseMs: 30_000,
      now: at(ms),
      ...extra,
    });

  describe("enqueue", function () {
    it("creates a pending item due now, with its payload (bigints kept)", async function () {
      const { item, created } = await enqueue("k", { amount: 2n ** 128n, to: "0xabc" });
      expect(created).to.equal(true);
      expect(item).to.deep.include({
        topic,
        key: "k",
        status: "pending",
        attempts: 0,
        maxAttempts: 10,
        payload: { amount: 2n ** 128n, to: "0xabc" },
      });
      expect(item.dueAt).to.deep.equal(T0);
    });

    it("returns the existing item for the same key and payload, whatever the key order", async function () {
      const first = await enqueue("k", { a: 1, b: [1, 2] });
      const again = await enqueue("k", { b: [1, 2], a: 1 });
      expect(again.created).to.equal(false);
      expect(again.item.id).to.equal(first.item.id);
    });

    it("refuses the same key with another payload (OutboxKeyConflictError) and keeps the first", async function () {
      await enqueue("k", { amount: 1n });
      await expectError(enqueue("k", { amount: 2n }), OutboxKeyConflictError, { topic, key: "k" });
      expect((await outbox.get(store, { topic, key: "k" }))!.payload).to.deep.equal({ amount: 1n });
    });

    it("is part of the caller's transaction: rolled back with it", async function () {
      await store
        .transaction(async (tx) => {
          await outbox.enqueue(tx, { topic, key: "k", payload: 1, now: T0 });
          throw new Error("state change failed");
        })
        .catch(() => undefined);
      expect(await outbox.get(store, { topic, key: "k" })).to.equal(undefined);
      expect(await claim(0)).to.deep.equal([]);
    });

    it("refuses bad arguments with InvalidValueError naming the field", async function () {
      await expectError(enqueue(""), InvalidValueError, { field: "key" });
      await expectError(enqueue("k", undefined, { topic: "" }), InvalidValueError, {
        field: "topic",
      });
      await expectError(enqueue("k", { f: () => 1 }), InvalidValueError, { field: "payload.f" });
      await expectError(enqueue("k", 1, { maxAttempts: 0 }), InvalidValueError, {
        field: "maxAttempts",
      });
    });
  });

  describe("claim", function () {
    it("claims due items oldest due first, up to the limit, and not those due later", async function () {
      await enqueue("late", 1, { dueAt: at(5_000) });
      await enqueue("b", 1, { dueAt: at(2) });
      await enqueue("a", 1, { dueAt: at(1) });
      const claims = await claim(10, { limit: 1 });
      expect(claims.map((c) => c.key)).to.deep.equal(["a"]);
      expect(claims[0]).to.deep.include({ attempt: 1, worker: "w1" });
      expect(claims[0].leaseUntil).to.deep.equal(at(30_010));
      expect((await claim(10)).map((c) => c.key)).to.deep.equal(["b"]);
      expect(await claim(10)).to.deep.equal([]);
      expect((await claim(5_000)).map((c) => c.key)).to.deep.equal(["late"]);
    });

    it("claims only the topics asked for", async function () {
      await enqueue("k");
      expect(await claim(0, { topics: ["another"] })).to.deep.equal([]);
      expect(await claim(0, { topics: ["another", topic] })).to.have.length(1);
    });

    it("does not hand a claimed item out again until its lease expires; then it is attempt 2 and attempt 1 expired", async function () {
      const { item } = await enqueue("k");
      const [first] = await claim(0, { leaseMs: 1_000 });
      expect(await claim(999, { worker: "w2" })).to.deep.equal([]);
      const [second] = await claim(1_000, { worker: "w2" });
      expect(second).to.deep.include({ id: item.id, attempt: 2, worker: "w2" });
      expect(second.token).not.to.equal(first.token);
      const history = await outbox.attempts(store, item.id);
      expect(history.map((a) => [a.attempt, a.worker, a.outcome, a.error])).to.deep.equal([
        [1, "w1", "expired", "lease expired"],
        [2, "w2", undefined, undefined],
      ]);
    });

    it("dead-letters an item whose lease expires on its last attempt", async function () {
      const { item } = await enqueue("k", 1, { maxAttempts: 1 });
      await claim(0, { leaseMs: 100 });
      expect(await claim(100)).to.deep.equal([]);
      const dead = await outbox.getById(store, item.id);
      expect(dead).to.deep.include({
        status: "dead",
        attempts: 1,
        lastError: "lease expired on the last attempt",
      });
      expect(dead!.finishedAt).to.deep.equal(at(100));
    });
  });

  describe("complete", function () {
    it("records the result once; the item leaves the queue", async function () {
      const { item } = await enqueue("k");
      const [c] = await claim(0);
      await store.transaction((tx) =>
        outbox.complete(tx, c, { txHash: "0x01", fee: 21_000n }, { now: at(5) }),
      );
      const done = await outbox.getById(store, item.id);
      expect(done).to.deep.include({
        status: "done",
        result: { txHash: "0x01", fee: 21_000n },
        leaseOwner: undefined,
      });
      expect(done!.finishedAt).to.deep.equal(at(5));
      expect((await outbox.attempts(store, item.id)).map((a) => a.outcome)).to.deep.equal(["done"]);
      expect(await claim(10_000_000)).to.deep.equal([]);
      await expectError(
        store.transaction((tx) => outbox.complete(tx, c, "again")),
        OutboxLeaseLostError,
        { id: item.id, attempt: 1 },
      );
      expect((await outbox.getById(store, item.id))!.result).to.deep.equal({
        txHash: "0x01",
        fee: 21_000n,
      });
    });

    it("refuses a worker whose lease was taken over (OutboxLeaseLostError): only the new claim completes", async function () {
      const { item } = await enqueue("k");
      const [slow] = await claim(0, { leaseMs: 100 });
      const [fast] = await claim(200, { worker: "w2" });
      await expectError(
        store.transaction((tx) => outbox.complete(tx, slow, "slow")),
        OutboxLeaseLostError,
        {
          id: item.id,
          attempt: 1,
        },
      );
      await expectError(
        store.transaction((tx) => outbox.fail(tx, slow, new Error("x"))),
        OutboxLeaseLostError,
      );
      await store.transaction((tx) => outbox.complete(tx, fast, "fast"));
      expect((await outbox.getById(store, item.id))!.result).to.equal("fast");
    });

    it("commits with the service's own state change, or not at all", async function () {
      await store.run(sql`CREATE TABLE IF NOT EXISTS t_sent (key TEXT PRIMARY KEY)`);
      const { item } = await enqueue("k");
      const [c] = await claim(0);
      await store
        .transaction(async (tx) => {
          await outbox.complete(tx, c, "ok");
          await tx.run(sql`INSERT INTO t_sent (key) VALUES (${topic})`);
          throw new Error("crash before commit");
        })
        .catch(() => undefined);
      expect((await outbox.getById(store, item.id))!.status).to.equal("claimed");
      expect(await store.get(sql`SELECT key FROM t_sent WHERE key = ${topic}`)).to.equal(undefined);
    });
  });

  describe("fail", function () {
    it("schedules a retry after the backoff delay, then dead-letters after maxAttempts with every error kept", async function () {
      const { item } = await enqueue("k", 1, { maxAttempts: 3 });
      let now = 0;
      const expected = [1_000, 2_000];
      for (const delay of expected) {
        const [c] = await claim(now);
        const outcome = await store.transaction((tx) =>
          outbox.fail(tx, c, new Error(`boom ${c.attempt}`), { backoff: BACKOFF, now: at(now) }),
        );
        expect(outcome).to.deep.equal({ status: "pending", retryAt: at(now + delay) });
        expect(await claim(now + delay - 1)).to.deep.equal([]);
        now += delay;
      }
      const [last] = await claim(now);
      const outcome = await store.transaction((tx) =>
        outbox.fail(tx, last, "no luck", { backoff: BACKOFF, now: at(now) }),
      );
      expect(outcome).to.deep.equal({ status: "dead" });
      const dead = await outbox.listDead(store, { topic });
      expect(dead.map((d) => [d.id, d.attempts, d.lastError])).to.deep.equal([
        [item.id, 3, "no luck"],
      ]);
      expect(
        (await outbox.attempts(store, item.id)).map((a) => [a.outcome, a.error]),
      ).to.deep.equal([
        ["failed", "Error: boom 1"],
        ["failed", "Error: boom 2"],
        ["failed", "no luck"],
      ]);
      expect(await claim(100_000_000)).to.deep.equal([]);
    });

    it("dead-letters at once an error marked permanent", async function () {
      const { item } = await enqueue("k");
      const [c] = await claim(0);
      expect(
        await store.transaction((tx) =>
          outbox.fail(tx, c, new Error("reverted"), { permanent: true }),
        ),
      ).to.deep.equal({
        status: "dead",
      });
      expect((await outbox.getById(store, item.id))!.attempts).to.equal(1);
    });

    it("adds jitter below the delay: [(1 - jitter) d, d]", async function () {
      await enqueue("k");
      const [c] = await claim(0);
      const outcome = await store.transaction((tx) =>
        outbox.fail(tx, c, "x", {
          backoff: { ...BACKOFF, jitter: 0.5 },
          now: at(0),
          random: () => 1,
        }),
      );
      expect(outcome).to.deep.equal({ status: "pending", retryAt: at(500) });
    });
  });

  describe("dead letters", function () {
    it("requeues a dead item with more attempts; its history stays", async function () {
      const { item } = await enqueue("k", 1, { maxAttempts: 1 });
      const [c] = await claim(0);
      await store.transaction((tx) => outbox.fail(tx, c, "x"));
      const back = await store.transaction((tx) =>
        outbox.requeueDead(tx, item.id, { additionalAttempts: 2, now: at(10) }),
      );
      expect(back).to.deep.include({
        status: "pending",
        attempts: 1,
        maxAttempts: 3,
        finishedAt: undefined,
      });
      const [again] = await claim(10);
      expect(again.attempt).to.equal(2);
      await store.transaction((tx) => outbox.complete(tx, again, "ok"));
      expect((await outbox.attempts(store, item.id)).map((a) => a.outcome)).to.deep.equal([
        "failed",
        "done",
      ]);
    });

    it("refuses to requeue an item that is not dead (OutboxStateError)", async function () {
      const { item } = await enqueue("k");
      await expectError(
        store.transaction((tx) => outbox.requeueDead(tx, item.id)),
        OutboxStateError,
        {
          id: item.id,
          status: "pending",
          expected: "dead",
        },
      );
      await expectError(
        store.transaction((tx) => outbox.requeueDead(tx, 999_999)),
        OutboxStateError,
        {
          status: undefined,
        },
      );
    });
  });

  describe("extendLease", function () {
    it("keeps a long job's claim past its first lease", async function () {
      await enqueue("k");
      const [c] = await claim(0, { leaseMs: 1_000 });
      const until = await store.transaction((tx) =>
        outbox.extendLease(tx, c, { leaseMs: 5_000, now: at(900) }),
      );
      expect(until).to.deep.equal(at(5_900));
      expect(await claim(2_000, { worker: "w2" })).to.deep.equal([]);
      await store.transaction((tx) => outbox.complete(tx, c, "ok"));
    });
  });

  describe("processBatch", function () {
    it("runs the handler outside transactions and records each outcome; onComplete joins the completion", async function () {
      await store.run(sql`CREATE TABLE IF NOT EXISTS t_effects (key TEXT PRIMARY KEY)`);
      await enqueue("ok-1");
      await enqueue("ok-2");
      await enqueue("bad", 1, { maxAttempts: 2 });
      await enqueue("fatal");
      const report = await outbox.processBatch(store, {
        worker: "w",
        topics: [topic],
        limit: 10,
        clock: () => at(0),
        backoff: BACKOFF,
        handler: async (c) => {
          if (c.key === "bad") throw new Error("node unreachable");
          if (c.key === "fatal") throw Object.assign(new Error("reverted"), { permanent: true });
          return { sent: c.key };
        },
        isPermanent: (e) => (e as { permanent?: boolean }).permanent === true,
        onComplete: async (tx, c) => {
          await tx.run(sql`INSERT INTO t_effects (key) VALUES (${`${topic}/${c.key}`})`);
        },
      });
      expect(report).to.deep.equal({ claimed: 4, done: 2, retrying: 1, dead: 1, lost: 0 });
      const effects = await store.all<{ key: string }>(
        sql`SELECT key FROM t_effects WHERE key LIKE ${`${topic}/%`} ORDER BY key`,
      );
      expect(effects.map((e) => e.key)).to.deep.equal([`${topic}/ok-1`, `${topic}/ok-2`]);
      expect((await outbox.get(store, { topic, key: "ok-1" }))!.result).to.deep.equal({
        sent: "ok-1",
      });
      expect((await outbox.get(store, { topic, key: "bad" }))!.status).to.equal("pending");
      expect((await outbox.get(store, { topic, key: "fatal" }))!.status).to.equal("dead");
    });
  });

  describe("stats and listing", function () {
    it("counts items per status and those due now", async function () {
      const s = await backend().fresh();
      await s.migrate([outbox.migrations]);
      for (const k of ["a", "b", "c"]) {
        await s.transaction((tx) =>
          outbox.enqueue(tx, { topic: "t", key: k, payload: 1, now: T0 }),
        );
      }
      await s.transaction((tx) =>
        outbox.enqueue(tx, { topic: "t", key: "later", payload: 1, now: T0, dueAt: at(60_000) }),
      );
      const [c] = await outbox.claim(s, { worker: "w", now: T0 });
      await s.transaction((tx) => outbox.complete(tx, c, null));
      expect(await outbox.stats(s, { now: T0 })).to.deep.equal({
        pending: 3,
        claimed: 0,
        done: 1,
        dead: 0,
        due: 2,
      });
      expect(
        (await outbox.list(s, { status: "pending", limit: 2 })).map((i) => i.key),
      ).to.deep.equal(["b", "c"]);
      expect((await outbox.list(s, { afterId: c.id + 1 })).map((i) => i.key)).to.deep.equal([
        "c",
        "later",
      ]);
    });
  });

  describe("SQL constraints (not only code)", function () {
    it("UNIQUE (topic, idempotency_key)", async function () {
      await enqueue("k");
      await expectError(
        store.run(sql`INSERT INTO kessai_outbox (topic, idempotency_key, payload, status, max_attempts, due_at, created_at, updated_at)
          VALUES (${topic}, 'k', '1', 'pending', 1, ${T0}, ${T0}, ${T0})`),
        UniqueViolationError,
        { table: "kessai_outbox", columns: ["topic", "idempotency_key"] },
      );
    });

    it("CHECKs the status, the lease of a claimed item, attempts <= max, a done item's result", async function () {
      const { item } = await enqueue("k", 1, { maxAttempts: 2 });
      const cases: [ReturnType<typeof sql>, string][] = [
        [
          sql`UPDATE kessai_outbox SET status = 'sent' WHERE id = ${item.id}`,
          "kessai_outbox__status",
        ],
        [
          sql`UPDATE kessai_outbox SET status = 'claimed', attempts = 1 WHERE id = ${item.id}`,
          "kessai_outbox__lease",
        ],
        [
          sql`UPDATE kessai_outbox SET attempts = 3 WHERE id = ${item.id}`,
          "kessai_outbox__attempts",
        ],
        [
          sql`UPDATE kessai_outbox SET status = 'done', finished_at = ${T0} WHERE id = ${item.id}`,
          "kessai_outbox__result",
        ],
        [
          sql`UPDATE kessai_outbox SET status = 'dead' WHERE id = ${item.id}`,
          "kessai_outbox__finished",
        ],
      ];
      for (const [statement, constraint] of cases) {
        await expectError(store.run(statement), CheckViolationError, {
          constraint,
          table: "kessai_outbox",
        });
      }
      if (backend().dialect === "sqlite") {
        await expectError(
          store.run(
            sql`UPDATE kessai_outbox SET due_at = '2026-01-05 09:00:00' WHERE id = ${item.id}`,
          ),
          CheckViolationError,
          { constraint: "kessai_outbox__due_at" },
        );
      }
      expect((await outbox.getById(store, item.id))!.status).to.equal("pending");
    });

    it("a FOREIGN KEY from each attempt to its item", async function () {
      await expectError(
        store.run(
          sql`INSERT INTO kessai_outbox_attempts (outbox_id, attempt, worker, started_at) VALUES (987654, 1, 'w', ${T0})`,
        ),
        ForeignKeyViolationError,
      );
    });
  });
});
