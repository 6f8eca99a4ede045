import { expect } from "chai";
import { getAddress } from "ethers";
import {
  InvalidAmountError,
  InvalidParameterError,
  affirmationTypedData,
  approvalTypedData,
  buildTerms,
  decodeTerms,
  deriveSettlementId,
  encodeTerms,
  hashTerms,
  readDomain,
  termsArg,
  termsDigest,
  typedDataDigest,
  verifyAffirmation,
  verifyApproval,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";

describe("sdk settlement helpers", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  describe("deriveSettlementId", function () {
    const trade = {
      venue: "OTC",
      tradeId: "T-1",
      tradeDate: "2026-11-25",
      seller: "0x1111111111111111111111111111111111111111",
      buyer: "0x2222222222222222222222222222222222222222",
      securityToken: "0x3333333333333333333333333333333333333333",
      quantity: 10n,
      amount: 1_000_000n,
    };
    it("is deterministic and independent of spelling of the date and address case", function () {
      const a = deriveSettlementId(trade);
      const b = deriveSettlementId({
        ...trade,
        tradeDate: "20261125",
        seller: trade.seller.toUpperCase().replace("0X", "0x"),
      });
      const c = deriveSettlementId({ ...trade, tradeDate: new Date(Date.UTC(2026, 10, 25, 15)) });
      expect(a)
        .to.match(/^0x[0-9a-f]{64}$/)
        .and.equal(b)
        .and.equal(c);
    });
    it("changes with every field", function () {
      const base = deriveSettlementId(trade);
      for (const change of [
        { venue: "PTS" },
        { tradeId: "T-2" },
        { tradeDate: "2026-11-26" },
        { quantity: 11n },
        { amount: 1n },
        { seller: trade.buyer, buyer: trade.seller },
        { securityToken: trade.seller },
      ]) {
        expect(deriveSettlementId({ ...trade, ...change })).to.not.equal(base);
      }
    });
    it("refuses a quantity or amount that is not a bigint, naming the field", function () {
      for (const [field, value] of [
        ["quantity", 10],
        ["quantity", "10"],
        ["amount", 1_000_000],
        ["amount", "1000000"],
      ] as const) {
        let caught: unknown;
        try {
          deriveSettlementId({ ...trade, [field]: value as never });
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(InvalidAmountError);
        expect(caught).to.include({ field, value });
      }
    });
    it("refuses an invalid date", function () {
      expect(() => deriveSettlementId({ ...trade, tradeDate: "2026-02-30" })).to.throw(
        InvalidParameterError,
      );
    });
  });

  describe("terms", function () {
    it("hashTerms equals the contract's hashTerms, and termsDigest the stored commitment", async function () {
      const t = buildTerms(await k.newTerms({ agent: k.signers.agent.address }));
      expect(hashTerms(t)).to.equal(await k.contracts.dvp.hashTerms(termsArg(t)));
      await k.clients.seller.createSettlement({ terms: t });
      const rec = await k.contracts.dvp.settlementOf(t.id);
      expect(rec.termsDigest).to.equal(termsDigest(t));
      expect(await k.contracts.dvp.verifyTerms(termsArg(t))).to.equal(true);
      const v = await k.clients.auditor.verifyTerms({ terms: t });
      expect(v.hashesAgree && v.matchesCommitment).to.equal(true);
    });
    it("encodeTerms round-trips and is what the seller's Lock event carries", async function () {
      const t = buildTerms(await k.newTerms());
      expect(decodeTerms(encodeTerms(t))).to.deep.equal(t);
      const r = await k.clients.seller.createSettlement({ terms: t });
      const lock = r.receipt.logs
        .map((l) => {
          try {
            return k.contracts.bond.interface.parseLog(l);
          } catch {
            return null;
          }
        })
        .find((e) => e?.name === "Lock");
      expect(decodeTerms(lock!.args.data)).to.deep.equal(t);
    });
  });

  describe("EIP-712", function () {
    it("digests equal the contract's affirmDigest and approveDigest; signatures verify", async function () {
      const t = buildTerms(await k.newTerms({ agent: k.signers.agent.address }));
      const domain = await readDomain(k.clients.buyer.ctx);
      expect(domain.name).to.equal("Kessai DVP");
      expect(getAddress(domain.verifyingContract!)).to.equal(k.addresses.dvp);
      expect(typedDataDigest(affirmationTypedData(domain, t))).to.equal(
        await k.contracts.dvp.affirmDigest(termsArg(t)),
      );
      expect(typedDataDigest(approvalTypedData(domain, t, 0n))).to.equal(
        await k.contracts.dvp.approveDigest(termsArg(t)),
      );
      const aff = await k.clients.buyer.signAffirmation({ terms: t });
      const app = await k.clients.agent.signApproval({ terms: t });
      expect(await verifyAffirmation(k.clients.auditor.ctx, { terms: t, signature: aff })).to.equal(
        true,
      );
      expect(await verifyApproval(k.clients.auditor.ctx, { terms: t, signature: app })).to.equal(
        true,
      );
      expect(await verifyAffirmation(k.clients.auditor.ctx, { terms: t, signature: app })).to.equal(
        false,
      );
      expect(
        await verifyAffirmation(k.clients.auditor.ctx, {
          terms: { ...t, amount: t.amount + 1n },
          signature: aff,
        }),
      ).to.equal(false);
    });
  });
});
