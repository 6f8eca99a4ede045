import { expect } from "chai";
import { network } from "hardhat";
import { SCENARIOS, runDemo, type Position, type ScenarioReport } from "../../scripts/demo.js";
import {
  TWO_LEDGER_SCENARIOS,
  runTwoLedgerDemo,
  type TwoLedgerReport,
  type TwoLedgerScenario,
} from "../../scripts/demo-two-ledger.js";

const QUANTITY = 100n;
const AMOUNT = 998_000n;

function lines(report: ScenarioReport) {
  return report.timeline.map((e) => `${e.step} ${e.actor}: ${e.action}`);
}

function expectSame(a: Position, b: Position) {
  expect(a).to.deep.equal(b);
}

describe("demo (npm start)", function () {
  let reports: Map<string, ScenarioReport>;
  let output: string[];

  before(async function () {
    output = [];
    const connection = await network.create();
    const all = await runDemo(connection, { scenarios: SCENARIOS, log: (l) => output.push(l) });
    reports = new Map(all.map((r) => [r.scenario, r]));
  });

  it("runs every scenario and prints a timeline for each", function () {
    expect([...reports.keys()]).to.deep.equal([...SCENARIOS]);
    for (const s of SCENARIOS) expect(output.join("\n")).to.include(`== Scenario "${s}"`);
  });

  it("has the bank open both firms, on its ledger and on DCJPY, through its gateway before the first trade", function () {
    const opened = output.findIndex((l) => l.startsWith("The bank's gateway"));
    expect(output[opened]).to.equal(
      "The bank's gateway (deposit ledger on SQLite) opened dep_seller for the seller firm and " +
        "dep_buyer for the buyer firm with their DCJPY accounts, and funded them with 1,000,000 " +
        "and 2,000,000 yen",
    );
    expect(opened).to.be.lessThan(output.findIndex((l) => l.startsWith("== Scenario")));
    // their DCJPY accounts were opened by the gateway: the direct opening has nothing left to do
    expect(output.some((l) => l.startsWith("The bank opened DCJPY accounts"))).to.equal(false);
  });

  describe("settle (default)", function () {
    it("carries the seven steps in order, each with its actor", function () {
      const r = reports.get("settle")!;
      expect(r.timeline.map((e) => [e.step, e.actor])).to.deep.equal([
        ["1", "seller firm"],
        ["2", "buyer firm"],
        ["3", "bank"],
        ["4", "buyer firm"],
        ["5", "agent"],
        ["6", "buyer firm"],
        ["7", "seller firm"],
      ]);
    });

    it("reports a transaction hash and gas for every step that sends one", function () {
      const r = reports.get("settle")!;
      for (const e of r.timeline.filter((x) => x.step !== "4")) {
        expect(e.txHash, e.action).to.match(/^0x[0-9a-f]{64}$/);
        expect(e.gasUsed! > 21_000n, e.action).to.equal(true);
      }
      expect(r.timeline[3].action).to.match(/^skipped: /);
    });

    it("moves the ST and DCJPY exactly once and ends settled and reconciled", function () {
      const r = reports.get("settle")!;
      expect(r.finalState).to.equal("Settled");
      expect(r.after.seller.st).to.equal(r.before.seller.st - QUANTITY);
      expect(r.after.buyer.st).to.equal(r.before.buyer.st + QUANTITY);
      expect(r.after.seller.stLocked).to.equal(0n);
      // Step 6 delivered DCJPY to the seller; step 7 redeemed it.
      expect(r.timeline[5].seller.dcjpy).to.equal(r.before.seller.dcjpy + AMOUNT);
      expect(r.timeline[5].buyer.dcjpy).to.equal(r.before.buyer.dcjpy);
      expect(r.after.seller.dcjpy).to.equal(r.before.seller.dcjpy);
      expect(r.reconciliation.ok, r.reconciliation.mismatches.join("; ")).to.equal(true);
    });
  });

  for (const [scenario, state] of [
    ["never-pays", "Expired"],
    ["agent-rejects", "Rejected"],
    ["eligibility-removed", "Expired"],
    ["issuer-terminates", "Failed"],
  ] as const) {
    describe(scenario, function () {
      it(`ends ${state} with both firms' positions as before and the books exact`, function () {
        const r = reports.get(scenario)!;
        expect(r.finalState).to.equal(state);
        expectSame(r.after.seller, r.before.seller);
        expectSame(r.after.buyer, r.before.buyer);
        expect(r.reconciliation.ok, r.reconciliation.mismatches.join("; ")).to.equal(true);
        expect(r.reconciliation.totalSupply).to.equal(
          r.reconciliation.totalIssued - r.reconciliation.totalRedeemed,
        );
      });

      it("locked the seller's ST for the settlement until it was released", function () {
        const r = reports.get(scenario)!;
        expect(r.timeline[0].seller.stLocked).to.equal(QUANTITY);
        expect(r.timeline.at(-1)!.seller.stLocked).to.equal(0n);
      });
    });
  }

  describe("gateway: steps 3 and 7 through the bank gateway", function () {
    /** The scenario's output, from its header to the next one. */
    const section = () => {
      const from = output.indexOf(output.find((l) => l.startsWith('== Scenario "gateway"'))!);
      const to = output.findIndex((l, i) => i > from && l.startsWith("== Scenario"));
      return output.slice(from, to < 0 ? undefined : to);
    };
    const deposits = () =>
      section()
        .filter((l) => l.trimStart().startsWith("deposits (bank ledger)"))
        .map((l) => l.trim());

    it("runs steps 1, 2, 3, 5, 6, 7 with a transaction and its gas each", function () {
      const r = reports.get("gateway")!;
      expect(r.timeline.map((e) => [e.step, e.actor])).to.deep.equal([
        ["1", "seller firm"],
        ["2", "buyer firm"],
        ["3", "bank"],
        ["5", "agent"],
        ["6", "buyer firm"],
        ["7", "seller firm"],
      ]);
      for (const e of r.timeline) {
        expect(e.txHash, e.action).to.match(/^0x[0-9a-f]{64}$/);
        expect(e.gasUsed! > 21_000n, e.action).to.equal(true);
      }
      expect(lines(r)[2]).to.equal("3 bank: gateway: debit dep_buyer, issue 998,000 DCJPY");
      expect(lines(r)[5]).to.equal(
        "7 seller firm: gateway: redeem 998,000 DCJPY, credit dep_seller",
      );
    });

    it("prints the deposit balances beside the chain's: debited for the issuance, credited for the redemption", function () {
      const yen = (v: string) => BigInt(v.replaceAll(",", ""));
      const parsed = deposits().map((l) => {
        const m =
          /^deposits \(bank ledger\): seller ([\d,]+) \/ buyer ([\d,]+) yen; dedicated ([\d,]+) = DCJPY supply ([\d,]+)$/.exec(
            l,
          );
        expect(m, l).to.not.equal(null);
        return {
          seller: yen(m![1]!),
          buyer: yen(m![2]!),
          dedicated: yen(m![3]!),
          supply: yen(m![4]!),
        };
      });
      expect(parsed).to.have.length(3);
      const [before, issued, redeemed] = parsed as [
        (typeof parsed)[0],
        (typeof parsed)[0],
        (typeof parsed)[0],
      ];
      // the dedicated account backs every DCJPY in circulation, at every line
      for (const d of parsed) expect(d.dedicated).to.equal(d.supply);
      // step 3: the buyer's deposit paid for the DCJPY issued; step 7: the seller's was credited
      expect(issued).to.deep.equal({
        seller: before.seller,
        buyer: before.buyer - AMOUNT,
        dedicated: before.dedicated + AMOUNT,
        supply: before.supply + AMOUNT,
      });
      expect(redeemed).to.deep.equal({
        seller: issued.seller + AMOUNT,
        buyer: issued.buyer,
        dedicated: before.dedicated,
        supply: before.supply,
      });
      // the earlier scenarios' own redemptions (settle's step 7, four refunds) were credited too
      expect(before.seller).to.equal(1_000_000n + AMOUNT);
      expect(before.buyer).to.equal(2_000_000n + 4n * AMOUNT);
      // each deposit line follows its step's timeline line
      const s = section();
      const step3 = s.findIndex((l) => l.startsWith("3    bank"));
      expect(s[step3 + 1]!.trim()).to.equal(deposits()[1]);
      expect(s.find((l) => l.includes("bank ledger reconciliation"))).to.match(
        /bank ledger reconciliation at block \d+: \d+ Issued and \d+ Redeemed events each posted once, 0 open holds: OK$/,
      );
    });

    it("moves the ST and DCJPY exactly once and ends settled and reconciled", function () {
      const r = reports.get("gateway")!;
      expect(r.finalState).to.equal("Settled");
      expect(r.after.seller.st).to.equal(r.before.seller.st - QUANTITY);
      expect(r.after.buyer.st).to.equal(r.before.buyer.st + QUANTITY);
      expect(r.timeline[2].buyer.dcjpy).to.equal(r.before.buyer.dcjpy + AMOUNT);
      expect(r.timeline[4].seller.dcjpy).to.equal(r.before.seller.dcjpy + AMOUNT);
      expectSame({ ...r.after.seller, st: 0n }, { ...r.before.seller, st: 0n });
      expect(r.after.buyer.dcjpy).to.equal(r.before.buyer.dcjpy);
      expect(r.reconciliation.ok, r.reconciliation.mismatches.join("; ")).to.equal(true);
    });
  });

  it("eligibility-removed: the buyer's settle is refused with the token's typed error", function () {
    const r = reports.get("eligibility-removed")!;
    const refused = r.timeline.find((e) => e.refused !== undefined)!;
    expect(refused.refused).to.match(/^SecurityTokenIneligibleReceiver: /);
    expectSame(refused.seller, r.timeline[r.timeline.indexOf(refused) - 1].seller);
    expect(lines(r)).to.include("- seller firm: reclaim the locked ST");
  });

  it("issuer-terminates: the issuer's terminate releases the ST; nobody reclaims", function () {
    const r = reports.get("issuer-terminates")!;
    const lines_ = lines(r);
    expect(lines_).to.include("- issuer: terminate the settlement (court order); ST released");
    expect(lines_.some((l) => l.includes("reclaim"))).to.equal(false);
    const terminated = r.timeline.find((e) => e.actor === "issuer")!;
    expect(terminated.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(terminated.seller.stLocked).to.equal(0n);
    expect(terminated.seller.st).to.equal(r.before.seller.st);
  });

  it("never-pays: the seller reclaims after the deadline", function () {
    expect(lines(reports.get("never-pays")!)).to.include.members([
      "- (time): deadline passes; the buyer never paid",
      "- seller firm: reclaim the locked ST",
    ]);
  });
});

const SCENARIOS_HERE = [
  "two-ledger-settle",
  "two-ledger-refused",
  "two-ledger-never-pays",
] as const satisfies readonly TwoLedgerScenario[];

describe("demo (npm start): two ledgers", function () {
  this.timeout(120_000);
  let reports: Map<string, TwoLedgerReport>;
  let output: string[];

  before(async function () {
    output = [];
    // (the scenarios with the service stopped or killed: demo.two-ledger-restarts.test.ts)
    const all = await runTwoLedgerDemo(network, {
      scenarios: SCENARIOS_HERE,
      log: (l) => output.push(l),
    });
    reports = new Map(all.map((r) => [r.scenario, r]));
  });

  it("opens both embedded ledgers and the in-process verifier, then runs each scenario", function () {
    expect([...reports.keys()]).to.deep.equal([...SCENARIOS_HERE]);
    expect(TWO_LEDGER_SCENARIOS).to.include.members([...SCENARIOS_HERE]);
    const text = output.join("\n");
    expect(text).to.match(
      /Kessai demo, two ledgers: the ST ledger "stLedger" \(chain 31338, CrossLedgerDelivery 0x\w+…\w+\) and the cash ledger "cashLedger" \(chain 31339, CrossLedgerPayment 0x\w+…\w+\)/,
    );
    expect(text).to.match(
      /The verifier 0x\w+…\w+ runs in this process, its state in SQLite \(.+verifier\.db\)/,
    );
    for (const s of SCENARIOS_HERE) expect(text).to.include(`== Scenario "${s}"`);
  });

  it("two-ledger-settle: lock on the ST ledger, instruct on the cash ledger, the verifier pays and delivers", function () {
    const r = reports.get("two-ledger-settle")!;
    expect(r.timeline.map((e) => [e.step, e.actor, e.ledger])).to.deep.equal([
      ["3", "bank", "cash"],
      ["1", "seller firm", "ST"],
      ["4", "buyer firm", "cash"],
      ["5", "verifier", "cash"],
      ["6", "verifier", "ST"],
    ]);
    for (const e of r.timeline) {
      expect(e.txHash, e.action).to.match(/^0x[0-9a-f]{64}$/);
      expect(e.gasUsed! > 21_000n, e.action).to.equal(true);
    }
    expect(r).to.include({ finalStatus: "delivered", cashState: "Paid", escrow: 0n });
    expect(r.timeline[1].seller.stLocked).to.equal(QUANTITY);
    expect(r.after.seller.stLocked).to.equal(0n);
    expect(r.after.seller.st).to.equal(r.before.seller.st - QUANTITY);
    expect(r.after.buyer.st).to.equal(r.before.buyer.st + QUANTITY);
    expect(r.after.seller.dcjpy).to.equal(r.before.seller.dcjpy + AMOUNT);
    // issued at step 3, paid away at step 4
    expect(r.after.buyer.dcjpy).to.equal(r.before.buyer.dcjpy);
    expect(output).to.include(
      "   final: delivered on the ST ledger, Paid on the cash ledger; escrow 0 DCJPY; locked to CrossLedgerDelivery: seller 0 KDB30",
    );
  });

  it("two-ledger-refused: the buyer suspended after the lock; refunded on the cash ledger, units back to the seller", function () {
    const r = reports.get("two-ledger-refused")!;
    expect(r.timeline.map((e) => `${e.step} ${e.actor} (${e.ledger}): ${e.action}`)).to.deep.equal([
      "3 bank (cash): debit deposit account, issue 998,000 DCJPY to the buyer",
      "1 seller firm (ST): lock 100 KDB30 to CrossLedgerDelivery with the terms",
      "- issuer (ST): suspend the buyer in the ST register",
      "4 buyer firm (cash): approve and instruct: 998,000 DCJPY into escrow",
      "5 verifier (cash): checks both ledgers, orders Refunded: escrow back to the buyer",
      "6 verifier (ST): signs and presents the attestation: 100 KDB30 released to the seller",
    ]);
    expect(r).to.include({ finalStatus: "returned", cashState: "Refunded", escrow: 0n });
    const buyer = r.timeline[0].buyer;
    expect(r.reason).to.match(
      /^not transferable: SecurityTokenIneligibleReceiver\(account=0x[0-9a-fA-F]{40}\)$/,
    );
    expect(output.join("\n")).to.include(`↳ reason: ${r.reason}`);
    // nothing moved in the end: the seller keeps its units, the buyer its DCJPY
    expect(r.after.seller).to.deep.equal(r.before.seller);
    expect(r.after.buyer).to.deep.equal(buyer);
    expect(r.timeline[3].buyer.dcjpy).to.equal(buyer.dcjpy - AMOUNT);
  });

  it("two-ledger-never-pays: past the deadline with no instruction, the verifier returns the units; the cash ledger untouched", function () {
    const r = reports.get("two-ledger-never-pays")!;
    expect(r.timeline.map((e) => `${e.step} ${e.actor} (${e.ledger}): ${e.action}`)).to.deep.equal([
      "3 bank (cash): debit deposit account, issue 998,000 DCJPY to the buyer",
      "1 seller firm (ST): lock 100 KDB30 to CrossLedgerDelivery with the terms",
      "- (time) (cash): the deadline passes on the cash ledger; the buyer never instructed",
      "6 verifier (ST): signs and presents the attestation: 100 KDB30 released to the seller",
    ]);
    expect(r).to.include({ finalStatus: "returned", cashState: "None", escrow: 0n });
    expect(r.reason).to.equal("not instructed by the deadline");
    expect(output.join("\n")).to.include(
      "\n                        ↳ reason: not instructed by the deadline",
    );
    expect(r.timeline[1].seller.stLocked).to.equal(QUANTITY);
    expect(r.after.seller).to.deep.equal(r.before.seller);
    // the buyer keeps the DCJPY the bank issued: nothing was taken from it
    expect(r.after.buyer.dcjpy).to.equal(r.before.buyer.dcjpy + AMOUNT);
  });
});
