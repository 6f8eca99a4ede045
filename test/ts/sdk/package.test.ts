/**
 * @kessai/sdk and @kessai/cli as an application installs them until they are on the registry:
 * `npm pack` of each workspace, the tarballs installed into a separate project outside this
 * repository (with ethers from npm), then the SDK imported with `import` and with `require()` on
 * this Node runtime, type-checked by a TypeScript consumer, the CLI's `kessai` bin started, and
 * one call made against a `hardhat node`. The tarballs are packed from the dist/ folders that
 * `npm run build` (run by `npm test`) produced, with --ignore-scripts (their prepack would
 * rebuild the same files).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { contracts, type KessaiAddresses } from "../../../packages/sdk/src/index.js";
import { deployOverRpc, rpcProvider, startHardhatNode, type HardhatNode } from "./hardhat-node.js";

const ROOT = process.cwd();
const SDK = path.join(ROOT, "packages", "sdk");
const CLI = path.join(ROOT, "packages", "cli");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, FORCE_COLOR: "0" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm on this Node runtime (the one npm scripts run on), or the npm on PATH. */
function npm(args: string[], cwd: string): Promise<Run> {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli)
    ? exec(process.execPath, [cli, ...args], cwd)
    : exec("npm", args, cwd);
}

const CONSUMER = `
const { addresses, rpcUrl } = JSON.parse(process.argv[2]);
const id = "0x${"11".repeat(32)}";
async function call(sdk, kind) {
  const auditor = await sdk.AuditorClient.connect({ rpcUrl, addresses, chainId: 31337 });
  try {
    const settlement = await auditor.getSettlement({ id });
    let wrongChain;
    try {
      await sdk.connect({ rpcUrl, addresses, chainId: 1 });
    } catch (e) {
      wrongChain = e instanceof sdk.ChainMismatchError && e instanceof sdk.KessaiError;
    }
    console.log(JSON.stringify({
      kind,
      state: settlement.state,
      chainId: String(auditor.ctx.chainId),
      registry: auditor.ctx.addresses.securityRegistry,
      reference: sdk.toBankReference("DEBIT-0001"),
      amount: String(sdk.parseAmount("1_000", "amount")),
      wrongChain,
    }));
  } finally {
    auditor.close();
  }
}
`;

