/**
 * The two-ledger verifier service's latency and throughput (`bench/verifier.mjs`, run by
 * `bench/cli.mjs`), on two anvil processes (the ST ledger, chain 31338, and the cash ledger, chain
 * 31339; test/ts/verifier/two-nodes.ts deploys them) that mine a block every second once deployed
 * (`evm_setIntervalMining 1`, as `anvil --block-time 1`; deployment and funding run automined
 * first). The service runs as `kessai verifier start` runs it (`startVerifier`: SQLite file, HTTP
 * endpoints, silent log), with k confirmations and `pollMs` 250. Rows (bench/results.json format,
 * with descriptions and floor names):
 *
 * - **Latency**, in blocks of each ledger (the worst of L settlements locked, then instructed at
 *   once while the service runs): `latency.two-ledger.cash.instruction-to-decision` (the buyer's
 *   `instruct` to the `pay` that decides the outcome on the cash ledger),
 *   `latency.two-ledger.st.instruction-to-decision`, `latency.two-ledger.st.decision-to-delivery`
 *   (the `pay`'s block to the ST ledger's `deliver`; floor `latency.two-ledger.aim.decision-to-delivery`
 *   = k + 2, the aim), `latency.two-ledger.cash.decision-to-delivery`, and
 *   `latency.two-ledger.confirmations` (k). A block of one ledger is placed on the other's by the
 *   wall-clock time the bench first saw it (both heads polled every 50 ms).
 * - **Throughput**: `throughput.two-ledger.service.<n>` settlements/s, n settlements locked and
 *   instructed (confirmed) before the service starts, timed from its start until the bench sees
 *   all n `SettlementDelivered`; none lost (every one paid and delivered once: the service's
 *   account sent exactly n transactions on each ledger, every outbox item done). Floor
 *   `throughput.two-ledger.raw.<n>`: the same transactions (the verifier's `pay` with its order,
 *   then `deliver` with its attestation, signed as the service signs them) sent directly with
 *   ethers (a NonceManager per ledger, all n at once), each `deliver` as soon as its `pay` has the
 *   same k confirmations (the rule the service keeps: the ST ledger's attestation exists only
 *   then), timed the same way on fresh settlements. Rounds alternate; the best of each counts.
 *   Target: service ≥ 0.8 × floor.
 *
 * `--profile` prints when, after the service's start, the first and the last settlement reached
 * each phase (decided, `pay` confirmed, `deliver` confirmed), from its log lines; for each side,
 * the JSON-RPC requests per settlement, per ledger and method (both include the bench's own
 * polling for the deliveries), and the path of the process's CPU profile over its timed part.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import {
  AbiCoder,
  Contract,
  JsonRpcProvider,
  Wallet,
  id as keccakId,
  type JsonRpcPayload,
} from "ethers";
import { pino } from "pino";
import {
  Outcome,
  signOrder,
  signOutcome,
  startVerifier,
  type CrossLedgerTerms,
  type RunningVerifier,
} from "../packages/verifier/src/index.js";
import { nodeKey } from "../test/ts/sdk/hardhat-node.js";
import {
  BANK,
  BUYER,
  ISSUER,
  SELLER,
  VERIFIER,
  contractsOf,
  startTwoLedgers,
  termsFor,
  type TwoLedgers,
} from "../test/ts/verifier/two-nodes.js";
import type { GatewayRow } from "./gateway.js";

const opts = JSON.parse(process.env.KESSAI_VERIFIER_BENCH_OPTIONS ?? "{}") as {
  n?: number;
  k?: number;
  latency?: number;
  rounds?: number;
  out?: string;
  profile?: boolean;
};
const N = opts.n ?? 200;
const K = opts.k ?? 2;
const LATENCY = opts.latency ?? 3;
const ROUNDS = opts.rounds ?? 1;
const POLL_MS = 250;
const TERMS_TUPLE =
  "tuple(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t0 = performance.now();
const log = (m: string) =>
  console.log(`bench verifier [${((performance.now() - t0) / 1000).toFixed(1)}s]: ${m}`);

type Parties = Awaited<ReturnType<typeof contractsOf>>;

/** JSON-RPC requests by node URL and method, while `on` (every provider of the process). */
const rpcCalls = { on: false, byUrl: new Map<string, Map<string, number>>(), posts: 0 };
if (opts.profile) {
  const send = JsonRpcProvider.prototype._send;
  JsonRpcProvider.prototype._send = function (payload: JsonRpcPayload | JsonRpcPayload[]) {
    if (rpcCalls.on) {
      const url = this._getConnection().url;
      let m = rpcCalls.byUrl.get(url);
      if (!m) rpcCalls.byUrl.set(url, (m = new Map()));
      rpcCalls.posts++;
      for (const p of Array.isArray(payload) ? payload : [payload])
        m.set(p.method, (m.get(p.method) ?? 0) + 1);
    }
    return send.call(this, payload);
  };
}

