/**
 * `kessai gateway …`: the bank gateway from the command line. `gateway start`'s configuration
 * (file, then environment, then flags, validated by the gateway's schema; a bad one is one line
 * and exit 2, nothing opened); then the built `kessai gateway start` as its own process against a
 * `hardhat node`, and a firm's `gateway issue | redeem | balance | statement` against it, with
 * the gateway's typed refusals as one line and their exit status, and nothing moved.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { JsonRpcProvider } from "ethers";
import { gatewayConfigFrom } from "../../../packages/cli/src/commands/gateway.js";
import { main } from "../../../packages/cli/src/main.js";
import { GatewayClient, contracts } from "../../../packages/sdk/src/index.js";
import { deployDcjpyOverRpc } from "../bank-gateway/helpers.js";
import {
  freePort,
  nodeAddress,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "../sdk/hardhat-node.js";

const DCJPY = "0x" + "22".repeat(20);
const KEY = "0x" + "ab".repeat(32);
const OPERATOR_KEY = "kgo_cli_test_operator_key_0123456789";
const OPERATOR_HASH = createHash("sha256").update(OPERATOR_KEY).digest("hex");

/** Runs `main` with `argv`, capturing stdout and stderr. */
async function run(argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("kessai gateway start: configuration", function () {
  let dir: string;
  const file = (name: string, config: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, typeof config === "string" ? config : JSON.stringify(config));
    return f;
  };
  const good = {
    database: { url: "sqlite:/tmp/never-opened.db" },
    chain: { rpcUrl: "http://127.0.0.1:1", chainId: 31337, privateKey: KEY, depositToken: DCJPY },
    auth: { operatorKeySha256: [OPERATOR_HASH] },
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-gateway-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [what, argv, line] of [
    [
      "a negative confirmations count in the file",
      () => [
        "--config",
        file("neg.json", { ...good, chain: { ...good.chain, confirmations: -1 } }),
      ],
      /^kessai: config chain\.confirmations: Too small: expected number to be >=0\n$/,
    ],
    [
      "an unknown setting",
      () => ["--config", file("unknown.json", { ...good, chain: { ...good.chain, rpc: "x" } })],
      /^kessai: config chain\.rpc: unknown setting\n$/,
    ],
    ["nothing at all", () => [], /^kessai: config database: required\n$/],
    [
      "a malformed DCJPY address from a flag",
      () => ["--config", file("good.json", good), "--deposit-token", "0x1234"],
      /^kessai: config chain\.depositToken: a 0x-prefixed 20-byte address\n$/,
    ],
    [
      "an operator key hash that is not SHA-256 hex",
      () => ["--config", file("good.json", good), "--operator-key-sha256", "secret"],
      /^kessai: config auth\.operatorKeySha256\.0: 64 lower-case hex digits\n$/,
    ],
    [
      "a port that is not a number",
      () => ["--config", file("good.json", good), "--http-port", "web"],
      /^kessai: --http-port: must be a whole number\n$/,
    ],
    [
      "a file that is not JSON",
      () => ["--config", file("bad.json", "{ database")],
      /^kessai: --config: .*bad\.json is not JSON \(.+\)\n$/,
    ],
  ] as const) {
    it(`refuses ${what}: exit 2, one line, nothing opened`, async function () {
      const r = await run(["gateway", "start", ...argv()]);
      expect(r.code).to.equal(2);
      expect(r.out).to.equal("");
      expect(r.err).to.match(line);
    });
  }

  it("takes the file, then the environment, then the flags", async function () {
    const f = file("layers.json", {
      ...good,
      chain: { ...good.chain, confirmations: 3 },
      http: { port: 1000 },
    });
    const config = await gatewayConfigFrom(
      { config: f, confirmations: "5", "operator-key-sha256": ["ab".repeat(32)] },
      {
        KESSAI_GATEWAY_CONFIRMATIONS: "4",
        KESSAI_GATEWAY_HTTP_PORT: "2000",
        KESSAI_GATEWAY_DATABASE: "sqlite:/tmp/from-env.db",
        KESSAI_GATEWAY_OPERATOR_KEY_SHA256: `${"cd".repeat(32)}, ${"ef".repeat(32)}`,
      },
    );
    expect(config.chain.confirmations).to.equal(5);
    expect(config.http).to.deep.equal({ host: "127.0.0.1", port: 2000 });
    expect(config.database.url).to.equal("sqlite:/tmp/from-env.db");
    expect(config.auth.operatorKeySha256).to.deep.equal(["ab".repeat(32)]);
    expect(config.chain.depositToken).to.equal(DCJPY);
    expect(config.log.level).to.equal("info");
    // the environment's list when no flag gives one
    const fromEnv = await gatewayConfigFrom(
      { config: f },
      { KESSAI_GATEWAY_OPERATOR_KEY_SHA256: `${"cd".repeat(32)}, ${"ef".repeat(32)}` },
    );
    expect(fromEnv.auth.operatorKeySha256).to.deep.equal(["cd".repeat(32), "ef".repeat(32)]);
    expect(fromEnv.chain.confirmations).to.equal(3);
  });

  it("refuses a firm call without a gateway URL or key: exit 2", async function () {
    const r = await run(["gateway", "balance", "--api-key", "kgw_x_y"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.equal("kessai: --gateway URL (or KESSAI_GATEWAY_URL) is required\n");
  });
});

describe("kessai gateway: a running gateway and a firm's calls", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let dir: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let stdout = "";
  let url: string;
  let firmKey: string;
  let account: string;
  let dcjpyAddress: string;
  const firm = nodeAddress(6);

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-gateway-cli-run-"));
    node = await startHardhatNode();
    provider = rpcProvider(node.url);
    dcjpyAddress = await deployDcjpyOverRpc(provider, { admin: 0, bank: 2 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = path.join(dir, "gateway.json");
    writeFileSync(
      config,
      JSON.stringify({
        database: { url: `sqlite:${path.join(dir, "gateway.db")}` },
        chain: {
          rpcUrl: node.url,
          chainId: 31337,
          depositToken: dcjpyAddress,
          confirmations: 0,
          pollIntervalMs: 50,
        },
        auth: { operatorKeySha256: [OPERATOR_HASH] },
        worker: { intervalMs: 20 },
      }),
    );
    // the key from the environment, the port from a flag: each layer reaches the process
    child = spawn(
      process.execPath,
      [
        path.join(process.cwd(), "packages", "cli", "dist", "main.js"),
        "gateway",
        "start",
        "--config",
        config,
        "--http-port",
        String(port),
        "--log-level",
        "warn",
      ],
      {
        env: { ...process.env, KESSAI_PRIVATE_KEY: nodeKey(2) },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stdout += d));
    exited = new Promise((r) => child.on("exit", (code) => r(code)));
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {
        /* not listening yet */
      }
      if (i > 300 || child.exitCode !== null) throw new Error(`gateway did not start: ${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const operator = new GatewayClient({ url, apiKey: OPERATOR_KEY });
    const created = await operator.createFirm({ id: "firm-c", name: "Firm C", dcjpyAddress: firm });
    firmKey = created.apiKey;
    account = created.account.id;
    await operator.fundDeposit({ firmId: "firm-c", amount: 1_000_000n });
    for (let i = 0; (await operator.getFirm("firm-c")).status !== "open"; i++) {
      if (i > 200) throw new Error("firm did not open");
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const gw = () => ["--gateway", url, "--api-key", firmKey];
  const balance = async () => {
    const r = await run(["gateway", "balance", account, ...gw(), "--json"]);
    expect(r.code, r.err).to.equal(0);
    return JSON.parse(r.out) as { balances: Record<string, string> };
  };
  const supply = () =>
    contracts.DepositToken__factory.connect(dcjpyAddress, provider).totalSupply();
  const waitFor = async (f: () => Promise<boolean>) => {
    for (let i = 0; !(await f()); i++) {
      if (i > 300) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("issues, redeems, and reads balances and the statement", async function () {
    const i = await run([
      "gateway",
      "issue",
      "--account",
      account,
      "--amount",
      "250000",
      "--idempotency-key",
      "cli-iss-1",
      ...gw(),
      "--json",
    ]);
    expect(i.code, i.err).to.equal(0);
    const issuance = JSON.parse(i.out) as { id: string; amount: string; replayed: boolean };
    expect(issuance).to.deep.include({ amount: "250000", replayed: false });
    const again = await run([
      "gateway",
      "issue",
      "--account",
      account,
      "--amount",
      "250000",
      "--idempotency-key",
      "cli-iss-1",
      ...gw(),
    ]);
    expect(again.code, again.err).to.equal(0);
    expect(again.out).to.match(
      new RegExp(
        `^issuance ${issuance.id}: 250000 yen from ${account} to 0x[0-9a-fA-F]{40}, \\w+ \\(replayed\\)\\n`,
      ),
    );
    await waitFor(async () => (await balance()).balances.pendingDebits === "0");
    expect((await balance()).balances).to.deep.include({ posted: "750000", available: "750000" });
    expect(await supply()).to.equal(250_000n);

    const r = await run(["gateway", "redeem", "--amount", "50000", ...gw()]);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/^redemption red_\S+: 50000 yen from 0x[0-9a-fA-F]{40}, pending\n/);
    await waitFor(async () => (await balance()).balances.posted === "800000");
    expect(await supply()).to.equal(200_000n);

    const human = await run(["gateway", "balance", ...gw()]);
    expect(human.code).to.equal(0);
    expect(human.out.split("\n")[0]).to.match(/^ACCOUNT\s+STATUS\s+POSTED\s+AVAILABLE\s+HELD/);
    expect(human.out).to.match(
      new RegExp(`^${account}\\s+open\\s+800000\\s+800000\\s+0\\s+0`, "m"),
    );

    const s = await run(["gateway", "statement", account, "--limit", "2", ...gw()]);
    expect(s.code, s.err).to.equal(0);
    const rows = s.out.split("\n").slice(1, 3);
    expect(rows[0]).to.match(/\sposted\s+\+1000000\s+bank_funding\s/);
    expect(rows[1]).to.match(/\spending\s+-250000\s+bank_dedicated\s/);
    expect(s.out).to.match(/\nnext page: --cursor \S+\n$/);
    const all = await run(["gateway", "statement", account, ...gw(), "--json"]);
    const lines = (JSON.parse(all.out) as { lines: { kind: string; amount: string }[] }).lines;
    expect(lines.map((l) => `${l.kind} ${l.amount}`)).to.deep.equal([
      "posted 1000000",
      "pending -250000",
      "post_pending -250000",
      "posted 50000",
    ]);
  });

  it("refuses with the gateway's typed errors in one line, and moves nothing", async function () {
    const before = (await balance()).balances;
    const supplyBefore = await supply();
    const cases: [string[], number, string | RegExp][] = [
      [
        ["gateway", "issue", "--account", account, "--amount", "9000000", ...gw()],
        1,
        /^kessai: POST \/v1\/issuances: 409 insufficient_funds: Account dep_firm-c has 800000 available, 9000000 needed\n$/,
      ],
      [
        ["gateway", "issue", "--account", account, "--amount", "1.5", ...gw()],
        2,
        'kessai: amount must be a whole number of yen: "1.5"\n',
      ],
      [
        [
          "gateway",
          "issue",
          "--account",
          account,
          "--amount",
          "7",
          "--idempotency-key",
          "cli-iss-1",
          ...gw(),
        ],
        2,
        /^kessai: POST \/v1\/issuances: 422 idempotency_key_reused: /,
      ],
      [
        ["gateway", "balance", "dep_other", ...gw()],
        1,
        /^kessai: GET \/v1\/accounts\/dep_other: 404 account_not_found: /,
      ],
      [
        ["gateway", "balance", "--gateway", url, "--api-key", "kgw_nobody_secret"],
        1,
        /^kessai: GET \/v1\/accounts: 401 unauthorized: /,
      ],
      [
        ["gateway", "statement", account, "--limit", "0", ...gw()],
        2,
        "kessai: --limit: must be 1 to 1000\n",
      ],
    ];
    for (const [argv, code, line] of cases) {
      const r = await run(argv);
      expect(r.code, `${argv.join(" ")}: ${r.err}`).to.equal(code);
      expect(r.out).to.equal("");
      if (typeof line === "string") expect(r.err).to.equal(line);
      else expect(r.err).to.match(line);
    }
    const json = await run(["gateway", "redeem", "--amount", "10000000", ...gw(), "--json"]);
    expect(json.code).to.equal(1);
    expect(JSON.parse(json.out).error).to.deep.include({
      name: "GatewayConflictError",
      status: 409,
      code: "insufficient_dcjpy",
    });
    expect((await balance()).balances).to.deep.equal(before);
    expect(await supply()).to.equal(supplyBefore);
  });

  it("stops on SIGTERM with exit status 0", async function () {
    child.kill("SIGTERM");
    expect(await exited).to.equal(0);
  });
});
