import { expect } from "chai";
import { network } from "hardhat";
import { runTwoLedgerDemo, type TwoLedgerReport } from "../../scripts/demo-two-ledger.js";

const QUANTITY = 100n;
const AMOUNT = 998_000n;

/**
 * The two-ledger scenarios of `npm start` where the service goes away mid-settlement: the verifier
 * stopped before the instruction and started again on its SQLite file, and the relayer killed
 * between the payment and the delivery. Each ends settled once: the units and the DCJPY moved
 * together, nothing left in escrow, one transaction per ledger at most by the service.
 */
describe("demo (npm start): two ledgers, the service stopped and killed", function () {
  this.timeout(120_000);
  let reports: Map<string, TwoLedgerReport>;
  let output: string[];

  before(async function () {
    output = [];
    const all = await runTwoLedgerDemo(network, {
      scenarios: ["two-ledger-verifier-down", "two-ledger-relayer-killed"],
      log: (l) => output.push(l),
    });
    reports = new Map(all.map((r) => [r.scenario, r]));
  });

  function expectSettled(r: TwoLedgerReport) {
    expect(r).to.include({ finalStatus: "delivered", cashState: "Paid", escrow: 0n });
    expect(r.after.seller.stLocked).to.equal(0n);
    expect(r.after.seller.st).to.equal(r.before.seller.st - QUANTITY);
    expect(r.after.buyer.st).to.equal(r.before.buyer.st + QUANTITY);
    expect(r.after.seller.dcjpy).to.equal(r.before.seller.dcjpy + AMOUNT);
    // issued at step 3, paid away at step 4
    expect(r.after.buyer.dcjpy).to.equal(r.before.buyer.dcjpy);
  }

  it("two-ledger-verifier-down: nothing decided while the verifier is down; started again on its file, it settles once", function () {
    const r = reports.get("two-ledger-verifier-down")!;
    expect(r.timeline.map((e) => `${e.step} ${e.actor} (${e.ledger}): ${e.action}`)).to.deep.equal([
      "3 bank (cash): debit deposit account, issue 998,000 DCJPY to the buyer",
      "- verifier (): stopped before the instruction (state kept in verifier.db)",
      "1 seller firm (ST): lock 100 KDB30 to CrossLedgerDelivery with the terms",
      "4 buyer firm (cash): approve and instruct: 998,000 DCJPY into escrow",
      "- (wait) (both): 3 blocks later: locked, instructed, nothing decided",
      "- verifier (): starts again on verifier.db, catches up from its cursors",
      "5 verifier (cash): checks both ledgers, orders Paid: escrow paid to the seller",
      "6 verifier (ST): signs and presents the attestation: 100 KDB30 delivered to the buyer",
    ]);
    // while it was down: the units locked, the buyer's DCJPY in escrow, the seller unpaid
    const waiting = r.timeline[4];
    expect(waiting.seller.stLocked).to.equal(QUANTITY);
    expect(waiting.buyer.dcjpy).to.equal(r.before.buyer.dcjpy);
    expect(waiting.seller.dcjpy).to.equal(r.before.seller.dcjpy);
    for (const e of r.timeline.filter((x) => x.step !== "-")) {
      expect(e.txHash, e.action).to.match(/^0x[0-9a-f]{64}$/);
      expect(e.gasUsed! > 21_000n, e.action).to.equal(true);
    }
    expectSettled(r);
    // one pay on the cash ledger, one deliver on the ST ledger: nothing done twice
    expect(r.serviceTxs).to.deep.equal({ st: 1, cash: 1 });
    expect(output).to.include(
      "   final: delivered on the ST ledger, Paid on the cash ledger; escrow 0 DCJPY; locked to CrossLedgerDelivery: seller 0 KDB30",
    );
  });

  it("two-ledger-relayer-killed: the relayer dies after signing; the buyer delivers with the served attestation; the relayer, back, sends nothing", function () {
    const r = reports.get("two-ledger-relayer-killed")!;
    expect(r.timeline.map((e) => `${e.step} ${e.actor} (${e.ledger}): ${e.action}`)).to.deep.equal([
      "3 bank (cash): debit deposit account, issue 998,000 DCJPY to the buyer",
      "1 seller firm (ST): lock 100 KDB30 to CrossLedgerDelivery with the terms",
      "4 buyer firm (cash): approve and instruct: 998,000 DCJPY into escrow",
      "5 verifier (cash): checks both ledgers, orders Paid: escrow paid to the seller",
      "- relayer (ST): dies after signing the attestation, before presenting it",
      "6 buyer firm (ST): fetches the attestation, presents it: 100 KDB30 delivered",
      "- relayer (ST): started again: finds the units delivered, sends nothing",
    ]);
    // paid, and the units still locked, when the relayer died
    const died = r.timeline[4];
    expect(died.seller.dcjpy).to.equal(r.before.seller.dcjpy + AMOUNT);
    expect(died.seller.stLocked).to.equal(QUANTITY);
    const delivered = r.timeline[5];
    expect(delivered.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(delivered.gasUsed! > 21_000n).to.equal(true);
    expect(delivered.buyer.st).to.equal(r.before.buyer.st + QUANTITY);
    expectSettled(r);
    // the service paid on the cash ledger and sent nothing on the ST ledger: the delivery is the
    // buyer's own transaction
    expect(r.serviceTxs).to.deep.equal({ st: 0, cash: 1 });
    expect(output.join("\n")).to.match(
      /the verifier serves http:\/\/127\.0\.0\.1:\d+\/settlements\/<id>\/attestation; the relayer runs beside it/,
    );
  });
});
