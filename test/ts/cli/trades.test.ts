/**
 * `kessai trades validate` and `kessai trades settle`: line-numbered refusals, and the seller and
 * the buyer running at once as two processes against one `hardhat node` (started here, on a free
 * port), with --json progress lines and CSV / JSON reports.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import {
  type IssuerClient,
  parseTradeFile,
  type KessaiAddresses,
} from "../../../packages/sdk/src/index.js";
import { main } from "../../../packages/cli/src/main.js";
import { nodeKey, rpcProvider, startHardhatNode, type HardhatNode } from "../sdk/hardhat-node.js";
import { BUYER, CLI, HEADER, SELLER, addr, day, fundedFirms } from "./trades-fixture.js";

/** Runs `main` in-process, capturing stdout and stderr. */
async function run(argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** Runs the built CLI as a child process. */
function spawnCli(argv: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("kessai trades", function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-"));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("validate", function () {
    it("prints each refused line with its number and exits 1; the good lines are counted", async function () {
      const token = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      const good = [
        "ODX",
        "T-1",
        day(0),
        day(1),
        token,
        addr(SELLER),
        addr(BUYER),
        "10",
        "",
        "1000",
        "",
      ];
      const file = path.join(dir, "mixed.csv");
      writeFileSync(
        file,
        [
          HEADER,
          good.join(","),
          good.map((v, i) => (i === 1 ? "T-2" : i === 5 ? "" : v)).join(","),
          good.map((v, i) => (i === 1 ? "T-3" : i === 7 ? "-1" : v)).join(","),
          good.join(","),
        ].join("\n"),
      );
      const r = await run(["trades", "validate", file]);
      expect(r.code).to.equal(1);
      expect(r.out.split("\n")).to.deep.equal([
        "line 3: seller is missing",
        'line 4: quantity must not be negative: "-1"',
        'line 5: tradeId repeats the trade of line 2 at venue "ODX": "T-1"',
        "1 trade(s) valid, 3 line(s) refused (csv)",
        "",
      ]);
      expect(r.err).to.equal("kessai: 3 line(s) refused\n");
      const j = await run(["trades", "validate", file, "--json"]);
      const doc = JSON.parse(j.out);
      expect(doc.errors.map((e: { line: number; code: string }) => [e.line, e.code])).to.deep.equal(
        [
          [3, "missingField"],
          [4, "badQuantity"],
          [5, "duplicateTradeId"],
        ],
      );
      expect(doc.trades).to.have.length(1);
    });

    it("refuses a token other than the deployment's when one is given", async function () {
      const file = path.join(dir, "token.csv");
      writeFileSync(
        file,
        [
          HEADER,
          [
            "ODX",
            "T-1",
            day(0),
            day(1),
            "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            addr(SELLER),
            addr(BUYER),
            "10",
            "",
            "1000",
            "",
          ].join(","),
        ].join("\n"),
      );
      const r = await run([
        "trades",
        "validate",
        file,
        "--security-token",
        "0x1111111111111111111111111111111111111111",
      ]);
      expect(r.code).to.equal(1);
      expect(r.out).to.contain("line 2: securityToken is not a security token of this deployment");
    });

    it("refuses a missing file and a bad --as in one line, exit 2", async function () {
      const r = await run(["trades", "validate", path.join(dir, "nope.csv")]);
      expect(r.code).to.equal(2);
      expect(r.err).to.match(/^kessai: cannot read .*nope\.csv: ENOENT\n$/);
      const s = await run(["trades", "settle", path.join(dir, "mixed.csv"), "--as", "broker"]);
      expect(s.code).to.equal(2);
      expect(s.err).to.equal("kessai: --as must be seller or buyer\n");
    });
  });

  describe("settle, seller and buyer as two processes against one hardhat node", function () {
    let node: HardhatNode;
    let provider: JsonRpcProvider;
    let addresses: KessaiAddresses;
    let issuer: IssuerClient;
    before(async function () {
      node = await startHardhatNode();
      provider = rpcProvider(node.url);
      ({ addresses, issuer } = await fundedFirms(provider, {
        stIssued: 100_000n,
        dcjpyIssued: 10n ** 12n,
      }));
    });
    after(async function () {
      provider?.destroy();
      await node?.stop();
    });

    it("settles every good line once, reports each trade, refuses the bad line", async function () {
      const n = 30;
      const lines = Array.from({ length: n }, (_, i) =>
        [
          "ODX",
          `C-${i}`,
          day(0),
          day(1),
          addresses.securityToken,
          addr(SELLER),
          addr(BUYER),
          String(1 + (i % 5)),
          "1000",
          "",
          "",
        ].join(","),
      );
      lines.splice(
        10,
        0,
        [
          "ODX",
          "C-bad",
          day(0),
          day(1),
          addresses.securityToken,
          addr(SELLER),
          "0x12",
          "1",
          "1000",
          "",
          "",
        ].join(","),
      );
      const file = path.join(dir, "day.csv");
      writeFileSync(file, [HEADER, ...lines].join("\n") + "\n");
      const trades = parseTradeFile(readFileSync(file, "utf8")).trades;
      const common = [
        "--rpc",
        node.url,
        "--dvp",
        addresses.dvp,
        "--security-token",
        addresses.securityToken,
        "--deposit-token",
        addresses.depositToken,
        "--wait",
        "60",
        "--concurrency",
        "8",
      ];
      const sellerReport = path.join(dir, "seller.csv");
      const buyerReport = path.join(dir, "buyer.json");
      const stBefore = await issuer.ctx.securityToken.balanceOf(addr(BUYER));
      const [s, b] = await Promise.all([
        spawnCli([
          "trades",
          "settle",
          file,
          "--as",
          "seller",
          "--key",
          nodeKey(SELLER),
          "--report",
          sellerReport,
          "--json",
          ...common,
        ]),
        spawnCli([
          "trades",
          "settle",
          file,
          "--as",
          "buyer",
          "--key",
          nodeKey(BUYER),
          "--report",
          buyerReport,
          "--json",
          "--batch-size",
          "7",
          ...common,
        ]),
      ]);
      // the refused line makes both exit 1; every trade settled
      for (const r of [s, b]) {
        expect(r.code, r.err).to.equal(1);
        const events = r.out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        expect(events[0]).to.include({ type: "refusedLine", line: 12, code: "badAddress" });
        const tradesSeen = events.filter((e) => e.type === "trade");
        expect(tradesSeen).to.have.length(n);
        expect(tradesSeen.at(-1)).to.include({ done: n, total: n });
        expect(events.at(-1)).to.deep.include({ type: "summary", trades: n, refusedLines: 1 });
        expect(events.at(-1).counts.settled).to.equal(n);
        expect(r.err).to.equal(`kessai: ${0} trade(s) not settled, 1 line(s) refused\n`);
      }
      const csv = readFileSync(sellerReport, "utf8").trim().split("\n");
      expect(csv[0]).to.equal(
        "line,venue,tradeId,id,status,chainState,gasUsed,txs,error,errorMessage,next",
      );
      expect(csv).to.have.length(n + 1);
      expect(csv.slice(1).every((l) => l.split(",")[4] === "settled")).to.equal(true);
      expect(
        csv.slice(1).every((l) => /lock:0x[0-9a-f]{64}:\d+ redeem:0x[0-9a-f]{64}:\d+/.test(l)),
      ).to.equal(true);
      const json = JSON.parse(readFileSync(buyerReport, "utf8"));
      expect(json.refusedLines.map((e: { line: number }) => e.line)).to.deep.equal([12]);
      expect(json.results.map((r: { id: string }) => r.id)).to.deep.equal(trades.map((t) => t.id));
      expect(json.results.every((r: { status: string }) => r.status === "settled")).to.equal(true);
      const q = trades.reduce((x, t) => x + t.quantity, 0n);
      expect((await issuer.ctx.securityToken.balanceOf(addr(BUYER))) - stBefore).to.equal(q);
      // run again: nothing to do, nothing sent
      const again = await spawnCli([
        "trades",
        "settle",
        file,
        "--as",
        "buyer",
        "--key",
        nodeKey(BUYER),
        "--json",
        ...common,
      ]);
      const txs = again.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === "trade")
        .flatMap((e) => e.txs);
      expect(txs).to.deep.equal([]);
    });
  });
});
