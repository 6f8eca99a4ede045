// The one launcher of the benchmark entry points that run a TypeScript script with `hardhat run`
// (which compiles first and takes no script arguments): parses the flags by a table, answers
// --help, and runs the script with the options as JSON in one environment variable.
// Exit status: that of the run; 2 on a bad flag.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Parses `process.argv` and runs `script`. A flag's kind is `"boolean"`, `"string"`,
 * `"positive-integer"` or a list of the values it accepts; its option is its name without `--`.
 *
 * @param {{ script: string, envVar: string, usage: string,
 *           flags: Record<string, "boolean" | "string" | "positive-integer" | string[]> }} spec
 */
export function launch({ script, envVar, usage, flags }) {
  const fail = (message) => {
    console.error(`${message}\n\n${usage}`);
    process.exit(2);
  };
  const options = {};
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; ++i) {
    const arg = args[i];
    if (arg === "--help" || arg === "-h") {
      console.log(usage);
      process.exit(0);
    }
    const kind = flags[arg];
    if (kind === undefined) fail(`unknown flag ${arg}`);
    const key = arg.slice(2);
    if (kind === "boolean") {
      options[key] = true;
      continue;
    }
    const v = args[++i];
    if (Array.isArray(kind)) {
      if (!kind.includes(v)) fail(`${arg} needs ${kind.join(" or ")}`);
      options[key] = v;
      continue;
    }
    if (v === undefined || v.startsWith("--")) fail(`${arg} needs a value`);
    if (kind === "positive-integer") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) fail(`${arg} must be a positive integer`);
      options[key] = n;
    } else options[key] = v;
  }
  const child = spawn(path.join(root, "node_modules", ".bin", "hardhat"), ["run", script], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, [envVar]: JSON.stringify(options) },
  });
  child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
