/**
 * The trade file (CSV and JSON Lines): every kind of bad line refused with its line number and
 * typed code while the good lines are still read; the settlement ID both firms derive.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ZeroAddress, getAddress } from "ethers";
import {
  TradeLineError,
  deriveSettlementId,
  parseTradeFile,
  settlementDeadline,
  termsDigest,
  tradeSettlementId,
  tradeTerms,
  type Trade,
} from "../../../packages/sdk/src/index.js";

const ST = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const OTHER_ST = "0x1111111111111111111111111111111111111111";
const CASH = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const SELLER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const BUYER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const AGENT = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
const row = (o: Partial<Record<string, string>>) =>
  [
    o.venue ?? "ODX",
    o.tradeId ?? "T-1",
    o.tradeDate ?? "2026-11-30",
    o.settlementDate ?? "2026-12-02",
    o.securityToken ?? ST,
    o.seller ?? SELLER,
    o.buyer ?? BUYER,
    o.quantity ?? "100",
    o.price ?? "",
    o.amount ?? "500000",
    o.agent ?? "",
  ].join(",");

/** Line numbers and codes of the refused lines. */
const refused = (errors: TradeLineError[]) => errors.map((e) => [e.line, e.code, e.field]);

describe("parseTradeFile", function () {
  describe("when every kind of bad line is in one CSV file", function () {
    const text = [
      "# executed trades, ODX, 2026-11-30", // 1
      HEADER, // 2
      row({ tradeId: "G-1" }), // 3 good
      row({ tradeId: "B-1", seller: "" }), // 4 missing field
      row({ tradeId: "B-2", buyer: "0x1234" }), // 5 bad address
      row({ tradeId: "B-3", quantity: "-5" }), // 6 negative quantity
      row({ tradeId: "B-4", quantity: "0" }), // 7 zero quantity
      row({ tradeId: "G-1" }), // 8 duplicate trade ID
      row({ tradeId: "B-5", securityToken: OTHER_ST }), // 9 unknown token
      row({ tradeId: "B-6", tradeDate: "2026-02-30" }), // 10 bad date
      row({ tradeId: "B-7", price: "5000", amount: "500001" }), // 11 amount != quantity x price
      "", // 12 blank
      row({ tradeId: "G-2", price: "5000", amount: "" }), // 13 good (amount from price)
      row({ tradeId: "B-8", settlementDate: "2026-11-29" }), // 14 settles before the trade date
      row({ tradeId: "B-9", buyer: SELLER }), // 15 same party
      "ODX,B-10,2026-11-30", // 16 too few fields
      row({ tradeId: "B-11", amount: "1.5" }), // 17 decimal amount
      row({ tradeId: "G-3", venue: "PTS", agent: AGENT }), // 18 good
      row({ tradeId: "B-12", seller: SELLER.toLowerCase().replace("0x90f", "0x90F") }), // 19 bad checksum
    ].join("\n");
    const r = parseTradeFile(text, { securityTokens: [ST] });

    it("refuses each bad line with its line number and typed code", function () {
      expect(r.format).to.equal("csv");
      expect(refused(r.errors)).to.deep.equal([
        [4, "missingField", "seller"],
        [5, "badAddress", "buyer"],
        [6, "badQuantity", "quantity"],
        [7, "badQuantity", "quantity"],
        [8, "duplicateTradeId", "tradeId"],
        [9, "unknownToken", "securityToken"],
        [10, "badDate", "tradeDate"],
        [11, "amountMismatch", "amount"],
        [14, "badDate", "settlementDate"],
        [15, "sameParty", "buyer"],
        [16, "malformedLine", "line"],
        [17, "badAmount", "amount"],
        [19, "badAddress", "seller"],
      ]);
      for (const e of r.errors) {
        expect(e).to.be.instanceOf(TradeLineError);
        expect(e.shortMessage.startsWith(`line ${e.line}: `)).to.equal(true);
      }
      expect(r.errors[2].value).to.equal("-5");
      expect(r.errors[2].shortMessage).to.equal('line 6: quantity must not be negative: "-5"');
      expect(r.errors[4].shortMessage).to.contain("repeats the trade of line 3");
      expect(r.errors[7].shortMessage).to.contain("100 × 5000 = 500000");
    });

    it("still yields the good lines, typed", function () {
      expect(r.trades.map((t) => [t.line, t.tradeId])).to.deep.equal([
        [3, "G-1"],
        [13, "G-2"],
        [18, "G-3"],
      ]);
      const [g1, g2, g3] = r.trades;
      expect(g1.quantity).to.equal(100n);
      expect(g1.amount).to.equal(500000n);
      expect(g1.price).to.equal(undefined);
      expect(g1.agent).to.equal(ZeroAddress);
      expect(g2.amount).to.equal(500000n);
      expect(g2.price).to.equal(5000n);
      expect(g3.agent).to.equal(AGENT);
      expect(g1.deadline).to.equal(BigInt(Date.parse("2026-12-02T15:00:00Z") / 1000));
      expect(r.lines).to.equal(16); // data lines: not the comment, the header or the blank line
    });
  });

  describe("when the file is JSON Lines", function () {
    const rec = (o: Record<string, unknown>) =>
      JSON.stringify({
        venue: "ODX",
        tradeId: "J-1",
        tradeDate: "20261130",
        settlementDate: "2026-12-02",
        securityToken: ST,
        seller: SELLER,
        buyer: BUYER,
        quantity: "100",
        amount: "500000",
        ...o,
      });
    it("refuses JSON numbers for money, unknown fields and non-objects, and reads the rest", function () {
      const text = [
        rec({}),
        rec({ tradeId: "J-2", quantity: 100 }),
        rec({ tradeId: "J-3", amount: 5e5 }),
        rec({ tradeId: "J-4", colour: "blue" }),
        "[1,2]",
        "{not json",
        rec({ tradeId: "J-5", amount: undefined, price: "5000" }),
      ].join("\n");
      const r = parseTradeFile(text);
      expect(r.format).to.equal("jsonl");
      expect(refused(r.errors)).to.deep.equal([
        [2, "badQuantity", "quantity"],
        [3, "badAmount", "amount"],
        [4, "malformedLine", "colour"],
        [5, "malformedLine", "line"],
        [6, "malformedLine", "line"],
      ]);
      expect(r.errors[0].shortMessage).to.contain("not a JSON number");
      expect(r.trades.map((t) => t.tradeId)).to.deep.equal(["J-1", "J-5"]);
      expect(r.trades[0].tradeDate).to.equal("2026-11-30");
    });

    it("reads the same trade from CSV and JSON Lines to the same ID", function () {
      const csv = parseTradeFile([HEADER, row({ tradeId: "J-1" })].join("\n")).trades[0];
      const jsonl = parseTradeFile(rec({})).trades[0];
      expect(jsonl.id).to.equal(csv.id);
      expect(jsonl.deadline).to.equal(csv.deadline);
    });
  });

  describe("when the CSV header is wrong", function () {
    it("refuses the file at the header line and reads no trade", function () {
      const r = parseTradeFile(["venue,tradeId,colour", row({})].join("\n"));
      expect(refused(r.errors)).to.deep.equal([[1, "badHeader", "header"]]);
      expect(r.errors[0].shortMessage).to.contain("lacks tradeDate");
      expect(r.errors[0].shortMessage).to.contain("unknown column(s) colour");
      expect(r.trades).to.deep.equal([]);
    });
  });
});

