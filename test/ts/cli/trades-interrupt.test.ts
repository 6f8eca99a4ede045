/**
 * `kessai trades settle` stopped with Ctrl-C (SIGINT) while the seller redeems: it writes the
 * report so far, every trade without a result listed as unfinished, and exits 130; run again,
 * it finishes, and each trade was redeemed once. Against a `hardhat node` started here.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, type JsonRpcProvider } from "ethers";
import {
  BankClient,
  IssuerClient,
  parseTradeFile,
  tradeReference,
  type KessaiAddresses,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { ref } from "../sdk/fixture.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "../sdk/hardhat-node.js";

const CLI = path.join(process.cwd(), "packages", "cli", "dist", "main.js");
const [ISSUER, BANK, AGENT, SELLER, BUYER] = [1, 2, 3, 4, 5];
const addr = (i: number) => new Wallet(nodeKey(i)).address;
const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const N = 40;
const BATCH = 4;
const ST_ISSUED = 100_000n;
const DCJPY_ISSUED = 10n ** 12n;

function runCli(
  argv: string[],
  provider: JsonRpcProvider,
  sigintAfterBlocks?: number,
): Promise<{ code: number | null; signalled: boolean; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let exited = false;
    let signalled = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      exited = true;
      resolve({ code, signalled, out, err });
    });
    if (sigintAfterBlocks === undefined) return;
    void (async () => {
      const start = await blockNumber(provider);
      while (!exited) {
        if ((await blockNumber(provider)) >= start + sigintAfterBlocks) {
          signalled = true;
          child.kill("SIGINT");
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })().catch(reject);
  });
}

describe("kessai trades settle, stopped with Ctrl-C", function () {
  this.timeout(300_000);
  let dir: string;
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let trades: Trade[];
  let file: string;
  let common: string[];
  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-sigint-"));
    node = await startHardhatNode();
    provider = rpcProvider(node.url);
    addresses = await deployOverRpc(provider, {
      deployer: 0,
      issuer: ISSUER,
      bank: BANK,
      agent: AGENT,
    });
    const issuer = await IssuerClient.connect({
      runner: new Wallet(nodeKey(ISSUER), provider),
      addresses,
    });
    const bank = await BankClient.connect({
      runner: new Wallet(nodeKey(BANK), provider),
      addresses,
    });
    const parties = [SELLER, BUYER].map(addr);
    await issuer.registerInvestors({
      investors: parties.map((account) => ({ account, investorRef: ref(account) })),
    });
    await bank.openDepositAccounts({
      accounts: parties,
      depositAccountRefs: parties.map((a) => ref(`deposit:${a}`)),
    });
    await issuer.issueSecurity({ to: addr(SELLER), value: ST_ISSUED });
    await bank.issueDeposit({
      account: addr(BUYER),
      amount: DCJPY_ISSUED,
      bankReference: ref("float"),
    });
    const lines = Array.from({ length: N }, (_, i) =>
      [
        "ODX",
        `I-${i}`,
        day(0),
        day(1),
        addresses.securityToken,
        addr(SELLER),
        addr(BUYER),
        String(1 + (i % 7)),
        String(1000 + i),
        "",
        "",
      ].join(","),
    );
    file = path.join(dir, "day.csv");
    const text = [HEADER, ...lines].join("\n") + "\n";
    writeFileSync(file, text);
    trades = parseTradeFile(text).trades;
    common = [
      "--rpc",
      node.url,
      "--dvp",
      addresses.dvp,
      "--security-token",
      addresses.securityToken,
      "--deposit-token",
      addresses.depositToken,
      "--journal",
      path.join(dir, "journal"),
    ];
    // locked and paid: what is left for the seller is one redemption per trade
    const lock = await runCli(
      ["trades", "settle", file, "--as", "seller", "--key", nodeKey(SELLER), ...common],
      provider,
    );
    expect(lock.code, lock.err).to.equal(1);
    const pay = await runCli(
      ["trades", "settle", file, "--as", "buyer", "--key", nodeKey(BUYER), ...common],
      provider,
    );
    expect(pay.code, pay.err).to.equal(0);
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("writes the report so far with the unfinished trades, exits 130; a second run finishes", async function () {
    const report = path.join(dir, "report.json");
    const argv = [
      "trades",
      "settle",
      file,
      "--as",
      "seller",
      "--key",
      nodeKey(SELLER),
      "--concurrency",
      "2",
      "--report",
      report,
      "--json",
      ...common,
    ];
    const r = await runCli(argv, provider, 4);
    expect(r.signalled).to.equal(true);
    expect(r.code, r.err).to.equal(130);
    const summary = JSON.parse(r.out.trim().split("\n").at(-1)!);
    expect(summary).to.deep.include({ type: "summary", trades: N, interrupted: true });
    const doc = JSON.parse(readFileSync(report, "utf8"));
    const results = doc.results as {
      id: string;
      status: string;
      chainState: string;
      txs: { step: string }[];
      error?: { name: string };
    }[];
    expect(results.map((x) => x.id)).to.deep.equal(trades.map((t) => t.id));
    const done = results.filter((x) => x.status === "settled");
    const open = results.filter((x) => x.error?.name === "Interrupted");
    expect(done.length, "redeemed before the interruption").to.be.greaterThan(0);
    expect(open.length, "unfinished").to.be.greaterThan(0);
    expect(done.length + open.length).to.equal(N);
    expect(summary.unfinished).to.equal(open.length);
    expect(summary.counts.settled).to.equal(done.length);
    for (const x of open) expect(x).to.deep.include({ status: "pending", chainState: "unknown" });
    expect(r.err).to.equal(
      `kessai: interrupted: ${open.length} trade(s) unfinished, ${open.length} not settled; run again to carry on\n`,
    );
    // run again: it finishes; each trade redeemed once, in the two runs together
    const again = await runCli(argv, provider);
    expect(again.code, again.err).to.equal(0);
    const dt = await BankClient.connect({ runner: provider, addresses });
    for (const t of trades) {
      const rec = await dt.ctx.depositToken.redemptionOf(tradeReference(t.id, "redemption"));
      expect(rec.amount, t.tradeId).to.equal(t.amount);
    }
    expect(await dt.ctx.depositToken.balanceOf(addr(SELLER))).to.equal(0n);
    const redeemed = (
      await dt.ctx.depositToken.queryFilter(dt.ctx.depositToken.filters.Redeemed())
    ).filter((e) => e.args.account === addr(SELLER));
    expect(redeemed).to.have.length(N);
  });
});

/** The node's block number now (ethers' getBlockNumber may answer from a short-lived cache). */
async function blockNumber(provider: JsonRpcProvider): Promise<number> {
  return Number(await provider.send("eth_blockNumber", []));
}
