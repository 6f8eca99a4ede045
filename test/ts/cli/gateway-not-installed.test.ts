/**
 * `kessai gateway start` where @kessai/bank-gateway (an optional peer of the CLI) is not installed:
 * one readable line naming the package to install, exit 2, nothing else written. The CLI runs as
 * the real binary from an installation without the peer: its built dist copied into a temporary
 * `node_modules/@kessai/cli`, beside its dependencies (@kessai/sdk, ethers) and nothing else, so
 * Node's own resolver fails the CLI's `import("@kessai/bank-gateway")`, as in a firm's install that
 * left the peer out. The control case runs the same copy with the peer beside it.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = process.cwd();
const DIST = path.join(ROOT, "packages", "cli", "dist");

function run(main: string, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("kessai gateway start without @kessai/bank-gateway installed", function () {
  this.timeout(60_000);
  let dir: string;
  let main: string;

  before(function () {
    if (!existsSync(path.join(DIST, "main.js"))) {
      throw new Error("packages/cli/dist/main.js is missing: run `npm run -s build` first");
    }
    dir = mkdtempSync(path.join(tmpdir(), "kessai-cli-no-gateway-"));
    const modules = path.join(dir, "node_modules");
    const cli = path.join(modules, "@kessai", "cli");
    // a copy, not a link: Node resolves from a module's real path, and the repository's
    // node_modules holds the gateway
    mkdirSync(cli, { recursive: true });
    cpSync(DIST, path.join(cli, "dist"), { recursive: true });
    cpSync(path.join(ROOT, "packages", "cli", "package.json"), path.join(cli, "package.json"));
    symlinkSync(path.join(ROOT, "packages", "sdk"), path.join(modules, "@kessai", "sdk"), "dir");
    symlinkSync(path.join(ROOT, "node_modules", "ethers"), path.join(modules, "ethers"), "dir");
    main = path.join(cli, "dist", "main.js");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("prints one line naming the package to install and exits 2", async function () {
    const r = await run(main, ["gateway", "start", "--database", "sqlite:never-opened.db"]);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.equal(
      "kessai: kessai gateway start needs the gateway service: npm install @kessai/bank-gateway\n",
    );
    expect(r.code).to.equal(2);
  });

  it("with the package beside it, the same copy gets past loading it (control)", async function () {
    symlinkSync(
      path.join(ROOT, "packages", "bank-gateway"),
      path.join(dir, "node_modules", "@kessai", "bank-gateway"),
      "dir",
    );
    try {
      // nothing else configured: the gateway's own schema refuses the configuration
      const r = await run(main, ["gateway", "start"]);
      expect(r.stdout).to.equal("");
      expect(r.stderr).to.match(/^kessai: config \S+: required\n$/);
      expect(r.code).to.equal(2);
    } finally {
      rmSync(path.join(dir, "node_modules", "@kessai", "bank-gateway"));
    }
  });
});
