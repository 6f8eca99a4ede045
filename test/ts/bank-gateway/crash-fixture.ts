/**
 * The gateway's kill -9 run (crash.test.ts, crash-skewed-clock.test.ts): the gateway runs as a
 * child process against a `hardhat node` (a separate process, one for both back ends, each
 * deploying its own DCJPY), while the test drives random issuance and redemption requests over the
 * API from 3 firms (some sent again with the same Idempotency-Key), redemptions, transfers and
 * issuance requests on chain. The gateway kills itself at random crash points (after the hold,
 * before and after the send, before and after crediting events) and the test kills it at random
 * times; it is started again each time (from its script compiled once per run, so a restart costs
 * Node's start, not a TypeScript compile). At the end a last gateway drains everything, and: the
 * dedicated account equals DCJPY's supply, every Issued and Redeemed event is posted exactly once
 * (reconciliation finds no difference), no issuance was minted twice, every hold was posted or
 * voided, and no deposit balance is negative.
 */
import { writeFile } from "node:fs/promises";
import { expect } from "chai";
import { Wallet } from "ethers";
import { openStore, sql, toBigInt } from "@kessai/storage";
import {
  tempSqliteDir,
  freePort,
  type TempSqliteDir,
} from "../../../packages/storage/src/testing/index.js";
import { contracts, withNonceQueue } from "../../../packages/sdk/src/index.js";
import { nodeKey, rpcProvider, startHardhatNode, type HardhatNode } from "../sdk/hardhat-node.js";
import { bundledScript, spawnChild, type Child } from "../crash-child.js";
import { describeBackends } from "../storage/backends.js";
import { OPERATOR_HASH, OPERATOR_KEY, databaseUrl, deployDcjpyOverRpc, ref } from "./helpers.js";

const FIRM_ACCOUNTS = [4, 5, 6];

/** The gateway script (packages/bank-gateway/test/crash-gateway.ts), bundled once per run. */
const gateway = bundledScript("bank-gateway", "crash-gateway");

/** One `hardhat node` for both back ends (each deploys its own DCJPY); stopped after the run. */
let sharedNode: Promise<HardhatNode> | undefined;
after(async function () {
  this.timeout(30_000);
  const node = sharedNode;
  sharedNode = undefined;
  await node?.then(
    (n) => n.stop(),
    () => undefined,
  );
  await gateway.remove();
});

/**
 * The gateway as a child process: killing itself with probability `crashP` at each crash point,
 * on a host whose clock is `skewMs` off the real one (its `Date`; 0: not skewed).
 */
const spawnGateway = (script: string, configFile: string, crashP: number, skewMs = 0): Child =>
  spawnChild(script, configFile, {
    KESSAI_CRASH_P: String(crashP),
    KESSAI_CLOCK_SKEW_MS: String(skewMs),
  });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** How a run goes: its rounds, and each child's host clock (ms off the real one). */
export interface CrashRun {
  title: string;
  rounds: number;
  /** Per child: the first (opens the firms, -1), each round's (0..rounds-1), the last (rounds). */
  skewMs?: (child: number) => number;
  timeoutMs: number;
}

/**
 * The kill -9 run on SQLite and PostgreSQL: firms opened by a first gateway, `rounds` gateways
 * killed (by themselves at crash points, or by the test), a last one drained; then nothing lost
 * and nothing done twice.
 */
