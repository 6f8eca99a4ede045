#!/usr/bin/env node
/**
 * Keeps docs/sdk-guide.md in step with packages/sdk/examples/NN-name.ts.
 *
 * Every ```ts block of the guide whose first line is `// example: NN-name` shows the region
 * between `// #region example` and `// #endregion example` of packages/sdk/examples/NN-name.ts, dedented.
 * The example files are the source: they are type-checked and run by test/ts/sdk/guide.test.ts.
 *
 *   node packages/sdk/scripts/guide.mjs           rewrite the guide's example blocks from the files
 *   node packages/sdk/scripts/guide.mjs --check   exit 1 (listing them) if any block differs, an example
 *                                        is missing from the guide, or a block names no file
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const guideFile = path.join(root, "docs", "sdk-guide.md");
const examplesDir = path.join(root, "packages", "sdk", "examples");
const EXAMPLE_FILE = /^\d\d-[a-z0-9-]+\.ts$/;
const BLOCK = /^```ts\n\/\/ example: ([^\n]+)\n([\s\S]*?)^```$/gm;

/** The dedented `#region example` of an example file. */
export function region(name) {
  const lines = readFileSync(path.join(examplesDir, `${name}.ts`), "utf8").split("\n");
  const start = lines.findIndex((l) => l.trim() === "// #region example");
  const end = lines.findIndex((l) => l.trim() === "// #endregion example");
  if (start < 0 || end < start) throw new Error(`${name}.ts: no // #region example`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(
    ...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length),
  );
  return body.map((l) => l.slice(indent).trimEnd()).join("\n") + "\n";
}

/** Example names in the folder, sorted. */
export function exampleNames() {
  return readdirSync(examplesDir)
    .filter((f) => EXAMPLE_FILE.test(f))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Problems found (empty when the guide is up to date), and the guide as it should be. */
export function check() {
  const guide = readFileSync(guideFile, "utf8");
  const problems = [];
  const shown = [];
  const updated = guide.replace(BLOCK, (block, name, body) => {
    shown.push(name);
    if (!existsSync(path.join(examplesDir, `${name}.ts`))) {
      problems.push(`guide block "${name}": no packages/sdk/examples/${name}.ts`);
      return block;
    }
    const want = region(name);
    if (body !== want)
      problems.push(`guide block "${name}" differs from packages/sdk/examples/${name}.ts`);
    return "```ts\n// example: " + name + "\n" + want + "```";
  });
  for (const name of exampleNames()) {
    const n = shown.filter((s) => s === name).length;
    if (n !== 1) problems.push(`packages/sdk/examples/${name}.ts is shown ${n} times in the guide`);
  }
  return { problems, guide, updated };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, guide, updated } = check();
  if (process.argv.includes("--check")) {
    for (const p of problems) console.error(p);
    process.exit(problems.length ? 1 : 0);
  }
  if (updated !== guide) writeFileSync(guideFile, updated);
  const left = problems.filter((p) => !p.includes("differs"));
  for (const p of left) console.error(p);
  console.log(
    `guide: ${exampleNames().length} examples, ${updated === guide ? "unchanged" : "updated"}`,
  );
  process.exit(left.length ? 1 : 0);
}
