/**
 * settleCrossLedgerTrades with `verifierUrl`: the verifier service decides on the cash ledger and
 * signs, but cannot send on the ST ledger (its ST sender holds no ether), so the buyer presents
 * each `Paid` attestation itself (`deliver`) and the seller redeems the DCJPY it was paid (step 7).
 * Two in-process chains (ST ledger 31338, cash ledger 31339). Also: the checks of the new options
 * before anything is sent.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId, type Provider } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import {
  CashLedgerClient,
  InvalidParameterError,
  StLedgerClient,
  parseTradeFile,
  settleCrossLedgerTrades,
  tradeReference,
  type CrossLedgerTradeLedgers,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { Verifier, listenHttp, type VerifierHttp } from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { expectError } from "./helpers.js";
import { tradeParties } from "./trades-xledger-fixture.js";

const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
const day = (o: number) => new Date(Date.now() + o * 86_400_000).toISOString().slice(0, 10);

describe("sdk: settleCrossLedgerTrades, the buyer presenting the verifier's attestation", function () {
  this.timeout(120_000);
  let L: TwoLedgers;
  let dir: string;
  let store: Store;
  let verifier: Verifier;
  let http: VerifierHttp;
  let seller: CrossLedgerTradeLedgers;
  let buyer: CrossLedgerTradeLedgers;
  let trades: Trade[];
  const verifierAddress = new Wallet(devKey(A.verifier)).address;

  before(async function () {
    const st = await network.create("stLedger");
    const cash = await network.create("cashLedger");
    L = await deployTwoLedgers(st, cash);
    const stSigners = await st.ethers.getSigners();
    const cashSigners = await cash.ethers.getSigners();
    ({ seller, buyer } = await tradeParties(L, verifierAddress));
    dir = await mkdtemp(path.join(tmpdir(), "kessai-xl-trades-relay-"));
    store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
    verifier = await Verifier.open({
      store,
      st: {
        // no ether on the ST ledger: the service signs the attestation but cannot present it
        sender: Wallet.createRandom().connect(st.ethers.provider as unknown as Provider),
        contract: L.delivery,
      },
      cash: {
        sender: new Wallet(devKey(A.verifier), cash.ethers.provider as unknown as Provider),
        contract: L.payment,
      },
      attester: new Wallet(devKey(A.verifier)),
      confirmations: 1,
      pollMs: 50,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
      logger: { info() {}, warn() {}, error() {} },
    });
    http = await listenHttp(verifier);
    const lines = [2n, 3n, 4n].map((q, i) =>
      ["ODX", `XR-${i}`, day(0), day(1), L.bond, seller.st.address, buyer.cash.address, q, "1000"]
        .map(String)
        .concat(["", ""])
        .join(","),
    );
    trades = parseTradeFile([HEADER, ...lines].join("\n")).trades;
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    await (
      await bond.connect(stSigners[A.issuer]).issue(seller.st.address, ZeroAddress, 9n)
    ).wait();
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    await (
      await dcjpy.connect(cashSigners[A.bank]).issue(buyer.cash.address, 9_000n, keccakId("relay"))
    ).wait();
  });

  after(async function () {
    await verifier?.stop();
    await http?.close();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refuses a buyer without an ST signer, a seller without a cash signer, a bad URL; nothing sent", async function () {
    const readOnlySt = await StLedgerClient.connect({
      runner: L.st.ethers.provider as unknown as Provider,
      delivery: L.delivery,
    });
    const readOnlyCash = await CashLedgerClient.connect({
      runner: L.cash.ethers.provider as unknown as Provider,
      payment: L.payment,
    });
    await expectError(
      settleCrossLedgerTrades({
        as: "buyer",
        ledgers: { ...buyer, st: readOnlySt },
        trades,
        verifierUrl: http.url,
      }),
      InvalidParameterError,
      { field: "ledgers.st" },
    );
    await expectError(
      settleCrossLedgerTrades({ as: "seller", ledgers: { ...seller, cash: readOnlyCash }, trades }),
      InvalidParameterError,
      { field: "ledgers.cash" },
    );
    await expectError(
      settleCrossLedgerTrades({ as: "buyer", ledgers: buyer, trades, selfRelayAfterMs: -1 }),
      InvalidParameterError,
      { field: "selfRelayAfterMs" },
    );
    // a read-only cash client is enough for a seller that does not redeem
    const s = await settleCrossLedgerTrades({
      as: "seller",
      ledgers: { ...seller, cash: readOnlyCash },
      trades: [],
      redeem: false,
    });
    expect(s.results).to.deep.equal([]);
  });

  it("the verifier cannot relay: the buyer delivers each trade with its attestation, the seller redeems once", async function () {
    verifier.start();
    const run = (as: "seller" | "buyer") =>
      settleCrossLedgerTrades({
        as,
        ledgers: as === "seller" ? seller : buyer,
        trades,
        waitMs: 60_000,
        pollMs: 100,
        verifierUrl: http.url,
        selfRelayAfterMs: 0,
      });
    const [s, b] = await Promise.all([run("seller"), run("buyer")]);
    for (const r of [s, b]) expect(r.counts.settled, r.as).to.equal(3);
    for (const x of b.results)
      expect(x.txs.map((t) => `${t.ledger}:${t.step}`)).to.deep.equal([
        "cash:approve",
        "cash:instruct",
        "st:deliver",
      ]);
    for (const x of s.results)
      expect(x.txs.map((t) => `${t.ledger}:${t.step}`)).to.deep.equal(["st:lock", "cash:redeem"]);
    // on the ST ledger: one delivery per trade, each presented by the buyer
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const delivered = await delivery.queryFilter(delivery.filters.SettlementDelivered());
    expect(delivered.map((e) => [e.args.id, e.args.submitter])).to.have.deep.members(
      b.results.map((x) => [x.id, buyer.cash.address]),
    );
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    for (const [i, x] of s.results.entries()) {
      const rec = await dcjpy.redemptionOf(tradeReference(x.id, "redemption"));
      expect([rec.account, rec.amount]).to.deep.equal([seller.st.address, trades[i].amount]);
    }
    expect(await dcjpy.balanceOf(seller.st.address)).to.equal(0n);
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    expect(await bond.balanceOf(buyer.cash.address)).to.equal(9n);
    // run again, both sides: nothing sent
    const again = await Promise.all([run("seller"), run("buyer")]);
    for (const r of again) for (const x of r.results) expect(x.txs).to.deep.equal([]);
  });

  it("reads each ledger in one batched eth_call per pass, whatever the number of trades", async function () {
    const count = (c: { provider: { request: (a: { method: string }) => Promise<unknown> } }) => {
      const orig = c.provider.request.bind(c.provider);
      const n = { calls: 0 };
      c.provider.request = (a) => {
        if (a.method === "eth_call") n.calls++;
        return orig(a);
      };
      return { n, restore: () => void (c.provider.request = orig) };
    };
    const stCount = count(L.st);
    const cashCount = count(L.cash);
    try {
      // every trade settled (the case above): one pass reads both records of all three
      const b = await settleCrossLedgerTrades({ as: "buyer", ledgers: buyer, trades });
      expect(b.counts.settled).to.equal(3);
      expect([stCount.n.calls, cashCount.n.calls], "buyer: ST, cash").to.deep.equal([1, 1]);
      stCount.n.calls = 0;
      cashCount.n.calls = 0;
      // the seller reads its three redemptions in one more batch on the cash ledger
      const s = await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades });
      expect(s.counts.settled).to.equal(3);
      expect([stCount.n.calls, cashCount.n.calls], "seller: ST, cash").to.deep.equal([1, 2]);
    } finally {
      stCount.restore();
      cashCount.restore();
    }
  });
});