describe("the settlement ID of a trade line", function () {
  const line = [HEADER, row({ tradeId: "X-9", agent: AGENT })].join("\n");
  // the seller and the buyer each read the line in their own process (own parse, own order of columns)
  const sellerView = parseTradeFile(line).trades[0];
  const reordered = [
    "buyer,seller,amount,quantity,securityToken,settlementDate,tradeDate,tradeId,venue,agent",
    [
      BUYER.toLowerCase(),
      SELLER.toLowerCase(),
      "500000",
      "100",
      ST.toLowerCase(),
      "20261202",
      "20261130",
      "X-9",
      "ODX",
      AGENT,
    ].join(","),
  ].join("\n");
  const buyerView = parseTradeFile(reordered).trades[0];

  it("is the same for both firms, and the same terms", function () {
    expect(buyerView.id).to.equal(sellerView.id);
    expect(termsDigest(tradeTerms(buyerView, CASH))).to.equal(
      termsDigest(tradeTerms(sellerView, CASH)),
    );
    expect(sellerView.id).to.equal(
      deriveSettlementId({
        venue: "ODX",
        tradeId: "X-9",
        tradeDate: "2026-11-30",
        seller: SELLER,
        buyer: BUYER,
        securityToken: ST,
        quantity: 100n,
        amount: 500000n,
      }).toLowerCase(),
    );
  });

  const changes: [string, Partial<Trade>][] = [
    ["venue", { venue: "ODX2" }],
    ["tradeId", { tradeId: "X-10" }],
    ["tradeDate", { tradeDate: "2026-11-29" }],
    ["seller", { seller: getAddress(AGENT) }],
    ["buyer", { buyer: getAddress(AGENT) }],
    ["securityToken", { securityToken: OTHER_ST }],
    ["quantity", { quantity: 101n }],
    ["amount", { amount: 500001n }],
  ];
  for (const [field, change] of changes) {
    it(`changes when ${field} changes`, function () {
      expect(tradeSettlementId({ ...sellerView, ...change })).to.not.equal(sellerView.id);
    });
  }

  for (const [field, change] of [
    [
      "settlementDate",
      { settlementDate: "2026-12-03", deadline: settlementDeadline("2026-12-03") },
    ],
    ["agent", { agent: ZeroAddress }],
  ] as [string, Partial<Trade>][]) {
    it(`keeps the ID but changes the terms the DVP commits to when ${field} changes`, function () {
      const other = { ...sellerView, ...change };
      expect(tradeSettlementId(other)).to.equal(sellerView.id);
      expect(termsDigest(tradeTerms(other, CASH))).to.not.equal(
        termsDigest(tradeTerms(sellerView, CASH)),
      );
    });
  }
});

describe("the sample day (examples/trades)", function () {
  const file = readFileSync("examples/trades/sample-day.csv", "utf8");

  it("is what its generator writes, and every line is valid", function () {
    const again = execFileSync(process.execPath, [
      "examples/trades/generate.mjs",
      "--lines",
      "2000",
    ]).toString();
    expect(again).to.equal(file);
    const r = parseTradeFile(file, {
      securityTokens: ["0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"],
    });
    expect(r.errors).to.deep.equal([]);
    expect(r.trades).to.have.length(2000);
    expect(new Set(r.trades.map((t) => t.id)).size).to.equal(2000);
  });

  it("with --bad, each kind of bad line is refused by its code", function () {
    const bad = execFileSync(process.execPath, [
      "examples/trades/generate.mjs",
      "--lines",
      "5",
      "--bad",
      "1",
    ]).toString();
    const r = parseTradeFile(bad, {
      securityTokens: ["0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"],
    });
    expect(r.errors.map((e) => e.code)).to.deep.equal([
      "missingField",
      "badAddress",
      "badQuantity",
      "duplicateTradeId",
      "unknownToken",
      "badDate",
      "amountMismatch",
    ]);
    expect(r.trades).to.have.length(5);
  });
});
