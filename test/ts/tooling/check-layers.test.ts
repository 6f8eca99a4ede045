/**
 * scripts/check-layers.mjs, the import rules `npm test` holds the packages to, against small
 * trees written for each rule: it passes a tree that keeps them and names every import that
 * breaks one.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const SCRIPT = path.join(process.cwd(), "scripts", "check-layers.mjs");

/** Writes `files` (path -> content) under a new folder and runs the check on it. */
function check(files: Record<string, string>) {
  const root = mkdtempSync(path.join(tmpdir(), "kessai-layers-"));
  try {
    const all: Record<string, string> = {
      "packages/sdk/package.json": JSON.stringify({ name: "@kessai/sdk", exports: { ".": {} } }),
      "packages/cli/package.json": JSON.stringify({ name: "@kessai/cli", exports: { ".": {} } }),
      "packages/sdk/src/index.ts": 'export * from "./clients/client.js";\n',
      "packages/sdk/src/clients/client.ts": 'export * from "../actions/act.js";\n',
      "packages/sdk/src/actions/act.ts": 'import "../utils/u.js";\nexport const act = 1;\n',
      "packages/sdk/src/utils/u.ts": 'import "../errors/e.js";\n',
      "packages/sdk/src/errors/e.ts": "export {};\n",
      "packages/cli/src/main.ts": 'import { act } from "@kessai/sdk";\nexport { act };\n',
      ...files,
    };
    for (const [file, text] of Object.entries(all)) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    }
    const r = spawnSync(process.execPath, [SCRIPT, "--root", root], { encoding: "utf8" });
    return { code: r.status, out: `${r.stdout}${r.stderr}`.replaceAll(root + path.sep, "") };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe("scripts/check-layers.mjs", function () {
  this.timeout(60_000);

  it("passes a tree whose imports point down and meet at package entries", function () {
    const r = check({});
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.match(/^check-layers: 6 files, every import points down/);
  });

  it("refuses an SDK import that runs back up a layer, even a type-only one", function () {
    const r = check({
      "packages/sdk/src/errors/e.ts": 'import type { act } from "../actions/act.js";\n',
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include(
      "packages/sdk/src/errors/e.ts: errors/ imports actions/act.ts (actions/), a higher layer",
    );
  });

  it("refuses an import between sibling layers (settlement/ and transactions/)", function () {
    const r = check({
      "packages/sdk/src/settlement/terms.ts": 'import "../transactions/engine.js";\n',
      "packages/sdk/src/transactions/engine.ts": "export {};\n",
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include(
      "settlement/ imports transactions/engine.ts (transactions/), a sibling layer",
    );
  });

  it("refuses a circular import inside the SDK", function () {
    const r = check({
      "packages/sdk/src/utils/u.ts": 'import "./v.js";\n',
      "packages/sdk/src/utils/v.ts": 'import "./u.js";\n',
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include(
      "import cycle in @kessai/sdk: packages/sdk/src/utils/u.ts -> packages/sdk/src/utils/v.ts",
    );
  });

  it("refuses a deep import into another package, by path or by subpath", function () {
    const r = check({
      "packages/cli/src/main.ts":
        'import "@kessai/sdk/dist/actions/act.js";\nimport "../../sdk/src/utils/u.js";\n',
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include(
      "packages/cli/src/main.ts: imports @kessai/sdk/dist/actions/act.js, which is not an export of @kessai/sdk",
    );
    expect(r.out).to.include(
      "packages/cli/src/main.ts: imports ../../sdk/src/utils/u.js (packages/sdk/src/utils/u.ts), outside @kessai/cli",
    );
  });

  it("refuses a file outside the layers, and an index that exports internal/", function () {
    const r = check({
      "packages/sdk/src/index.ts": 'export * from "./internal/x.js";\n',
      "packages/sdk/src/internal/x.ts": "export const x = 1;\n",
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include("packages/sdk/src/internal/x.ts: in no layer of the SDK");
    expect(r.out).to.include(
      "packages/sdk/src/index.ts: exports ./internal/x.js; nothing public lives in internal/",
    );
  });

  it("refuses command-line code in the SDK (the CLI is its own package) and a cycle in the CLI", function () {
    const r = check({
      "packages/sdk/src/cli/main.ts": 'import "../index.js";\n',
      "packages/cli/src/main.ts": 'import "./args.js";\n',
      "packages/cli/src/args.ts": 'import "./main.js";\n',
    });
    expect(r.code).to.equal(1);
    expect(r.out).to.include("packages/sdk/src/cli/main.ts: in no layer of the SDK");
    expect(r.out).to.include(
      "import cycle in @kessai/cli: packages/cli/src/args.ts -> packages/cli/src/main.ts",
    );
  });

  it("refuses bench/, scripts/ or ignition/ code that reaches past the SDK's entry", function () {
    const r = check({ "bench/run.ts": 'import "../packages/sdk/src/utils/u.js";\n' });
    expect(r.code).to.equal(1);
    expect(r.out).to.include(
      "bench/run.ts: imports packages/sdk/src/utils/u.ts; use @kessai/sdk's entry",
    );
  });
});