/**
 * Counts JSON-RPC requests while `f` runs and prints them per settlement, and writes the process's
 * CPU profile over the same time to the system's temporary folder (`--profile`).
 */
async function countRpc<T>(label: string, l: TwoLedgers, f: () => Promise<T>): Promise<T> {
  if (!opts.profile) return f();
  rpcCalls.byUrl.clear();
  rpcCalls.posts = 0;
  rpcCalls.on = true;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await f();
  } finally {
    rpcCalls.on = false;
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    const file = path.join(os.tmpdir(), `kessai-verifier-bench-${label}-${Date.now()}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    console.log(`CPU profile, ${label}: ${file}`);
    const per = (n: number) => (n / N).toFixed(2);
    console.log(`JSON-RPC requests per settlement, ${label} (${per(rpcCalls.posts)} HTTP posts):`);
    for (const [side, url] of [
      ["st", l.st.node.url],
      ["cash", l.cash.node.url],
    ] as const) {
      const m = [...(rpcCalls.byUrl.get(url) ?? new Map<string, number>())].sort(
        (a, b) => b[1] - a[1],
      );
      const total = m.reduce((a, [, n]) => a + n, 0);
      console.log(`  ${side}: ${per(total)} (${m.map(([k, n]) => `${k} ${per(n)}`).join(", ")})`);
    }
  }
}

/** Runs `jobs` with at most `width` in flight. */
async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return out;
}

/** First time (performance.now()) the bench saw each block of each ledger; polled every 50 ms. */
class HeadClock {
  readonly seen = { st: new Map<number, number>(), cash: new Map<number, number>() };
  private stopped = false;
  private readonly done: Promise<void>;
  constructor(private readonly l: TwoLedgers) {
    this.done = this.run();
  }
  private async run() {
    const last = { st: -1, cash: -1 };
    while (!this.stopped) {
      const [st, cash] = await Promise.all([
        this.l.st.provider.getBlockNumber(),
        this.l.cash.provider.getBlockNumber(),
      ]);
      const now = performance.now();
      for (const [side, head] of [
        ["st", st],
        ["cash", cash],
      ] as const) {
        if (last[side] < 0) last[side] = head - 1;
        for (let b = last[side] + 1; b <= head; b++) this.seen[side].set(b, now);
        last[side] = Math.max(last[side], head);
      }
      await sleep(50);
    }
  }
  /** The newest block of `side` the bench had seen at `time`. */
  at(side: "st" | "cash", time: number): number {
    let best = -1;
    for (const [b, t] of this.seen[side]) if (t <= time && b > best) best = b;
    return best;
  }
  time(side: "st" | "cash", block: number): number {
    const t = this.seen[side].get(block);
    if (t === undefined) throw new Error(`${side} block ${block} never seen`);
    return t;
  }
  async stop() {
    this.stopped = true;
    await this.done;
  }
}

async function main() {
  const l = await startTwoLedgers();
  const dir = await mkdtemp(path.join(os.tmpdir(), "kessai-verifier-bench-"));
  const rows: GatewayRow[] = [];
  const running: RunningVerifier[] = [];
  try {
    const seller = await contractsOf(l, SELLER);
    const buyer = await contractsOf(l, BUYER);
    const verifier = await contractsOf(l, VERIFIER);
    const attester = new Wallet(nodeKey(VERIFIER));
    const base = await termsFor(l, "kessai.bench.verifier", { deadlineIn: 864_000 });
    const total = 2 * N * ROUNDS + LATENCY;
    // Funding, automined: the seller's units, the buyer's DCJPY and its allowance.
    const issuer = await contractsOf(l, ISSUER);
    const bank = await contractsOf(l, BANK);
    await Promise.all([
      (
        await issuer.bond.issue(base.seller, "0x" + "00".repeat(20), base.quantity * BigInt(total))
      ).wait(),
      (
        await bank.dcjpy.issue(base.buyer, base.amount * BigInt(total), keccakId("bench.debit"))
      ).wait(),
    ]);
    await (await buyer.dcjpy.approve(l.addr.payment, 2n ** 255n)).wait();
    // From here on, a block a second on each ledger.
    for (const node of [l.st.node, l.cash.node]) {
      await node.rpc("evm_setAutomine", [false]);
      await node.rpc("evm_setIntervalMining", [1]);
    }
    log(`two anvil nodes mining a block a second; k = ${K}`);
    let seq = 0;
    const fresh = (n: number): CrossLedgerTerms[] =>
      Array.from({ length: n }, () => ({
        ...base,
        id: keccakId(`kessai.bench.verifier.${++seq}`),
      }));
    const heads = async () => ({
      st: await l.st.provider.getBlockNumber(),
      cash: await l.cash.provider.getBlockNumber(),
    });
    const lockAll = (ts: CrossLedgerTerms[]) => partiesStep(ts, seller, "lock");
    const instructAll = (ts: CrossLedgerTerms[]) => partiesStep(ts, buyer, "instruct");
    /** Waits until both ledgers have k more blocks (the parties' steps confirmed). */
    const confirmed = async () => {
      const h = await heads();
      while ((await heads()).st < h.st + K || (await heads()).cash < h.cash + K) await sleep(100);
    };
    const serviceConfig = (from: { st: number; cash: number }, db: string) => ({
      database: { url: `sqlite:${path.join(dir, db)}` },
      st: { rpcUrl: l.st.node.url, contract: l.addr.delivery, fromBlock: from.st },
      cash: { rpcUrl: l.cash.node.url, contract: l.addr.payment, fromBlock: from.cash },
      privateKey: nodeKey(VERIFIER),
      confirmations: K,
      pollMs: POLL_MS,
      http: { port: 0 },
      log: { level: "info" as const },
    });
    /** Seconds until all of `ts` are delivered on the ST ledger, as the bench sees it. */
    const untilDelivered = async (ts: CrossLedgerTerms[], fromSt: number, started: number) => {
      const ids = new Set(ts.map((t) => t.id.toLowerCase()));
      const seen = new Set<string>();
      const topic = verifier.delivery.interface.getEvent("SettlementDelivered")!.topicHash;
      let from = fromSt;
      for (;;) {
        const head = await l.st.provider.getBlockNumber();
        if (head >= from) {
          const logs = await l.st.provider.getLogs({
            address: l.addr.delivery,
            topics: [topic],
            fromBlock: from,
            toBlock: head,
          });
          for (const x of logs) if (ids.has(x.topics[1]!.toLowerCase())) seen.add(x.topics[1]!);
          from = head + 1;
        }
        if (seen.size === ids.size) return (performance.now() - started) / 1000;
        if (performance.now() - started > 900_000)
          throw new Error(`${seen.size}/${ids.size} delivered after 900 s`);
        await sleep(100);
      }
    };

    // ---------------------------------------------------------------- throughput
    let rawS = Infinity;
    let serviceS = Infinity;
    for (let round = 1; round <= ROUNDS; round++) {
      // Direct with ethers: the verifier's own key sends pay, then deliver once pay has k blocks.
      const direct = fresh(N);
      l.st.resetNonces();
      l.cash.resetNonces();
      await lockAll(direct);
      await instructAll(direct);
      await confirmed();
      log(`round ${round}: ${N} settlements, pay + deliver sent directly with ethers`);
      {
        const from = await heads();
        const started = performance.now();
        const sends = Promise.all(
          direct.map(async (t) => {
            const order = await signOrder(attester, t, Outcome.Paid);
            const pay = await verifier.payment.pay(t, order);
            await pay.wait(K);
            const attestation = await signOutcome(attester, t, Outcome.Paid);
            await (await verifier.delivery.deliver(t, attestation)).wait();
          }),
        );
        const s = await countRpc("direct", l, async () => {
          const s = await untilDelivered(direct, from.st + 1, started);
          await sends;
          return s;
        });
        rawS = Math.min(rawS, s);
        log(`round ${round}: direct ${(N / s).toFixed(1)} settlements/s (${s.toFixed(1)} s)`);
      }
      // Through the service: started once the settlements are locked and instructed (confirmed).
      const from = await heads();
      const viaService = fresh(N);
      await lockAll(viaService);
      await instructAll(viaService);
      await confirmed();
      log(`round ${round}: ${N} settlements through the service`);
      const nonces = await verifierNonces(l);
      const lines: LogLine[] = [];
      const started = performance.now();
      const s = await countRpc("service", l, async () => {
        const svc = await startVerifier(serviceConfig(from, `throughput-${round}.db`), {
          logger: capture(lines, started),
        });
        running.push(svc);
        return untilDelivered(viaService, from.st + 1, started);
      });
      const svc = running.at(-1)!;
      serviceS = Math.min(serviceS, s);
      log(`round ${round}: service ${(N / s).toFixed(1)} settlements/s (${s.toFixed(1)} s)`);
      // None lost: every one paid and delivered, once each, by the service's only sends.
      await waitOutboxDone(svc, 2 * N);
      const after = await verifierNonces(l);
      const sent = { st: after.st - nonces.st, cash: after.cash - nonces.cash };
      if (sent.st !== N || sent.cash !== N)
        throw new Error(
          `the service sent ${JSON.stringify(sent)} transactions for ${N} settlements`,
        );
      for (const t of viaService) {
        const [p, d] = await Promise.all([
          verifier.payment.stateOf(t.id),
          verifier.delivery.stateOf(t.id),
        ]);
        if (Number(p) !== 2 || Number(d) !== 2)
          throw new Error(`settlement ${t.id} lost: cash state ${p}, ST state ${d}`);
      }
      await svc.stop();
      running.pop();
      if (opts.profile) printProfile(lines);
    }
    rows.push({
      name: `throughput.two-ledger.raw.${N}`,
      unit: "settlements/s",
      value: Math.round((N / rawS) * 10) / 10,
      description: `${N} two-ledger settlements at once, 1-s blocks: the verifier's pay and deliver (order and attestation signed as the service signs them) sent directly with ethers (NonceManager per ledger), each deliver once its pay has k = ${K} confirmations`,
    });
    rows.push({
      name: `throughput.two-ledger.service.${N}`,
      unit: "settlements/s",
      value: Math.round((N / serviceS) * 10) / 10,
      description: `the same through the running verifier service (startVerifier, SQLite, k = ${K}, pollMs ${POLL_MS}), from its start with ${N} instructed settlements to the last delivery; none lost`,
      floorName: `throughput.two-ledger.raw.${N}`,
    });

    // ---------------------------------------------------------------- latency
    log(`latency: ${LATENCY} settlement(s) instructed at once, the service running`);
    const clock = new HeadClock(l);
    try {
      const svc = await startVerifier(serviceConfig(await heads(), "latency.db"), {
        logger: pino({ level: "silent" }),
      });
      running.push(svc);
      const ts = fresh(LATENCY);
      await lockAll(ts);
      const from = await heads();
      const instructed = await instructAll(ts);
      await untilDelivered(ts, from.st + 1, performance.now());
      await svc.stop();
      running.pop();
      await sleep(100);
      const paidTopic = verifier.payment.interface.getEvent("SettlementPaid")!.topicHash;
      const deliveredTopic = verifier.delivery.interface.getEvent("SettlementDelivered")!.topicHash;
      const blockOf = async (
        provider: JsonRpcProvider,
        address: string,
        topic: string,
        id: string,
      ) => {
        const logs = await provider.getLogs({ address, topics: [topic, id], fromBlock: 0 });
        if (logs.length !== 1) throw new Error(`${logs.length} logs ${topic} for ${id}`);
        return logs[0]!.blockNumber;
      };
      const worst = { cashItoD: 0, stItoD: 0, stDtoV: 0, cashDtoV: 0 };
      for (const [i, t] of ts.entries()) {
        const instruction = instructed[i]!;
        const decision = await blockOf(l.cash.provider, l.addr.payment, paidTopic, t.id);
        const delivery = await blockOf(l.st.provider, l.addr.delivery, deliveredTopic, t.id);
        const stAtInstruction = clock.at("st", clock.time("cash", instruction));
        const stAtDecision = clock.at("st", clock.time("cash", decision));
        const cashAtDelivery = clock.at("cash", clock.time("st", delivery));
        const one = {
          cashItoD: decision - instruction,
          stItoD: stAtDecision - stAtInstruction,
          stDtoV: delivery - stAtDecision,
          cashDtoV: cashAtDelivery - decision,
        };
        log(`latency ${t.id.slice(0, 10)}: ${JSON.stringify(one)}`);
        for (const key of Object.keys(worst) as (keyof typeof worst)[])
          worst[key] = Math.max(worst[key], one[key]);
      }
      const of = LATENCY === 1 ? "" : ` (worst of ${LATENCY} instructed at once)`;
      rows.push({
        name: "latency.two-ledger.confirmations",
        unit: "blocks",
        value: K,
        description:
          "k: the confirmations the service waits on either ledger before acting on an event, and for its own sends",
      });
      rows.push({
        name: "latency.two-ledger.cash.instruction-to-decision",
        unit: "blocks",
        value: worst.cashItoD,
        description: `cash ledger, 1-s blocks: the buyer's instruct to the pay that decides the outcome${of}`,
      });
      rows.push({
        name: "latency.two-ledger.st.instruction-to-decision",
        unit: "blocks",
        value: worst.stItoD,
        description: `ST ledger blocks over the same interval${of}`,
      });
      rows.push({
        name: "latency.two-ledger.aim.decision-to-delivery",
        unit: "blocks",
        value: K + 2,
        description: "the aim: delivery within k + 2 blocks of the decision",
      });
      rows.push({
        name: "latency.two-ledger.st.decision-to-delivery",
        unit: "blocks",
        value: worst.stDtoV,
        description: `ST ledger, 1-s blocks: the pay's block (the decision) to the deliver${of}`,
        floorName: "latency.two-ledger.aim.decision-to-delivery",
      });
      rows.push({
        name: "latency.two-ledger.cash.decision-to-delivery",
        unit: "blocks",
        value: worst.cashDtoV,
        description: `cash ledger blocks over the same interval${of}`,
        floorName: "latency.two-ledger.aim.decision-to-delivery",
      });
    } finally {
      await clock.stop();
    }
  } finally {
    for (const s of running) await s.stop().catch(() => undefined);
    await l.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const out = opts.out ?? "bench/results.verifier.json";
  await writeFile(out, JSON.stringify({ rows }, null, 2) + "\n");
  log(`rows written to ${out}`);
}

