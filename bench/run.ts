/**
 * Kessai benchmark: gas of every user-facing call, the DVP paths against a measured floor, batch
 * and storage scaling, and settlements per second. Run it with `npm run bench` (see
 * bench/README.md); bench/cli.mjs parses the flags and runs this file with `hardhat run`, passing
 * them in KESSAI_BENCH_OPTIONS.
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import hre, { network } from "hardhat";
import { compareResults } from "./compare.js";
import { BLOCK_GAS_LIMIT, deployFixture } from "./fixture.js";
import { evaluateTargets, markdownReport, targetLines, textTable } from "./report.js";
import { RowSet, type Results } from "./rows.js";
import {
  measureBatches,
  measureDcjpy,
  measureBudgets,
  measureDvp,
  measureFloors,
  measureRegistry,
  measureScaling,
  measureSecurityToken,
} from "./sections.js";
import { measureThroughput } from "./throughput.js";
import type { GatewayRow } from "./gateway.js";
import { measureTwoLedger } from "./two-ledger.js";

interface Options {
  quick: boolean;
  compare?: string;
  threshold: number;
  out: string;
  report: string;
  /** With `compare`: compare this file instead of running. */
  current?: string;
  /** Wall time of `hardhat test`, measured by bench/cli.mjs before a full run. */
  suiteMs?: number;
  /** Rows of bench/sdk-throughput.mjs (SDK vs raw ethers), run by bench/cli.mjs before this. */
  sdkThroughput?: string;
  /** Rows of bench/gateway.mjs (the bank gateway), run by bench/cli.mjs before this. */
  gatewayBench?: string;
  /** Rows of bench/trades.mjs (trades from a market), run by bench/cli.mjs before this. */
  tradesBench?: string;
  /** Rows of bench/verifier.mjs (the two-ledger verifier service), run by bench/cli.mjs before this. */
  verifierBench?: string;
}

/** Hardfork of the bench network: prague has no per-transaction gas cap (EIP-7825 is osaka's). */
const HARDFORK = "prague";

const PLANS = {
  full: { batchSizes: [1, 10, 100, 1000], openCounts: [10, 1_000, 100_000], throughputN: 200 },
  quick: { batchSizes: [1, 10], openCounts: [10], throughputN: 20 },
} as const;

function options(): Options {
  const raw = JSON.parse(process.env.KESSAI_BENCH_OPTIONS ?? "{}") as Partial<Options>;
  const quick = raw.quick === true;
  return {
    quick,
    compare: raw.compare,
    threshold: raw.threshold ?? 5,
    out: raw.out ?? (quick ? "bench/results.quick.json" : "bench/results.json"),
    report: raw.report ?? (quick ? "bench/REPORT.quick.md" : "bench/REPORT.md"),
    current: raw.current,
    suiteMs: raw.suiteMs,
    sdkThroughput: raw.sdkThroughput,
    gatewayBench: raw.gatewayBench,
    tradesBench: raw.tradesBench,
    verifierBench: raw.verifierBench,
  };
}

async function readResults(file: string): Promise<Results> {
  return JSON.parse(await readFile(file, "utf8")) as Results;
}

/**
 * The rows of bench/sdk-throughput.mjs: per network, the raw ethers rate first, then the SDK rate
 * with the raw row as its floor (ratio = SDK / raw, as for gas rows).
 */
function addSdkThroughput(rows: RowSet, sdk: Results): void {
  /** Every raw row under `prefix` and the SDK row beside it (same name, `.sdk.` for `.raw.`). */
  const pairs = (
    prefix: string,
    unit: string,
    describe: (net: string, n: string) => [raw: string, sdk: string],
  ) => {
    for (const raw of sdk.rows.filter((r) => r.name.startsWith(prefix))) {
      const [, , , net, n] = raw.name.split(".");
      const [rawText, sdkText] = describe(net, n);
      rows.add(raw.name, unit, raw.value, rawText);
      const sdkName = raw.name.replace(".raw.", ".sdk.");
      const row = sdk.rows.find((r) => r.name === sdkName);
      if (row === undefined) throw new Error(`${sdkName} missing from the SDK throughput rows`);
      rows.add(sdkName, unit, row.value, sdkText, raw.name);
    }
  };
  pairs("throughput.raw.settle.", "settlements/s", (net, n) => [
    `lock + settle, ${n} at once, raw ethers (TypeChain contracts), ${net}`,
    `the same through the SDK (FirmClient.createSettlement + settle), ${net}`,
  ]);
  pairs("throughput.raw.settleTrade.", "trades/s", (net, n) => [
    `${n} whole trades of 4 buyers at once (lock, affirm, issue, settle with a transfer authorization, redeem), raw ethers, ${net}`,
    `the same through settleTrade (checks before every step, a journal key per step), ${net}`,
  ]);
  pairs("rpc.settleTrade.raw.", "requests/trade", (net, n) => [
    `JSON-RPC requests per trade of the raw ethers round of ${n} whole trades, ${net}`,
    `JSON-RPC requests per trade through settleTrade (checks, sends, receipts), ${net}`,
  ]);
}

/** The rows of bench/gateway.mjs, each with its description and the name of its floor row. */
async function addGatewayRows(rows: RowSet, file: string): Promise<void> {
  const { rows: gateway } = JSON.parse(await readFile(file, "utf8")) as { rows: GatewayRow[] };
  for (const r of gateway) rows.add(r.name, r.unit, r.value, r.description, r.floorName);
}

