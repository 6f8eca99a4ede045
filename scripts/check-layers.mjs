#!/usr/bin/env node
/**
 * The import rules `npm test` holds the packages to, checked over the TypeScript import graph
 * (`import`, `import type`, `export … from` and `import()`, read with the compiler's own
 * `ts.preProcessFile`, so a type-only import counts as much as any other):
 *
 * 1. Packages meet at their public entries only. A relative import never leaves its package,
 *    and `@kessai/<name>[/<subpath>]` must be one of that package's `exports` (so the CLI uses
 *    `@kessai/sdk`, never `@kessai/sdk/dist/…` or `../../sdk/src/…`). The code outside packages
 *    that is not a test (bench/, scripts/, ignition/) imports the SDK through its entry only.
 * 2. The SDK's layers only point down (viem's decorators → actions → utils / errors), from the
 *    top: workflows/ (settleTrade drives clients) → clients/ (bind actions to a context) →
 *    actions/ → context/ (connect, the send path) → settlement/ (terms, IDs, EIP-712 schema),
 *    transactions/ (the engine) and gateway/ (the bank gateway's HTTP client, also the entry
 *    `@kessai/sdk/gateway`), which do not import each other → utils/ → errors/ →
 *    constants/ and generated/. The generated error classes (generated/errors.ts) extend
 *    ContractError: they belong to errors/. index.ts, the public entry, may import any layer
 *    but no `internal/` folder (nothing public lives there). A file in no layer (e.g. command-line
 *    code under src/cli/: the CLI is its own package) is refused.
 * 3. No circular imports inside the SDK or the CLI (`ACYCLIC`).
 *
 * Run: `node scripts/check-layers.mjs [--root DIR]`; exit 1 listing every broken rule.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const at = process.argv.indexOf("--root");
/** The repository (`--root DIR` checks another tree laid out the same way, e.g. in a test). */
const ROOT =
  at >= 0
    ? path.resolve(process.argv[at + 1])
    : path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rel = (f) => path.relative(ROOT, f).split(path.sep).join("/");

/** The SDK's layers, top first; units of one rank may not import each other. */
const SDK_RANKS = [
  [{ name: "index", paths: ["index.ts"] }],
  [{ name: "workflows", paths: ["workflows/"] }],
  [{ name: "clients", paths: ["clients/"] }],
  [{ name: "actions", paths: ["actions/"] }],
  [{ name: "context", paths: ["context/"] }],
  [
    { name: "settlement", paths: ["settlement/"] },
    { name: "transactions", paths: ["transactions/"] },
    { name: "gateway", paths: ["gateway/"] },
  ],
  [{ name: "utils", paths: ["utils/"] }],
  [{ name: "errors", paths: ["errors/", "generated/errors.ts"] }],
  [
    { name: "constants", paths: ["constants/"] },
    { name: "generated", paths: ["generated/"] },
  ],
];

/** The packages rule 3 holds (storage has two cycles of its own, not yet untangled). */
const ACYCLIC = new Set(["@kessai/sdk", "@kessai/cli"]);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") walk(p, out);
    } else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Import specifiers of a file (static, type-only, re-exports, dynamic). */
function specifiers(file) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names (`./x.js` is `./x.ts`), or undefined. */
function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    base,
    `${base}.ts`,
    path.join(base, "index.ts"),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

const packages = readdirSync(path.join(ROOT, "packages"))
  .map((name) => path.join(ROOT, "packages", name))
  .filter((dir) => existsSync(path.join(dir, "package.json")))
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) }));
const byName = new Map(packages.map((p) => [p.pkg.name, p]));

const problems = [];

/** Rule 1 for one import of `file`, which lives in package `home` (undefined: outside packages). */
function checkBoundary(file, spec, home) {
  const m = /^(@kessai\/[^/]+)(\/.*)?$/.exec(spec);
  if (m) {
    const target = byName.get(m[1]);
    const sub = `.${m[2] ?? ""}`;
    if (!target) problems.push(`${rel(file)}: imports ${spec}, which is no workspace package`);
    else if (!Object.keys(target.pkg.exports ?? { ".": null }).includes(sub))
      problems.push(`${rel(file)}: imports ${spec}, which is not an export of ${m[1]}`);
    return;
  }
  if (!spec.startsWith(".")) return;
  const target = resolveRelative(file, spec) ?? path.resolve(path.dirname(file), spec);
  if (home && !target.startsWith(home.dir + path.sep)) {
    problems.push(`${rel(file)}: imports ${spec} (${rel(target)}), outside ${home.pkg.name}`);
  }
  if (!home && target.startsWith(path.join(ROOT, "packages") + path.sep)) {
    const owner = packages.find((p) => target.startsWith(p.dir + path.sep));
    const entry = owner && path.join(owner.dir, "src", "index.ts");
    if (target !== entry)
      problems.push(`${rel(file)}: imports ${rel(target)}; use ${owner?.pkg.name}'s entry`);
  }
}

/** The SDK unit and rank of a file under packages/sdk/src. */
function sdkUnit(src, file) {
  const r = rel(file).slice(rel(src).length + 1);
  let best;
  SDK_RANKS.forEach((units, rank) => {
    for (const unit of units) {
      for (const p of unit.paths) {
        const hit = p.endsWith("/") ? r.startsWith(p) : r === p;
        if (hit && (!best || p.length > best.match.length)) best = { unit, rank, match: p };
      }
    }
  });
  return best ? { name: best.unit.name, rank: best.rank, path: r } : undefined;
}

/** Strongly connected components of size > 1 (or a self-import): the import cycles. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

let files = 0;
for (const home of packages) {
  const src = path.join(home.dir, "src");
  const graph = new Map();
  const isSdk = home.pkg.name === "@kessai/sdk";
  for (const file of [...walk(src), ...walk(path.join(home.dir, "test"))]) {
    files++;
    const edges = [];
    for (const spec of specifiers(file)) {
      checkBoundary(file, spec, home);
      if (!spec.startsWith(".")) continue;
      const target = resolveRelative(file, spec);
      if (!target) {
        problems.push(`${rel(file)}: cannot resolve ${spec}`);
        continue;
      }
      edges.push(target);
      if (!isSdk || !file.startsWith(src + path.sep)) continue;
      if (rel(file) === rel(path.join(src, "index.ts")) && /(^|\/)internal\//.test(spec))
        problems.push(`${rel(file)}: exports ${spec}; nothing public lives in internal/`);
      const a = sdkUnit(src, file);
      const b = sdkUnit(src, target);
      if (!a || !b) {
        problems.push(`${rel(!a ? file : target)}: in no layer of the SDK (see SDK_RANKS)`);
        continue;
      }
      if (b.rank < a.rank || (b.rank === a.rank && b.name !== a.name)) {
        problems.push(
          `${rel(file)}: ${a.name}/ imports ${b.path} (${b.name}/), ` +
            (b.rank < a.rank ? "a higher layer" : "a sibling layer"),
        );
      }
    }
    graph.set(file, edges);
  }
  if (ACYCLIC.has(home.pkg.name))
    for (const scc of cycles(graph)) {
      problems.push(`import cycle in ${home.pkg.name}: ${scc.map(rel).sort().join(" -> ")}`);
    }
}
for (const dir of ["bench", "scripts", "ignition"]) {
  for (const file of walk(path.join(ROOT, dir))) {
    files++;
    for (const spec of specifiers(file)) checkBoundary(file, spec, undefined);
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s) in ${files} files`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-layers: ${files} files, every import points down and no package is entered`);
