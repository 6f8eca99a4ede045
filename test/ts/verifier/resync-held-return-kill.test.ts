/**
 * The void of a held return (resync-held-return-new-terms.test.ts) under kill -9: the service runs
 * as a child process started from its JSON config (packages/verifier/test/crash-verifier.ts, as
 * the kill -9 suite runs it), and SIGKILLs itself once inside the watch transaction that voids the
 * return, its writes made and not committed (crash point `voiding`), then once right after that
 * transaction committed (`event.DeliveryRegistered`). The first kill loses the whole transaction:
 * the return's item, its held send and the reason are as they were, and the lock is not recorded.
 * The second finds the void whole. A last process, unarmed, decides the new lock (the buyer
 * instructs it in time): paid and delivered, one transaction of the service per ledger, every item
 * done by one attempt. Two anvil nodes, k = 3, on SQLite and on PostgreSQL.
 */
import { expect } from "chai";
import { sql } from "@kessai/storage";
import { termsHash } from "../../../packages/verifier/src/terms.js";
import { bundledScript, spawnChild, type Child } from "../crash-child.js";
import { describeBackends } from "../storage/backends.js";
import { mineBlocks as mine, sentBy, statesOf } from "./fixture.js";
import { instruct, lock } from "./two-nodes.js";
import { useResyncNodes } from "./resync-fixture.js";
import { heldReturnAfterResync } from "./held-return-fixture.js";

const K = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The service's script, bundled once per run. */
const verifier = bundledScript("verifier", "crash-verifier");
after(() => verifier.remove());

describeBackends("the void of a held return under kill -9", (backend) => {
  const nodes = useResyncNodes(backend, K);
  const children: Child[] = [];
  after(async function () {
    this.timeout(30_000);
    for (const c of children) c.proc.kill("SIGKILL");
    await Promise.all(children.map((c) => c.exit));
  });

  it("killed inside the void's transaction and right after it: void once, the new lock delivered once", async function () {
    this.timeout(180_000);
    const { l, store } = nodes;
    const [{ t, id }, script] = await Promise.all([
      heldReturnAfterResync(nodes, K, `killed void ${backend().dialect}`),
      verifier.script(),
    ]);
    const config = await nodes.config("killed-void", {
      pollMs: 50,
      leaseMs: 500,
      http: { port: 0 },
      log: { level: "silent" },
    });
    const sent = await sentBy(l);
    const records = async () => ({
      st: (await store.get(sql`SELECT st_state FROM verifier_settlements WHERE id = ${id}`))
        ?.st_state,
      reason: (await store.get(sql`SELECT reason FROM verifier_settlements WHERE id = ${id}`))
        ?.reason,
      outbox: await store.all(sql`SELECT topic, idempotency_key, status FROM kessai_outbox
        WHERE idempotency_key LIKE ${`${id}%`} ORDER BY topic, idempotency_key`),
      journal: await store.all(sql`SELECT id, state FROM kessai_journal
        WHERE id LIKE ${`%${id}%`} ORDER BY id`),
    });
    const held = await records();
    expect(held).to.deep.include({
      st: "none",
      reason: "not instructed by the deadline",
      journal: [{ id: `st:${id}`, state: "intent" }],
    });

    const t2 = { ...t, deadline: t.deadline + 36_000n };
    await lock(l, t2, { issued: true });
    await mine(l.st, K + 1);
    const killedAt = async (point: string) => {
      const child = spawnChild(script, config, { KESSAI_CRASH_AT: point });
      children.push(child);
      const e = await Promise.race([child.exit, sleep(30_000).then(() => undefined)]);
      expect(e?.signal, `exit ${e?.code}: ${e?.stderr}`).to.equal("SIGKILL");
      expect(e!.stderr).to.include(`crash at ${point} ${id}`);
    };

    await killedAt("voiding");
    expect(await records(), "nothing of the void's transaction").to.deep.equal(held);

    await killedAt("event.DeliveryRegistered");
    expect(await records(), "the void, whole").to.deep.equal({
      st: "locked",
      reason:
        `the return decided for terms ${termsHash(t)} (not instructed by the deadline) is void: ` +
        `the lock came back with terms ${termsHash(t2)}`,
      outbox: [],
      journal: [],
    });

    const last = spawnChild(script, config, {});
    children.push(last);
    expect(await last.url, (await Promise.race([last.exit, sleep(0)]))?.stderr).to.be.a("string");
    await instruct(l, t2);
    const miner = setInterval(() => void l.mine().catch(() => undefined), 100);
    try {
      for (let i = 0; i < 300 && (await statesOf(l, t)).st !== 2; i++) await sleep(100);
      // the relay's item marked done once the delivery is confirmed
      for (let i = 0; i < 100; i++) {
        const r = await store.get(sql`SELECT COUNT(*) AS n FROM kessai_outbox
          WHERE idempotency_key LIKE ${`${id}%`} AND status <> 'done'`);
        if (Number(r?.n) === 0) break;
        await sleep(100);
      }
    } finally {
      clearInterval(miner);
    }
    last.proc.kill("SIGTERM");
    const e = await last.exit;
    expect(e.code, e.stderr).to.equal(0);
    const attempts = await store.all(sql`SELECT o.idempotency_key AS key, COUNT(*) AS n
      FROM kessai_outbox_attempts a JOIN kessai_outbox o ON o.id = a.outbox_id
      WHERE o.idempotency_key LIKE ${`${id}%`} AND a.outcome = 'done'
      GROUP BY o.topic, o.idempotency_key ORDER BY o.topic`);
    expect({
      states: await statesOf(l, t),
      sent: await sentBy(l),
      outbox: (await records()).outbox,
      journal: (await records()).journal,
      attempts: attempts.map((a) => Number(a.n)),
    }).to.deep.equal({
      states: { st: 2, cash: 2 },
      sent: { st: sent.st + 1, cash: sent.cash + 1 },
      outbox: [
        { topic: "cash.decide", idempotency_key: id, status: "done" },
        { topic: "st.relay", idempotency_key: id, status: "done" },
      ],
      journal: [
        { id: `cash:${id}`, state: "confirmed" },
        { id: `st:${id}`, state: "confirmed" },
      ],
      attempts: [1, 1],
    });
  });
});
