// Installs node_modules when it is missing or stale, so `npm start` and `npm test` work on a
// fresh clone. Plain Node (>= 20), no dependencies; silent when everything is in place.
//
// Hardhat 3 needs Node 22 and the EDR native binding, an optional dependency that npm skips when
// npm itself runs on Node 20. So on Node < 22 npm is run under the `node@22` npm package.
import { execSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

const reason = staleReason();
if (reason) {
  const major = Number(process.versions.node.split(".")[0]);
  // Older Node: npm runs on the `node` devDependency (the Node that runs Hardhat) via npx.
  const node = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies.node;
  const command = major >= 22 ? "npm ci" : `npx -y -p node@${node} -c "npm ci"`;
  console.log(`setup: ${reason}; running ${command}`);
  try {
    execSync(command, { cwd: root, stdio: "inherit" });
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