describe("@kessai/sdk and @kessai/cli as packages: npm pack, installed in a separate project", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let dir: string;
  let packed: { path: string; size: number }[];

  /** Packs the workspace in `from` into `dir`: the tarball's path and its files. */
  async function pack(from: string) {
    const r = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], from);
    expect(r.code, r.stderr).to.equal(0);
    const [info] = JSON.parse(r.stdout) as {
      filename: string;
      files: { path: string; size: number }[];
    }[];
    return { tarball: path.join(dir, info.filename), files: info.files };
  }

  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url, 50);
    addresses = await deployOverRpc(provider, { deployer: 0, issuer: 1, bank: 2, agent: 5 });
    // outside the repository: nothing resolves from its node_modules
    dir = await mkdtemp(path.join(tmpdir(), "kessai-consumer-"));
    const sdk = await pack(SDK);
    const cli = await pack(CLI);
    packed = sdk.files;
    await writeFile(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "kessai-consumer", version: "1.0.0", private: true }),
    );
    const install = await npm(
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--ignore-scripts",
        sdk.tarball,
        cli.tarball,
        "ethers@6.17.0",
      ],
      dir,
    );
    expect(install.code, install.stderr).to.equal(0);
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("ships the LICENSE (Apache-2.0, as the repository's), the README and no source maps or build state", async function () {
    const files = packed.map((f) => f.path);
    for (const f of ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"])
      expect(files, f).to.include(f);
    // the command line and the deployment bytecode are @kessai/cli's, not the SDK's
    expect(files.filter((f) => /^dist\/cli\/|bytecode/.test(f))).to.deep.equal([]);
    expect(files.filter((f) => /\.map$|\.tsbuildinfo$|^src\//.test(f))).to.deep.equal([]);
    expect(files.every((f) => /^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(f))).to.equal(
      true,
    );
    const license = readFileSync(path.join(ROOT, "LICENSE"), "utf8");
    expect(license).to.match(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(readFileSync(path.join(SDK, "LICENSE"), "utf8")).to.equal(license);
    const installed = path.join(dir, "node_modules", "@kessai", "sdk");
    expect(await readFile(path.join(installed, "LICENSE"), "utf8")).to.equal(license);
    // no JavaScript file names a source map it does not ship
    for (const f of files.filter((x) => x.endsWith(".js") || x.endsWith(".d.ts"))) {
      expect(await readFile(path.join(installed, f), "utf8"), f).to.not.match(/sourceMappingURL=/);
    }
    const pkg = JSON.parse(await readFile(path.join(installed, "package.json"), "utf8"));
    expect(pkg.license).to.equal("Apache-2.0");
    expect(pkg.engines).to.deep.equal({ node: ">=20.19" });
    expect(pkg.exports["."]).to.deep.equal({
      types: "./dist/index.d.ts",
      import: "./dist/index.js",
      default: "./dist/index.js",
    });
  });

  for (const kind of ["esm", "cjs"] as const) {
    it(`${kind === "esm" ? "import" : "require()"}s it on Node ${process.versions.node} and reads a settlement from the node`, async function () {
      const file = path.join(dir, kind === "esm" ? "consumer.mjs" : "consumer.cjs");
      await writeFile(
        file,
        kind === "esm"
          ? `import * as sdk from "@kessai/sdk";\n${CONSUMER}\nawait call(sdk, "esm");\n`
          : `const sdk = require("@kessai/sdk");\n${CONSUMER}\ncall(sdk, "cjs").catch((e) => { console.error(e); process.exit(1); });\n`,
      );
      const r = await exec(
        process.execPath,
        [file, JSON.stringify({ addresses, rpcUrl: node.url })],
        dir,
        60_000,
      );
      expect(r.code, r.stderr).to.equal(0);
      expect(JSON.parse(r.stdout.trim())).to.deep.equal({
        kind,
        state: "None",
        chainId: "31337",
        registry: await contracts.SecurityToken__factory.connect(
          addresses.securityToken,
          provider,
        ).investorRegistry(),
        reference: "0x44454249542d3030303100000000000000000000000000000000000000000000",
        amount: "1000",
        wrongChain: true,
      });
    });
  }

  it("type-checks a TypeScript consumer against the shipped declarations", async function () {
    await writeFile(
      path.join(dir, "consumer.mts"),
      [
        'import { FirmClient, toBankReference, type KessaiAddresses, type SettleTradeParams } from "@kessai/sdk";',
        "export const addresses: KessaiAddresses = { securityToken: '0x', depositToken: '0x', dvp: '0x' };",
        "export const ref: string = toBankReference('DEBIT-0001');",
        "export async function seller(rpcUrl: string, privateKey: string) {",
        "  const c = await FirmClient.connect({ rpcUrl, privateKey, addresses, chainId: 31337 });",
        "  const p: Partial<SettleTradeParams> = { seller: c, bankReference: ref, force: false };",
        "  return p;",
        "}",
        "",
      ].join("\n"),
    );
    const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const r = await exec(
      process.execPath,
      [
        tsc,
        "--noEmit",
        "--strict",
        "--target",
        "es2022",
        "--module",
        "node16",
        "--moduleResolution",
        "node16",
        "--skipLibCheck",
        "consumer.mts",
      ],
      dir,
    );
    expect(r.code, r.stdout + r.stderr).to.equal(0);
  });

  it("starts the kessai bin @kessai/cli installs, on the SDK it installs", async function () {
    const r = await exec(
      process.execPath,
      [path.join(dir, "node_modules", ".bin", "kessai"), "--version"],
      dir,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(
      JSON.parse(readFileSync(path.join(CLI, "package.json"), "utf8")).version,
    );
    // one copy of the SDK: the CLI resolves the installed @kessai/sdk, not a nested one
    expect(existsSync(path.join(dir, "node_modules", "@kessai", "cli", "node_modules"))).to.equal(
      false,
    );
  });
});
