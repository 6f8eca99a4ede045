/**
 * settleCrossLedgerTrades, the seller's step 7 on two ledgers: a trade delivered on the ST ledger
 * whose payment the cash ledger still owes (the seller's DCJPY account refused it, the transfer
 * pending) is neither redeemed nor reported settled; once anyone completes the transfer, the next
 * run redeems it once. In-process ledgers, the verifier service deciding and relaying.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId, type Provider, type Signer } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import {
  CashLedgerClient,
  StLedgerClient,
  crossLedgerTradeTerms,
  getCrossLedgerStatus,
  parseTradeFile,
  settleCrossLedgerTrades,
  tradeReference,
  type CrossLedgerTradeLedgers,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { Verifier } from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";

const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
const day = (o: number) => new Date(Date.now() + o * 86_400_000).toISOString().slice(0, 10);

describe("sdk: settleCrossLedgerTrades, the seller's redemption waits for the payment owed", function () {
  this.timeout(180_000);
  let L: TwoLedgers;
  let miner: ReturnType<typeof setInterval> | undefined;
  let seller: CrossLedgerTradeLedgers;
  let buyer: CrossLedgerTradeLedgers;
  let dir: string;
  let store: Store;
  let verifier: Verifier;
  const verifierAddress = new Wallet(devKey(A.verifier)).address;
  let seq = 0;

  before(async function () {
    const st = await network.create("stLedger");
    const cash = await network.create("cashLedger");
    L = await deployTwoLedgers(st, cash);
    miner = setInterval(() => {
      void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
    const stSigners = await st.ethers.getSigners();
    const cashSigners = await cash.ethers.getSigners();
    const party = async (i: number): Promise<CrossLedgerTradeLedgers> => ({
      st: await StLedgerClient.connect({ runner: stSigners[i], delivery: L.delivery }),
      cash: await CashLedgerClient.connect({ runner: cashSigners[i], payment: L.payment }),
      cashToken: L.dcjpy,
      verifier: verifierAddress,
    });
    seller = await party(A.seller);
    buyer = await party(A.buyer);
    dir = await mkdtemp(path.join(tmpdir(), "kessai-xl-trades-"));
    store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
    const key = devKey(A.verifier);
    verifier = await Verifier.open({
      store,
      st: {
        sender: new Wallet(key, L.st.ethers.provider as unknown as Provider),
        contract: L.delivery,
      },
      cash: {
        sender: new Wallet(key, L.cash.ethers.provider as unknown as Provider),
        contract: L.payment,
      },
      attester: new Wallet(key) as Signer,
      confirmations: 1,
      pollMs: 50,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
    });
  });

  after(async function () {
    if (miner) clearInterval(miner);
    await verifier?.stop();
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `n` trade lines between the two firms (quantity 1..n), read as a file; the seller holds `units`. */
  async function tradesOf(quantities: bigint[], units: bigint): Promise<Trade[]> {
    const [, issuer] = await L.st.ethers.getSigners();
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    await (await bond.connect(issuer).issue(seller.st.address, ZeroAddress, units)).wait();
    const lines = quantities.map((q) =>
      [
        "ODX",
        `XL-${++seq}`,
        day(0),
        day(1),
        L.bond,
        seller.st.address,
        buyer.cash.address,
        String(q),
        "1000",
        "",
        "",
      ].join(","),
    );
    const file = parseTradeFile([HEADER, ...lines].join("\n"));
    expect(file.errors).to.deep.equal([]);
    const total = file.trades.reduce((s, t) => s + t.amount, 0n);
    const cashBank = (await L.cash.ethers.getSigners())[A.bank];
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    await (
      await dcjpy.connect(cashBank).issue(buyer.cash.address, total, keccakId(`debit ${seq}`))
    ).wait();
    return file.trades;
  }

  async function books() {
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    return {
      sellerUnits: await bond.balanceOf(seller.st.address),
      buyerUnits: await bond.balanceOf(buyer.cash.address),
      locked: await bond.lockedOf(L.delivery, seller.st.address),
      buyerCash: await dcjpy.balanceOf(buyer.cash.address),
      sellerCash: await dcjpy.balanceOf(seller.st.address),
      escrow: await dcjpy.balanceOf(L.payment),
    };
  }

  it("a delivered trade whose payment is still owed: no redemption, not settled; after completeTransfer, redeemed once", async function () {
    verifier.start();
    const trades = await tradesOf([1n], 1n);
    const bank = (await L.cash.ethers.getSigners())[A.bank];
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    await (await dcjpy.connect(bank).setAccountFrozen(seller.st.address, true)).wait();
    await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades, redeem: false });
    await settleCrossLedgerTrades({ as: "buyer", ledgers: buyer, trades });
    const terms = crossLedgerTradeTerms(trades[0], {
      stChainId: seller.st.ctx.chainId,
      stLedger: L.delivery,
      cashChainId: seller.cash.ctx.chainId,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      verifier: verifierAddress,
    });
    const status = () => getCrossLedgerStatus(seller.st.ctx, seller.cash.ctx, { terms });
    let s = await status();
    for (let i = 0; i < 200 && s.st.state !== "Delivered"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await status();
    }
    expect(s.st.state).to.equal("Delivered");
    expect(s.cash.transferPending).to.equal(true);
    // the freeze is lifted and the seller holds other DCJPY; nobody has completed the transfer
    await (await dcjpy.connect(bank).setAccountFrozen(seller.st.address, false)).wait();
    await (
      await dcjpy.connect(bank).issue(seller.st.address, terms.amount, keccakId(`other ${seq}`))
    ).wait();
    const before = await books();
    const ref = tradeReference(terms.id, "redemption");
    const owed = await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades });
    expect(owed.results[0].status).to.equal("pending");
    expect(owed.results[0].next).to.match(/completeTransfer/);
    expect(owed.results[0].txs).to.deep.equal([]);
    expect((await dcjpy.redemptionOf(ref)).account).to.equal(ZeroAddress);
    expect(await books()).to.deep.equal(before);
    // anyone completes the transfer; the next run redeems what was paid, once
    await (await payment.completeTransfer(terms)).wait();
    const done = await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades });
    expect(done.results[0].status).to.equal("settled");
    expect(done.results[0].txs.map((t) => t.step)).to.deep.equal(["redeem"]);
    expect((await dcjpy.redemptionOf(ref)).account).to.equal(seller.st.address);
    expect((await books()).sellerCash).to.equal(before.sellerCash);
  });
});
