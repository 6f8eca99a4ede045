// Runs `hardhat test solidity --coverage` (shorter fuzz and invariant campaigns, see
// hardhat.config.ts) and fails unless every contract under contracts/ has 100% line
// and statement coverage. Test helpers (contracts/test/, *.t.sol) are exempt.
//
// Line counts come from coverage/lcov.info. Hardhat writes statement coverage only in the table it
// prints, so statement percentages are read from that table.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lcovPath = join(root, "coverage", "lcov.info");
const exempt = (file) => file.startsWith("contracts/test/") || file.endsWith(".t.sol");
const fail = (message) => {
  console.error(`coverage: ${message}`);
  process.exit(1);
};

rmSync(join(root, "coverage"), { recursive: true, force: true });

// Run Hardhat, echoing its output while keeping a copy to parse.
const env = {
  ...process.env,
  KESSAI_COVERAGE: "1",
  PATH: join(root, "node_modules", ".bin") + delimiter + process.env.PATH,
};
if (process.stdout.isTTY && !env.NO_COLOR) env.FORCE_COLOR ??= "1";
// The Solidity suite alone must reach every line (the TypeScript tests add no contract coverage
// that counts); extra arguments replace it, e.g. `npm run coverage -- mocha`.
const args = process.argv.length > 2 ? process.argv.slice(2) : ["solidity"];
const child = spawn("hardhat", ["test", ...args, "--coverage"], {
  cwd: root,
  env,
  stdio: ["inherit", "pipe", "inherit"],
  shell: process.platform === "win32",
});
let output = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
const code = await new Promise((resolve) => {
  child.on("error", (error) => fail(`cannot run hardhat: ${error.message}`));
  child.on("close", resolve);
});
if (code !== 0) fail(`hardhat test --coverage exited with ${code}`);
if (!existsSync(lcovPath)) fail("coverage/lcov.info was not written");

// lcov.info: SF:<file> ... LH:<hit> LF:<found> end_of_record
const files = new Map();
let current;
for (const line of readFileSync(lcovPath, "utf8").split("\n")) {
  const [key, value] = [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)];
  if (key === "SF")
    files.set((current = value.replaceAll("\\", "/")), { hit: 0, found: 0, missed: [] });
  else if (key === "DA" && value.endsWith(",0"))
    files.get(current).missed.push(value.split(",")[0]);
  else if (key === "LH") files.get(current).hit = Number(value);
  else if (key === "LF") files.get(current).found = Number(value);
}

// Table rows: ║ contracts/X.sol │ 100.00 │ 95.00 │ 12-14 ║
const statements = new Map();
const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
for (const match of plain.matchAll(/^║ (\S.*?) +│ +([\d.]+) +│ +([\d.]+) +│/gm)) {
  statements.set(match[1].replaceAll("\\", "/"), Number(match[3]));
}

const rows = [];
const failures = [];
for (const [file, { hit, found, missed }] of files) {
  if (!file.startsWith("contracts/") || exempt(file)) continue;
  const lines = found === 0 ? 100 : (hit * 100) / found;
  const stmts = found === 0 ? 100 : statements.get(file);
  const ok = lines === 100 && stmts === 100;
  rows.push([
    file,
    `${lines.toFixed(2)} (${hit}/${found})`,
    stmts?.toFixed(2) ?? "?",
    ok ? "ok" : "FAIL",
  ]);
  if (stmts === undefined) {
    failures.push(`${file}: statement coverage not found in Hardhat's table`);
  } else if (!ok) {
    const where = missed.length > 0 ? `, uncovered lines ${missed.join(", ")}` : "";
    failures.push(`${file}: lines ${lines.toFixed(2)}%, statements ${stmts.toFixed(2)}%${where}`);
  }
}
if (rows.length === 0) fail("no contracts under contracts/ in coverage/lcov.info");

const header = ["Contract", "Lines % (hit/total)", "Statements %", ""];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const format = (row) =>
  row
    .map((cell, i) => cell.padEnd(widths[i]))
    .join("  ")
    .trimEnd();
console.log(`\nRequired: 100% of lines and statements\n${format(header)}`);
for (const row of rows) console.log(format(row));

if (failures.length > 0) {
  for (const failure of failures) console.error(`coverage: below 100%: ${failure}`);
  process.exit(1);
}
console.log(`coverage: ${rows.length} contract file(s) fully covered`);