/**
 * A parties' step for every settlement of `ts`, all sent at once (32 in flight): the seller's
 * `lock` on the ST ledger or the buyer's `instruct` on the cash ledger. Returns the blocks.
 */
async function partiesStep(
  ts: CrossLedgerTerms[],
  who: Parties,
  step: "lock" | "instruct",
): Promise<number[]> {
  const coder = AbiCoder.defaultAbiCoder();
  const sent = await pool(
    ts.map(
      (t) => () =>
        step === "lock"
          ? (who.bond as Contract).lock(t.stLedger, t.quantity, coder.encode([TERMS_TUPLE], [t]))
          : (who.payment as Contract).instruct(t),
    ),
    32,
  );
  const receipts = await Promise.all(
    sent.map((tx: { wait(): Promise<{ blockNumber: number; status: number }> }) => tx.wait()),
  );
  return receipts.map((r) => r.blockNumber);
}

/** The verifier account's nonce on each ledger. */
async function verifierNonces(l: TwoLedgers) {
  const a = new Wallet(nodeKey(VERIFIER)).address;
  return {
    st: await l.st.provider.getTransactionCount(a, "latest"),
    cash: await l.cash.provider.getTransactionCount(a, "latest"),
  };
}

/** Waits (at most 60 s) until the service's outbox shows `done` items done and none pending. */
async function waitOutboxDone(svc: RunningVerifier, done: number) {
  for (let i = 0; ; i++) {
    const text = await svc.verifier.metricsText();
    const get = (s: string) =>
      Number(new RegExp(`kessai_verifier_outbox\\{status="${s}"\\} (\\d+)`).exec(text)?.[1]);
    if (get("done") === done && get("pending") === 0 && get("claimed") === 0 && get("dead") === 0)
      return;
    if (i > 600) throw new Error(`outbox not drained: ${text}`);
    await sleep(100);
  }
}

interface LogLine {
  at: number;
  msg: string;
  fn?: string;
}

/** A pino logger that keeps the service's lines with their time since `started`. */
function capture(lines: LogLine[], started: number) {
  return pino(
    { level: "info" },
    {
      write(s: string) {
        const o = JSON.parse(s) as { msg: string; fn?: string };
        lines.push({ at: (performance.now() - started) / 1000, msg: o.msg, fn: o.fn });
      },
    },
  );
}

function printProfile(lines: LogLine[]) {
  const phase = (label: string, f: (x: LogLine) => boolean) => {
    const xs = lines.filter(f);
    if (xs.length === 0) return console.log(`  ${label}: none`);
    console.log(
      `  ${label}: ${xs.length}, first at ${xs[0]!.at.toFixed(2)} s, last at ${xs[xs.length - 1]!.at.toFixed(2)} s`,
    );
  };
  console.log("profile (seconds after the service's start):");
  phase("decided", (x) => x.msg === "decided");
  phase("pay confirmed", (x) => x.msg === "sent" && x.fn === "pay");
  phase("deliver confirmed", (x) => x.msg === "sent" && x.fn === "deliver");
  phase("rounds failed", (x) => x.msg === "round failed");
}

await main();
