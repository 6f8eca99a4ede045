/**
 * `kessai trades settle` on two ledgers: the two in-process ledgers served over HTTP, the
 * verifier service in process; bad flags refused with exit 2 and one line before anything is
 * sent; the seller's and the buyer's runs settle the file on both ledgers, with the report
 * giving each trade's state on both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import { main } from "../../../packages/cli/src/main.js";
import { Verifier } from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { openInProcessVerifier } from "../sdk/trades-xledger-fixture.js";
import { serve } from "./serve-network.js";
import { HEADER, day } from "./trades-fixture.js";

describe("kessai trades settle (two ledgers)", function () {
  this.timeout(180_000);
  let L: TwoLedgers;
  const servers: (Server & { url: string })[] = [];
  let miner: ReturnType<typeof setInterval> | undefined;
  let dir: string;
  let store: Store;
  let verifier: Verifier;
  const verifierAddress = new Wallet(devKey(A.verifier)).address;
  const sellerAddress = new Wallet(devKey(A.seller)).address;
  const buyerAddress = new Wallet(devKey(A.buyer)).address;

  before(async function () {
    L = await deployTwoLedgers(
      await network.create("stLedger"),
      await network.create("cashLedger"),
    );
    servers.push(await serve(L.st), await serve(L.cash));
    miner = setInterval(() => {
      void L.st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      void L.cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-xl-cli-"));
    store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
    verifier = await openInProcessVerifier(L, store);
  });

  after(async function () {
    if (miner) clearInterval(miner);
    await verifier?.stop();
    await store?.close();
    for (const s of servers) await new Promise((r) => s.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(argv: string[]) {
    let out = "";
    let err = "";
    const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
    return { code, out, err };
  }

  /** A file of trades (one bad line among them); the seller holds the units, the buyer the DCJPY. */
  async function dayFile(quantities: number[]): Promise<string> {
    const issuer = (await L.st.ethers.getSigners())[A.issuer];
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    const units = BigInt(quantities.reduce((s, q) => s + q, 0));
    await (await bond.connect(issuer).issue(sellerAddress, ZeroAddress, units)).wait();
    const bank = (await L.cash.ethers.getSigners())[A.bank];
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    await (
      await dcjpy.connect(bank).issue(buyerAddress, units * 1000n, keccakId(`cli ${units}`))
    ).wait();
    const lines = quantities.map((q, i) =>
      ["ODX", `XC-${i}`, day(0), day(1), L.bond, sellerAddress, buyerAddress, q, "1000", "", ""]
        .map(String)
        .join(","),
    );
    // line 2 + n: a negative quantity, refused with its line number
    lines.push(
      ["ODX", "XC-bad", day(0), day(1), L.bond, sellerAddress, buyerAddress, "-1", "1000", "", ""]
        .map(String)
        .join(","),
    );
    const file = path.join(dir, `day-${quantities.join("-")}.csv`);
    writeFileSync(file, [HEADER, ...lines].join("\n") + "\n");
    return file;
  }

  const ledgerFlags = () => [
    "--st-rpc",
    servers[0].url,
    "--cash-rpc",
    servers[1].url,
    "--st-ledger",
    L.delivery,
    "--cash-ledger",
    L.payment,
    "--cash-token",
    L.dcjpy,
    "--verifier",
    verifierAddress,
  ];

  const nonces = async () => [
    await L.st.ethers.provider.getTransactionCount(sellerAddress),
    await L.cash.ethers.provider.getTransactionCount(buyerAddress),
  ];

  it("refuses incomplete or one-chain flags with exit 2 and one line; nothing sent", async function () {
    const file = await dayFile([1]);
    const before = await nonces();
    const flags = ledgerFlags();
    const without = (flag: string) => {
      const i = flags.indexOf(flag);
      return [...flags.slice(0, i), ...flags.slice(i + 2)];
    };
    const cases: [string[], RegExp][] = [
      [without("--verifier"), /^kessai: two ledgers: --verifier ADDR is required\n$/],
      [without("--cash-rpc"), /^kessai: --cash-rpc is required \(or KESSAI_CASH_RPC_URL\)\n$/],
      [[...flags, "--payment", "batch"], /--payment is for trades on one chain, not two ledgers/],
      [[...flags, "--reclaim-expired"], /--reclaim-expired is for trades on one chain/],
      [[...without("--cash-token"), "--cash-token", "0x1234"], /^kessai: .*--cash-token.*0x1234/],
      [[...flags, "--verifier-url", "ftp://verifier"], /^kessai: .*--verifier-url/],
      [[...flags, "--self-relay-after", "-1"], /^kessai: .*--self-relay-after/],
    ];
    for (const [argv, line] of cases) {
      const r = await run([
        "trades",
        "settle",
        file,
        "--as",
        "seller",
        "--key",
        devKey(A.seller),
        ...argv,
      ]);
      expect(r.code, argv.join(" ")).to.equal(2);
      expect(r.err).to.match(line);
      expect(r.err.trim().split("\n")).to.have.length(1);
    }
    expect(await nonces()).to.deep.equal(before);
    // and a two-ledger flag without the ledgers
    const one = await run(
      ["trades", "settle", file, "--as", "seller", "--key", devKey(A.seller)].concat([
        "--verifier-url",
        "http://127.0.0.1:9464",
      ]),
    );
    expect([one.code, one.err]).to.deep.equal([
      2,
      "kessai: --verifier-url is for trades on two ledgers, not one chain\n",
    ]);
  });

  it("seller then buyer: every good line settles on both ledgers; the report shows both states", async function () {
    verifier.start();
    const file = await dayFile([2, 3, 4]);
    const report = (side: string) => path.join(dir, `${side}.json`);
    const seller = await run([
      "trades",
      "settle",
      file,
      "--as",
      "seller",
      "--key",
      devKey(A.seller),
      ...ledgerFlags(),
      "--report",
      report("seller"),
    ]);
    // not settled yet, and the bad line refused: exit 1
    expect(seller.code).to.equal(1);
    expect(seller.err).to.equal("kessai: 3 trade(s) not settled, 1 line(s) refused\n");
    const s = JSON.parse(readFileSync(report("seller"), "utf8")) as {
      refusedLines: { line: number; code: string; field: string }[];
      results: { line: number; status: string; stState: string; cashState: string }[];
    };
    expect(s.refusedLines.map((e) => [e.line, e.code, e.field])).to.deep.equal([
      [5, "badQuantity", "quantity"],
    ]);
    expect(s.results.map((r) => [r.line, r.status, r.stState, r.cashState])).to.deep.equal([
      [2, "pending", "Locked", "None"],
      [3, "pending", "Locked", "None"],
      [4, "pending", "Locked", "None"],
    ]);
    const buyer = await run([
      "trades",
      "settle",
      file,
      "--as",
      "buyer",
      "--key",
      devKey(A.buyer),
      ...ledgerFlags(),
      "--wait",
      "60",
      "--report",
      path.join(dir, "buyer.csv"),
    ]);
    // every trade settled; exit 1 for the refused line alone
    expect(buyer.code).to.equal(1);
    expect(buyer.err).to.equal("kessai: 0 trade(s) not settled, 1 line(s) refused\n");
    const csv = readFileSync(path.join(dir, "buyer.csv"), "utf8").trim().split("\n");
    expect(csv[0]).to.equal(
      "line,venue,tradeId,id,status,stState,cashState,ledgerStatus,gasUsed,txs,error,errorMessage,next",
    );
    expect(csv.slice(1).map((l) => l.split(",").slice(4, 8))).to.deep.equal([
      ["settled", "Delivered", "Paid", "delivered"],
      ["settled", "Delivered", "Paid", "delivered"],
      ["settled", "Delivered", "Paid", "delivered"],
    ]);
    // the seller's second run redeems the DCJPY of each settled trade on the cash ledger (step 7);
    // a third sends nothing and sees every trade settled
    const redeemRun = await run([
      "trades",
      "settle",
      file,
      "--as",
      "seller",
      "--key",
      devKey(A.seller),
      ...ledgerFlags(),
      "--report",
      report("redeem"),
    ]);
    expect(redeemRun.code).to.equal(1);
    const rd = JSON.parse(readFileSync(report("redeem"), "utf8")) as {
      results: { status: string; txs: { step: string; ledger: string }[] }[];
    };
    expect(
      rd.results.map((r) => [r.status, r.txs.map((t) => `${t.ledger}:${t.step}`)]),
    ).to.deep.equal([
      ["settled", ["cash:redeem"]],
      ["settled", ["cash:redeem"]],
      ["settled", ["cash:redeem"]],
    ]);
    const before = [
      ...(await nonces()),
      await L.cash.ethers.provider.getTransactionCount(sellerAddress),
    ];
    const again = await run([
      "trades",
      "settle",
      file,
      "--as",
      "seller",
      "--key",
      devKey(A.seller),
      ...ledgerFlags(),
      "--json",
      "--report",
      report("again"),
    ]);
    expect(again.code).to.equal(1);
    const a = JSON.parse(readFileSync(report("again"), "utf8")) as {
      results: { status: string; txs: unknown[] }[];
    };
    expect(a.results.map((r) => [r.status, r.txs.length])).to.deep.equal([
      ["settled", 0],
      ["settled", 0],
      ["settled", 0],
    ]);
    expect([
      ...(await nonces()),
      await L.cash.ethers.provider.getTransactionCount(sellerAddress),
    ]).to.deep.equal(before);
  });
});
