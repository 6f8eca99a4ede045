/**
 * The bank gateway's performance, each figure beside a floor measured in the same run:
 *
 * - `throughput.gateway.issue.<db>.<n>`: issuance requests per second end to end — n requests
 *   posted at once to the API (5 firms), each held in the ledger, issued on chain through the
 *   SDK's engine (journal in the database), and finalised (the hold posted when the watcher
 *   applies the Issued event; confirmations 0: the event's own block, as a receipt is) — against
 *   a `hardhat node` (separate process, JSON-RPC, automine). Floor: `throughput.raw.issue.<n>`,
 *   the same n `issue` transactions sent at once with ethers (TypeChain contract, a Wallet with
 *   NonceManager, gas estimated, each awaiting its receipt) on the same node, by a bank key of its
 *   own (each gateway and the floor send from their own key to their own DCJPY deployment, so no
 *   two senders share a nonce sequence).
 *   Rounds alternate raw / gateway (`--rounds`, 3 by default: PostgreSQL beside a busy node
 *   swings), the best of each counts, and every round prints its rates, their ratios and the
 *   machine's load (`os.loadavg`, as `uptime` shows it). Target: gateway ≥ 0.8 × raw.
 *   Both back ends commit as in production: SQLite in WAL mode with `synchronous = FULL` (the
 *   store's setting), PostgreSQL with fsync and synchronous_commit on (`--pg-commit fast` turns
 *   them off, as the test server does).
 * - `throughput.gateway.intake.<db>.<n>`: the same requests accepted per second, each response
 *   sent once its hold, issuance and outbox item are committed (before anything reaches the
 *   chain): what the API and the ledger take in, without the chain. Floor: the raw rate above.
 * - `throughput.gateway.ledger.<db>.<n>`: ledger postings per second (balanced transfers between
 *   deposit accounts with every constraint and trigger of the schema, accounts locked in ID order,
 *   8 writers at once). Floor: `throughput.storage.insert.<db>.<n>`, transactions of one bare
 *   INSERT into a table without constraints, on the same store, 8 writers at once.
 * - `time.gateway.reconcile.<db>.<n>`: the reconciliation (`reconcile`: the set-based match of
 *   every Issued event with its posting, the running totals recomputed from the transfers, holds,
 *   suspense) over n postings and n events generated in bulk by SQL. Floor:
 *   `time.gateway.reconcile-scan.<db>.<n>`, one aggregate scan of the same transfers and events.
 *
 * Run: `node bench/gateway.mjs [--quick] [--out FILE]` (runs this file with `hardhat run`, passing
 * the flags in KESSAI_GATEWAY_BENCH_OPTIONS); `npm run bench` runs it and adds its rows.
 */
import { writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { NonceManager, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { pino } from "pino";
import { cursors, openStore, sql, toBigInt, type Store } from "@kessai/storage";
import { startTestPostgres, tempSqliteDir, type TestPostgres } from "@kessai/storage/testing";
import {
  DEDICATED_ACCOUNT,
  FUNDING_ACCOUNT,
  WATCH_CONSUMER,
  gatewayMigrations,
  insertFirm,
  ledger,
  reconcile,
  start,
} from "../packages/bank-gateway/src/index.js";
import { contracts } from "../packages/sdk/src/index.js";
import {
  nodeAddress,
  nodeKey,
  rpcProvider,
  startHardhatNode,
} from "../test/ts/sdk/hardhat-node.js";
import {
  OPERATOR_HASH,
  OPERATOR_KEY,
  deployDcjpyOverRpc,
} from "../test/ts/bank-gateway/helpers.js";
import { bankLedger, reconcileContext } from "../test/ts/bank-gateway/bank-ledger.js";

/** A row as bench/run.ts adds it (with its description and the name of its floor row). */
export interface GatewayRow {
  name: string;
  unit: string;
  value: number;
  description: string;
  floorName?: string;
}

interface Options {
  quick: boolean;
  out: string;
  /** Measure one part only. */
  only?: "issuance" | "ledger";
  /** Issuance on one back end only. */
  db?: "sqlite" | "postgres";
  /**
   * Where PostgreSQL issuance time goes: pg_stat_statements (top statements by total time) and
   * pg_stat_activity sampled every 10 ms (what each backend does: running, waiting on a lock, or
   * idle in a transaction while the gateway computes or waits on a round trip). Printed, no row.
   */
  profile: boolean;
  /** Issuance rounds (raw and each gateway alternating); the best of each counts. */
  rounds?: number;
  /**
   * PostgreSQL's commits: `durable` (the default, as in production: fsync and synchronous_commit
   * on, each commit waits for its WAL flush) or `fast` (the test server's: both off).
   */
  "pg-commit": "durable" | "fast";
}
const raw = JSON.parse(process.env.KESSAI_GATEWAY_BENCH_OPTIONS ?? "{}") as Partial<Options>;
const opts: Options = {
  quick: raw.quick === true,
  out: raw.out ?? "bench/results.gateway.json",
  only: raw.only,
  db: raw.db,
  profile: raw.profile === true,
  rounds: raw.rounds,
  "pg-commit": raw["pg-commit"] ?? "durable",
};
const PLAN = opts.quick
  ? {
      issuances: 20,
      rounds: 1,
      issueDbs: ["sqlite"] as const,
      ledgerDbs: ["sqlite"] as const,
      postings: 200,
      reconcile: { sqlite: 1_000, postgres: 1_000 },
    }
  : {
      issuances: 200,
      rounds: 3,
      issueDbs: ["sqlite", "postgres"] as const,
      ledgerDbs: ["sqlite", "postgres"] as const,
      postings: 2_000,
      reconcile: { sqlite: 100_000, postgres: 100_000 },
    };
const WRITERS = 8;
/**
 * Bank keys: one per sender, so that no two senders share a nonce sequence (the raw floor's
 * NonceManager and each gateway's engine count their own). Each sender issues on its own DCJPY
 * deployment (same bytecode, same node), so the gateways' firms can be the same accounts.
 */
const RAW_BANK = 3;
const GATEWAY_BANK = { sqlite: 2, postgres: 9 } as const;
/** Firms of each gateway (accounts 4..8) and the raw floor's receivers (10..14). */
const GATEWAY_FIRMS = [4, 5, 6, 7, 8];
const RAW_RECEIVERS = [10, 11, 12, 13, 14];

const silent = pino({ level: "silent" });
const rows: GatewayRow[] = [];
const t0 = performance.now();
const log = (m: string) =>
  console.error(`[gateway bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
/** The machine's load averages (1, 5, 15 min), as `uptime` prints them. */
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
const ref = (s: string) => keccak256(toUtf8Bytes(s));
/** How a back end's commits reach the disk in this run, for the rows' descriptions. */
const commits = (db: "sqlite" | "postgres") =>
  db === "sqlite"
    ? "WAL, synchronous = FULL"
    : opts["pg-commit"] === "durable"
      ? "fsync and synchronous_commit on"
      : "fsync and synchronous_commit off";

let pg: TestPostgres | undefined;
const tmp = await tempSqliteDir();
async function databaseUrl(db: "sqlite" | "postgres"): Promise<string> {
  if (db === "sqlite") return `sqlite:${tmp.file()}`;
  pg ??= await startTestPostgres({
    fast: opts["pg-commit"] === "fast",
    flags: opts.profile
      ? ["-c", "shared_preload_libraries=pg_stat_statements", "-c", "pg_stat_statements.track=all"]
      : [],
  });
  return pg.createDatabase();
}

/** Runs `n` tasks with `k` at a time. */
async function pool(n: number, k: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(k, n) }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

// ---- issuance requests per second, end to end, against raw ethers --------------------------

async function issuanceRows() {
  const node = await startHardhatNode();
  const provider = rpcProvider(node.url);
  try {
    const n = PLAN.issuances;
    // Raw ethers: its own bank key and DCJPY, its receivers' accounts opened first.
    const token = await deployDcjpyOverRpc(provider, { admin: 0, bank: RAW_BANK });
    const bank = new NonceManager(new Wallet(nodeKey(RAW_BANK), provider));
    const dcjpy = contracts.DepositToken__factory.connect(token, bank);
    await Promise.all(
      RAW_RECEIVERS.map(async (i) =>
        (await dcjpy.openAccount(nodeAddress(i), ref(`raw-account-${i}`))).wait(),
      ),
    );
    let seq = 0;
    const rawRound = async () => {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const to = nodeAddress(RAW_RECEIVERS[i % RAW_RECEIVERS.length]!);
          const tx = await dcjpy.issue(to, 1_000n + BigInt(i), ref(`raw-${++seq}`));
          await tx.wait();
        }),
      );
      return n / ((performance.now() - started) / 1000);
    };

    const gateways = [];
    for (const db of PLAN.issueDbs.filter((d) => opts.db === undefined || d === opts.db)) {
      const gatewayToken = await deployDcjpyOverRpc(provider, { admin: 0, bank: GATEWAY_BANK[db] });
      const url = await databaseUrl(db);
      const g = await start(
        {
          database: { url },
          http: { port: 0 },
          chain: {
            rpcUrl: node.url,
            chainId: 31337,
            privateKey: nodeKey(GATEWAY_BANK[db]),
            depositToken: gatewayToken,
            confirmations: 0,
            pollIntervalMs: 20,
          },
          auth: { operatorKeySha256: [OPERATOR_HASH] },
          worker: { intervalMs: 5, batch: 256 },
          log: { level: "silent" },
        },
        { logger: silent },
      );
      const operator = g.client(OPERATOR_KEY);
      const firms = [];
      for (const i of GATEWAY_FIRMS) {
        const f = await operator.createFirm({
          id: `firm-${i}`,
          name: `Firm ${i}`,
          dcjpyAddress: nodeAddress(i),
        });
        await operator.fundDeposit({ firmId: `firm-${i}`, amount: 10n ** 12n });
        firms.push({ client: g.client(f.apiKey), account: f.account.id });
      }
      for (;;) {
        const all = await operator.listFirms();
        if (all.every((f) => f.status === "open")) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      gateways.push({ db, url, g, firms, best: 0, intake: 0 });
    }
    let rawBest = 0;
    const rounds = opts.rounds ?? PLAN.rounds;
    for (let r = 0; r < rounds; r++) {
      const rawRate = await rawRound();
      rawBest = Math.max(rawBest, rawRate);
      const line = [`raw ${round1(rawRate)}/s`];
      for (const gw of gateways) {
        const issued = async () =>
          Number(
            toBigInt(
              (await gw.g.ctx.store.get<{ n: unknown }>(
                sql`SELECT COUNT(*) AS n FROM gw_issuances WHERE state = 'issued'`,
              ))!.n,
            ),
          );
        const before = await issued();
        const profiler = opts.profile && gw.db === "postgres" ? await profile(gw.url) : undefined;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: n }, (_, i) => {
            const f = gw.firms[i % gw.firms.length]!;
            return f.client.requestIssuance({ account: f.account, amount: 1_000n + BigInt(i) });
          }),
        );
        const accepted = performance.now();
        while ((await issued()) < before + n) await new Promise((res) => setTimeout(res, 5));
        const rate = n / ((performance.now() - started) / 1000);
        const intake = n / ((accepted - started) / 1000);
        gw.best = Math.max(gw.best, rate);
        gw.intake = Math.max(gw.intake, intake);
        line.push(
          `${gw.db} ${round1(rate)}/s (${round2(rate / rawRate)}× raw; intake ${round1(intake)}/s)`,
        );
        if (profiler) {
          log(
            `profile ${gw.db}: ${round1(rate)}/s; all ${n} accepted after ${Math.round(accepted - started)} ms, all issued after ${Math.round(performance.now() - started)} ms`,
          );
          await profiler.report();
        }
        const rec = await gw.g.client(OPERATOR_KEY).reconcile();
        if (!rec.ok || rec.pendingHolds.count !== 0)
          throw new Error(`${gw.db}: the gateway does not reconcile after a round`);
      }
      log(`issuance round ${r + 1}/${rounds}: ${line.join(", ")}; load ${load()}`);
    }
    log(
      `issuance best of ${rounds}: raw ${round1(rawBest)}/s, ${gateways.map((g) => `${g.db} ${round1(g.best)}/s = ${round2(g.best / rawBest)}× raw (intake ${round1(g.intake)}/s)`).join(", ")}; load ${load()}`,
    );
    const floor = `throughput.raw.issue.${n}`;
    rows.push({
      name: floor,
      unit: "issuances/s",
      value: round1(rawBest),
      description: `DCJPY issue, ${n} at once, raw ethers (TypeChain, Wallet + NonceManager), hardhat node`,
    });
    for (const gw of gateways) {
      rows.push({
        name: `throughput.gateway.issue.${gw.db}.${n}`,
        unit: "issuances/s",
        value: round1(gw.best),
        description: `${n} issuance requests at once, API → ledger hold → issue (SDK engine, journal in ${gw.db}, ${commits(gw.db)}) → hold posted, hardhat node, best of ${rounds} rounds alternating with the floor's (load ${load()} at the end)`,
        floorName: floor,
      });
      rows.push({
        name: `throughput.gateway.intake.${gw.db}.${n}`,
        unit: "requests/s",
        value: round1(gw.intake),
        description: `${n} issuance requests at once, API → hold, issuance and outbox item committed (before the chain), ${gw.db} (${commits(gw.db)})`,
        floorName: floor,
      });
      await gw.g.stop();
    }
  } finally {
    provider.destroy();
    await node.stop();
  }
}

