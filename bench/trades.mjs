// Entry point of the trades benchmark (bench/trades.ts, run with `hardhat run`, which takes no
// script arguments: the flags travel in KESSAI_TRADES_BENCH_OPTIONS). bench/cli.mjs runs it
// before the main run and bench/run.ts adds its rows. Exit status: that of the run.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: node bench/trades.mjs [--n N[,N…]] [--batch B] [--out FILE]

  --n N,…      day sizes in trades (default 1000; bench/cli.mjs: 1000,10000, --quick 20)
  --batch B    settlements per settleBatchPerItem (default 50)
  --concurrency C  settleTrades' trades in flight (default 128; the ethers round keeps 32 sends
               in flight)
  --rounds R,… alternating ethers / settleTrades rounds per size, in the order of --n (the last
               repeats); the best of each counts (default 2; bench/cli.mjs: 2,1, --quick: 1)
  --xledger N  trades on two ledgers (two anvil nodes, the verifier service; default the first
               --n up to 100, so 20 with --quick; 0 skips them)
  --out FILE   rows with descriptions and floors (default bench/results.trades.json)`;

const options = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  const next = () => {
    const v = args[++i];
    if (v === undefined || v.startsWith("--")) {
      console.error(`${arg} needs a value\n\n${USAGE}`);
      process.exit(2);
    }
    return v;
  };
  if (arg === "--n") {
    options.n = next().split(",").map(Number);
    if (!options.n.every((x) => Number.isInteger(x) && x > 0)) {
      console.error(`--n needs positive integers\n\n${USAGE}`);
      process.exit(2);
    }
  } else if (arg === "--batch") {
    options.batch = Number(next());
    if (!Number.isInteger(options.batch) || options.batch < 1) {
      console.error(`--batch must be a positive integer\n\n${USAGE}`);
      process.exit(2);
    }
  } else if (arg === "--rounds") {
    options.rounds = next().split(",").map(Number);
    if (!options.rounds.every((x) => Number.isInteger(x) && x > 0)) {
      console.error(`--rounds needs positive integers\n\n${USAGE}`);
      process.exit(2);
    }
  } else if (arg === "--concurrency") {
    options.concurrency = Number(next());
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      console.error(`--concurrency must be a positive integer\n\n${USAGE}`);
      process.exit(2);
    }
  } else if (arg === "--xledger") {
    options.xledger = Number(next());
    if (!Number.isInteger(options.xledger) || options.xledger < 0) {
      console.error(`--xledger must be a whole number\n\n${USAGE}`);
      process.exit(2);
    }
  } else if (arg === "--out") options.out = next();
  else if (arg === "--help" || arg === "-h") {
    console.log(USAGE);
    process.exit(0);
  } else {
    console.error(`unknown flag ${arg}\n\n${USAGE}`);
    process.exit(2);
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const child = spawn(
  path.join(root, "node_modules", ".bin", "hardhat"),
  ["run", "bench/trades.ts"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, KESSAI_TRADES_BENCH_OPTIONS: JSON.stringify(options) },
  },
);
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
