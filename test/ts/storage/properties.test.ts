/**
 * Property and model tests of the outbox and the inbox, on both back ends.
 *
 * Bounded: each property stops after a few seconds (fast-check's interruptAfterTimeLimit) or its
 * run count, whichever comes first. KESSAI_STORAGE_LONG=1 runs them ten times longer.
 */
import { expect } from "chai";
import fc from "fast-check";
import {
  backoffDelay,
  inbox,
  outbox,
  OutboxKeyConflictError,
  OutboxLeaseLostError,
  sql,
  type outbox as Outbox,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends, hash } from "./backends.js";

const LONG = process.env.KESSAI_STORAGE_LONG === "1";
const budget = (runs: number, ms: number) => ({
  numRuns: LONG ? runs * 10 : runs,
  interruptAfterTimeLimit: LONG ? ms * 10 : ms,
  markInterruptAsFailure: false,
});
const T0 = Date.parse("2026-04-01T00:00:00.000Z");
const BACKOFF = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000, jitter: 0 };
const MAX_ATTEMPTS = 3;
const WORKERS = ["w0", "w1", "w2"];

// ---------------------------------------------------------------------------------------------
// Outbox: random interleavings of enqueue, claim, complete, fail, worker crash and time, against
// a model of what each item's status, attempts and due time must be.

type Op =
  | { op: "enqueue"; key: number; variant: number }
  | { op: "claim"; worker: number; limit: number; leaseMs: number }
  | { op: "complete"; worker: number; pick: number }
  | { op: "fail"; worker: number; pick: number; permanent: boolean }
  | { op: "crash"; worker: number }
  | { op: "tick"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("enqueue" as const), key: fc.nat(7), variant: fc.nat(1) }),
  fc.record({
    op: fc.constant("claim" as const),
    worker: fc.nat(WORKERS.length - 1),
    limit: fc.integer({ min: 1, max: 3 }),
    leaseMs: fc.constantFrom(50, 200, 1_000),
  }),
  fc.record({
    op: fc.constant("complete" as const),
    worker: fc.nat(WORKERS.length - 1),
    pick: fc.nat(5),
  }),
  fc.record({
    op: fc.constant("fail" as const),
    worker: fc.nat(WORKERS.length - 1),
    pick: fc.nat(5),
    permanent: fc.boolean(),
  }),
  fc.record({ op: fc.constant("crash" as const), worker: fc.nat(WORKERS.length - 1) }),
  fc.record({ op: fc.constant("tick" as const), ms: fc.constantFrom(10, 60, 150, 400, 1_200) }),
);

interface ModelItem {
  id: number;
  key: string;
  variant: number;
  status: "pending" | "claimed" | "done" | "dead";
  attempts: number;
  dueAt: number;
  token?: string;
  /** Results recorded by successful completions: at most one, ever. */
  completions: unknown[];
}

