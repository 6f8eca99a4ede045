/**
 * Every TypeScript block of README.md, packages/sdk/README.md and docs/*.md compiles, as written.
 *
 * Each ```ts block is compiled with the TypeScript compiler as an ES module of its own (so it
 * must import what it uses; top-level await is allowed), with `@kessai/sdk` resolved to the SDK's
 * source (packages/sdk/src/index.ts), `ethers` and `hardhat` from this repository, strict mode. Two
 * conventions, both stated where they are used:
 * - a block whose first line is `// example: NN-name` is a usage-guide example (docs/sdk-guide.md):
 *   the body of `run(env: ExampleEnv)`, compiled inside that function with every export of
 *   `@kessai/sdk`, `id` from `ethers` and `tradingParties` from the examples' env.ts in scope, as
 *   the guide says;
 * - a block right after the comment `<!-- docs-test: fragment: <why> -->` is deliberately not a
 *   whole program and is not compiled; at most MAX_FRAGMENTS may exist.
 *
 * A ```sh block right after `<!-- docs-test: run -->` is run line by line (sh -e, from the
 * repository root) and must succeed: packages/sdk/README's build-from-source recipe, whose last line starts
 * the CLI it built.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const ROOT = process.cwd();
const FILES = [
  "README.md",
  "packages/sdk/README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];
const MAX_FRAGMENTS = 2;
const FRAGMENT = /^<!-- docs-test: fragment: \S.*-->$/;
const RUN = "<!-- docs-test: run -->";

interface Block {
  file: string;
  /** 1-based line of the first line of code (after the fence). */
  line: number;
  lang: string;
  code: string;
  /** The marker comment before the fence, if any (`<!-- prettier-ignore -->` skipped). */
  marker: string | undefined;
}

/** Fenced code blocks of a Markdown file, also those indented in list items. */
function blocks(file: string): Block[] {
  const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang] = open;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() !== "```") j++;
    let k = i - 1;
    while (k >= 0 && (lines[k].trim() === "" || lines[k].trim() === "<!-- prettier-ignore -->"))
      k--;
    const before = k >= 0 ? lines[k].trim() : "";
    out.push({
      file,
      line: i + 2,
      lang,
      code: lines
        .slice(i + 1, j)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join("\n"),
      marker: before.startsWith("<!-- docs-test:") ? before : undefined,
    });
    i = j;
  }
  return out;
}

const all = FILES.flatMap(blocks);
const tsBlocks = all.filter((b) => b.lang === "ts" || b.lang === "typescript");
const fragments = tsBlocks.filter((b) => b.marker !== undefined && FRAGMENT.test(b.marker));
const compiled = tsBlocks.filter((b) => !fragments.includes(b));
const runs = all.filter((b) => b.marker === RUN);

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts"],
  module: ts.ModuleKind.Node16,
  moduleResolution: ts.ModuleResolutionKind.Node16,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: ["node"],
  baseUrl: ROOT,
  paths: { "@kessai/sdk": ["packages/sdk/src/index.ts"] },
};

/** Every name `@kessai/sdk` exports (values and types), for the guide examples' scope. */
function sdkExports(): string[] {
  const index = path.join(ROOT, "packages", "sdk", "src", "index.ts");
  const program = ts.createProgram([index], OPTIONS);
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  return checker
    .getExportsOfModule(symbol)
    .map((s) => s.getName())
    .filter((n) => n !== "contracts" && n !== "default")
    .sort();
}

/** The module a block compiles as, and how many lines precede the block's first line in it. */
function source(b: Block, exports: string[]): { text: string; offset: number } {
  if (/^\/\/ example: /.test(b.code)) {
    const head = [
      `import { id } from "ethers";`,
      `import { ${exports.join(", ")} } from "@kessai/sdk";`,
      `import { tradingParties, type ExampleEnv } from "./packages/sdk/examples/env.js";`,
      `export async function run(env: ExampleEnv) {`,
    ];
    return { text: [...head, b.code, "}", ""].join("\n"), offset: head.length };
  }
  // `export {}` makes a block without imports a module too (top-level await, own scope).
  return { text: `${b.code}\nexport {};\n`, offset: 0 };
}

function run(script: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-e", "-c", script], { cwd: ROOT, env: process.env });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("docs: every TypeScript block compiles as written", function () {
  this.timeout(180_000);

  it("finds the blocks, and fragments are marked and rare", function () {
    expect(FILES).to.include.members(["README.md", "packages/sdk/README.md", "docs/sdk-guide.md"]);
    expect(compiled.length).to.be.greaterThan(14);
    expect(fragments.length).to.be.at.most(MAX_FRAGMENTS);
    for (const b of tsBlocks.filter((x) => x.marker !== undefined))
      expect(FRAGMENT.test(b.marker!), `${b.file}:${b.line} marker ${b.marker}`).to.equal(true);
  });

  it(`compiles each block on its own (strict, @kessai/sdk from packages/sdk/src)`, function () {
    const exports = sdkExports();
    expect(exports).to.include.members(["FirmClient", "settleTrade", "toBankReference"]);
    const virtual = new Map<string, { block: Block; text: string; offset: number }>();
    compiled.forEach((b, i) => {
      const name = path.join(ROOT, `__docs_block_${i}.ts`);
      virtual.set(name, { block: b, ...source(b, exports) });
    });
    const host = ts.createCompilerHost(OPTIONS);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, ...rest) => {
      const v = virtual.get(path.resolve(name));
      return v ? ts.createSourceFile(name, v.text, lang) : getSourceFile(name, lang, ...rest);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(path.resolve(name)) || fileExists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => virtual.get(path.resolve(name))?.text ?? readFile(name);
    const program = ts.createProgram(
      [...virtual.keys(), path.join(ROOT, "hardhat.config.ts")],
      OPTIONS,
      host,
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && virtual.has(path.resolve(d.file.fileName)))
      .map((d) => {
        const v = virtual.get(path.resolve(d.file!.fileName))!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const at = v.block.line + line - v.offset;
        return `${v.block.file}:${at}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
    expect(problems, problems.join("\n")).to.deep.equal([]);
  });

  it("runs packages/sdk/README's build-from-source recipe, and the CLI it builds starts", async function () {
    expect(runs.map((b) => b.file)).to.deep.equal(["packages/sdk/README.md"]);
    const [recipe] = runs;
    expect(recipe.lang).to.equal("sh");
    expect(recipe.code).to.match(/node packages\/cli\/dist\/main\.js --version/);
    const r = await run(recipe.code);
    expect(r.code, r.output).to.equal(0);
    const version = JSON.parse(
      readFileSync(path.join(ROOT, "packages", "cli", "package.json"), "utf8"),
    ).version as string;
    expect(r.output.trim().split("\n").at(-1)).to.equal(version);
  });
});
