/**
 * The `kessai` command line, end to end against a separate `hardhat node` (node + ethers + the SDK,
 * no Hardhat in the CLI). Every `it` starts from a named chain state, a fixture: built once, kept
 * as an `evm_snapshot` and restored with `evm_revert` (as `loadFixture` does in-process), so each
 * case runs on its own and in any order. Commands run in-process through the CLI's `main(argv)`
 * with their own environment and captured output; a few run as the real `kessai` binary in a
 * child process, for its exit status, its streams and its environment.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, Mnemonic, encodeBytes32String, id } from "ethers";
import {
  BankClient,
  DepositTokenIssuanceReferenceUsed,
  toBankReference,
} from "../../../packages/sdk/src/index.js";
import { freePort } from "../sdk/hardhat-node.js";
import { expectError } from "../sdk/helpers.js";

const ROOT = process.cwd();
const CLI = path.join(ROOT, "packages", "cli", "dist", "main.js");
const MNEMONIC = "test test test test test test test test test test test junk";
const wallet = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`);
/** Accounts of `hardhat node`: 0 admin, 1 issuer, 2 bank, 3 seller, 4 buyer, 5 agent, 6 a newcomer. */
const [ADMIN, ISSUER, BANK, SELLER, BUYER, AGENT, NEWCOMER] = [0, 1, 2, 3, 4, 5, 6].map(
  (i) => wallet(i).address,
);
const BUYER_KEY = wallet(4).privateKey;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a child process to completion (killed after `timeoutMs`). */
function exec(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  return ((await res.json()) as { result: unknown }).result;
}

/** The newest modification time of the files below `dir` (0 when there are none). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) t = Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/**
 * Builds what the child-process runs execute: the SDK's JavaScript, then the CLI's bytecode module
 * and JavaScript. A package whose dist is newer than every file of its src (as after
 * `npm run build`) is not compiled again.
 */
async function buildCli(): Promise<void> {
  const node = process.execPath;
  if (!existsSync(path.join(ROOT, "packages", "sdk", "src", "generated", "contracts.ts"))) {
    const g = await exec(node, ["packages/sdk/scripts/generate.mjs"], { timeoutMs: 60_000 });
    if (g.code !== 0) throw new Error(`sdk generate failed:\n${g.stderr}`);
  }
  const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  /** tsc of one package, incremental (its dist/.tsbuildinfo), unless its dist is current. */
  const build = async (pkg: string, entry: string) => {
    const dir = path.join(ROOT, "packages", pkg);
    const out = path.join(dir, "dist", entry);
    if (existsSync(out) && statSync(out).mtimeMs >= newest(path.join(dir, "src"))) return;
    const t = await exec(
      node,
      [
        tsc,
        "-p",
        `packages/${pkg}/tsconfig.build.json`,
        "--incremental",
        "--tsBuildInfoFile",
        `packages/${pkg}/dist/.tsbuildinfo`,
      ],
      { timeoutMs: 90_000 },
    );
    if (t.code !== 0) throw new Error(`tsc of ${pkg} failed:\n${t.stdout}${t.stderr}`);
  };
  await build("sdk", "index.js");
  // rewrites the module only when the artifacts' bytecode changed
  const b = await exec(node, ["packages/cli/scripts/generate-bytecode.mjs"], { timeoutMs: 30_000 });
  if (b.code !== 0) throw new Error(`generate-bytecode failed:\n${b.stderr}`);
  await build("cli", "main.js");
}

/** A named chain state: built once from its parent's, then restored by snapshot. */
type Fixture<T> = () => Promise<T>;

