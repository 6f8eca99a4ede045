import { expect } from "chai";
import {
  groupCommit,
  outbox,
  OutboxLeaseLostError,
  sql,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends } from "./backends.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** The lease, and the heartbeat a quarter of it (room for a busy event loop). */
const LEASE_MS = 400;
const HEARTBEAT_MS = 100;

/**
 * processBatch's heartbeat: a claim being worked on keeps its lease however long the work takes,
 * so no second worker claims the item while the first is alive; a claim lost anyway aborts the
 * work's signal. Real time: leases of a few hundred milliseconds.
 */
describeBackends("outbox heartbeat", (backend) => {
  let store: Store;
  let other: Store;
  let n = 0;
  let topic: string;
  beforeEach(() => (topic = `hb-${++n}`));

  before(async function () {
    this.timeout(20_000);
    const url = await backend().newDatabase();
    store = await backend().open(url);
    other = await backend().open(url); // a second worker's own connection
    await store.migrate([outbox.migrations]);
  });

  const enqueue = (key: string) =>
    store.transaction((tx) => outbox.enqueue(tx, { topic, key, payload: { key } }));

  /** A second worker claiming the topic every 25 ms until `stop`; what it got. */
  function rival(stop: Promise<unknown>) {
    const got: outbox.OutboxClaim[] = [];
    let done = false;
    void stop.finally(() => (done = true));
    const loop = (async () => {
      while (!done) {
        got.push(
          ...(await outbox.claim(other, {
            worker: "w2",
            topics: [topic],
            limit: 10,
            leaseMs: 150,
          })),
        );
        await sleep(25);
      }
    })();
    return { got, loop };
  }

  for (const shared of [false, true]) {
    it(`keeps the claim of work that outlasts the lease many times: done once, one attempt${shared ? " (outcomes through a group commit)" : ""}`, async function () {
      this.timeout(15_000);
      await enqueue("slow");
      let release!: () => void;
      const slow = new Promise<void>((r) => (release = r));
      let calls = 0;
      let working!: () => void;
      const claimed = new Promise<void>((r) => (working = r));
      const batch = outbox.processBatch(store, {
        worker: "w1",
        topics: [topic],
        limit: 10,
        leaseMs: LEASE_MS,
        heartbeatMs: HEARTBEAT_MS,
        ...(shared ? { commits: groupCommit(store) } : {}),
        handler: async () => {
          calls++;
          working();
          await slow;
          return "sent";
        },
      });
      await claimed; // the second worker starts once the first holds the claim
      const r = rival(batch);
      await sleep(5 * LEASE_MS);
      release();
      const report = await batch;
      await r.loop;
      expect(r.got).to.deep.equal([]);
      expect(calls).to.equal(1);
      expect(report).to.deep.equal({ claimed: 1, done: 1, retrying: 0, dead: 0, lost: 0 });
      const item = await outbox.get(store, { topic, key: "slow" });
      expect(item).to.deep.include({ status: "done", attempts: 1, result: "sent" });
      const attempts = await outbox.attempts(store, item!.id);
      expect(attempts.map((a) => [a.attempt, a.worker, a.outcome])).to.deep.equal([
        [1, "w1", "done"],
      ]);
    });
  }

  it("without a heartbeat the same work loses its claim to the second worker (the case it prevents)", async function () {
    this.timeout(10_000);
    await enqueue("slow");
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let working!: () => void;
    const claimed = new Promise<void>((r) => (working = r));
    const batch = outbox.processBatch(store, {
      worker: "w1",
      topics: [topic],
      limit: 10,
      leaseMs: LEASE_MS,
      handler: () => {
        working();
        return slow;
      },
    });
    await claimed;
    const r = rival(batch);
    await sleep(2 * LEASE_MS);
    release();
    const report = await batch;
    await r.loop;
    // (The second worker's own claims lapse too and it claims again: the first claim is attempt 2.)
    expect(r.got.map((c) => [c.key, c.attempt])[0]).to.deep.equal(["slow", 2]);
    expect(report.lost).to.equal(1);
  });

  it("aborts the work's signal once the claim is lost, and records nothing for it", async function () {
    this.timeout(10_000);
    await enqueue("taken");
    let signal: AbortSignal | undefined;
    const batch = outbox.processBatch(store, {
      worker: "w1",
      topics: [topic],
      limit: 10,
      leaseMs: LEASE_MS,
      heartbeatMs: HEARTBEAT_MS,
      handler: async (_c, work) => {
        signal = work.signal;
        await new Promise<void>((resolve) => {
          work.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        return "stopped";
      },
    });
    while (!signal) await sleep(10);
    // Another worker takes the item over (as after a heartbeat that could not reach the database).
    await other.run(sql`UPDATE kessai_outbox SET lease_token = 'someone-else', lease_owner = 'w2'
      WHERE topic = ${topic} AND idempotency_key = 'taken'`);
    const report = await batch;
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.be.instanceOf(OutboxLeaseLostError);
    expect(report).to.deep.equal({ claimed: 1, done: 0, retrying: 0, dead: 0, lost: 1 });
    const item = await outbox.get(store, { topic, key: "taken" });
    expect(item).to.deep.include({ status: "claimed", leaseOwner: "w2", attempts: 1 });
  });
});
