/**
 * `kessai trades settle` stopped with Ctrl-C (SIGINT) while the seller redeems: it writes the
 * report so far, every trade without a result listed as unfinished, and exits 130; run again,
 * it finishes, and each trade was redeemed once. Against a `hardhat node` started here.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import {
  BankClient,
  tradeReference,
  type KessaiAddresses,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { nodeKey, type HardhatNode } from "../sdk/hardhat-node.js";
import {
  BUYER,
  CLI,
  SELLER,
  addr,
  blockNumber,
  oneChainDay,
  type OneChainDay,
} from "./trades-fixture.js";

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
  let day1: OneChainDay;
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let trades: Trade[];
  let file: string;
  let common: string[];
  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-sigint-"));
    day1 = await oneChainDay(dir, {
      n: N,
      prefix: "I-",
      stIssued: ST_ISSUED,
      dcjpyIssued: DCJPY_ISSUED,
    });
    ({ node, provider, addresses, trades, file } = day1);
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
    await day1?.stop();
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
