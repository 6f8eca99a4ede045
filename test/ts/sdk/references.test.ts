import { expect } from "chai";
import { ZeroHash, encodeBytes32String, id } from "ethers";
import {
  DepositTokenIssuanceReferenceUsed,
  InvalidReferenceError,
  MAX_REFERENCE_TEXT_BYTES,
  ReferenceTooLongError,
  referenceText,
  settleTrade,
  toBankReference,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

function refusal(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

describe("sdk bank references: one convention (toBankReference)", function () {
  describe("toBankReference", function () {
    it("encodes a text of up to 31 UTF-8 bytes as a bytes32 string, readable back", function () {
      for (const text of [
        "D",
        "DEBIT-0001",
        "debit:2026-11-25:000123",
        "決済-0001", // 3-byte characters
        "x".repeat(31),
        "0xDEBIT", // not hex: a text
      ]) {
        const r = toBankReference(text);
        expect(r, text).to.equal(encodeBytes32String(text));
        expect(r).to.match(/^0x[0-9a-f]{64}$/);
        expect(referenceText(r)).to.equal(text);
      }
      expect(toBankReference("DEBIT-0001")).to.equal(
        "0x44454249542d3030303100000000000000000000000000000000000000000000",
      );
    });

    it("passes 0x + 64 hex digits through, lower-cased; a hash does not read back as text", function () {
      const h = id("debit:2026-11-25:000123");
      expect(toBankReference(h)).to.equal(h);
      expect(toBankReference(h.toUpperCase().replace("0X", "0x"))).to.equal(h);
      expect(referenceText(h)).to.equal(undefined);
      expect(referenceText(ZeroHash)).to.equal(undefined);
    });

    it("refuses text over 31 bytes with ReferenceTooLongError (never truncates or hashes)", function () {
      for (const [text, bytes] of [
        ["x".repeat(32), 32],
        ["決".repeat(11), 33],
        ["DEBIT-ISSUER-TERMINATES-1795580775", 34],
      ] as const) {
        const e = refusal(() => toBankReference(text, "bankReference"));
        expect(e).to.be.instanceOf(ReferenceTooLongError).and.instanceOf(InvalidReferenceError);
        expect(e).to.include({ field: "bankReference", value: text, byteLength: bytes });
        expect((e as ReferenceTooLongError).shortMessage).to.equal(
          `bankReference is ${bytes} UTF-8 bytes long; a text reference has at most ${MAX_REFERENCE_TEXT_BYTES}: ${JSON.stringify(text)}`,
        );
      }
    });

    it("refuses an empty text, a 0x value that is not 32 bytes of hex, zero and non-strings", function () {
      for (const [value, reason] of [
        ["", "must not be empty"],
        ["0x", "starts with 0x but is not 32 bytes of hex"],
        ["0x1234", "starts with 0x but is not 32 bytes of hex"],
        [`0x${"ab".repeat(33)}`, "starts with 0x but is not 32 bytes of hex"],
        [ZeroHash, "must not be zero"],
        ["\u0000", "must not contain control characters"],
        [42, "must be 32-byte hex or a text"],
      ] as [unknown, string][]) {
        const e = refusal(() => toBankReference(value as string, "--ref"));
        expect(e, String(value)).to.be.instanceOf(InvalidReferenceError);
        expect(e).to.include({ field: "--ref", value });
        expect((e as InvalidReferenceError).shortMessage).to.include(`--ref ${reason}`);
      }
      expect(toBankReference(ZeroHash, "reason", { allowZero: true })).to.equal(ZeroHash);
    });

    it("refuses control characters and text not in Unicode NFC: one look, one reference", function () {
      for (const value of [
        "DEBIT-1\n",
        "\tDEBIT-1",
        "DEBIT\u007f1",
        "DEBIT\u00851",
        "\u0000DEBIT",
      ]) {
        const e = refusal(() => toBankReference(value, "bankReference"));
        expect(e, JSON.stringify(value)).to.be.instanceOf(InvalidReferenceError);
        expect(e).to.include({ field: "bankReference", value });
        expect((e as InvalidReferenceError).shortMessage).to.equal(
          `bankReference must not contain control characters: ${JSON.stringify(value)}`,
        );
      }
      // "Café" composed (U+00E9) and decomposed ("e" + U+0301) look the same
      const composed = "CAFE-Caf\u00e9";
      const decomposed = "CAFE-Cafe\u0301";
      expect(decomposed.normalize("NFC")).to.equal(composed);
      expect(toBankReference(composed)).to.equal(encodeBytes32String(composed));
      for (const value of [decomposed, "\u212b-1" /* ANGSTROM SIGN, NFC is U+00C5 */]) {
        const e = refusal(() => toBankReference(value, "--ref"));
        expect(e, JSON.stringify(value)).to.be.instanceOf(InvalidReferenceError);
        expect(e).to.include({ field: "--ref", value });
        expect((e as InvalidReferenceError).shortMessage).to.equal(
          `--ref must be in Unicode normalization form NFC (compose it with text.normalize("NFC")): ${JSON.stringify(value)}`,
        );
      }
      // hex is bytes, not text: taken as is
      const h = `0x${"0a".repeat(32)}`;
      expect(toBankReference(h)).to.equal(h);
    });
  });

  describe("in the SDK's actions", function () {
    let k: Kessai;
    before(async function () {
      k = await deployKessai();
      await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
    });

    it("the same text and its bytes32 are one reference: the second issuance is refused", async function () {
      const { bank } = k.clients;
      const buyer = k.signers.buyer.address;
      await bank.issueDeposit({ account: buyer, amount: 5n, bankReference: "DUP-1" });
      const before = await bank.getDepositBalance({ account: buyer });
      const e = await expectError(
        bank.issueDeposit({ account: buyer, amount: 5n, bankReference: toBankReference("DUP-1") }),
        DepositTokenIssuanceReferenceUsed,
        { bankReference: encodeBytes32String("DUP-1") },
      );
      expect(e.shortMessage).to.match(/^DepositTokenIssuanceReferenceUsed: bank reference /);
      expect(await bank.getDepositBalance({ account: buyer })).to.deep.equal(before);
      expect(await bank.getIssuance("DUP-1")).to.include({ account: buyer, amount: 5n });
      const [issued] = await bank.listIssuances({ account: buyer });
      expect(referenceText(issued.reference)).to.equal("DUP-1");
    });

    it("settleTrade takes text references and records them as bytes32 strings", async function () {
      const terms = await k.newTerms({ quantity: 1n, amount: 7n });
      const r = await settleTrade({
        seller: k.clients.seller,
        buyer: k.clients.buyer,
        bank: k.clients.bank,
        terms,
        bankReference: "DEBIT-TRADE-0001",
        redemptionRef: "CREDIT-TRADE-0001",
      });
      expect(r.state).to.equal("Settled");
      expect(await k.clients.bank.getIssuance(encodeBytes32String("DEBIT-TRADE-0001"))).to.include({
        account: k.signers.buyer.address,
        amount: 7n,
      });
      expect(await k.clients.bank.getRedemption("CREDIT-TRADE-0001")).to.include({
        account: k.signers.seller.address,
        amount: 7n,
      });
    });
  });
});
