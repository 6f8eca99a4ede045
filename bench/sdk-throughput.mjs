// Entry point of `npm run bench:sdk`: parses --n/--rounds/--out and runs bench/sdk-throughput.ts
// with `hardhat run` (which compiles first and takes no script arguments), passing them in
// KESSAI_SDK_BENCH_OPTIONS. Exit status: that of the run.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: node bench/sdk-throughput.mjs [--n N] [--rounds R] [--out FILE]

  --n N        settlements per round and side (default 200)
  --rounds R   alternating raw / SDK rounds per network; the best of each counts (default 2)
  --out FILE   rows (bench/results.json format) (default bench/results.sdk.json)
  --only NET   measure one network only: inprocess or hardhat-node`;

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
  if (arg === "--n" || arg === "--rounds") {
    const v = Number(next());
    if (!Number.isInteger(v) || v < 1) {
      console.error(`${arg} must be a positive integer\n\n${USAGE}`);
      process.exit(2);
    }
    options[arg.slice(2)] = v;
  } else if (arg === "--out") options.out = next();
  else if (arg === "--only") options.only = next();
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
  ["run", "bench/sdk-throughput.ts"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, KESSAI_SDK_BENCH_OPTIONS: JSON.stringify(options) },
  },
);
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