describe("kessai CLI against a separate `hardhat node`", function () {
  this.timeout(30_000);
  let node: ChildProcess | undefined;
  let url: string;
  let dir: string;
  let nodeDir: string | undefined;
  let main: (typeof import("../../../packages/cli/src/main.js"))["main"];

  /** The environment a run sees: only what it is given, pointed at the node. */
  const envFor = (env: Record<string, string>) => ({ KESSAI_RPC_URL: url, ...env });
  /** `kessai args` in-process through `main(argv)`: its exit status and what it wrote. */
  const kessai = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    let stdout = "";
    let stderr = "";
    const code = await main(
      args,
      { out: (s) => (stdout += s), err: (s) => (stderr += s) },
      envFor(env),
    );
    return { code, stdout, stderr };
  };
  /** `kessai args` as the real binary in a child process with a clean environment. */
  const kessaiProcess = (args: string[], env: Record<string, string> = {}) =>
    exec(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...envFor(env) },
    });
  /** Expects exit 0 and returns stdout. */
  const expectOk = (r: Run, args: string[]) => {
    expect(r.code, `kessai ${args.join(" ")}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const ok = async (args: string[], env: Record<string, string> = {}) =>
    expectOk(await kessai(args, env), args);
  const okJson = async <T = Record<string, unknown>>(
    args: string[],
    env: Record<string, string> = {},
  ) => JSON.parse(await ok([...args, "--json"], env)) as T;
  /** Expects exactly one stderr line `kessai: …` and returns it. */
  const oneLine = (r: Run) => {
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^kessai: \S/);
    return lines[0];
  };

  // ---- fixtures: each starts from its parent's snapshot ------------------------------------
  const snapshots: { fixture: Fixture<unknown>; id: unknown; value: unknown }[] = [];
  /**
   * The chain as `fixture` leaves it: the first call builds it and takes a snapshot, later calls
   * revert to that snapshot (and take a new one: a snapshot is spent by reverting to it). Reverting
   * discards the snapshots taken after it, as in-process `loadFixture` does.
   */
  async function load<T>(fixture: Fixture<T>): Promise<T> {
    const i = snapshots.findIndex((s) => s.fixture === fixture);
    if (i >= 0) {
      expect(await rpc(url, "evm_revert", [snapshots[i].id]), "evm_revert").to.equal(true);
      snapshots[i].id = await rpc(url, "evm_snapshot");
      snapshots.length = i + 1;
      return snapshots[i].value as T;
    }
    const value = await fixture();
    snapshots.push({ fixture, id: await rpc(url, "evm_snapshot"), value });
    return value;
  }

  /** The node as it starts: nothing deployed. */
  const blank: Fixture<void> = async () => {};

  /** `kessai deploy` with the issuer, the bank and the agent given their roles. */
  const deployArgs = (out: string) => [
    "deploy",
    "--account",
    "0",
    "--issuer",
    ISSUER,
    "--bank",
    BANK,
    "--agent",
    AGENT,
    "--out",
    out,
  ];

  interface Deployed {
    deployment: string;
    addresses: Record<string, string>;
    /** `--deployment FILE` */
    dep: string[];
  }
  /** A deployment by `kessai deploy`, its addresses file in the test's folder. */
  const deployed: Fixture<Deployed> = async () => {
    await load(blank);
    const deployment = path.join(dir, "deployment.json");
    await ok(deployArgs(deployment));
    const addresses = JSON.parse(readFileSync(deployment, "utf8")) as Record<string, string>;
    return { deployment, addresses, dep: ["--deployment", deployment] };
  };

  /** Both firms in the investor register and with an open DCJPY account. */
  const onboarded: Fixture<Deployed> = async () => {
    const d = await load(deployed);
    for (const [who, ref] of [
      [SELLER, "FIRM-0001"],
      [BUYER, "FIRM-0002"],
    ])
      await ok(["investor", "register", who, "--ref", ref, "--account", "1", ...d.dep]);
    for (const [who, ref] of [
      [SELLER, "ACCT-0001"],
      [BUYER, "ACCT-0002"],
    ])
      await ok(["account", "open", who, "--ref", ref, "--account", "2", ...d.dep]);
    return d;
  };

  /** `kessai st issue` and `kessai dcjpy issue` of the fixtures. */
  const issueArgs = (dep: string[]) => ({
    st: ["st", "issue", "--to", SELLER, "--amount", "1000", "--account", "1", ...dep],
    dcjpy: [
      "dcjpy",
      "issue",
      "--to",
      BUYER,
      "--amount",
      "1_000_000",
      "--ref",
      "DEBIT-0001",
      "--account",
      "2",
      ...dep,
    ],
  });
  /** The seller holds 1,000 ST, the buyer 1,000,000 DCJPY. */
  const funded: Fixture<Deployed> = async () => {
    const d = await load(onboarded);
    const issue = issueArgs(d.dep);
    await ok(issue.st);
    await ok(issue.dcjpy);
    return d;
  };

  const TRADE = ["--venue", "PTS", "--trade-id", "T-0001", "--trade-date", "2026-11-25"];
  const ECONOMICS = ["--quantity", "100", "--amount", "500000"];
  /** `kessai settlement create` of trade T-0001 (100 ST for 500,000 DCJPY, the agent approves). */
  const createArgs = (dep: string[], termsFile: string) => [
    "settlement",
    "create",
    ...TRADE,
    "--buyer",
    BUYER,
    ...ECONOMICS,
    "--agent",
    AGENT,
    "--deadline",
    "+2h",
    "--out",
    termsFile,
    "--account",
    "3",
    ...dep,
  ];
  interface Settled extends Deployed {
    settlementId: string;
    termsFile: string;
  }
  /** Trade T-0001 settled: the buyer holds 100 ST and 500,000 DCJPY, the seller 900 ST and 500,000 DCJPY. */
  const settled: Fixture<Settled> = async () => {
    const d = await load(funded);
    const termsFile = path.join(dir, "trade.json");
    await ok(createArgs(d.dep, termsFile));
    await ok(["settlement", "affirm", "--terms", termsFile, "--account", "4", ...d.dep]);
    await ok(["settlement", "approve", "--terms", termsFile, "--account", "5", ...d.dep]);
    await ok(["settlement", "settle", "--terms", termsFile, "--authorization", ...d.dep], {
      KESSAI_PRIVATE_KEY: BUYER_KEY,
    });
    const settlementId = (JSON.parse(readFileSync(termsFile, "utf8")) as { id: string }).id;
    return { ...d, settlementId, termsFile };
  };

  /** `kessai settlement create` of a trade of 10 ST for 2,000,000 DCJPY, more than the buyer has. */
  const shortCreateArgs = (dep: string[], termsFile: string) => [
    "settlement",
    "create",
    "--id",
    `0x${"ab".repeat(32)}`,
    "--buyer",
    BUYER,
    "--quantity",
    "10",
    "--amount",
    "2000000",
    "--out",
    termsFile,
    "--account",
    "3",
    ...dep,
  ];
  /** After T-0001, a second trade the buyer cannot pay for, created and affirmed. */
  const short: Fixture<Settled & { shortTermsFile: string }> = async () => {
    const d = await load(settled);
    const shortTermsFile = path.join(dir, "short.json");
    await ok(shortCreateArgs(d.dep, shortTermsFile));
    await ok(["settlement", "affirm", "--terms", shortTermsFile, "--account", "4", ...d.dep]);
    return { ...d, shortTermsFile };
  };

  before(async function () {
    this.timeout(150_000);
    dir = mkdtempSync(path.join(tmpdir(), "kessai-cli-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Under `hardhat test --coverage` the artifacts hold instrumented bytecode, which can exceed
    // the contract size limit: the node this test starts allows any size. Its config lives under
    // the (gitignored) cache folder so that Hardhat resolves as the local installation.
    mkdirSync(path.join(ROOT, "cache"), { recursive: true });
    nodeDir = mkdtempSync(path.join(ROOT, "cache", "cli-node-"));
    writeFileSync(
      path.join(nodeDir, "hardhat.config.mjs"),
      "export default { networks: { cli: { type: 'edr-simulated', chainType: 'l1', " +
        "allowUnlimitedContractSize: true } } };\n",
    );
    node = spawn(
      path.join(ROOT, "node_modules", ".bin", "hardhat"),
      [
        "--config",
        path.join(nodeDir, "hardhat.config.mjs"),
        "node",
        "--network",
        "cli",
        "--port",
        String(port),
      ],
      { cwd: ROOT, stdio: "ignore", env: { ...process.env, FORCE_COLOR: "0" } },
    );
    const build = buildCli();
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await rpc(url, "eth_chainId")) === "0x7a69") break;
      } catch {
        /* not up yet */
      }
      if (node.exitCode !== null) throw new Error("hardhat node exited");
      if (Date.now() > deadline) throw new Error("hardhat node did not answer eth_chainId");
      await new Promise((r) => setTimeout(r, 200));
    }
    await build;
    // imported after the build: `kessai deploy` deploys the bytecode module it just generated
    ({ main } = await import("../../../packages/cli/src/main.js"));
    await load(blank);
  });

  after(function () {
    if (node && node.exitCode === null) node.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (nodeDir) rmSync(nodeDir, { recursive: true, force: true });
  });

  describe("help and version (the binary)", function () {
    it("prints the version and the command list without a chain", async function () {
      const pkg = JSON.parse(
        readFileSync(path.join(ROOT, "packages", "cli", "package.json"), "utf8"),
      );
      const version = await kessaiProcess(["--version"]);
      expect(expectOk(version, ["--version"]).trim()).to.equal(pkg.version);
      const help = await ok(["--help"]);
      for (const c of [
        "deploy",
        "account open",
        "settlement create",
        "watch",
        "reconcile",
        "id derive",
      ])
        expect(help).to.include(c);
      expect(await ok(["settlement", "settle", "--help"])).to.include("--authorization");
    });
  });

  describe("a settlement, step by step", function () {
    it("deploys with roles granted and writes the addresses JSON", async function () {
      await load(blank);
      const file = path.join(dir, "deploy-test.json");
      const out = await okJson(deployArgs(file));
      const addresses = JSON.parse(readFileSync(file, "utf8")) as Record<string, string>;
      for (const k of ["securityToken", "depositToken", "dvp", "securityRegistry"])
        expect(addresses[k], k).to.match(/^0x[0-9a-fA-F]{40}$/);
      expect(out.dvp).to.equal(addresses.dvp);
      expect(out.deployer).to.equal(ADMIN);
      expect(out.chainId).to.equal("31337");
      // the roles: the issuer issues ST, the bank opens DCJPY accounts, the agent approves
      const dep = ["--deployment", file];
      await ok(["investor", "register", SELLER, "--ref", "FIRM-0001", "--account", "1", ...dep]);
      await ok(["account", "open", SELLER, "--ref", "ACCT-0001", "--account", "2", ...dep]);
      await ok(["st", "issue", "--to", SELLER, "--amount", "1", "--account", "1", ...dep]);
    });

    it("registers both firms in the investor register", async function () {
      const { dep, addresses } = await load(deployed);
      await ok(["investor", "register", SELLER, "--ref", "FIRM-0001", "--account", "1", ...dep]);
      await ok(["investor", "register", BUYER, "--ref", "FIRM-0002", "--account", "1", ...dep]);
      const inv = await okJson(["investor", "show", BUYER, ...dep]);
      expect(inv).to.include({
        account: BUYER,
        status: "Active",
        eligible: true,
        registry: addresses.securityRegistry,
      });
      expect(await ok(["investor", "show", SELLER, ...dep])).to.match(/investorRef:\s+FIRM-0001/);
    });

    it("the bank opens both firms' DCJPY accounts", async function () {
      const { dep } = await load(deployed);
      const before = await okJson(["account", "show", SELLER, ...dep]);
      expect(before).to.include({ account: SELLER, open: false, depositAccountRef: null });
      const opened = await okJson([
        "account",
        "open",
        SELLER,
        "--ref",
        "ACCT-0001",
        "--account",
        "2",
        ...dep,
      ]);
      expect(opened).to.include({
        action: "account.open",
        account: SELLER,
        depositAccountRef: encodeBytes32String("ACCT-0001"),
      });
      expect(opened.txHash).to.match(/^0x[0-9a-f]{64}$/);
      const human = await ok([
        "account",
        "open",
        BUYER,
        "--ref",
        "ACCT-0002",
        "--account",
        "2",
        ...dep,
      ]);
      expect(human).to.match(
        new RegExp(`^opened a DCJPY account for ${BUYER} \\(deposit account ACCT-0002 `),
      );
      expect(await okJson(["account", "show", BUYER, ...dep])).to.include({
        account: BUYER,
        open: true,
        depositAccountRef: encodeBytes32String("ACCT-0002"),
        accountFrozen: false,
        balance: "0",
      });
      const shown = await ok(["account", "show", SELLER, ...dep]);
      expect(shown).to.match(/open:\s+yes/);
      expect(shown).to.match(/depositAccount:\s+ACCT-0001 \(0x/);
    });

    it("issues ST to the seller and DCJPY to the buyer", async function () {
      const { dep } = await load(onboarded);
      const issue = issueArgs(dep);
      await ok(issue.st);
      await ok(issue.dcjpy);
      const st = await okJson(["st", "balance", SELLER, ...dep]);
      expect(st).to.include({ balance: "1000", available: "1000", locked: "0" });
      const cash = await okJson(["dcjpy", "balance", BUYER, ...dep]);
      expect(cash).to.include({ balance: "1000000", available: "1000000" });
    });

    it("creates (ID derived from the trade), affirms, approves and settles with a transfer authorization", async function () {
      const { dep, addresses } = await load(funded);
      const settlementId = (
        await ok([
          "id",
          "derive",
          ...TRADE,
          "--seller",
          SELLER,
          "--buyer",
          BUYER,
          ...ECONOMICS,
          ...dep,
        ])
      ).trim();
      expect(settlementId).to.match(/^0x[0-9a-f]{64}$/);

      const termsFile = path.join(dir, "trade-steps.json");
      const r = await kessai(createArgs(dep, termsFile));
      expect(r.code, r.stderr).to.equal(0);
      const printed = JSON.parse(r.stdout);
      expect(printed).to.deep.equal(JSON.parse(readFileSync(termsFile, "utf8")));
      expect(printed).to.include({
        id: settlementId,
        seller: SELLER,
        buyer: BUYER,
        quantity: "100",
        amount: "500000",
        agent: AGENT,
        securityToken: addresses.securityToken,
        cashToken: addresses.depositToken,
      });
      expect(r.stderr).to.include(`created settlement ${settlementId}`);
      expect(await okJson(["st", "balance", SELLER, ...dep])).to.include({
        balance: "1000",
        lockedToDvp: "100",
        available: "900",
      });

      // the buyer signs with a private key from the environment of the binary
      const affirm = ["settlement", "affirm", "--terms", termsFile, ...dep];
      expectOk(await kessaiProcess(affirm, { KESSAI_PRIVATE_KEY: BUYER_KEY }), affirm);
      await ok(["settlement", "approve", "--terms", termsFile, "--account", "5", ...dep]);
      const settledDoc = await okJson(
        ["settlement", "settle", "--terms", termsFile, "--authorization", ...dep],
        { KESSAI_PRIVATE_KEY: BUYER_KEY },
      );
      expect(settledDoc).to.include({ settled: true, id: settlementId });
      expect(settledDoc.txHash).to.match(/^0x[0-9a-f]{64}$/);

      expect(await okJson(["st", "balance", BUYER, ...dep])).to.include({ balance: "100" });
      expect(await okJson(["st", "balance", SELLER, ...dep])).to.include({
        balance: "900",
        locked: "0",
      });
      expect(await okJson(["dcjpy", "balance", SELLER, ...dep])).to.include({
        balance: "500000",
      });
      expect(await okJson(["dcjpy", "balance", BUYER, ...dep])).to.include({ balance: "500000" });
    });

    it("shows the settlement (human and --json, by ID or by terms file)", async function () {
      const { dep, settlementId, termsFile } = await load(settled);
      const human = await ok(["settlement", "show", "--id", settlementId, ...dep]);
      expect(human).to.match(/state:\s+Settled/);
      expect(human).to.match(/agentApproved:\s+yes/);
      const doc = await okJson<{
        state: string;
        terms: Record<string, string>;
        termsMatch?: boolean;
      }>(["settlement", "show", "--terms", termsFile, ...dep]);
      expect(doc.state).to.equal("Settled");
      expect(doc.termsMatch).to.equal(true);
      expect(doc.terms).to.include({ id: settlementId, quantity: "100", amount: "500000" });
    });

    it("lists settlements filtered by state and party", async function () {
      const { dep, settlementId } = await load(settled);
      const listed = await okJson<{ id: string; state: string }[]>([
        "settlement",
        "list",
        "--state",
        "Settled",
        "--party",
        SELLER,
        ...dep,
      ]);
      expect(listed.map((s) => [s.id, s.state])).to.deep.equal([[settlementId, "Settled"]]);
      expect(
        await okJson<unknown[]>(["settlement", "list", "--state", "Pending,Affirmed", ...dep]),
      ).to.deep.equal([]);
      expect(
        await okJson<unknown[]>(["settlement", "list", "--party", AGENT, ...dep]),
      ).to.deep.equal([]);
      expect(await ok(["settlement", "list", ...dep])).to.include(settlementId);
    });

    it("reconciles", async function () {
      const { dep, settlementId } = await load(settled);
      const report = await okJson<{
        ok: boolean;
        mismatches: string[];
        settlements: { id: string; state: string }[];
      }>(["reconcile", ...dep]);
      expect(report.mismatches).to.deep.equal([]);
      expect(report.ok).to.equal(true);
      expect(report.settlements.map((s) => [s.id, s.state])).to.deep.equal([
        [settlementId, "Settled"],
      ]);
      expect(await ok(["reconcile", "--party", BUYER, ...dep])).to.match(/result:\s+OK/);
    });
  });

  describe("watch (the binary)", function () {
    it("follows DVP events live and stops after --count", async function () {
      const { dep } = await load(settled);
      const child = spawn(
        process.execPath,
        [CLI, "watch", "--count", "2", "--json", "--interval", "100", ...dep],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? "", KESSAI_RPC_URL: url },
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      const ready = new Promise<void>((resolve, reject) => {
        child.stderr.on("data", (d) => {
          stderr += d;
          if (stderr.includes("watching DVP")) resolve();
        });
        child.on("close", () => reject(new Error(`watch exited early: ${stderr}`)));
      });
      const done = new Promise<number | null>((resolve) => child.on("close", resolve));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      try {
        await ready;
        // a second trade the buyer cannot pay for: created and affirmed (the watch sees both)
        const shortTermsFile = path.join(dir, "short-watch.json");
        const created = await okJson<{ id: string }>(shortCreateArgs(dep, shortTermsFile));
        expect(created.id).to.equal(`0x${"ab".repeat(32)}`);
        await ok(["settlement", "affirm", "--terms", shortTermsFile, "--account", "4", ...dep]);
        expect(await done).to.equal(0);
      } finally {
        clearTimeout(timer);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      const events = stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { event: string; id: string });
      expect(events.map((e) => [e.event, e.id])).to.deep.equal([
        ["SettlementCreated", `0x${"ab".repeat(32)}`],
        ["SettlementAffirmed", `0x${"ab".repeat(32)}`],
      ]);
    });
  });

  describe("errors", function () {
    it("an unknown settlement: one 'not found' line, exit 1", async function () {
      const { dep } = await load(deployed);
      const r = await kessai(["settlement", "show", "--id", `0x${"cd".repeat(32)}`, ...dep]);
      expect(r.code).to.equal(1);
      expect(oneLine(r)).to.equal(`kessai: settlement 0x${"cd".repeat(32)} not found`);
      expect(r.stdout).to.equal("");
    });

    it("a bad address: one line, exit 2, no transaction sent", async function () {
      const { dep } = await load(deployed);
      const block = await rpc(url, "eth_blockNumber");
      const nonce = await rpc(url, "eth_getTransactionCount", [ISSUER, "latest"]);
      const r = await kessai([
        "st",
        "issue",
        "--to",
        "0x1234",
        "--amount",
        "1",
        "--account",
        "1",
        ...dep,
      ]);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal('kessai: --to is not a valid address: "0x1234"');
      const bad = await kessai([
        "investor",
        "register",
        "0xnot-an-address",
        "--ref",
        "X",
        "--account",
        "1",
        ...dep,
      ]);
      expect(bad.code).to.equal(2);
      oneLine(bad);
      expect(await rpc(url, "eth_blockNumber")).to.equal(block);
      expect(await rpc(url, "eth_getTransactionCount", [ISSUER, "latest"])).to.equal(nonce);
    });

    it("usage errors: unknown option, unknown command, missing terms (exit 2)", async function () {
      const { dep } = await load(deployed);
      const cases = [
        ["settlement", "list", "--bogus"],
        ["settle"],
        ["settlement"],
        ["settlement", "settle", ...dep],
        ["settlement", "list", "--state", "Done", ...dep],
      ];
      for (const args of cases) {
        const r = await kessai(args);
        expect(r.code, args.join(" ")).to.equal(2);
        oneLine(r);
      }
      // the binary's exit status for a usage error
      const r = await kessaiProcess(cases[0]);
      expect(r.code).to.equal(2);
      oneLine(r);
      expect(r.stderr).to.equal((await kessai(cases[0])).stderr);
    });

    it("settling without enough DCJPY: the typed contract error's line, exit 1, nothing moved", async function () {
      const { dep, shortTermsFile } = await load(short);
      const balances = () =>
        Promise.all([
          okJson(["dcjpy", "balance", BUYER, ...dep]),
          okJson(["dcjpy", "balance", SELLER, ...dep]),
          okJson(["st", "balance", SELLER, ...dep]),
          okJson(["st", "balance", BUYER, ...dep]),
        ]);
      const before = await balances();
      const block = await rpc(url, "eth_blockNumber");
      // the binary: its exit status and its streams
      const r = await kessaiProcess(
        ["settlement", "settle", "--terms", shortTermsFile, "--authorization", ...dep],
        { KESSAI_PRIVATE_KEY: BUYER_KEY },
      );
      expect(r.code).to.equal(1);
      expect(oneLine(r)).to.match(
        /^kessai: DepositTokenInsufficientAvailableBalance: 0x15d3…6A65 has 500000 unfrozen units, needs 2000000$/,
      );
      expect(r.stdout).to.equal("");
      const j = await kessai(
        ["settlement", "settle", "--terms", shortTermsFile, "--authorization", "--json", ...dep],
        { KESSAI_PRIVATE_KEY: BUYER_KEY },
      );
      expect(j.code).to.equal(1);
      const err = (JSON.parse(j.stdout) as { error: Record<string, unknown> }).error;
      expect(err).to.deep.include({
        errorName: "DepositTokenInsufficientAvailableBalance",
        exitCode: 1,
      });
      expect(err.args).to.deep.equal({ account: BUYER, available: "500000", needed: "2000000" });

      expect(await rpc(url, "eth_blockNumber")).to.equal(block);
      expect(await balances()).to.deep.equal(before);
      const s = await okJson(["settlement", "show", "--terms", shortTermsFile, ...dep]);
      expect(s.state).to.equal("Affirmed");
    });

    it("terminate: refused for a firm (exit 1), done by the issuer by ID", async function () {
      const { dep, shortTermsFile } = await load(short);
      const terms = JSON.parse(readFileSync(shortTermsFile, "utf8")) as {
        id: string;
        quantity: string;
      };
      const lockedToDvp = async () =>
        BigInt(
          (await okJson<{ lockedToDvp: string }>(["st", "balance", SELLER, ...dep])).lockedToDvp,
        );
      const lockedBefore = await lockedToDvp();
      expect(lockedBefore).to.equal(BigInt(terms.quantity));
      const refused = await kessai([
        "settlement",
        "terminate",
        "--id",
        terms.id,
        "--account",
        "3",
        ...dep,
      ]);
      expect(refused.code).to.equal(1);
      expect(oneLine(refused)).to.match(/^kessai: DvpUnauthorized: /);
      expect(await lockedToDvp()).to.equal(lockedBefore);
      const done = await okJson([
        "settlement",
        "terminate",
        "--id",
        terms.id,
        "--reason",
        "court-order",
        "--account",
        "1",
        ...dep,
      ]);
      expect(done).to.include({ action: "settlement.terminate", id: terms.id });
      expect((await okJson(["settlement", "show", "--id", terms.id, ...dep])).state).to.equal(
        "Failed",
      );
      expect(await lockedToDvp()).to.equal(lockedBefore - BigInt(terms.quantity));
    });

    it("account open / close: contract errors are one line, exit 1, nothing changes", async function () {
      const { dep } = await load(settled);
      const show = (who: string) => okJson(["account", "show", who, ...dep]);
      const block = await rpc(url, "eth_blockNumber");
      // already open
      const again = await kessai([
        "account",
        "open",
        SELLER,
        "--ref",
        "ACCT-0009",
        "--account",
        "2",
        ...dep,
      ]);
      expect(again.code).to.equal(1);
      expect(oneLine(again)).to.equal(
        "kessai: DepositTokenAccountAlreadyOpen: 0x90F7…b906 already has an open DCJPY account",
      );
      expect(again.stdout).to.equal("");
      // not empty: the seller holds the DCJPY it was paid
      const sellerBefore = await show(SELLER);
      expect(sellerBefore).to.include({ open: true, balance: "500000" });
      const notEmpty = await kessai(["account", "close", SELLER, "--account", "2", ...dep]);
      expect(notEmpty.code).to.equal(1);
      expect(oneLine(notEmpty)).to.equal(
        "kessai: DepositTokenAccountNotEmpty: 0x90F7…b906 still holds 500000 DCJPY: redeem it before closing the account",
      );
      // not open
      const notOpen = await kessai(["account", "close", NEWCOMER, "--account", "2", ...dep]);
      expect(notOpen.code).to.equal(1);
      expect(oneLine(notOpen)).to.match(
        /^kessai: DepositTokenAccountNotOpen: 0x\w{4}…\w{4} has no open DCJPY account$/,
      );
      // not the bank: the issuer lacks DCJPY's REGISTRAR_ROLE
      const denied = await kessai([
        "account",
        "open",
        NEWCOMER,
        "--ref",
        "ACCT-0006",
        "--account",
        "1",
        "--json",
        ...dep,
      ]);
      expect(denied.code).to.equal(1);
      // the role is named, not only its hash
      expect(oneLine(denied)).to.equal(
        "kessai: AccessControlUnauthorizedAccount: 0x7099…79C8 lacks REGISTRAR_ROLE (0xedcc…9238)",
      );
      const err = (JSON.parse(denied.stdout) as { error: Record<string, unknown> }).error;
      expect(err).to.deep.include({ errorName: "AccessControlUnauthorizedAccount", exitCode: 1 });
      expect((err.args as Record<string, string>).account).to.equal(ISSUER);
      expect(await rpc(url, "eth_blockNumber")).to.equal(block);
      expect(await show(SELLER)).to.deep.equal(sellerBefore);
      expect(await show(NEWCOMER)).to.include({ open: false, depositAccountRef: null });
    });

    it("account open / close: bad input is one line, exit 2, nothing sent", async function () {
      const { dep } = await load(deployed);
      const block = await rpc(url, "eth_blockNumber");
      const nonce = await rpc(url, "eth_getTransactionCount", [BANK, "latest"]);
      for (const [args, line] of [
        [["account", "open", NEWCOMER, "--account", "2"], "kessai: --ref is required"],
        [
          ["account", "open", NEWCOMER, "--ref", `0x${"00".repeat(32)}`, "--account", "2"],
          `kessai: --ref must not be zero: "0x${"00".repeat(32)}"`,
        ],
        [
          ["account", "open", "0x1234", "--ref", "ACCT-0006", "--account", "2"],
          'kessai: address is not a valid address: "0x1234"',
        ],
        [
          ["account", "close", "--account", "2"],
          /^kessai: missing argument \(usage: kessai account close <address> \[--redeem REDEMPTIONREF\]\)$/,
        ],
        [["account", "close", NEWCOMER], /^kessai: account close sends a transaction: pass --key/],
      ] as [string[], string | RegExp][]) {
        const r = await kessai([...args, ...dep]);
        expect(r.code, args.join(" ")).to.equal(2);
        if (typeof line === "string") expect(oneLine(r)).to.equal(line);
        else expect(oneLine(r)).to.match(line);
      }
      expect(await rpc(url, "eth_blockNumber")).to.equal(block);
      expect(await rpc(url, "eth_getTransactionCount", [BANK, "latest"])).to.equal(nonce);
    });

    it("account open / close: the bank opens, the holder empties it, the bank closes it", async function () {
      const { dep } = await load(deployed);
      await ok(["account", "open", NEWCOMER, "--ref", "ACCT-0006", "--account", "2", ...dep]);
      await ok([
        "dcjpy",
        "issue",
        "--to",
        NEWCOMER,
        "--amount",
        "300",
        "--ref",
        "DEBIT-0006",
        "--account",
        "2",
        ...dep,
      ]);
      await ok([
        "dcjpy",
        "redeem",
        "--from",
        NEWCOMER,
        "--amount",
        "300",
        "--ref",
        "CREDIT-0006",
        "--account",
        "2",
        ...dep,
      ]);
      const closed = await okJson(["account", "close", NEWCOMER, "--account", "2", ...dep]);
      expect(closed).to.include({ action: "account.close", account: NEWCOMER });
      expect(await okJson(["account", "show", NEWCOMER, ...dep])).to.include({
        open: false,
        depositAccountRef: null,
        balance: "0",
      });
      expect(await ok(["account", "show", NEWCOMER, ...dep])).to.match(/depositAccount:\s+-$/m);
      // closed: DCJPY can no longer be issued to it
      const r = await kessai([
        "dcjpy",
        "issue",
        "--to",
        NEWCOMER,
        "--amount",
        "1",
        "--ref",
        "DEBIT-0007",
        "--account",
        "2",
        ...dep,
      ]);
      expect(r.code).to.equal(1);
      expect(oneLine(r)).to.match(
        /^kessai: DepositTokenIneligibleReceiver: 0x\w{4}…\w{4} may not receive the deposit token: it has no open DCJPY account$/,
      );
    });

    it("account close --redeem: the bank closes out a funded account in one multicall", async function () {
      const { dep } = await load(deployed);
      await ok(["account", "open", NEWCOMER, "--ref", "ACCT-0008", "--account", "2", ...dep]);
      await ok([
        "dcjpy",
        "issue",
        "--to",
        NEWCOMER,
        "--amount",
        "250",
        "--ref",
        "DEBIT-0008",
        "--account",
        "2",
        ...dep,
      ]);
      const out = await okJson<Record<string, unknown>>([
        "account",
        "close",
        NEWCOMER,
        "--redeem",
        "CLOSE-0008",
        "--account",
        "2",
        ...dep,
      ]);
      expect(out).to.include({ action: "account.closeOut", account: NEWCOMER, redeemed: "250" });
      expect(out.freezeTx).to.match(/^0x[0-9a-f]{64}$/);
      expect(await okJson(["account", "show", NEWCOMER, ...dep])).to.include({
        open: false,
        balance: "0",
        accountFrozen: false,
      });
      const zero = await kessai([
        "account",
        "close",
        NEWCOMER,
        "--redeem",
        `0x${"00".repeat(32)}`,
        "--account",
        "2",
        ...dep,
      ]);
      expect(zero.code).to.equal(2);
      expect(oneLine(zero)).to.equal(`kessai: --redeem must not be zero: "0x${"00".repeat(32)}"`);
    });

    it("a wrong chain, swapped addresses, a broken deployment file: one line, exit 2, nothing sent", async function () {
      const { deployment } = await load(deployed);
      const base = JSON.parse(readFileSync(deployment, "utf8")) as Record<string, string>;
      const write = (name: string, doc: unknown) => {
        const file = path.join(dir, name);
        writeFileSync(file, JSON.stringify(doc));
        return file;
      };
      const nonce = await rpc(url, "eth_getTransactionCount", [ISSUER, "latest"]);
      const issue = (file: string, extra: string[] = []) =>
        kessai([
          "st",
          "issue",
          "--to",
          SELLER,
          "--amount",
          "1",
          "--account",
          "1",
          "--deployment",
          file,
          ...extra,
        ]);
      const chain1 = write("chain1.json", { ...base, chainId: "1" });
      let r = await issue(chain1);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        `kessai: Expected chain 1 (from ${chain1}) but the node is on chain 31337`,
      );
      const swapped = write("swapped.json", {
        ...base,
        securityToken: base.dvp,
        dvp: base.securityToken,
      });
      r = await issue(swapped, ["--json"]);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        `kessai: addresses.securityToken ${base.dvp} is the Kessai DVP on chain 31337, not a Kessai security token (addresses swapped?)`,
      );
      expect(JSON.parse(r.stdout).error).to.deep.include({
        name: "DeploymentAddressError",
        field: "addresses.securityToken",
        exitCode: 2,
      });
      r = await issue(deployment, ["--dvp", NEWCOMER]);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        `kessai: addresses.dvp ${NEWCOMER} is no contract on chain 31337, not the Kessai DVP`,
      );
      const { chainId: _chainId, ...rest } = base;
      const noChain = write("nochain.json", rest);
      r = await issue(noChain, ["--json"]);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(`kessai: ${noChain}: chainId is missing`);
      expect(JSON.parse(r.stdout).error).to.deep.include({
        name: "DeploymentFileError",
        field: "chainId",
      });
      const badDvp = write("baddvp.json", { ...base, dvp: "0x1234" });
      r = await issue(badDvp);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        `kessai: ${badDvp}: dvp is not a valid non-zero address: "0x1234"`,
      );
      r = await issue(path.join(dir, "absent.json"));
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(`kessai: ${path.join(dir, "absent.json")}: not found`);
      expect(await rpc(url, "eth_getTransactionCount", [ISSUER, "latest"])).to.equal(nonce);
    });

    it("a malformed --rpc URL (or KESSAI_RPC_URL): one line, exit 2", async function () {
      const { dep } = await load(deployed);
      for (const bad of ["not-a-url", "localhost:8545", "ws://127.0.0.1:8545"]) {
        const r = await kessai(["st", "balance", SELLER, "--rpc", bad, ...dep]);
        expect(r.code, bad).to.equal(2);
        expect(oneLine(r)).to.equal(
          `kessai: --rpc must be an http:// or https:// URL: ${JSON.stringify(bad)}`,
        );
      }
      const r = await kessai(["st", "balance", SELLER, ...dep], { KESSAI_RPC_URL: "not-a-url" });
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        'kessai: KESSAI_RPC_URL must be an http:// or https:// URL: "not-a-url"',
      );
    });

    it("an unreachable node: one line, exit 1 (the binary)", async function () {
      const { dep } = await load(deployed);
      // a port that was just free and that nothing here binds again
      const closed = `http://127.0.0.1:${await freePort()}`;
      const r = await kessaiProcess(["st", "balance", SELLER, "--rpc", closed, ...dep]);
      expect(r.code).to.equal(1);
      expect(
        oneLine(r).startsWith(`kessai: cannot reach the JSON-RPC endpoint ${closed}`),
      ).to.equal(true, oneLine(r));
    });
  });
  describe("bank references: the CLI and the SDK are one convention", function () {
    it("--ref TEXT and the SDK's text are one reference, and so is 0x hex, in either order", async function () {
      const { dep, addresses } = await load(onboarded);
      const bank = await BankClient.connect({
        rpcUrl: url,
        privateKey: wallet(2).privateKey,
        addresses: {
          securityToken: addresses.securityToken,
          depositToken: addresses.depositToken,
          dvp: addresses.dvp,
        },
      });
      try {
        const before = await bank.getDepositBalance({ account: BUYER });
        // text: the CLI first, then the SDK with the same text is refused
        const cli = await okJson([
          "dcjpy",
          "issue",
          "--to",
          BUYER,
          "--amount",
          "3",
          "--ref",
          "DUP-1",
          "--account",
          "2",
          ...dep,
        ]);
        expect(cli.bankReference).to.equal(toBankReference("DUP-1"));
        expect(cli.bankReference).to.equal(encodeBytes32String("DUP-1"));
        await expectError(
          bank.issueDeposit({ account: BUYER, amount: 3n, bankReference: "DUP-1" }),
          DepositTokenIssuanceReferenceUsed,
          { bankReference: encodeBytes32String("DUP-1") },
        );
        // hex: the SDK first, then the CLI with the same hex (upper case) is refused
        const hex = id("debit:DUP-2");
        await bank.issueDeposit({ account: BUYER, amount: 4n, bankReference: hex });
        const r = await kessai([
          "dcjpy",
          "issue",
          "--to",
          BUYER,
          "--amount",
          "4",
          "--ref",
          `0x${hex.slice(2).toUpperCase()}`,
          "--account",
          "2",
          "--json",
          ...dep,
        ]);
        expect(r.code).to.equal(1);
        expect(oneLine(r)).to.match(/^kessai: DepositTokenIssuanceReferenceUsed: bank reference /);
        const err = (JSON.parse(r.stdout) as { error: { args: Record<string, string> } }).error;
        expect(err.args).to.deep.equal({ bankReference: hex });
        // each reference issued once: 3 + 4
        expect(
          (await bank.getDepositBalance({ account: BUYER })).balance - before.balance,
        ).to.equal(7n);
        const redeemed = await okJson([
          "dcjpy",
          "redeem",
          "--from",
          BUYER,
          "--amount",
          "7",
          "--ref",
          "決済-DUP",
          "--account",
          "2",
          ...dep,
        ]);
        expect(redeemed).to.include({ redemptionRef: toBankReference("決済-DUP") });
        expect((await bank.getRedemption("決済-DUP"))?.amount).to.equal(7n);
      } finally {
        bank.close();
      }
    });

    it("a text reference over 31 bytes: one line, exit 2, nothing sent", async function () {
      const { dep } = await load(deployed);
      const nonce = await rpc(url, "eth_getTransactionCount", [BANK, "latest"]);
      const long = "DEBIT-ISSUER-TERMINATES-1795580775";
      const r = await kessai([
        "dcjpy",
        "issue",
        "--to",
        BUYER,
        "--amount",
        "1",
        "--ref",
        long,
        "--account",
        "2",
        ...dep,
      ]);
      expect(r.code).to.equal(2);
      expect(oneLine(r)).to.equal(
        `kessai: --ref is 34 UTF-8 bytes long; a text reference has at most 31: "${long}"`,
      );
      expect(await rpc(url, "eth_getTransactionCount", [BANK, "latest"])).to.equal(nonce);
    });
  });
  describe("settlement create checks that the trade could settle", function () {
    it("refuses a buyer the security token would refuse (one line, exit 1, nothing locked); --force locks", async function () {
      const { dep } = await load(funded);
      const locked = async () =>
        (await okJson<{ lockedToDvp: string }>(["st", "balance", SELLER, ...dep])).lockedToDvp;
      const before = await locked();
      const nonce = await rpc(url, "eth_getTransactionCount", [SELLER, "latest"]);
      const create = (extra: string[]) =>
        kessai([
          "settlement",
          "create",
          "--id",
          `0x${"ef".repeat(32)}`,
          "--buyer",
          NEWCOMER,
          "--quantity",
          "1",
          "--amount",
          "1",
          "--account",
          "3",
          ...extra,
          ...dep,
        ]);
      const r = await create(["--json"]);
      expect(r.code).to.equal(1);
      expect(oneLine(r)).to.equal(
        `kessai: Settlement 0x${"ef".repeat(32)} would not settle: the security token would refuse the delivery to the buyer ` +
          `(SecurityTokenIneligibleReceiver: ${NEWCOMER.slice(0, 6)}…${NEWCOMER.slice(-4)} may not receive the security token); ` +
          "nothing was locked (force to lock anyway)",
      );
      expect(JSON.parse(r.stdout).error).to.deep.include({ name: "IneligibleTradeError" });
      expect(await locked()).to.equal(before);
      expect(await rpc(url, "eth_getTransactionCount", [SELLER, "latest"])).to.equal(nonce);
      const forced = await create(["--force"]);
      expect(forced.code, forced.stderr).to.equal(0);
      expect(JSON.parse(forced.stdout)).to.include({ id: `0x${"ef".repeat(32)}`, buyer: NEWCOMER });
      expect(BigInt(await locked())).to.equal(BigInt(before) + 1n);
      await ok(["settlement", "cancel", "--id", `0x${"ef".repeat(32)}`, "--account", "3", ...dep]);
      expect(await locked()).to.equal(before);
    });
  });
  describe("deadlines: +N from the later of the clock and the chain; reclaimable when passed", function () {
    const ID = `0x${"a1".repeat(32)}`;
    /** `kessai settlement create` of a one-unit trade due a minute from "now". */
    const createDue = (dep: string[]) =>
      kessai([
        "settlement",
        "create",
        "--id",
        ID,
        "--buyer",
        BUYER,
        "--quantity",
        "1",
        "--amount",
        "1",
        "--deadline",
        "+1m",
        "--account",
        "3",
        ...dep,
      ]);
    const chainTime = async () =>
      Number(
        ((await rpc(url, "eth_getBlockByNumber", ["latest", false])) as { timestamp: string })
          .timestamp,
      );

    it("counts +N from the chain when it runs ahead of the clock", async function () {
      const { dep } = await load(funded);
      await rpc(url, "evm_increaseTime", [86_400]);
      await rpc(url, "evm_mine");
      const chain = await chainTime();
      expect(chain).to.be.greaterThan(Math.floor(Date.now() / 1000) + 80_000);
      const r = await createDue(dep);
      expect(r.code, r.stderr).to.equal(0);
      const deadline = Number((JSON.parse(r.stdout) as { deadline: string }).deadline);
      expect(deadline).to.be.within(chain + 60, chain + 62);
    });

    it("settlement show says an open settlement past its deadline is reclaimable, until reclaimed", async function () {
      const { dep } = await load(funded);
      const created = await createDue(dep);
      expect(created.code, created.stderr).to.equal(0);
      const before = await okJson<{ deadlinePassed: boolean; reclaimable: boolean }>([
        "settlement",
        "show",
        "--id",
        ID,
        ...dep,
      ]);
      expect(before).to.include({ state: "Pending", deadlinePassed: false, reclaimable: false });
      expect(await ok(["settlement", "show", "--id", ID, ...dep])).to.not.match(/reclaimable/);
      await rpc(url, "evm_increaseTime", [120]);
      await rpc(url, "evm_mine");
      const past = await okJson(["settlement", "show", "--id", ID, ...dep]);
      expect(past).to.include({ state: "Pending", deadlinePassed: true, reclaimable: true });
      const human = await ok(["settlement", "show", "--id", ID, ...dep]);
      expect(human).to.match(/^deadline:\s+\d+ \(\S+\), passed$/m);
      expect(human).to.include(
        `reclaimable:    yes: open past its deadline, anyone may release the seller's units (kessai settlement reclaim --id ${ID})`,
      );
      await ok(["settlement", "reclaim", "--id", ID, "--account", "5", ...dep]);
      const after = await okJson(["settlement", "show", "--id", ID, ...dep]);
      expect(after).to.include({ state: "Expired", deadlinePassed: true, reclaimable: false });
      expect(await ok(["settlement", "show", "--id", ID, ...dep])).to.not.match(/reclaimable/);
    });
  });
});
