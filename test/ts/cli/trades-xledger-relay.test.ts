/**
 * `kessai trades settle` on two ledgers with `--verifier-url`: the verifier service decides and
 * signs but cannot send on the ST ledger (its ST sender holds no ether), so the buyer's process
 * presents each `Paid` attestation itself (`deliver`, signed on the ST ledger with its key), and
 * the seller's next run redeems the DCJPY it was paid. Two anvil nodes, the CLI as processes.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseTradeFile, type Trade } from "../../../packages/sdk/src/index.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import {
  BUYER,
  SELLER,
  VERIFIER,
  contractsOf,
  fundTraders,
  startTwoLedgers,
  type TwoLedgers,
} from "../verifier/two-nodes.js";
import { CLI, HEADER, addr, tradeLines } from "./trades-fixture.js";
import { startVerifierOn, type TwoLedgerVerifier } from "./two-ledger-verifier.js";

describe("kessai trades settle on two ledgers, the buyer presenting the verifier's attestation", function () {
  this.timeout(120_000);
  let l: TwoLedgers;
  let dir: string;
  let service: TwoLedgerVerifier;
  let trades: Trade[];
  let file: string;

  before(async function () {
    l = await startTwoLedgers();
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-xl-relay-"));
    service = await startVerifierOn(l, dir, { relay: false, http: true });
    const text =
      [HEADER, ...tradeLines(3, "XR-", l.addr.bond, addr(SELLER), addr(BUYER))].join("\n") + "\n";
    file = path.join(dir, "day.csv");
    writeFileSync(file, text);
    trades = parseTradeFile(text).trades;
    const units = trades.reduce((s, t) => s + t.quantity, 0n);
    const cash = trades.reduce((s, t) => s + t.amount, 0n);
    await fundTraders(l, { units, cash, reference: "xl relay" });
  });

  after(async function () {
    await service?.close();
    await l?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // (not spawnSync: the verifier runs in this process and must keep going meanwhile)
  const settle = (side: "seller" | "buyer", extra: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve, reject) => {
      let stderr = "";
      const child = spawn(
        process.execPath,
        [
          CLI,
          ...["trades", "settle", file, "--as", side],
          ...["--key", nodeKey(side === "seller" ? SELLER : BUYER)],
          ...["--st-rpc", l.st.node.url, "--cash-rpc", l.cash.node.url],
          ...["--st-ledger", l.addr.delivery, "--cash-ledger", l.addr.payment],
          ...["--cash-token", l.addr.dcjpy, "--verifier", addr(VERIFIER)],
          ...extra,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("exit", (status) => resolve({ status, stderr }));
    });
  const stepsOf = (report: string) =>
    (
      JSON.parse(readFileSync(report, "utf8")) as {
        results: { status: string; txs: { ledger: string; step: string }[] }[];
      }
    ).results.map((r) => [r.status, r.txs.map((t) => `${t.ledger}:${t.step}`).join(" ")]);

  it("the buyer delivers each trade itself; the seller then redeems each once", async function () {
    const lock = await settle("seller", []);
    expect(lock.status, lock.stderr).to.equal(1);
    const report = path.join(dir, "buyer.json");
    const b = await settle("buyer", [
      ...["--verifier-url", service.url!, "--self-relay-after", "0"],
      ...["--wait", "40", "--report", report],
    ]);
    expect(b.status, b.stderr).to.equal(0);
    expect(stepsOf(report)).to.deep.equal(
      trades.map(() => ["settled", "cash:approve cash:instruct st:deliver"]),
    );
    const { delivery, dcjpy } = await contractsOf(l, SELLER);
    const delivered = await delivery.queryFilter(delivery.filters.SettlementDelivered());
    expect(delivered.map((e) => ("args" in e ? e.args.submitter : ""))).to.deep.equal(
      trades.map(() => addr(BUYER)),
    );
    const sellerReport = path.join(dir, "seller.json");
    const s = await settle("seller", ["--report", sellerReport]);
    expect(s.status, s.stderr).to.equal(0);
    expect(stepsOf(sellerReport)).to.deep.equal(trades.map(() => ["settled", "cash:redeem"]));
    expect(await dcjpy.balanceOf(addr(SELLER))).to.equal(0n);
  });
});