/**
 * PostgreSQL's view of a round (see Options.profile): resets pg_stat_statements, samples
 * pg_stat_activity every 10 ms until `report()`, which prints both.
 */
async function profile(url: string) {
  const { default: pgDriver } = await import("pg");
  const c = new pgDriver.Client({ connectionString: url });
  await c.connect();
  await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  await c.query("SELECT pg_stat_statements_reset()");
  const samples = new Map<string, number>();
  let total = 0;
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      const r = await c.query<{ state: string; wait: string | null; query: string }>(
        `SELECT state, wait_event_type || ':' || wait_event AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND state <> 'idle'`,
      );
      total++;
      for (const row of r.rows) {
        const k = `${row.state.padEnd(20)} ${(row.wait ?? "-").padEnd(28)} ${row.query}`;
        samples.set(k, (samples.get(k) ?? 0) + 1);
      }
      await new Promise((res) => setTimeout(res, 10));
    }
  })();
  return {
    async report() {
      stop = true;
      await sampler;
      const top = [...samples].sort((a, b) => b[1] - a[1]).slice(0, 25);
      console.error(`  pg_stat_activity, ${total} samples (backends per sample by what they do):`);
      for (const [k, v] of top) console.error(`  ${(v / total).toFixed(2).padStart(6)}  ${k}`);
      const st = await c.query<{ calls: string; total: number; mean: number; query: string }>(
        `SELECT calls, round(total_exec_time::numeric, 1)::float AS total, round(mean_exec_time::numeric, 3)::float AS mean,
           left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ORDER BY total_exec_time DESC LIMIT 25`,
      );
      console.error("  pg_stat_statements (calls, total ms, mean ms):");
      for (const r of st.rows)
        console.error(
          `  ${String(r.calls).padStart(7)} ${String(r.total).padStart(9)} ${String(r.mean).padStart(8)}  ${r.query}`,
        );
      const calls = await c.query<{ n: string }>(
        `SELECT sum(calls) AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      console.error(`  statements in all: ${calls.rows[0]?.n}`);
      await c.end();
    },
  };
}

// ---- ledger postings per second ---------------------------------------------------------------

async function ledgerRows(db: "sqlite" | "postgres") {
  const n = PLAN.postings;
  const store = await openStore(await databaseUrl(db));
  try {
    await store.migrate([gatewayMigrations]);
    const accounts = Array.from({ length: 20 }, (_, i) => `dep_f${i}`);
    await store.transaction(async (tx) => {
      await ledger.createAccount(tx, {
        id: FUNDING_ACCOUNT,
        kind: "funding",
        allowOverdraft: true,
      });
      for (let i = 0; i < accounts.length; i++) {
        await insertFirm(tx, {
          id: `f${i}`,
          name: `f${i}`,
          dcjpyAddress: nodeAddress(30 + i).toLowerCase(),
          depositAccountRef: ref(`f${i}`).toLowerCase(),
          now: new Date(),
        });
        await ledger.createAccount(tx, {
          id: accounts[i]!,
          kind: "deposit",
          firmId: `f${i}`,
          allowOverdraft: false,
        });
        await ledger.transfer(tx, {
          key: `fund-${i}`,
          kind: "posted",
          debitAccountId: FUNDING_ACCOUNT,
          creditAccountId: accounts[i]!,
          amount: 1_000_000n,
        });
      }
    });
    await store.run(
      sql`CREATE TABLE bench_floor (id ${sql.raw(db === "postgres" ? "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY")}, debit TEXT, credit TEXT, amount BIGINT)`,
    );
    const floorStarted = performance.now();
    await pool(n, WRITERS, (i) =>
      store.transaction(
        (tx) =>
          tx.run(
            sql`INSERT INTO bench_floor (debit, credit, amount) VALUES (${accounts[i % 20]!}, ${accounts[(i * 7 + 3) % 20]!}, ${1})`,
          ),
        { isolation: "read-committed" },
      ),
    );
    const floorRate = n / ((performance.now() - floorStarted) / 1000);
    const started = performance.now();
    await pool(n, WRITERS, (i) => {
      const a = i % 20;
      const b = (a + 1 + ((i * 7) % 19)) % 20;
      return store.transaction(
        (tx) =>
          ledger.transfer(tx, {
            key: `t-${i}`,
            kind: "posted",
            debitAccountId: accounts[a]!,
            creditAccountId: accounts[b]!,
            amount: 1n,
          }),
        { isolation: "read-committed" },
      );
    });
    const rate = n / ((performance.now() - started) / 1000);
    const floor = `throughput.storage.insert.${db}.${n}`;
    rows.push({
      name: floor,
      unit: "transactions/s",
      value: round1(floorRate),
      description: `one bare INSERT per transaction, no constraint, ${WRITERS} writers, ${db} (${commits(db)})`,
    });
    rows.push({
      name: `throughput.gateway.ledger.${db}.${n}`,
      unit: "postings/s",
      value: round1(rate),
      description: `balanced transfers between 20 deposit accounts (constraints, triggers, account locks), ${WRITERS} writers, ${db} (${commits(db)})`,
      floorName: floor,
    });
    log(`ledger ${db}: ${round1(rate)} postings/s (floor ${round1(floorRate)}/s)`);
  } finally {
    await store.close();
  }
}

// ---- reconciliation time for n postings --------------------------------------------------------

/** Rows of the generator per INSERT, each INSERT a transaction of its own (see generate). */
const SEED_CHUNK = 1_000;

/**
 * n posted issuances (funding → dedicated) and their n Issued events, written by SQL in chunks of
 * SEED_CHUNK rows: each chunk one multi-row INSERT … SELECT over a series, committed on its own.
 * Not one INSERT of n rows: the totals trigger updates the dedicated account's totals once per
 * posting, and on PostgreSQL n updates of one row inside one transaction grow quadratically (each
 * walks the chain of the row's versions the transaction made before; 100,000 did not finish in 8
 * minutes). A committed chunk's versions are pruned, so the work grows with n.
 */
async function generate(store: Store, db: "sqlite" | "postgres", n: number) {
  const perBlock = 100;
  for (let lo = 1; lo <= n; lo += SEED_CHUNK) {
    const hi = Math.min(n, lo + SEED_CHUNK - 1);
    if (db === "postgres") {
      await store.run(sql`INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, reference, created_at)
        SELECT 'bench:' || i, 'posted', ${FUNDING_ACCOUNT}, ${DEDICATED_ACCOUNT}, 1000 + i % 97,
          'issuance:0x' || lpad(to_hex(i), 64, '0'), now()
        FROM generate_series(${lo}::int, ${hi}::int) AS i`);
      await store.run(sql`INSERT INTO kessai_inbox (consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at)
        SELECT ${WATCH_CONSUMER}, 31337, i / ${perBlock}::int, '0x' || lpad(to_hex(i / ${perBlock}::int + 1), 64, '0'),
          '0x' || lpad(to_hex(i), 64, '0'), 0,
          jsonb_build_object('kind', 'issued', 'ref', 'issuance:0x' || lpad(to_hex(i), 64, '0'),
            'account', '0x' || lpad('1', 40, '0'), 'amount', (1000 + i % 97)::text), now()
        FROM generate_series(${lo}::int, ${hi}::int) AS i`);
    } else {
      // Bounds and perBlock as literals: a bound JS number is a REAL to SQLite (i / 100.0 is no
      // block, and the series would count in REALs).
      const [from, to, per] = [lo, hi, perBlock].map((x) => sql.raw(String(x)));
      const series = sql`WITH RECURSIVE s(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM s WHERE i < ${to})`;
      const now = sql.raw(`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`);
      await store.run(sql`INSERT INTO gw_transfers (transfer_key, kind, debit_account_id, credit_account_id, amount, reference, created_at)
        ${series} SELECT 'bench:' || i, 'posted', ${FUNDING_ACCOUNT}, ${DEDICATED_ACCOUNT}, 1000 + i % 97,
          'issuance:0x' || printf('%064x', i), ${now} FROM s`);
      await store.run(sql`INSERT INTO kessai_inbox (consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at)
        ${series} SELECT ${WATCH_CONSUMER}, 31337, i / ${per}, '0x' || printf('%064x', i / ${per} + 1),
          '0x' || printf('%064x', i), 0,
          json_object('kind', 'issued', 'ref', 'issuance:0x' || printf('%064x', i),
            'account', '0x' || printf('%040x', 1), 'amount', CAST(1000 + i % 97 AS TEXT)), ${now} FROM s`);
    }
  }
  const last = Math.floor(n / perBlock);
  await store.transaction((tx) =>
    cursors.advance(tx, {
      consumer: WATCH_CONSUMER,
      chainId: 31337,
      blockNumber: last,
      blockHash: `0x${(last + 1).toString(16).padStart(64, "0")}`,
    }),
  );
}

async function reconcileRows(db: "sqlite" | "postgres") {
  const n = PLAN.reconcile[db];
  const store = await openStore(await databaseUrl(db));
  try {
    await bankLedger(store);
    const genStarted = performance.now();
    await generate(store, db, n);
    const genMs = performance.now() - genStarted;
    const supply = (await store.get<{ s: unknown }>(
      sql`SELECT SUM(amount) AS s FROM gw_transfers`,
    ))!.s;
    const ctx = reconcileContext(store, 31337, toBigInt(supply));
    let scanMs = Infinity;
    let recMs = Infinity;
    for (let r = 0; r < 2; r++) {
      const s0 = performance.now();
      await store.transaction(
        async (tx) => {
          await tx.get(sql`SELECT COUNT(*) AS n, SUM(amount) AS s FROM gw_transfers`);
          await tx.get(
            sql`SELECT COUNT(*) AS n FROM kessai_inbox WHERE consumer = ${WATCH_CONSUMER}`,
          );
        },
        { readOnly: true },
      );
      scanMs = Math.min(scanMs, performance.now() - s0);
      const r0 = performance.now();
      const report = await reconcile(ctx);
      recMs = Math.min(recMs, performance.now() - r0);
      if (!report.ok || report.events.issued !== n)
        throw new Error(`reconciliation of the generated ledger failed on ${db}`);
    }
    const floor = `time.gateway.reconcile-scan.${db}.${n}`;
    rows.push({
      name: floor,
      unit: "ms",
      value: round1(scanMs),
      description: `one aggregate scan of the ${n} transfers and ${n} events, ${db}`,
    });
    rows.push({
      name: `time.gateway.reconcile.${db}.${n}`,
      unit: "ms",
      value: round1(recMs),
      description: `reconciliation over ${n} postings and ${n} Issued events (match by reference, totals from the transfers), ${db}`,
      floorName: floor,
    });
    log(
      `reconcile ${db}: ${round1(recMs)} ms over ${n} postings (scan ${round1(scanMs)} ms; generated in ${Math.round(genMs)} ms)`,
    );
  } finally {
    await store.close();
  }
}

try {
  if (opts.only !== "ledger") {
    log(
      `issuances (${PLAN.issuances} at once, ${PLAN.rounds} round(s); PostgreSQL ${commits("postgres")}, SQLite ${commits("sqlite")})`,
    );
    await issuanceRows();
  }
  if (opts.only !== "issuance") {
    for (const db of PLAN.ledgerDbs) {
      log(`ledger postings and reconciliation on ${db}`);
      await ledgerRows(db);
      await reconcileRows(db);
    }
  }
  await writeFile(opts.out, `${JSON.stringify({ rows }, null, 2)}\n`);
  log(`wrote ${opts.out}`);
} catch (e) {
  // A gateway left running (its loops, its pool) would keep the process alive: fail now.
  console.error(e);
  process.exitCode = 1;
} finally {
  await pg?.stop().catch(() => undefined);
  await tmp.remove().catch(() => undefined);
}
process.exit();
