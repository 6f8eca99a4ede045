/**
 * settleCrossLedgerTrades, the seller's step 7 on two ledgers: a trade delivered on the ST ledger
 * whose payment the cash ledger still owes (the seller's DCJPY account refused it, the transfer
 * pending) is neither redeemed nor reported settled; once anyone completes the transfer, the next
 * run redeems it once. In-process ledgers, the verifier service deciding and relaying.
 */
import { expect } from "chai";
import { ZeroAddress, id as keccakId } from "ethers";
import {
  getCrossLedgerStatus,
  settleCrossLedgerTrades,
  tradeReference,
} from "../../../packages/sdk/src/index.js";
import { TWO_LEDGER_ACCOUNTS as A } from "../../../scripts/two-ledger-deploy.js";
import { startXledgerTrades, type XledgerTrades } from "./trades-xledger-fixture.js";

describe("sdk: settleCrossLedgerTrades, the seller's redemption waits for the payment owed", function () {
  this.timeout(180_000);
  let fx: XledgerTrades;

  before(async function () {
    fx = await startXledgerTrades();
  });

  after(async function () {
    await fx?.stop();
  });

  it("a delivered trade whose payment is still owed: no redemption, not settled; after completeTransfer, redeemed once", async function () {
    const { L, seller, buyer, verifier, tradesOf, books } = fx;
    verifier.start();
    const trades = await tradesOf([1n], 1n);
    const bank = (await L.cash.ethers.getSigners())[A.bank];
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    await (await dcjpy.connect(bank).setAccountFrozen(seller.st.address, true)).wait();
    await settleCrossLedgerTrades({ as: "seller", ledgers: seller, trades, redeem: false });
    await settleCrossLedgerTrades({ as: "buyer", ledgers: buyer, trades });
    const terms = fx.termsOf(trades[0]);
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
      await dcjpy.connect(bank).issue(seller.st.address, terms.amount, keccakId("other DCJPY"))
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
