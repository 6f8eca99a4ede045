/**
 * Settlements per second through the SDK against raw ethers, in the same run, on the in-process
 * network and on a separate `hardhat node` (started here, JSON-RPC over HTTP, local keys).
 *
 * Run: `node bench/sdk-throughput.mjs [--n 200] [--out bench/results.sdk.json]` (runs this file
 * with `hardhat run`, which compiles first, passing the flags in KESSAI_SDK_BENCH_OPTIONS).
 *
 * The work per settlement is the same on both sides: the seller locks the units to the DVP with
 * the encoded terms (step 1: `lock(dvp, quantity, abi.encode(terms))`), then the buyer settles
 * with an existing allowance (step 6: `settle(terms)`); all N trades are submitted at once
 * (`Promise.all`, each trade awaiting its lock's receipt before its settle), automine.
 * - SDK: `FirmClient.createSettlement` + `FirmClient.settleSettlement` (terms validated, the trade checked
 *   before locking: the token's canTransfer and both DCJPY accounts in one multicall, read in
 *   parallel with the latest block; gas estimated, nonces from the SDK's per-account queue,
 *   errors decoded, receipts parsed).
 * - raw: TypeChain contracts with ethers v6 directly; in-process the node picks nonces
 *   (`eth_sendTransaction`), over HTTP an ethers `NonceManager` around each Wallet.
 * Rows: `throughput.sdk.settle.<network>.<n>` with `floor` = the raw rate and `ratio` = sdk/raw.
 *
 * Whole trades, in-process: 100 trades of 4 buyers at once, the seven steps as `settleTrade`
 * runs them by default (lock, affirm, issue, settle with a transfer authorization the buyer signs
 * per trade, redeem; no agent), each trade's steps in order, all trades at once.
 * - SDK: `settleTrade` (its checks before step 1 and before every step, a journal key per step).
 * - raw: the same five transactions and one signature with TypeChain contracts.
 * Rows: `throughput.raw.settleTrade.inprocess.100` and `throughput.sdk.settleTrade.inprocess.100`
 * (trades/s), and `rpc.settleTrade.raw.inprocess.100` / `rpc.settleTrade.sdk.inprocess.100`
 * (JSON-RPC requests per trade, counted on the network's EIP-1193 provider in one round of each).
 *
 * Method (the machine is shared, and a round's rate moves with the load): the two sides run in
 * interleaved rounds, ABBA... (raw then SDK in even rounds, SDK then raw in odd ones, so neither
 * side always runs first or second), `--rounds` rounds each (default 4). A row's value is the
 * median of its side's rounds; the ratio printed beside it is the median of the per-round ratios
 * (each SDK round against the raw round next to it), with their range, the spread.
 */
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { network } from "hardhat";
import { id, NonceManager, Wallet, type Provider, type Signer } from "ethers";
import {
  BankClient,
  KESSAI_ROLES,
  buildTerms,
  settleTrade,
  transferAuthorizationTypedData,
  type ProgressEvent,
  eip712Domain,
  contracts,
  deriveSettlementId,
  encodeTerms,
  FirmClient,
  IssuerClient,
  type KessaiAddresses,
  type SettlementTerms,
} from "../packages/sdk/src/index.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
} from "../test/ts/sdk/hardhat-node.js";
import { deployKessai } from "../test/ts/sdk/fixture.js";
import type { Row } from "./rows.js";

interface Options {
  n: number;
  out: string;
  /** Rounds per side, interleaved ABBA...; the median counts. */
  rounds: number;
  /** Measure only this network (`inprocess` or `hardhat-node`), or only `settleTrade`. */
  only?: string;
}
const raw = JSON.parse(process.env.KESSAI_SDK_BENCH_OPTIONS ?? "{}") as Partial<Options>;
const opts: Options = {
  n: raw.n ?? 200,
  out: raw.out ?? "bench/results.sdk.json",
  rounds: raw.rounds ?? 4,
  only: raw.only,
};
const QUANTITY = 1n;
const AMOUNT = 100n;

/** One network's parties: signers for raw ethers and the SDK clients built on the same keys. */
interface Setup {
  label: string;
  provider: Provider;
  addresses: KessaiAddresses;
  /** Raw ethers signers (node nonces in-process, NonceManager over HTTP). */
  rawSeller: Signer;
  rawBuyer: Signer;
  seller: FirmClient;
  buyer: FirmClient;
  /** The `hardhat node` process, whose CPU time counts with this process's. */
  nodePid?: number;
}

