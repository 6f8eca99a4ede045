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
 * (trades/s).
 */
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
  /** Rounds per side (alternating raw / sdk); the best round counts. */
  rounds: number;
  /** Measure only this network (`inprocess` or `hardhat-node`), or only `settleTrade`. */
  only?: string;
}
const raw = JSON.parse(process.env.KESSAI_SDK_BENCH_OPTIONS ?? "{}") as Partial<Options>;
const opts: Options = {
  n: raw.n ?? 200,
  out: raw.out ?? "bench/results.sdk.json",
  rounds: raw.rounds ?? 2,
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

async function rate(s: Setup, side: "raw" | "sdk", n: number): Promise<number> {
  const [seller, buyer] =
    side === "raw"
      ? await Promise.all([s.rawSeller.getAddress(), s.rawBuyer.getAddress()])
      : [s.seller.address, s.buyer.address];
  const trades = await newTrades(s, n, seller, buyer);
  const run = side === "raw" ? runRaw : runSdk;
  const start = performance.now();
  await run(s, trades);
  const seconds = (performance.now() - start) / 1000;
  const dvp = contracts.DeliveryVersusPayment__factory.connect(s.addresses.dvp, s.provider);
  const states = await Promise.all(trades.map((t) => dvp.stateOf(t.id)));
  if (states.some((x) => x !== 3n)) throw new Error(`${s.label}: not every settlement settled`);
  return n / seconds;
}

/** Funds and registers, then measures raw and SDK alternately; returns the best rate of each. */
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
  let best = { raw: 0, sdk: 0 };
  for (let round = 0; round < opts.rounds; round++) {
    const r = await rate(s, "raw", opts.n);
    const k = await rate(s, "sdk", opts.n);
    console.log(`  ${s.label} round ${round + 1}: raw ${r.toFixed(1)}/s, sdk ${k.toFixed(1)}/s`);
    best = { raw: Math.max(best.raw, r), sdk: Math.max(best.sdk, k) };
  }
  return best;
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
 * 100 whole trades of 4 buyers at once, raw ethers against settleTrade, in-process; the best of
 * `opts.rounds` rounds each (trades/s).
 */
async function wholeTrades(): Promise<{ raw: number; sdk: number }> {
  const k = await deployKessai();
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
  const rawTrade = async (t: SettlementTerms, i: number) => {
    const buyer = rawBuyers[i % rawBuyers.length];
    const ok = async (p: Promise<{ wait(): Promise<{ status: number | null } | null> }>) => {
      const r = await (await p).wait();
      if (r?.status !== 1) throw new Error("raw trade step failed");
    };
    const dvp = contracts.DeliveryVersusPayment__factory.connect(dvpAddress, buyer);
    const ref = id(`raw-ref:${t.id}`);
    await ok(st.lock(dvpAddress, t.quantity, encodeTerms(t)));
    await ok(dvp.affirm(t));
    await ok(dt.connect(rawBank).issue(t.buyer, t.amount, ref));
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
    await ok(dt.connect(rawSeller).redeem(t.amount, ref));
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
    const start = performance.now();
    const timing = new StepTiming();
    if (side === "raw") await Promise.all(list.map(rawTrade));
    else
      await Promise.all(
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
      );
    const seconds = (performance.now() - start) / 1000;
    if (side === "sdk" && n === TRADES) console.log(`    ${timing.summary()}`);
    const states = await Promise.all(list.map((t) => k.contracts.dvp.stateOf(t.id)));
    if (states.some((x) => x !== 3n)) throw new Error("whole trades: not every trade settled");
    return n / seconds;
  };
  await round("raw", 4); // warm-up
  await round("sdk", 4);
  let best = { raw: 0, sdk: 0 };
  for (let r = 0; r < opts.rounds; r++) {
    const raw = await round("raw", TRADES);
    const sdk = await round("sdk", TRADES);
    console.log(`  whole trades round ${r + 1}: raw ${raw.toFixed(1)}/s, sdk ${sdk.toFixed(1)}/s`);
    best = { raw: Math.max(best.raw, raw), sdk: Math.max(best.sdk, sdk) };
  }
  return best;
}

const rows: Row[] = [];
const table: string[][] = [["network", "raw ethers /s", "SDK /s", "SDK / raw"]];
const started = performance.now();
for (const [name, fn] of [
  ["inprocess", inProcess],
  ["hardhat-node", overHttp],
] as const) {
  if (opts.only !== undefined && opts.only !== name) continue;
  console.log(`${name}: ${opts.n} settlements per round, ${opts.rounds} rounds`);
  const best = await fn();
  const rawRate = Math.round(best.raw * 10) / 10;
  const sdkRate = Math.round(best.sdk * 10) / 10;
  const ratio = Math.round((best.sdk / best.raw) * 1000) / 1000;
  rows.push({
    name: `throughput.raw.settle.${name}.${opts.n}`,
    unit: "settlements/s",
    value: rawRate,
  });
  rows.push({
    name: `throughput.sdk.settle.${name}.${opts.n}`,
    unit: "settlements/s",
    value: sdkRate,
    floor: rawRate,
    ratio,
  });
  table.push([name, rawRate.toFixed(1), sdkRate.toFixed(1), ratio.toFixed(3)]);
}

if (opts.only === undefined || opts.only === "inprocess" || opts.only === "settleTrade") {
  console.log(
    `whole trades: ${TRADES} trades of ${TRADE_BUYERS} buyers at once, ${opts.rounds} rounds`,
  );
  const best = await wholeTrades();
  const rawRate = Math.round(best.raw * 10) / 10;
  const sdkRate = Math.round(best.sdk * 10) / 10;
  const ratio = Math.round((best.sdk / best.raw) * 1000) / 1000;
  rows.push({
    name: `throughput.raw.settleTrade.inprocess.${TRADES}`,
    unit: "trades/s",
    value: rawRate,
  });
  rows.push({
    name: `throughput.sdk.settleTrade.inprocess.${TRADES}`,
    unit: "trades/s",
    value: sdkRate,
    floor: rawRate,
    ratio,
  });
  table.push([`settleTrade x${TRADES}`, rawRate.toFixed(1), sdkRate.toFixed(1), ratio.toFixed(3)]);
}

const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log("");
for (const r of table) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
for (const r of rows.filter((x) => x.ratio !== undefined && x.name.includes(".settle."))) {
  console.log(
    `${r.ratio! >= 0.9 ? "met    " : "NOT MET"} ${r.name}: sdk/raw ${r.ratio} (target >= 0.9)`,
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
        durationSeconds: Math.round((performance.now() - started) / 1000),
      },
      rows,
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${opts.out}`);