async function runOutboxModel(store: Store, topic: string, ops: Op[]): Promise<void> {
  let now = T0;
  const items = new Map<string, ModelItem>();
  const held: Outbox.OutboxClaim[][] = WORKERS.map(() => []);
  const at = () => new Date(now);

  const checkState = async () => {
    const rows = await outbox.list(store, { topic, limit: 100 });
    const actual = rows.map((r) => [r.key, r.status, r.attempts, r.dueAt.getTime()]);
    const expected = [...items.values()]
      .sort((a, b) => a.id - b.id)
      .map((m) => [m.key, m.status, m.attempts, m.dueAt]);
    expect(actual).to.deep.equal(expected);
  };

  const claimNow = async (worker: number, limit: number, leaseMs: number) => {
    // The model's choice: due items by (due time, id), then the expired last attempts die.
    const due = [...items.values()]
      .filter((m) => (m.status === "pending" || m.status === "claimed") && m.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)
      .slice(0, limit);
    const claims = await outbox.claim(store, {
      worker: WORKERS[worker],
      topics: [topic],
      limit,
      leaseMs,
      now: at(),
    });
    const expectedKeys: string[] = [];
    for (const m of due) {
      if (m.status === "claimed" && m.attempts >= MAX_ATTEMPTS) {
        m.status = "dead";
        m.token = undefined;
        continue;
      }
      m.status = "claimed";
      m.attempts++;
      m.dueAt = now + leaseMs;
      expectedKeys.push(m.key);
    }
    expect(claims.map((c) => c.key)).to.deep.equal(expectedKeys);
    for (const c of claims) {
      const m = items.get(c.key)!;
      expect(c.attempt).to.equal(m.attempts);
      m.token = c.token;
      held[worker].push(c);
    }
  };

  /** Whether `c` is still the item's current claim, per the model. */
  const current = (c: Outbox.OutboxClaim) => {
    const m = items.get(c.key)!;
    return m.status === "claimed" && m.token === c.token && m.attempts === c.attempt;
  };

  for (const o of ops) {
    switch (o.op) {
      case "enqueue": {
        const key = `k${o.key}`;
        const payload = { key, variant: o.variant, amount: 10n ** 30n + BigInt(o.key) };
        const existing = items.get(key);
        const call = store.transaction((tx) =>
          outbox.enqueue(tx, { topic, key, payload, maxAttempts: MAX_ATTEMPTS, now: at() }),
        );
        if (existing && existing.variant !== o.variant) {
          await call.then(
            () => expect.fail("expected OutboxKeyConflictError"),
            (e) => expect(e).to.be.instanceOf(OutboxKeyConflictError),
          );
        } else {
          const r = await call;
          expect(r.created).to.equal(!existing);
          if (existing) expect(r.item.id).to.equal(existing.id);
          else
            items.set(key, {
              id: r.item.id,
              key,
              variant: o.variant,
              status: "pending",
              attempts: 0,
              dueAt: now,
              completions: [],
            });
        }
        break;
      }
      case "claim":
        await claimNow(o.worker, o.limit, o.leaseMs);
        break;
      case "complete":
      case "fail": {
        const claims = held[o.worker];
        if (claims.length === 0) break;
        const [c] = claims.splice(o.pick % claims.length, 1);
        const valid = current(c);
        const m = items.get(c.key)!;
        const result = { by: WORKERS[o.worker], attempt: c.attempt };
        try {
          if (o.op === "complete") {
            await store.transaction((tx) => outbox.complete(tx, c, result, { now: at() }));
          } else {
            await store.transaction((tx) =>
              outbox.fail(tx, c, new Error(`attempt ${c.attempt}`), {
                backoff: BACKOFF,
                permanent: o.permanent,
                now: at(),
              }),
            );
          }
          expect(valid, "the outbox accepted a claim it had given to someone else").to.equal(true);
        } catch (e) {
          if (!(e instanceof OutboxLeaseLostError)) throw e;
          expect(valid, "the outbox refused a claim still held").to.equal(false);
          break;
        }
        m.token = undefined;
        if (o.op === "complete") {
          m.status = "done";
          m.completions.push(result);
        } else if (o.permanent || m.attempts >= MAX_ATTEMPTS) {
          m.status = "dead";
        } else {
          m.status = "pending";
          m.dueAt = now + backoffDelay(BACKOFF, m.attempts);
        }
        break;
      }
      case "crash":
        held[o.worker] = []; // its claims are forgotten; their leases will expire
        break;
      case "tick":
        now += o.ms;
        break;
    }
    await checkState();
  }

  // Settle down: time passes, one worker takes and completes whatever is left.
  for (let round = 0; round < 50; round++) {
    now += 10_000;
    held[0] = [];
    await claimNow(0, 10, 1_000);
    for (const c of held[0]) {
      await store.transaction((tx) => outbox.complete(tx, c, { by: "drain" }, { now: at() }));
      const m = items.get(c.key)!;
      m.status = "done";
      m.token = undefined;
      m.completions.push({ by: "drain" });
    }
    if ([...items.values()].every((m) => m.status === "done" || m.status === "dead")) break;
  }
  await checkState();
  for (const m of items.values()) {
    // None lost: every item ended done or dead; none completed twice; the result is the one recorded.
    expect(["done", "dead"]).to.include(m.status);
    expect(m.completions.length).to.equal(m.status === "done" ? 1 : 0);
    const row = await outbox.get(store, { topic, key: m.key });
    if (m.status === "done") expect(row!.result).to.deep.equal(m.completions[0]);
    const tries = await outbox.attempts(store, m.id);
    expect(tries.filter((t) => t.outcome === "done")).to.have.length(m.status === "done" ? 1 : 0);
    expect(tries.every((t) => t.outcome !== undefined)).to.equal(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Inbox: deliveries with duplicates, several consumers, and reorgs, against a model of which
// events are recorded and which effects were applied.

type Delivery =
  | { op: "deliver"; consumer: number; block: number; log: number }
  | { op: "reorg"; consumer: number; block: number };

const deliveryArb: fc.Arbitrary<Delivery> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("deliver" as const),
      consumer: fc.nat(1),
      block: fc.nat(4),
      log: fc.nat(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("reorg" as const),
      consumer: fc.nat(1),
      block: fc.nat(4),
    }),
  },
);

