/**
 * settleCrossLedgerTrades: a trade file settled on two ledgers (ST ledger 31338, cash ledger
 * 31339, both in-process, blocks every 40 ms), the seller's and the buyer's runs at once, the
 * verifier service deciding and relaying; bad inputs refused before anything is sent; a second run
 * sends nothing.
 */
import { expect } from "chai";
import {
  InvalidAddressError,
  InvalidParameterError,
  crossLedgerTradeTerms,
  deriveCrossLedgerId,
  settleCrossLedgerTrades,
  tradeReference,
  type CashLedgerClient,
  type CrossLedgerTradeLedgers,
  type CrossLedgerTradeResult,
} from "../../../packages/sdk/src/index.js";
import type { Verifier } from "../../../packages/verifier/src/index.js";
import type { TwoLedgers } from "../../../scripts/two-ledger-deploy.js";
import { expectError } from "./helpers.js";
import { startXledgerTrades, type XledgerTrades } from "./trades-xledger-fixture.js";

describe("sdk: settleCrossLedgerTrades (trades on two ledgers)", function () {
  this.timeout(180_000);
  let fx: XledgerTrades;
  let L: TwoLedgers;
  let seller: CrossLedgerTradeLedgers;
  let buyer: CrossLedgerTradeLedgers;
  let verifier: Verifier;
  let verifierAddress: string;
  let tradesOf: XledgerTrades["tradesOf"];
  let books: XledgerTrades["books"];

  before(async function () {
    fx = await startXledgerTrades();
    ({ L, seller, buyer, verifier, verifierAddress, tradesOf, books } = fx);
  });

  after(async function () {
    await fx?.stop();
  });

  const nonces = async () => ({
    st: await L.st.ethers.provider.getTransactionCount(seller.st.address),
    cash: await L.cash.ethers.provider.getTransactionCount(buyer.cash.address),
  });

  it("refuses bad inputs before sending anything, naming the trade's line", async function () {
    const trades = await tradesOf([1n, 2n], 3n);
    const before = await nonces();
    // the buyer's run with the seller's clients: the signer is not the trades' buyer
    await expectError(
      settleCrossLedgerTrades({ as: "buyer", ledgers: seller, trades }),
      InvalidParameterError,
      { field: "trades[0].buyer" },
    );
    const err = await settleCrossLedgerTrades({ as: "buyer", ledgers: seller, trades }).catch(
      (e: Error) => e,
    );
    expect((err as Error).message).to.include(`(line ${trades[0].line})`);
    // the same trade twice
    const twice = await settleCrossLedgerTrades({
      as: "seller",
      ledgers: seller,
      trades: [trades[0], trades[1], { ...trades[0], line: 9 }],
    }).catch((e: Error) => e);
    expect(twice).to.be.instanceOf(InvalidParameterError);
    expect((twice as InvalidParameterError).field).to.equal("trades[2]");
    expect((twice as Error).message).to.include("(line 9)");
    expect((twice as Error).message).to.include(`of line ${trades[0].line}`);
    // the verifier as a party: no two-ledger terms for that line
    const bad = await settleCrossLedgerTrades({
      as: "seller",
      ledgers: { ...seller, verifier: buyer.cash.address },
      trades,
    }).catch((e: Error) => e);
    expect(bad).to.be.instanceOf(InvalidParameterError);
    expect((bad as InvalidParameterError).field).to.equal("trades[0]");
    expect((bad as Error).message).to.match(/line 2\).*terms\.verifier/);
    // both clients on one chain
    await expectError(
      settleCrossLedgerTrades({
        as: "seller",
        ledgers: { ...seller, cash: seller.st as unknown as CashLedgerClient },
        trades,
      }),
      InvalidParameterError,
      { field: "ledgers.cash" },
    );
    // a bad cash token address
    await expectError(
      settleCrossLedgerTrades({
        as: "seller",
        ledgers: { ...seller, cashToken: "0x1234" },
        trades,
      }),
      InvalidAddressError,
      { field: "ledgers.cashToken" },
    );
    expect(await nonces()).to.deep.equal(before);
  });

  it("both sides at once with the verifier: each trade settles on both ledgers, one the token refuses fails alone; a second run sends nothing", async function () {
    verifier.start();
    // quantities 1..4 and one of 100 the seller does not hold (it holds 10 + what the last test left)
    const trades = await tradesOf([1n, 2n, 3n, 4n, 100n], 10n);
    const before = await books();
    const bondBefore = before.sellerUnits;
    expect(bondBefore < 100n).to.equal(true);
    const progress: Record<string, CrossLedgerTradeResult[]> = { seller: [], buyer: [] };
    const run = (as: "seller" | "buyer") =>
      settleCrossLedgerTrades({
        as,
        ledgers: as === "seller" ? seller : buyer,
        trades,
        concurrency: 3,
        waitMs: 60_000,
        pollMs: 100,
        onProgress: (p) => void progress[as].push(p.result),
      });
    const [s, b] = await Promise.all([run("seller"), run("buyer")]);
    const good = trades.slice(0, 4);
    for (const r of [s, b]) {
      expect(r.counts).to.deep.equal({
        settled: 4,
        returned: 0,
        refunded: 0,
        terminated: 0,
        pending: r.as === "buyer" ? 1 : 0,
        refused: 0,
        failed: r.as === "seller" ? 1 : 0,
      });
      for (const [i, t] of good.entries()) {
        const x = r.results[i];
        expect(x).to.include({
          line: t.line,
          tradeId: t.tradeId,
          status: "settled",
          stState: "Delivered",
          cashState: "Paid",
          ledgerStatus: "delivered",
        });
        expect(x.id).to.equal(
          deriveCrossLedgerId({ ...t, stChainId: 31338n, cashChainId: 31339n }).toLowerCase(),
        );
      }
    }
    // the seller sent one lock per good trade on the ST ledger; the buyer one instruction per
    // trade on the cash ledger, after one approval per pass for the total of the trades the
    // seller had locked by then (shared by exactly those trades)
    // (and, once each trade settled, redeemed the DCJPY it was paid on the cash ledger)
    for (const x of s.results.slice(0, 4))
      expect(x.txs.map((t) => [t.step, t.ledger])).to.deep.equal([
        ["lock", "st"],
        ["redeem", "cash"],
      ]);
    const approvals = new Map<string, number[]>();
    for (const x of b.results.slice(0, 4)) {
      expect(x.txs.map((t) => [t.step, t.ledger])).to.deep.equal([
        ["approve", "cash"],
        ["instruct", "cash"],
      ]);
      approvals.set(x.txs[0].hash, [...(approvals.get(x.txs[0].hash) ?? []), x.txs[0].sharedBy]);
    }
    for (const shares of approvals.values())
      expect(shares).to.deep.equal(shares.map(() => shares.length));
    // the lock the token refused: the seller lacks the units; nothing was locked for it
    const short = s.results[4];
    expect(short).to.include({ status: "failed", stState: "None", cashState: "None" });
    expect(short.error?.name).to.equal("SecurityTokenInsufficientUnlockedBalance");
    expect(short.next).to.match(/lacks unlocked units/);
    expect(b.results[4]).to.include({ status: "pending", stState: "None" });
    expect(b.results[4].next).to.equal("wait for the seller to lock");
    expect(progress.seller).to.have.length(5);
    expect(progress.buyer).to.have.length(5);

    const after = await books();
    const qty = 1n + 2n + 3n + 4n;
    const amount = qty * 1000n;
    expect(after.buyerUnits - before.buyerUnits).to.equal(qty);
    expect(before.sellerUnits - after.sellerUnits).to.equal(qty);
    expect(after.locked).to.equal(before.locked);
    // the seller's DCJPY redeemed (to its deposit account at the bank), once per trade
    expect(after.sellerCash).to.equal(before.sellerCash);
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    for (const x of s.results.slice(0, 4)) {
      const rec = await dcjpy.redemptionOf(tradeReference(x.id, "redemption"));
      expect([rec.account, rec.amount]).to.deep.equal([
        seller.st.address,
        good[s.results.indexOf(x)].amount,
      ]);
    }
    expect(before.buyerCash - after.buyerCash).to.equal(amount);
    expect(after.escrow).to.equal(before.escrow);

    // run again, both sides, the good trades only: nothing sent, every trade reported settled
    const n = await nonces();
    const again = await Promise.all(
      (["seller", "buyer"] as const).map((as) =>
        settleCrossLedgerTrades({ as, ledgers: as === "seller" ? seller : buyer, trades: good }),
      ),
    );
    for (const r of again) {
      expect(r.counts.settled).to.equal(4);
      for (const x of r.results) expect(x.txs).to.deep.equal([]);
    }
    expect(await nonces()).to.deep.equal(n);
    expect(await books()).to.deep.equal(after);
  });

  it("one file, terms both firms derive alone: the seller's lock carries exactly the buyer's terms", async function () {
    const [t] = await tradesOf([5n], 5n);
    const pair = {
      stChainId: 31338n,
      stLedger: L.delivery,
      cashChainId: 31339n,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      verifier: verifierAddress,
    };
    const terms = crossLedgerTradeTerms(t, pair);
    expect(terms).to.deep.include({
      seller: seller.st.address,
      buyer: buyer.cash.address,
      quantity: 5n,
      amount: 5_000n,
      deadline: t.deadline,
      verifier: verifierAddress,
    });
    // another pair of chains gives another ID: a trade never settles twice across deployments
    expect(crossLedgerTradeTerms(t, { ...pair, cashChainId: 1n }).id).to.not.equal(terms.id);
    // the seller runs alone: locked, waiting for the buyer's instruction on the cash ledger
    const s = await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades: [t] });
    expect(s.results[0]).to.include({
      status: "pending",
      stState: "Locked",
      cashState: "None",
      next: "wait for the buyer's instruction on the cash ledger",
    });
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    expect(await delivery.stateOf(terms.id)).to.equal(1n);
    // the buyer carries it to the end
    const b = await settleCrossLedgerTrades({
      as: "buyer",
      ledgers: buyer,
      trades: [t],
      waitMs: 60_000,
      pollMs: 100,
    });
    expect(b.results[0]).to.include({ status: "settled", stState: "Delivered", cashState: "Paid" });
  });

  // Last in the file: it moves the cash ledger's clock to 30 s before the trade's deadline.
  it("the seller does not lock a trade whose cash leg the verifier refunded for want of a lock", async function () {
    verifier.start(); // (already running after the earlier cases; a no-op then)
    const [t] = await tradesOf([2n], 2n);
    const terms = crossLedgerTradeTerms(t, {
      stChainId: 31338n,
      stLedger: L.delivery,
      cashChainId: 31339n,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      verifier: verifierAddress,
    });
    await buyer.cash.instruct({ terms });
    // Inside the verifier's 60 s margin but before the deadline: it refunds the instruction, no
    // lock having come, while the ST ledger would still take one.
    const now = BigInt((await L.cash.ethers.provider.getBlock("latest"))!.timestamp);
    await L.cash.provider.request({
      method: "evm_increaseTime",
      params: [Number(terms.deadline - now - 30n)],
    });
    await L.cash.provider.request({ method: "evm_mine" });
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    for (let i = 0; (await payment.stateOf(terms.id)) !== 3n; i++) {
      if (i > 400) expect.fail("the verifier did not refund the instruction");
      await new Promise((r) => setTimeout(r, 50));
    }
    const block = await L.cash.ethers.provider.getBlock("latest");
    expect(BigInt(block!.timestamp) < terms.deadline, "before the deadline").to.equal(true);
    const before = { books: await books(), nonces: await nonces() };
    const s = await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades: [t] });
    expect(s.results[0]).to.include({
      status: "refused",
      stState: "None",
      cashState: "Refunded",
      next: "agree a new trade with the buyer (a new trade line)",
    });
    expect(s.results[0].error).to.deep.include({ name: "CrossLedgerStateError" });
    expect({ books: await books(), nonces: await nonces() }).to.deep.equal(before);
  });
});
