/**
 * A process that does outbox work, for the crash test (test/ts/storage/crash.test.ts), which
 * kills it with SIGKILL at random points and starts it again.
 *
 * Usage: crash-worker <database URL> <items> <effects log>
 *
 * It migrates, then produces orders 0..items-1 (each order row and its outbox item in one
 * transaction, skipping those that exist), then works the queue: claims a few items, performs
 * the effect outside any transaction (a line appended to the log: at least once), and completes
 * each item in one transaction with a row in crash_effects, whose primary key would refuse a
 * second completion. Exits 0 when every item is done, 3 if an item was completed twice.
 */
import { appendFileSync } from "node:fs";
import {
  openStore,
  outbox,
  OutboxLeaseLostError,
  sql,
  UniqueViolationError,
  type MigrationModule,
} from "../src/index.js";

const [url, itemsArg, log] = process.argv.slice(2);
const items = Number(itemsArg);
const TOPIC = "crash";
const worker = `pid-${process.pid}`;

const schema: MigrationModule = {
  namespace: "test.crash",
  migrations: [
    {
      version: 1,
      name: "orders and effects",
      up: `CREATE TABLE crash_orders (key TEXT PRIMARY KEY);
CREATE TABLE crash_effects (key TEXT PRIMARY KEY, worker TEXT NOT NULL, attempt INTEGER NOT NULL);`,
    },
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = (n: number) => Math.floor(Math.random() * n);

const store = await openStore(url, { retry: { maxAttempts: 50 } });
await store.migrate([outbox.migrations, schema]);
process.stdout.write("ready\n"); // the test kills at random times from here

// Produce: each order and its intent together; a restart skips what exists.
for (let i = 0; i < items;) {
  const batch = 1 + random(5);
  await store.transaction(async (tx) => {
    for (let j = i; j < Math.min(items, i + batch); j++) {
      const key = `order-${j}`;
      const { rowCount } = await tx.run(
        sql`INSERT INTO crash_orders (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING`,
      );
      if (rowCount === 1) {
        await outbox.enqueue(tx, { topic: TOPIC, key, payload: { order: j, amount: 10n ** 20n } });
      }
    }
  });
  i += batch;
}

// Work until every item is done.
for (;;) {
  const claims = await outbox.claim(store, {
    worker,
    topics: [TOPIC],
    limit: 1 + random(4),
    leaseMs: 250,
  });
  if (claims.length === 0) {
    const open = await store.get<{ n: unknown }>(
      sql`SELECT COUNT(*) AS n FROM kessai_outbox WHERE topic = ${TOPIC} AND status <> 'done'`,
    );
    if (Number(open!.n) === 0) break;
    await sleep(20 + random(30));
    continue;
  }
  for (const c of claims) {
    appendFileSync(log, `${c.key} ${c.attempt} ${worker}\n`); // the effect, at least once
    await sleep(random(15));
    try {
      await store.transaction(async (tx) => {
        await outbox.complete(tx, c, { worker, attempt: c.attempt });
        await tx.run(
          sql`INSERT INTO crash_effects (key, worker, attempt) VALUES (${c.key}, ${worker}, ${c.attempt})`,
        );
      });
    } catch (e) {
      if (e instanceof OutboxLeaseLostError) continue; // its lease expired meanwhile
      if (e instanceof UniqueViolationError) {
        console.error(`${c.key} completed twice`);
        process.exit(3);
      }
      throw e;
    }
  }
}
await store.close();
