/**
 * Crash test: a worker process (packages/storage/test/crash-worker.ts) producing and working
 * outbox items is killed with SIGKILL at random points, sometimes two of them at once, and
 * restarted, on an SQLite file and on the PostgreSQL server. Afterwards nothing is lost (every
 * order has its item, every item is done) and nothing is done twice (one completion and one
 * recorded effect per item), although the effect itself may have run more than once (at least
 * once: a worker killed between the effect and the commit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { outbox, sql } from "../../../packages/storage/src/index.js";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { describeBackends } from "./backends.js";

const LONG = process.env.KESSAI_STORAGE_LONG === "1";
const ITEMS = LONG ? 400 : 80;
const ROUNDS = LONG ? 40 : 4;
const WORKER = path.join(process.cwd(), "packages", "storage", "test", "crash-worker.ts");
const TSX = import.meta.resolve("tsx/esm");

interface Run {
  child: ChildProcess;
  /** Resolves when the worker has migrated and starts working (or has exited). */
  ready: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(url: string, log: string): Run {
  const child = spawn(process.execPath, ["--import", TSX, WORKER, url, String(ITEMS), log], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on("data", (d) => String(d).includes("ready") && resolve());
    void exit.then(() => resolve());
  });
  return { child, ready, exit };
}

describeBackends("outbox under kill -9", (backend) => {
  let tmp: TempSqliteDir;
  const running: Run[] = [];
  before(async () => (tmp = await tempSqliteDir()));
  after(async () => {
    for (const r of running) r.child.kill("SIGKILL");
    await tmp?.remove();
  });

  it(`loses nothing and does nothing twice across ${ROUNDS} rounds of 1-2 workers killed at random`, async function () {
    this.timeout(LONG ? 600_000 : 120_000);
    const url =
      backend().dialect === "sqlite"
        ? `sqlite:${await backend().newDatabase()}`
        : await backend().newDatabase();
    const log = tmp.file("effects.log");
    let kills = 0;
    // Kill rounds: one or two workers on the same database, SIGKILLed at a random time.
    for (let round = 0; round < ROUNDS; round++) {
      const runs = Array.from({ length: 1 + (round % 2) }, () => start(url, log));
      running.push(...runs);
      await Promise.all(runs.map((r) => r.ready));
      // Anywhere in producing, claiming, the effect, completing (a run takes about a second).
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      for (const r of runs) {
        if (r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill("SIGKILL");
          kills++;
        }
        const { code, signal, stderr } = await r.exit;
        if (signal !== "SIGKILL") expect(code, stderr).to.equal(0);
      }
    }
    // Then one worker runs to the end.
    const last = start(url, log);
    running.push(last);
    const { code, stderr } = await last.exit;
    expect(code, stderr).to.equal(0);
    expect(kills).to.be.greaterThan(0);

    const store = await backend().open(
      backend().dialect === "sqlite" ? url.slice("sqlite:".length) : url,
    );
    const count = async (q: ReturnType<typeof sql>) =>
      Number((await store.get<{ n: unknown }>(q))!.n);
    // Nothing lost.
    expect(await count(sql`SELECT COUNT(*) AS n FROM crash_orders`)).to.equal(ITEMS);
    expect(await outbox.stats(store)).to.deep.include({
      done: ITEMS,
      pending: 0,
      claimed: 0,
      dead: 0,
    });
    // Nothing done twice: one effect row and one successful attempt per item, matching its result.
    expect(await count(sql`SELECT COUNT(*) AS n FROM crash_effects`)).to.equal(ITEMS);
    const done = await outbox.list(store, { topic: "crash", limit: ITEMS });
    const effects = await store.all<{ key: string; worker: string; attempt: unknown }>(
      sql`SELECT key, worker, attempt FROM crash_effects`,
    );
    const byKey = new Map(
      effects.map((e) => [e.key, { worker: e.worker, attempt: Number(e.attempt) }]),
    );
    for (const item of done) {
      expect(item.result, item.key).to.deep.equal(byKey.get(item.key));
      const tries = await outbox.attempts(store, item.id);
      expect(
        tries.filter((t) => t.outcome === "done"),
        item.key,
      ).to.have.length(1);
    }
    // The effect ran at least once per item (more when a worker died between effect and commit).
    const lines = (await readFile(log, "utf8")).trim().split("\n");
    const ran = new Set(lines.map((l) => l.split(" ")[0]));
    expect(ran.size).to.equal(ITEMS);
    console.log(
      `      ${backend().dialect}: ${kills} kills, ${lines.length} effects for ${ITEMS} items, ` +
        `${await count(sql`SELECT COUNT(*) AS n FROM kessai_outbox_attempts WHERE outcome = 'expired'`)} expired leases`,
    );
  });
});
