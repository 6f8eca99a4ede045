// Entry point of the bank gateway's benchmark: parses --quick/--out and runs bench/gateway.ts
// with `hardhat run` (which compiles first and takes no script arguments), passing them in
// KESSAI_GATEWAY_BENCH_OPTIONS. `npm run bench` (bench/cli.mjs) runs it and adds its rows.
// Exit status: that of the run.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const USAGE = `Usage: node bench/gateway.mjs [--quick] [--out FILE]

  --quick      SQLite only: 20 issuances, 200 postings, reconciliation of 1,000 (about 30 s)
               (default: 200 issuances on SQLite and PostgreSQL, 2 rounds, 2,000 postings,
               reconciliation of 100,000 on SQLite and 10,000 on PostgreSQL)
  --out FILE   rows with their descriptions and floors (default bench/results.gateway.json)
  --only PART  measure one part only: issuance, or ledger (postings and reconciliation)`;

const options = {};
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  if (arg === "--quick") options.quick = true;
  else if (arg === "--out") {
    const v = args[++i];
    if (v === undefined || v.startsWith("--")) {
      console.error(`--out needs a value\n\n${USAGE}`);
      process.exit(2);
    }
    options.out = v;
  } else if (arg === "--only") {
    const v = args[++i];
    if (v !== "issuance" && v !== "ledger") {
      console.error(`--only needs issuance or ledger\n\n${USAGE}`);
      process.exit(2);
    }
    options.only = v;
  } else if (arg === "--help" || arg === "-h") {
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
  ["run", "bench/gateway.ts"],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, KESSAI_GATEWAY_BENCH_OPTIONS: JSON.stringify(options) },
  },
);
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