/**
 * The rates of interleaved rounds of each side, and the CPU time per item of each round: of this
 * process (which holds the in-process network) and of the `hardhat node` process tree, where
 * there is one. The load of other processes slows a round's wall clock far more than it moves
 * the CPU time the round itself takes, so the CPU ratio is the steadier figure of the two.
 */
interface Rounds {
  raw: number[];
  sdk: number[];
  cpuRaw: number[];
  cpuSdk: number[];
}
interface Round {
  /** Items per second. */
  rate: number;
  /** CPU milliseconds per item. */
  cpu: number;
}

/** Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux). */
const CLK_TCK = 100;

/** CPU milliseconds (user + system) of this process, plus the process tree under `pid` if given. */
function cpuMs(pid?: number): number {
  const own = process.cpuUsage();
  let ms = (own.user + own.system) / 1000;
  if (pid === undefined) return ms;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // fields after the command's closing parenthesis: state ppid ... utime(14) stime(15)
      const text = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process has gone
    }
  }
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [p, st] of stats)
      if (!tree.has(p) && tree.has(st.ppid)) {
        tree.add(p);
        grew = true;
      }
  }
  for (const p of tree) ms += ((stats.get(p)?.ticks ?? 0) * 1000) / CLK_TCK;
  return ms;
}

/** Times `n` items of `work`: items per second and CPU ms per item (see {@link cpuMs}). */
async function timed(n: number, work: () => Promise<unknown>, pid?: number): Promise<Round> {
  const cpu0 = cpuMs(pid);
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  return { rate: n / seconds, cpu: (cpuMs(pid) - cpu0) / n };
}

/**
 * `rounds` rounds of each side, interleaved ABBA...: raw first in even rounds, SDK first in odd
 * ones. Each round's rates are printed as they come.
 */
