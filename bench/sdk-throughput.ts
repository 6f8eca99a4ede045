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
 */
import { writeFile } from "node:fs/promises";
import os from "node:os";
import { network } from "hardhat";
import { id, NonceManager, Wallet, type Provider, type Signer } from "ethers";
import {
  BankClient,
  buildTerms,
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
  /** Measure only this network (`inprocess` or `hardhat-node`). */
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

const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
console.log("");
for (const r of table) console.log(r.map((cell, c) => cell.padStart(widths[c])).join("  "));
for (const r of rows.filter((x) => x.ratio !== undefined)) {
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