export function describeCrashRuns(run: CrashRun): void {
  const ROUNDS = run.rounds;
  const skew = run.skewMs ?? (() => 0);
  describeBackends(run.title, (backend) => {
    let tmp: TempSqliteDir;
    const children: Child[] = [];
    before(async () => (tmp = await tempSqliteDir()));
    after(async function () {
      this.timeout(30_000);
      for (const c of children) c.proc.kill("SIGKILL");
      await tmp?.remove();
    });

    it(`loses and repeats nothing across ${ROUNDS} rounds of crashes and restarts`, async function () {
      this.timeout(run.timeoutMs);
      const [node, script] = await Promise.all([
        (sharedNode ??= startHardhatNode()),
        gateway.script(),
      ]);
      const provider = rpcProvider(node.url);
      const addresses = { depositToken: await deployDcjpyOverRpc(provider, { admin: 0, bank: 2 }) };
      const dbUrl = await databaseUrl(backend());
      const port = await freePort();
      const configFile = tmp.file("gateway.json");
      await writeFile(
        configFile,
        JSON.stringify({
          database: { url: dbUrl },
          http: { port },
          chain: {
            rpcUrl: node.url,
            chainId: 31337,
            privateKey: nodeKey(2),
            depositToken: addresses.depositToken,
            confirmations: 2,
            pollIntervalMs: 50,
          },
          auth: { operatorKeySha256: [OPERATOR_HASH] },
          worker: {
            intervalMs: 20,
            leaseMs: 2_000,
            backoff: { initialDelayMs: 50, maxDelayMs: 500 },
          },
        }),
      );
      const base = `http://127.0.0.1:${port}`;
      const call = async (
        method: string,
        p: string,
        key: string,
        body?: unknown,
        idem?: string,
      ) => {
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        if (body !== undefined) headers["content-type"] = "application/json";
        if (idem) headers["idempotency-key"] = idem;
        const res = await fetch(`${base}${p}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(5_000),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const mine = () => provider.send("evm_mine", []);

      // A first gateway (no crashes) opens and funds the firms.
      let child = spawnGateway(script, configFile, 0, skew(-1));
      children.push(child);
      const exited = async (c: Child) => {
        const e = await Promise.race([c.exit, sleep(0)]);
        return e ? `gateway exited (${e.code ?? e.signal}): ${e.stderr}` : "";
      };
      expect(await child.url, await exited(child)).to.be.a("string");
      const firms: {
        id: string;
        key: string;
        account: string;
        wallet: ReturnType<typeof withNonceQueue>;
        address: string;
      }[] = [];
      for (const i of FIRM_ACCOUNTS) {
        const wallet = new Wallet(nodeKey(i), provider);
        const r = await call("POST", "/v1/admin/firms", OPERATOR_KEY, {
          id: `firm-${i}`,
          name: `Firm ${i}`,
          dcjpyAddress: wallet.address,
        });
        expect(r.status, JSON.stringify(r.body)).to.equal(201);
        await call(
          "POST",
          "/v1/admin/deposits",
          OPERATOR_KEY,
          { firmId: `firm-${i}`, amount: 5_000_000 },
          `fund-${i}`,
        );
        firms.push({
          id: `firm-${i}`,
          key: r.body.apiKey,
          account: r.body.account.id,
          wallet: withNonceQueue(wallet),
          address: wallet.address,
        });
      }
      for (let i = 0; i < 100; i++) {
        const open = await Promise.all(
          firms.map((f) => call("GET", `/v1/admin/firms/${f.id}`, OPERATOR_KEY)),
        );
        if (open.every((r) => r.body.status === "open")) break;
        await sleep(50);
      }
      child.proc.kill("SIGKILL");
      // its host's clock as asked (the child says so)
      const opened = await child.exit;
      if (skew(-1) !== 0) expect(opened.stderr).to.include(`(${skew(-1)} ms off)`);

      const dcjpyOf = (f: (typeof firms)[number]) =>
        contracts.DepositToken__factory.connect(addresses.depositToken, f.wallet);
      const keys: string[] = [];
      let seq = 0;
      const stats = { requests: 0, chainOps: 0, selfKills: 0, kills: 0 };
      const points = new Map<string, number>();
      /** One random action; failures (a dead gateway, a revert) are part of the game. */
      const act = async () => {
        const f = pick(firms);
        const roll = Math.random();
        try {
          if (roll < 0.4) {
            // A new issuance request, or an old key again (same body).
            const again = keys.length > 0 && Math.random() < 0.3;
            const k = again ? pick(keys) : `${f.id}:iss:${++seq}`;
            const owner = firms.find((x) => k.startsWith(`${x.id}:`))!;
            const amount = 1_000 + (Number(k.split(":").pop()) % 97) * 10;
            if (!again) keys.push(k);
            stats.requests++;
            await call("POST", "/v1/issuances", owner.key, { account: owner.account, amount }, k);
          } else if (roll < 0.55) {
            stats.requests++;
            await call("POST", "/v1/redemptions", f.key, { amount: 500 }, `${f.id}:red:${++seq}`);
          } else if (roll < 0.7) {
            stats.chainOps++;
            await (await dcjpyOf(f).redeem(300n, ref(`own-${++seq}-${Math.random()}`))).wait();
          } else if (roll < 0.85) {
            stats.chainOps++;
            const to = pick(firms.filter((x) => x !== f));
            await (await dcjpyOf(f).transfer(to.address, 200n)).wait();
          } else {
            stats.chainOps++;
            const depositRef = (await call("GET", `/v1/admin/firms/${f.id}`, OPERATOR_KEY)).body
              .depositAccountRef;
            await (await dcjpyOf(f).requestIssuance(700n, depositRef)).wait();
          }
        } catch {
          /* the gateway is down, or the chain refused: fine */
        }
      };

      for (let round = 0; round < ROUNDS; round++) {
        child = spawnGateway(script, configFile, 0.02, skew(round));
        children.push(child);
        let alive = (await child.url) !== undefined;
        // Killed at a random moment after 1.5 to 3 s, once the round has made two requests and two
        // chain operations (a loaded machine makes fewer per second), and at most 30 s.
        const deadline = Date.now() + 1_500 + Math.random() * 1_500;
        const cap = Date.now() + 30_000;
        const { requests, chainOps } = stats;
        const busy = () => stats.requests - requests < 2 || stats.chainOps - chainOps < 2;
        while (alive && Date.now() < cap && (Date.now() < deadline || busy())) {
          await Promise.all([act(), act(), mine()]);
          alive = child.proc.exitCode === null && child.proc.signalCode === null;
        }
        if (alive) {
          child.proc.kill("SIGKILL");
          stats.kills++;
        } else stats.selfKills++;
        const { signal, code, stderr } = await child.exit;
        if (signal !== "SIGKILL") expect.fail(`gateway exited with ${code}: ${stderr}`);
        const point = /crash at (\S+)/.exec(stderr)?.[1];
        if (point) points.set(point, (points.get(point) ?? 0) + 1);
      }

      // The last gateway runs without crashes until everything is done.
      child = spawnGateway(script, configFile, 0, skew(ROUNDS));
      children.push(child);
      expect(await child.url).to.be.a("string");
      let report: any;
      for (let i = 0; i < 400; i++) {
        await mine();
        const m = await fetch(`${base}/metrics`).then((r) => r.text());
        const depth = Number(/^gateway_outbox_depth (\d+)/m.exec(m)?.[1]);
        const open = [
          ...m.matchAll(/^gateway_issuances\{state="(pending|sent|mined|rejecting)"\} (\d+)/gm),
        ].reduce((s, x) => s + Number(x[2]), 0);
        if (depth === 0 && open === 0) {
          await mine();
          await mine();
          await mine();
          await sleep(300);
          report = (await call("GET", "/v1/admin/reconciliation", OPERATOR_KEY)).body;
          if (report.ok && report.pendingHolds.count === 0) break;
        }
        await sleep(50);
      }
      child.proc.kill("SIGTERM");
      await child.exit;

      expect(report, "drained").to.not.equal(undefined);
      expect(report.differences).to.deep.equal([]);
      expect(report.totalsMismatches).to.deep.equal([]);
      expect(report.dedicatedPosted).to.equal(report.totalSupply);
      expect(report.pendingHolds.count).to.equal(0);
      expect(report.suspense).to.deep.equal({ posted: "0", postings: 0 });

      const store = await openStore(dbUrl);
      try {
        // No deposit balance below zero.
        const negative = await store.all(
          sql`SELECT id FROM gw_accounts WHERE kind = 'deposit' AND credits_posted - debits_posted - debits_pending < 0`,
        );
        expect(negative).to.deep.equal([]);
        // One issuance per key: a key's issuance minted at most once, and what is issued is what was minted.
        const issued = await store.get<{ n: unknown; total: unknown }>(
          sql`SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS total FROM gw_issuances WHERE state = 'issued'`,
        );
        const dcjpy = contracts.DepositToken__factory.connect(addresses.depositToken, provider);
        const events = await dcjpy.queryFilter(dcjpy.filters.Issued(), 0, "latest");
        expect(events.length).to.equal(Number(issued!.n));
        expect(new Set(events.map((e) => e.args.bankReference)).size).to.equal(events.length);
        expect(await dcjpy.totalIssued()).to.equal(toBigInt(issued!.total));
        const stuck = await store.all(
          sql`SELECT id, state FROM gw_issuances WHERE state NOT IN ('issued', 'failed', 'rejected')`,
        );
        expect(stuck).to.deep.equal([]);
        // The run did something: requests, chain operations, crashes and mints.
        // At least two of each in every round the test killed (one that crashed itself may have
        // died before any).
        expect(stats.requests).to.be.at.least(Math.max(1, 2 * stats.kills));
        expect(stats.chainOps).to.be.at.least(Math.max(1, 2 * stats.kills));
        expect(stats.selfKills + stats.kills).to.equal(ROUNDS);
        expect(events.length).to.be.greaterThan(0);
        console.log(
          `      ${backend().dialect}: ${stats.requests} API requests, ${stats.chainOps} chain operations, ${stats.selfKills} crashes at crash points + ${stats.kills} kills; ${events.length} issuances, ${report.events.redeemed} redemptions reconciled, supply ${report.totalSupply}; crash points ${JSON.stringify(Object.fromEntries(points))}`,
        );
      } finally {
        await store.close();
        provider.destroy();
      }
    });
  });
}
