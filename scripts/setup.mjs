// Installs node_modules when it is missing or stale, so `npm start` and `npm test` work on a
// fresh clone. Plain Node (>= 20), no dependencies; silent when everything is in place.
//
// Hardhat 3 needs Node 22 and the EDR native binding, an optional dependency that npm skips when
// npm itself runs on Node 20. So on Node < 22 npm is run under the `node@22` npm package.
//
// Native addons (better-sqlite3) must match the Node that npm scripts run on: the `node`
// devDependency (node_modules/.bin/node), whatever Node runs npm. npm may build them for another
// ABI (an npm config `nodedir` pointing at the machine's Node 20 headers, or a prebuilt binary for
// the laptop's Node 24), so each addon is loaded once with that Node and, if it does not load,
// rebuilt against the headers that the `node` package ships.
import { execSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");

/** Returns why an install is needed, or null when node_modules is complete and current. */
function staleReason() {
  if (!existsSync(join(nm, ".package-lock.json"))) return "node_modules is missing";
  if (!existsSync(join(nm, ".bin", "node"))) return "node_modules/.bin/node is missing";
  if (lockChanged()) return "package-lock.json changed";
  const binding = edrBinding();
  if (binding) return `${binding} is missing or outdated`;
  return null;
}

/** The lock is newer than the install and (checked only then) its package versions differ. */
function lockChanged() {
  const lockPath = join(root, "package-lock.json");
  const installedPath = join(nm, ".package-lock.json");
  if (statSync(lockPath).mtimeMs <= statSync(installedPath).mtimeMs) return false;
  const wanted = JSON.parse(readFileSync(lockPath, "utf8")).packages;
  const installed = JSON.parse(readFileSync(installedPath, "utf8")).packages;
  return Object.entries(wanted).some(
    ([path, pkg]) => path !== "" && installed[path]?.version !== pkg.version && !pkg.optional,
  );
}

/** package.json of `name` as Node would resolve it from `dir` (ignores "exports"), or null. */
function findPackage(name, dir) {
  for (const base of createRequire(join(dir, "x.js")).resolve.paths(name) ?? []) {
    const file = join(base, name, "package.json");
    if (existsSync(file)) return { file, ...JSON.parse(readFileSync(file, "utf8")) };
  }
  return null;
}

/** Name of the EDR platform package when it is missing or at another version, else null. */
function edrBinding() {
  const edr = findPackage("@nomicfoundation/edr", root);
  if (!edr) return "@nomicfoundation/edr";
  const { platform, arch } = process;
  let suffix = "";
  if (platform === "linux") {
    process.report.excludeNetwork = true;
    suffix = process.report.getReport().header.glibcVersionRuntime ? "-gnu" : "-musl";
  } else if (platform === "win32") suffix = "-msvc";
  const name = `@nomicfoundation/edr-${platform}-${arch}${suffix}`;
  if (!(name in (edr.optionalDependencies ?? {}))) return null; // no prebuilt binding to check
  return findPackage(name, dirname(edr.file))?.version === edr.version ? null : name;
}

/** Addons to check, each with a script that loads its binding (requiring the package is lazy). */
const ADDONS = {
  "better-sqlite3": `new (require("better-sqlite3"))(":memory:").close()`,
};

/** node_modules/.bin/node: the Node that npm scripts (Hardhat, the tests) run on. */
const runtime = join(nm, ".bin", process.platform === "win32" ? "node.cmd" : "node");

/** Why `name`'s binding does not load on the runtime (its error's first line), or null. */
function addonProblem(name) {
  const r = spawnSync(runtime, ["-e", ADDONS[name]], { cwd: root, encoding: "utf8" });
  if (r.status === 0) return null;
  const out = `${r.stderr ?? ""}${r.error?.message ?? ""}`;
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(out);
  if (abi) return `built for NODE_MODULE_VERSION ${abi[1]}, it needs ${abi[2]}`;
  return (out.split("\n").find((l) => /Error/.test(l)) ?? `exit code ${r.status}`).trim();
}

/**
 * Headers of the Node binary `bin` for node-gyp (a folder whose include/node holds common.gypi),
 * or null: the binary's own prefix (a system install), else the `node` npm package's platform
 * package next to it (node_modules/node/node_modules/node-<platform>-<arch>).
 */
function headersOf(bin) {
  const real = realpathSync(bin);
  const prefix = dirname(dirname(real));
  if (existsSync(join(prefix, "include", "node", "common.gypi"))) return prefix;
  const dir = join(prefix, "node_modules");
  if (!existsSync(dir)) return null;
  const platform = readdirSync(dir).find(
    (d) => d.startsWith("node-") && existsSync(join(dir, d, "include", "node", "common.gypi")),
  );
  return platform ? join(dir, platform) : null;
}

/** Rebuilds every addon that does not load on the runtime; exits when one still does not. */
function rebuildAddons() {
  for (const name of Object.keys(ADDONS)) {
    const problem = addonProblem(name);
    if (!problem) continue;
    const version = spawnSync(runtime, ["--version"], { encoding: "utf8" }).stdout.trim();
    const headers = headersOf(runtime);
    const command = `npm rebuild ${name}${headers ? ` --nodedir="${headers}"` : ""}`;
    console.log(`setup: ${name} does not load on Node ${version} (${problem});`);
    console.log(`setup: rebuilding it against Node ${version} (about a minute): ${command}`);
    const started = Date.now();
    try {
      // The runtime first on PATH, so npm, node-gyp and the install script run on it.
      const PATH = `${dirname(realpathSync(runtime))}${delimiter}${process.env.PATH ?? ""}`;
      execSync(command, { cwd: root, stdio: "inherit", env: { ...process.env, PATH } });
    } catch {
      console.error(`setup: '${command}' failed (see npm output above)`);
      process.exit(1);
    }
    const left = addonProblem(name);
    if (left) {
      console.error(`setup: ${name} still does not load after the rebuild: ${left}`);
      process.exit(1);
    }
    console.log(`setup: ${name} rebuilt in ${Math.round((Date.now() - started) / 1000)} s`);
  }
}

// `node scripts/setup.mjs --headers`: prints the running Node's headers folder (used below, inside
// the npx shell, so that `npm ci` builds addons once, for the Node that will load them).
if (process.argv[2] === "--headers") {
  process.stdout.write(headersOf(process.execPath) ?? "");
  process.exit(0);
}

const reason = staleReason();
if (reason) {
  const major = Number(process.versions.node.split(".")[0]);
  // Older Node: npm runs on the `node` devDependency (the Node that runs Hardhat) via npx. Either
  // way npm builds addons against that Node's own headers, not a `nodedir` from the npm config.
  const node = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.node;
  const self = JSON.stringify(fileURLToPath(import.meta.url));
  const ci = `h="$(node ${self} --headers)"; if [ -n "$h" ]; then export npm_config_nodedir="$h"; fi; npm ci`;
  const headers = major >= 22 ? headersOf(process.execPath) : null;
  const command = major >= 22 ? "npm ci" : `npx -y -p node@${node} -c '${ci}'`;
  console.log(
    `setup: ${reason}; running ${major >= 22 ? command : `npm ci on Node ${node} (npx)`}`,
  );
  try {
    const env = headers ? { ...process.env, npm_config_nodedir: headers } : process.env;
    execSync(command, { cwd: root, stdio: "inherit", env });
  } catch {
    console.error(`setup: '${command}' failed (see npm output above)`);
    process.exit(1);
  }
  const left = staleReason();
  if (left) {
    console.error(`setup: install finished but ${left}`);
    process.exit(1);
  }
}
rebuildAddons();