async function packageVersion(name: string): Promise<string> {
  const file = path.resolve("node_modules", name, "package.json");
  return (JSON.parse(await readFile(file, "utf8")) as { version: string }).version;
}

/** Prints the comparison and returns whether any gas row regressed. */
function printComparison(older: Results, current: Results, label: string, threshold: number) {
  const { lines, regressions } = compareResults(older, current, threshold);
  console.log(`\nComparison with ${label} (threshold ${threshold}% on gas rows):`);
  console.log(lines.join("\n"));
  if (regressions.length > 0) {
    console.log(`\n${regressions.length} gas row(s) regressed by more than ${threshold}%:`);
    for (const r of regressions) console.log(`  ${r}`);
    return true;
  }
  console.log(`\nNo gas row regressed by more than ${threshold}%.`);
  return false;
}

async function main(): Promise<void> {
  const opts = options();

  if (opts.current !== undefined) {
    if (opts.compare === undefined) throw new Error("--current needs --compare");
    const regressed = printComparison(
      await readResults(opts.compare),
      await readResults(opts.current),
      `${opts.compare} (current: ${opts.current})`,
      opts.threshold,
    );
    if (regressed) process.exitCode = 1;
    return;
  }
  // Read the old file first: it may be the one this run overwrites.
  const older = opts.compare === undefined ? undefined : await readResults(opts.compare);

  const plan = opts.quick ? PLANS.quick : PLANS.full;
  const started = performance.now();
  const log = (message: string) =>
    console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}`);

  const override = {
    hardfork: HARDFORK,
    blockGasLimit: BLOCK_GAS_LIMIT,
    allowUnlimitedContractSize: false,
    loggingEnabled: false,
  };
  const { ethers, provider } = await network.create({ override });
  log("deploying");
  const fx = await deployFixture(ethers);
  const rows = new RowSet();
  log("floors, tokens, registry");
  await measureFloors(fx, rows);
  await measureSecurityToken(fx, rows);
  await measureDcjpy(fx, rows);
  await measureRegistry(fx, rows);
  log("DVP paths");
  await measureDvp(fx, rows);
  log("two-ledger flow (stLedger and cashLedger networks)");
  await measureTwoLedger(rows, override);
  log("gas budgets (traces)");
  const budgets = await measureBudgets(fx, provider);
  log(`batches of ${plan.batchSizes.join(", ")}`);
  await measureBatches(fx, rows, plan.batchSizes);
  log(`scaling with ${plan.openCounts.join(", ")} open settlements`);
  await measureScaling(fx, rows, plan.openCounts);
  log(`throughput (${plan.throughputN} settlements)`);
  await measureThroughput(fx, rows, plan.throughputN);
  if (opts.sdkThroughput !== undefined) {
    addSdkThroughput(rows, await readResults(opts.sdkThroughput));
  }
  if (opts.gatewayBench !== undefined) await addGatewayRows(rows, opts.gatewayBench);
  // bench/trades.mjs writes rows in the same shape (name, unit, value, description, floor name)
  if (opts.tradesBench !== undefined) await addGatewayRows(rows, opts.tradesBench);
  // and bench/verifier.mjs too (latency in blocks, settlements/s through the verifier service)
  if (opts.verifierBench !== undefined) await addGatewayRows(rows, opts.verifierBench);
  if (opts.suiteMs !== undefined) {
    rows.ms("time.tests.full", opts.suiteMs, "the whole test suite, `hardhat test`, compiled");
  }
  const durationS = (performance.now() - started) / 1000;
  log("done");

  const compiler = hre.config.solidity.profiles.default.compilers[0];
  const cpus = os.cpus();
  const results: Results = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    environment: {
      node: process.version,
      hardhat: await packageVersion("hardhat"),
      edr: await packageVersion("@nomicfoundation/edr"),
      ethers: await packageVersion("ethers"),
      solc: compiler.version,
      optimizerRuns: compiler.settings?.optimizer?.runs ?? "off",
      evmVersion: compiler.settings?.evmVersion ?? "default",
      hardfork: HARDFORK,
      blockGasLimit: Number(BLOCK_GAS_LIMIT),
      cpu: cpus[0]?.model.trim() ?? "unknown",
      cores: cpus.length,
      quick: opts.quick,
      durationSeconds: Math.round(durationS),
    },
    rows: rows.finish(),
    targets: evaluateTargets(rows, plan.batchSizes),
    budgets,
  };

  console.log(textTable(results.rows));
  console.log("");
  console.log("Targets (reported only; they never fail the run):");
  for (const line of targetLines(results.targets ?? [])) console.log(`  ${line}`);

  await writeFile(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  const prettier = await import("prettier");
  const markdown = await prettier.format(markdownReport(results, rows, durationS), {
    ...(await prettier.resolveConfig(opts.report)),
    parser: "markdown",
  });
  await writeFile(opts.report, markdown);
  console.log(`\nWrote ${opts.out} and ${opts.report} (${Math.round(durationS)} s).`);

  if (older !== undefined && printComparison(older, results, opts.compare!, opts.threshold)) {
    process.exitCode = 1;
  }
}

await main();
