// Entry point of `npm run bench`: parses the flags, then runs bench/run.ts with `hardhat run`
// (which compiles first and takes no script arguments), passing the flags in KESSAI_BENCH_OPTIONS.
// Exit status: that of the run (non-zero on an error, or when --compare finds a gas regression).
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: npm run bench -- [--quick] [--compare OLD.json [--threshold PCT]] [--out FILE] [--report FILE]
       npm run bench -- --compare OLD.json --current NEW.json [--threshold PCT]

  (without --quick the run first times the whole test suite, \`hardhat test\`; every run first
  measures SDK against raw ethers settlements/s with bench/sdk-throughput.mjs, the bank gateway
  with bench/gateway.mjs, trades with bench/trades.mjs and the two-ledger verifier service with
  bench/verifier.mjs)
  --quick              small batches, no 1,000 and no 100,000, SDK throughput in-process only
                       with 20 settlements, bank gateway on SQLite only, verifier with 20
                       settlements and 1 for latency (CI smoke run);
                       writes bench/results.quick.json and bench/REPORT.quick.md by default
  --compare OLD.json   after the run, compare with OLD.json; exit 1 if a gas row regressed
  --threshold PCT      regression threshold in percent for --compare (default 5)
  --current NEW.json   with --compare: compare NEW.json with OLD.json without running
  --out FILE           results file (default bench/results.json)
  --report FILE        Markdown report (default bench/REPORT.md)`;

function fail(message) {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const options = { quick: false };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  const value = () => {
    const v = args[++i];
    if (v === undefined || v.startsWith("--")) fail(`${arg} needs a value`);
    return v;
  };
  switch (arg) {
    case "--quick":
      options.quick = true;
      break;
    case "--compare":
      options.compare = value();
      break;
    case "--current":
      options.current = value();
      break;
    case "--threshold": {
      const threshold = Number(value());
      if (!Number.isFinite(threshold) || threshold < 0) fail("--threshold must be a number >= 0");
      options.threshold = threshold;
      break;
    }
    case "--out":
      options.out = value();
      break;
    case "--report":
      options.report = value();
      break;
    case "--help":
    case "-h":
      console.log(USAGE);
      process.exit(0);
      break;
    default:
      fail(`unknown argument ${arg}`);
  }
}
if (options.current !== undefined && options.compare === undefined) {
  fail("--current needs --compare");
}

// Comparing two files needs no compilation.
const hardhatArgs = [
  "run",
  ...(options.current !== undefined ? ["--no-compile"] : []),
  "bench/run.ts",
];
// Hardhat's CLI on this very Node binary (under `npm run`, Node 22 from node_modules).
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hardhatDir = path.join(root, "node_modules", "hardhat");
const { bin } = JSON.parse(readFileSync(path.join(hardhatDir, "package.json"), "utf8"));
const hardhatCli = path.join(hardhatDir, typeof bin === "string" ? bin : bin.hardhat);
// The full run also times the whole test suite (Solidity and TypeScript), as a developer runs it.
if (!options.quick && options.current === undefined) {
  console.log("bench: timing the full test suite (hardhat test)");
  const started = performance.now();
  const suite = spawnSync(process.execPath, [hardhatCli, "test"], { cwd: root, stdio: "ignore" });
  if (suite.status !== 0) fail("the test suite failed; fix it before benchmarking");
  options.suiteMs = performance.now() - started;
}

// Every run also measures SDK against raw ethers settlements/s (bench/sdk-throughput.mjs, its
// own Hardhat process and a `hardhat node`) before the main run; bench/run.ts adds those rows.
let sdkRowsFile;
if (options.current === undefined) {
  sdkRowsFile = path.join(os.tmpdir(), `kessai-sdk-throughput-${process.pid}.json`);
  const sdkArgs = options.quick
    ? ["--n", "20", "--rounds", "1", "--only", "inprocess"]
    : ["--n", "200", "--rounds", "4"];
  console.log(`bench: SDK throughput (node bench/sdk-throughput.mjs ${sdkArgs.join(" ")})`);
  const sdk = spawnSync(
    process.execPath,
    [path.join(root, "bench", "sdk-throughput.mjs"), ...sdkArgs, "--out", sdkRowsFile],
    { cwd: root, stdio: "inherit" },
  );
  if (sdk.status !== 0) fail("the SDK throughput benchmark failed");
  options.sdkThroughput = sdkRowsFile;
}

// And the bank gateway's rows (bench/gateway.mjs, its own Hardhat process, a `hardhat node` and,
// in a full run, an embedded PostgreSQL): issuances/s against raw ethers, ledger postings/s,
// reconciliation time.
let gatewayRowsFile;
if (options.current === undefined) {
  gatewayRowsFile = path.join(os.tmpdir(), `kessai-gateway-bench-${process.pid}.json`);
  const gatewayArgs = options.quick ? ["--quick"] : [];
  console.log(`bench: bank gateway (node bench/gateway.mjs ${gatewayArgs.join(" ")})`);
  const gateway = spawnSync(
    process.execPath,
    [path.join(root, "bench", "gateway.mjs"), ...gatewayArgs, "--out", gatewayRowsFile],
    { cwd: root, stdio: "inherit" },
  );
  if (gateway.status !== 0) fail("the bank gateway benchmark failed");
  options.gatewayBench = gatewayRowsFile;
}

// And trades from a market (bench/trades.mjs, its own Hardhat process and a `hardhat node`):
// settleTrades end to end against the same transactions sent directly with ethers.
let tradesRowsFile;
if (options.current === undefined) {
  tradesRowsFile = path.join(os.tmpdir(), `kessai-trades-bench-${process.pid}.json`);
  // the 10,000-trade day runs one round of each: about 7 min at the ~50 trades/s of a quiet
  // machine, over an hour at load 16 (1,000 trades, one round of each, took 499 s there)
  const tradesArgs = options.quick
    ? ["--n", "20", "--rounds", "1"]
    : ["--n", "1000,10000", "--rounds", "2,1"];
  console.log(`bench: trades (node bench/trades.mjs ${tradesArgs.join(" ")})`);
  const trades = spawnSync(
    process.execPath,
    [path.join(root, "bench", "trades.mjs"), ...tradesArgs, "--out", tradesRowsFile],
    { cwd: root, stdio: "inherit" },
  );
  if (trades.status !== 0) fail("the trades benchmark failed");
  options.tradesBench = tradesRowsFile;
}

// And the two-ledger verifier service (bench/verifier.mjs, its own Hardhat process and two anvil
// nodes mining a block a second): latency in blocks of each ledger, and settlements/s through the
// service against its pay + deliver sent directly with ethers.
let verifierRowsFile;
if (options.current === undefined) {
  verifierRowsFile = path.join(os.tmpdir(), `kessai-verifier-bench-${process.pid}.json`);
  const verifierArgs = options.quick ? ["--n", "20", "--latency", "1"] : ["--n", "200"];
  console.log(`bench: two-ledger verifier (node bench/verifier.mjs ${verifierArgs.join(" ")})`);
  const verifier = spawnSync(
    process.execPath,
    [path.join(root, "bench", "verifier.mjs"), ...verifierArgs, "--out", verifierRowsFile],
    { cwd: root, stdio: "inherit" },
  );
  if (verifier.status !== 0) fail("the two-ledger verifier benchmark failed");
  options.verifierBench = verifierRowsFile;
}

const child = spawn(process.execPath, [hardhatCli, ...hardhatArgs], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, KESSAI_BENCH_OPTIONS: JSON.stringify(options) },
});
child.on("error", (error) => fail(`cannot start hardhat: ${error.message}`));
child.on("exit", (code, signal) => {
  if (sdkRowsFile !== undefined) rmSync(sdkRowsFile, { force: true });
  if (gatewayRowsFile !== undefined) rmSync(gatewayRowsFile, { force: true });
  if (tradesRowsFile !== undefined) rmSync(tradesRowsFile, { force: true });
  if (verifierRowsFile !== undefined) rmSync(verifierRowsFile, { force: true });
  process.exit(signal === null ? (code ?? 1) : 1);
});