async function interleaved(
  label: string,
  rounds: number,
  once: (side: "raw" | "sdk") => Promise<Round>,
): Promise<Rounds> {
  const out: Rounds = { raw: [], sdk: [], cpuRaw: [], cpuSdk: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (["raw", "sdk"] as const) : (["sdk", "raw"] as const);
    for (const side of order) {
      const x = await once(side);
      out[side].push(x.rate);
      out[side === "raw" ? "cpuRaw" : "cpuSdk"].push(x.cpu);
    }
    const [rr, kk] = [out.raw[r], out.sdk[r]];
    const [cr, ck] = [out.cpuRaw[r], out.cpuSdk[r]];
    console.log(
      `  ${label} round ${r + 1} (${order.join(", ")}): raw ${rr.toFixed(1)}/s, sdk ${kk.toFixed(1)}/s, ratio ${(kk / rr).toFixed(3)}; CPU ms/item raw ${cr.toFixed(2)}, sdk ${ck.toFixed(2)}, ratio ${(cr / ck).toFixed(3)}; load ${os.loadavg()[0].toFixed(1)}`,
    );
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Medians of both sides, and the median and range of the per-round ratios. */
function summarise(r: Rounds) {
  const ratios = r.sdk.map((k, i) => k / r.raw[i]);
  const cpuRatios = r.cpuSdk.map((k, i) => r.cpuRaw[i] / k);
  return {
    cpuRatio: median(cpuRatios),
    cpuRatioMin: Math.min(...cpuRatios),
    cpuRatioMax: Math.max(...cpuRatios),
    raw: median(r.raw),
    sdk: median(r.sdk),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    rounds: r,
  };
}
type Summary = ReturnType<typeof summarise>;

/** Counts the JSON-RPC requests an EIP-1193 provider is asked (each call, batched or not). */
function countRequests(provider: { request: (...a: never[]) => Promise<unknown> }) {
  const counter = { requests: 0 };
  const request = provider.request.bind(provider);
  provider.request = ((...a: never[]) => {
    counter.requests++;
    return request(...a);
  }) as typeof provider.request;
  return counter;
}

let tradeSeq = 0;
async function newTrades(s: Setup, n: number, seller: string, buyer: string) {
  const now = (await s.provider.getBlock("latest"))!.timestamp;
  return Array.from({ length: n }, () => {
    const trade = {
      venue: "BENCH",
      tradeId: `B-${s.label}-${++tradeSeq}`,
      tradeDate: "2026-11-25",
      seller,
      buyer,
      securityToken: s.addresses.securityToken,
      quantity: QUANTITY,
      amount: AMOUNT,
    };
    return buildTerms({
      ...trade,
      id: deriveSettlementId(trade),
      cashToken: s.addresses.depositToken,
      deadline: now + 36_000,
    });
  });
}

async function runRaw(s: Setup, trades: SettlementTerms[]): Promise<void> {
  const st = contracts.SecurityToken__factory.connect(s.addresses.securityToken, s.rawSeller);
  const dvp = contracts.DeliveryVersusPayment__factory.connect(s.addresses.dvp, s.rawBuyer);
  await Promise.all(
    trades.map(async (t) => {
      const lock = await (await st.lock(s.addresses.dvp, t.quantity, encodeTerms(t))).wait();
      if (lock?.status !== 1) throw new Error("raw lock failed");
      const settle = await (await dvp.settle(t)).wait();
      if (settle?.status !== 1) throw new Error("raw settle failed");
    }),
  );
}

async function runSdk(s: Setup, trades: SettlementTerms[]): Promise<void> {
  const results = await Promise.all(
    trades.map(async (terms) => {
      await s.seller.createSettlement({ terms });
      return s.buyer.settleSettlement({ terms });
    }),
  );
  if (!results.every((r) => r.settled)) throw new Error("sdk settle failed");
}

async function rate(s: Setup, side: "raw" | "sdk", n: number): Promise<Round> {
  const [seller, buyer] =
    side === "raw"
      ? await Promise.all([s.rawSeller.getAddress(), s.rawBuyer.getAddress()])
      : [s.seller.address, s.buyer.address];
  const trades = await newTrades(s, n, seller, buyer);
  const run = side === "raw" ? runRaw : runSdk;
  const r = await timed(n, () => run(s, trades), s.nodePid);
  const dvp = contracts.DeliveryVersusPayment__factory.connect(s.addresses.dvp, s.provider);
  const states = await Promise.all(trades.map((t) => dvp.stateOf(t.id)));
  if (states.some((x) => x !== 3n)) throw new Error(`${s.label}: not every settlement settled`);
  return r;
}

/** Funds and registers, then measures raw and SDK in interleaved rounds (see the top). */
async function measure(s: Setup, issuer: IssuerClient, bank: BankClient, register: boolean) {
  // Raw ethers and the SDK use different accounts (a NonceManager keeps its own count).
  const [rawSeller, rawBuyer] = await Promise.all([
    s.rawSeller.getAddress(),
    s.rawBuyer.getAddress(),
  ]);
  const parties = register
    ? [s.seller.address, s.buyer.address, rawSeller, rawBuyer]
    : [rawSeller, rawBuyer];
  const investors = parties.map((account) => ({ account, investorRef: id(account) }));
  await issuer.registerInvestors({ investors });
  await bank.openDepositAccounts({
    accounts: parties,
    depositAccountRefs: parties.map((account) => id(`deposit:${account}`)),
  });
  const total = BigInt((opts.n * opts.rounds + 10) * 2);
  await issuer.bulkIssueSecurity({
    items: [s.seller.address, rawSeller].map((to) => ({ to, value: total * QUANTITY })),
  });
  for (const [i, account] of [s.buyer.address, rawBuyer].entries()) {
    await bank.issueDeposit({
      account,
      amount: total * AMOUNT,
      bankReference: id(`${s.label}-${i}`),
    });
  }
  await s.buyer.approveDeposit({ amount: total * AMOUNT });
  const dt = contracts.DepositToken__factory.connect(s.addresses.depositToken, s.rawBuyer);
  await (await dt.approve(s.addresses.dvp, total * AMOUNT)).wait();
  // warm-up (JIT, caches) on both paths
  await rate(s, "raw", 10);
  await rate(s, "sdk", 10);
  return summarise(await interleaved(s.label, opts.rounds, (side) => rate(s, side, opts.n)));
}

async function inProcess() {
  const k = await deployKessai();
  // The fixture's SDK clients wrap the same Hardhat signers the raw path uses.
  const s: Setup = {
    label: "in-process",
    provider: k.ethers.provider,
    addresses: k.addresses,
    rawSeller: k.signers.rest[0],
    rawBuyer: k.signers.rest[1],
    seller: k.clients.seller,
    buyer: k.clients.buyer,
  };
  return measure(s, k.clients.issuer, k.clients.bank, false); // registered by the fixture
}

async function overHttp() {
  const node = await startHardhatNode();
  const provider = rpcProvider(node.url);
  try {
    const addresses = await deployOverRpc(provider, { deployer: 0, issuer: 1, bank: 2, agent: 3 });
    const wallet = (i: number) => new Wallet(nodeKey(i), provider);
    const [issuer, bank, seller, buyer] = await Promise.all([
      IssuerClient.connect({ runner: wallet(1), addresses }),
      BankClient.connect({ runner: wallet(2), addresses }),
      FirmClient.connect({ runner: wallet(4), addresses }),
      FirmClient.connect({ runner: wallet(5), addresses }),
    ]);
    const s: Setup = {
      label: "hardhat-node",
      provider,
      addresses,
      rawSeller: new NonceManager(wallet(6)),
      rawBuyer: new NonceManager(wallet(7)),
      seller,
      buyer,
      nodePid: node.process.pid,
    };
    return await measure(s, issuer, bank, true);
  } finally {
    provider.destroy();
    await node.stop();
  }
}

const TRADES = 100;
const TRADE_BUYERS = 4;

/**
 * Where a settleTrade round spends its time, per step, averaged over its trades: `check` from the
 * end of the previous step (or the call) to the step's start (the reads before it), `send` from
 * its start to its end (the action: its own reads, the transaction, the receipt), `end` from the
 * last step to the call's return. Latencies with every trade in flight, not CPU time.
 */
class StepTiming {
  private readonly sums = new Map<string, { ms: number; n: number }>();
  private add(label: string, ms: number) {
    const s = this.sums.get(label) ?? { ms: 0, n: 0 };
    s.ms += ms;
    s.n += 1;
    this.sums.set(label, s);
  }
  trade() {
    let last = performance.now();
    const mark = (label: string) => {
      const now = performance.now();
      this.add(label, now - last);
      last = now;
    };
    return {
      progress: (e: ProgressEvent) => {
        if (e.status === "started") mark(`${e.step} check`);
        else if (e.status === "done") mark(`${e.step} send`);
        else mark(`${e.step} ${e.status}`);
      },
      finished: () => mark("end"),
    };
  }
  summary(): string {
    const parts = [...this.sums].map(([k, v]) => `${k} ${(v.ms / v.n).toFixed(1)}`);
    return `ms per trade by step: ${parts.join(", ")}`;
  }
}

/**
 * 100 whole trades of 4 buyers at once, raw ethers against settleTrade, in-process, in
 * interleaved rounds (see the top), and the JSON-RPC requests per trade of each side.
 */
async function wholeTrades(): Promise<Summary & { requests: { raw: number; sdk: number } }> {
  const k = await deployKessai();
  const counter = countRequests(
    k.conn.provider as unknown as { request: (...a: never[]) => Promise<unknown> },
  );
  const requests = { raw: 0, sdk: 0 };
  const { admin, bank: bankSigner, rest } = k.signers;
  const rawSeller = rest[2];
  const rawBuyers = rest.slice(3, 3 + TRADE_BUYERS);
  const rawBank = rest[7];
  const sdkBuyers = await Promise.all(
    rest
      .slice(8, 8 + TRADE_BUYERS)
      .map((runner) => FirmClient.connect({ runner, addresses: k.addresses })),
  );
  const dt = k.contracts.dcjpy;
  for (const role of KESSAI_ROLES.bank.depositToken) {
    const r = await (dt as unknown as Record<string, () => Promise<string>>)[role]();
    await (await dt.connect(admin).grantRole(r, rawBank.address)).wait();
  }
  void bankSigner;
  const accounts = [
    rawSeller.address,
    ...rawBuyers.map((b) => b.address),
    ...sdkBuyers.map((b) => b.address),
  ];
  await k.clients.issuer.registerInvestors({
    investors: accounts.map((account) => ({ account, investorRef: id(`trade:${account}`) })),
  });
  await k.clients.bank.openDepositAccounts({
    accounts,
    depositAccountRefs: accounts.map((a) => id(`trade-deposit:${a}`)),
  });
  const units = BigInt(TRADES * (opts.rounds + 1));
  await k.clients.issuer.bulkIssueSecurity({
    items: [k.signers.seller.address, rawSeller.address].map((to) => ({ to, value: units })),
  });
  const domain = eip712Domain(await dt.eip712Domain());
  const st = contracts.SecurityToken__factory.connect(k.addresses.securityToken, rawSeller);
  const dvpAddress = k.addresses.dvp;

  const trades = async (seller: string, buyers: string[], n: number) => {
    const now = BigInt((await k.ethers.provider.getBlock("latest"))!.timestamp);
    return Array.from({ length: n }, (_, i) =>
      buildTerms({
        id: id(`whole-trade-${++tradeSeq}`),
        seller,
        buyer: buyers[i % buyers.length],
        securityToken: k.addresses.securityToken,
        quantity: QUANTITY,
        cashToken: k.addresses.depositToken,
        amount: AMOUNT,
        deadline: now + 36_000n,
      }),
    );
  };
  // each party's contracts bound once, as an integrator keeps them (a TypeChain factory's
  // connect builds the whole interface from the ABI: milliseconds per call)
  const rawDvps = rawBuyers.map((b) =>
    contracts.DeliveryVersusPayment__factory.connect(dvpAddress, b),
  );
  const dtAsBank = dt.connect(rawBank);
  const dtAsSeller = dt.connect(rawSeller);
  const rawTrade = async (t: SettlementTerms, i: number) => {
    const buyer = rawBuyers[i % rawBuyers.length];
    const ok = async (p: Promise<{ wait(): Promise<{ status: number | null } | null> }>) => {
      const r = await (await p).wait();
      if (r?.status !== 1) throw new Error("raw trade step failed");
    };
    const dvp = rawDvps[i % rawBuyers.length];
    const ref = id(`raw-ref:${t.id}`);
    await ok(st.lock(dvpAddress, t.quantity, encodeTerms(t)));
    await ok(dvp.affirm(t));
    await ok(dtAsBank.issue(t.buyer, t.amount, ref));
    const validBefore = t.deadline + 1n;
    const td = transferAuthorizationTypedData(domain, {
      from: t.buyer,
      to: t.seller,
      value: t.amount,
      spender: dvpAddress,
      validBefore,
      nonce: t.id,
    });
    const sig = await buyer.signTypedData(td.domain, td.types, td.message);
    await ok(dvp.settleWithAuthorization(t, validBefore, sig));
    await ok(dtAsSeller.redeem(t.amount, ref));
  };
  const round = async (side: "raw" | "sdk", n: number) => {
    const list =
      side === "raw"
        ? await trades(
            rawSeller.address,
            rawBuyers.map((b) => b.address),
            n,
          )
        : await trades(
            k.signers.seller.address,
            sdkBuyers.map((b) => b.address),
            n,
          );
    const counted = counter.requests;
    const timing = new StepTiming();
    const r = await timed(n, () =>
      side === "raw"
        ? Promise.all(list.map(rawTrade))
        : Promise.all(
            list.map((terms, i) => {
              const t = timing.trade();
              return settleTrade({
                seller: k.clients.seller,
                buyer: sdkBuyers[i % sdkBuyers.length],
                bank: k.clients.bank,
                terms,
                onProgress: t.progress,
              }).then(t.finished);
            }),
          ),
    );
    requests[side] = (counter.requests - counted) / n;
    if (side === "sdk" && n === TRADES) console.log(`    ${timing.summary()}`);
    const states = await Promise.all(list.map((t) => k.contracts.dvp.stateOf(t.id)));
    if (states.some((x) => x !== 3n)) throw new Error("whole trades: not every trade settled");
    return r;
  };
  await round("raw", 4); // warm-up
  await round("sdk", 4);
  const rounds = await interleaved("whole trades", opts.rounds, (side) => round(side, TRADES));
  console.log(
    `    JSON-RPC requests per trade: raw ${requests.raw.toFixed(2)}, sdk ${requests.sdk.toFixed(2)}`,
  );
  return { ...summarise(rounds), requests };
}

const rows: Row[] = [];
const table: string[][] = [
  [
    "network",
    "raw ethers /s",
    "SDK /s",
    "SDK / raw",
    "per-round ratios",
    "range",
    "CPU raw / SDK",
    "range",
  ],
];
/** Every round of every row, and its ratios, by the SDK row's name. */
const spread: Record<
  string,
  {
    raw: number[];
    sdk: number[];
    ratios: number[];
    cpuMsRaw: number[];
    cpuMsSdk: number[];
    cpuRatios: number[];
  }
> = {};
const round1 = (x: number) => Math.round(x * 10) / 10;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** The rows of one measurement: the raw rate, and the SDK rate with the raw one as its floor. */
function addRates(name: string, unit: string, label: string, m: Summary) {
  const [rawRate, sdkRate] = [round1(m.raw), round1(m.sdk)];
  rows.push({ name: name.replace("{side}", "raw"), unit, value: rawRate });
  const sdkName = name.replace("{side}", "sdk");
  rows.push({ name: sdkName, unit, value: sdkRate, floor: rawRate, ratio: round3(m.sdk / m.raw) });
  spread[sdkName] = {
    raw: m.rounds.raw.map(round1),
    sdk: m.rounds.sdk.map(round1),
    ratios: m.rounds.sdk.map((k, i) => round3(k / m.rounds.raw[i])),
    cpuMsRaw: m.rounds.cpuRaw.map(round3),
    cpuMsSdk: m.rounds.cpuSdk.map(round3),
    cpuRatios: m.rounds.cpuSdk.map((k, i) => round3(m.rounds.cpuRaw[i] / k)),
  };
  table.push([
    label,
    rawRate.toFixed(1),
    sdkRate.toFixed(1),
    (m.sdk / m.raw).toFixed(3),
    m.ratio.toFixed(3),
    `${m.ratioMin.toFixed(3)}–${m.ratioMax.toFixed(3)}`,
    m.cpuRatio.toFixed(3),
    `${m.cpuRatioMin.toFixed(3)}–${m.cpuRatioMax.toFixed(3)}`,
  ]);
}
const started = performance.now();
for (const [name, fn] of [
  ["inprocess", inProcess],
  ["hardhat-node", overHttp],
] as const) {
  if (opts.only !== undefined && opts.only !== name) continue;
  console.log(`${name}: ${opts.n} settlements per round, ${opts.rounds} rounds`);
  addRates(`throughput.{side}.settle.${name}.${opts.n}`, "settlements/s", name, await fn());
}

if (opts.only === undefined || opts.only === "inprocess" || opts.only === "settleTrade") {
  console.log(
    `whole trades: ${TRADES} trades of ${TRADE_BUYERS} buyers at once, ${opts.rounds} rounds`,
  );
  const m = await wholeTrades();
  addRates(
    `throughput.{side}.settleTrade.inprocess.${TRADES}`,
    "trades/s",
    `settleTrade x${TRADES}`,
    m,
  );
  const rawRpc = round1(m.requests.raw);
  rows.push({
    name: `rpc.settleTrade.raw.inprocess.${TRADES}`,
    unit: "requests/trade",
    value: rawRpc,
  });
  rows.push({
    name: `rpc.settleTrade.sdk.inprocess.${TRADES}`,
    unit: "requests/trade",
    value: round1(m.requests.sdk),
    floor: rawRpc,
    ratio: round3(m.requests.sdk / m.requests.raw),
  });
}

const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log("");
for (const r of table) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
for (const [name, x] of Object.entries(spread)) {
  const ratio = median(x.ratios);
  console.log(
    `${ratio >= 0.95 ? "met    " : "NOT MET"} ${name}: sdk/raw ${ratio.toFixed(3)} (median of ${x.ratios.length} rounds, range ${Math.min(...x.ratios)}–${Math.max(...x.ratios)}; CPU raw/sdk ${median(x.cpuRatios).toFixed(3)}, range ${Math.min(...x.cpuRatios)}–${Math.max(...x.cpuRatios)}; target >= 0.95)`,
  );
}
await writeFile(
  opts.out,
  JSON.stringify(
    {
      schema: 1,
      generatedAt: new Date().toISOString(),
      environment: {
        node: process.version,
        cpu: os.cpus()[0]?.model ?? "unknown",
        cores: os.cpus().length,
        n: opts.n,
        rounds: opts.rounds,
        method: "interleaved ABBA rounds; value = median per side",
        loadAverage: os
          .loadavg()
          .map((x) => Math.round(x * 100) / 100)
          .join(" "),
        durationSeconds: Math.round((performance.now() - started) / 1000),
      },
      rows,
      rounds: spread,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${opts.out}`);