async function runInboxModel(store: Store, prefix: string, ops: Delivery[]): Promise<void> {
  const consumers = [`${prefix}-a`, `${prefix}-b`];
  /** Per consumer and height: the block hash version now on the chain. */
  const version = new Map<string, number>();
  const recorded = new Set<string>();
  const blockHash = (c: number, block: number) =>
    hash(block * 1_000 + (version.get(`${c}/${block}`) ?? 0));
  for (const o of ops) {
    if (o.op === "deliver") {
      const event = {
        chainId: 1,
        blockNumber: o.block,
        blockHash: blockHash(o.consumer, o.block),
        txHash: hash(9_000 + o.log),
        logIndex: o.log,
      };
      const id = `${o.consumer}/${event.blockHash}/${o.log}`;
      const first = await store.transaction(async (tx) => {
        const r = await inbox.record(tx, {
          consumer: consumers[o.consumer],
          event,
          payload: { id },
        });
        if (r.recorded) {
          await tx.run(
            sql`INSERT INTO t_effects (consumer, id) VALUES (${consumers[o.consumer]}, ${id})`,
          );
        }
        return r.recorded;
      });
      expect(first).to.equal(!recorded.has(id));
      recorded.add(id);
    } else {
      const old = blockHash(o.consumer, o.block);
      const removed = await store.transaction(async (tx) => {
        const events = await inbox.removeBlock(tx, {
          consumer: consumers[o.consumer],
          chainId: 1,
          blockHash: old,
        });
        for (const e of events) {
          await tx.run(
            sql`DELETE FROM t_effects WHERE consumer = ${consumers[o.consumer]} AND id = ${(e.payload as { id: string }).id}`,
          );
        }
        return events;
      });
      const expected = [...recorded].filter((id) => id.startsWith(`${o.consumer}/${old}/`));
      expect(removed.map((e) => (e.payload as { id: string }).id).sort()).to.deep.equal(
        expected.sort(),
      );
      for (const id of expected) recorded.delete(id);
      version.set(`${o.consumer}/${o.block}`, (version.get(`${o.consumer}/${o.block}`) ?? 0) + 1);
    }
  }
  // Effects applied exactly once per recorded event, and only for those.
  const effects = await store.all<{ consumer: string; id: string }>(
    sql`SELECT consumer, id FROM t_effects WHERE consumer IN (${sql.join(consumers)}) ORDER BY consumer, id`,
  );
  const expected = [...recorded].map((id) => ({
    consumer: consumers[Number(id.split("/")[0])],
    id,
  }));
  expect(effects).to.deep.equal(
    expected.sort((a, b) =>
      a.consumer + a.id < b.consumer + b.id ? -1 : a.consumer + a.id > b.consumer + b.id ? 1 : 0,
    ),
  );
}

describeBackends("outbox and inbox properties", (backend) => {
  let store: Store;
  let runs = 0;

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([outbox.migrations, inbox.migrations]);
    await store.run(
      sql`CREATE TABLE t_effects (consumer TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (consumer, id))`,
    );
  });

  it("outbox model: each item completes at most once, none is lost, claims follow due order and leases", async function () {
    this.timeout(LONG ? 600_000 : 60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        await runOutboxModel(store, `model-${++runs}`, ops);
      }),
      budget(40, 4_000),
    );
  });

  it("inbox model: a re-delivery never applies twice; a reorged block's events come back and apply once more", async function () {
    this.timeout(LONG ? 600_000 : 60_000);
    await fc.assert(
      fc.asyncProperty(fc.array(deliveryArb, { minLength: 1, maxLength: 40 }), async (ops) => {
        await runInboxModel(store, `inbox-${++runs}`, ops);
      }),
      budget(60, 3_000),
    );
  });

  it("concurrent claimers never get the same item, and together they drain the queue", async function () {
    this.timeout(60_000);
    // Several stores on one database: separate pools on PostgreSQL, separate connections on SQLite.
    const url = await backend().newDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => backend().open(url)));
    await stores[0].migrate([outbox.migrations]);
    const total = LONG ? 2_000 : 300;
    await stores[0].transaction(async (tx) => {
      for (let i = 0; i < total; i++)
        await outbox.enqueue(tx, { topic: "race", key: `k${i}`, payload: i });
    });
    const claimedBy = new Map<number, string>();
    const duplicates: string[] = [];
    const worker = async (s: Store, name: string) => {
      for (;;) {
        const claims = await outbox.claim(s, {
          worker: name,
          topics: ["race"],
          limit: 1 + Math.floor(Math.random() * 5),
          leaseMs: 600_000,
        });
        if (claims.length === 0) return;
        for (const c of claims) {
          if (claimedBy.has(c.id)) duplicates.push(`${c.id}: ${claimedBy.get(c.id)} and ${name}`);
          claimedBy.set(c.id, name);
        }
        await s.transaction(
          async (tx) => {
            for (const c of claims) await outbox.complete(tx, c, name);
          },
          { isolation: "read-committed" },
        );
      }
    };
    await Promise.all(stores.flatMap((s, i) => [worker(s, `s${i}a`), worker(s, `s${i}b`)]));
    expect(duplicates).to.deep.equal([]);
    expect(claimedBy.size).to.equal(total);
    expect(await outbox.stats(stores[0])).to.deep.include({
      done: total,
      pending: 0,
      claimed: 0,
      dead: 0,
    });
    // On PostgreSQL the work really was shared.
    if (backend().dialect === "postgres")
      expect(new Set(claimedBy.values()).size).to.be.greaterThan(1);
  });
});
