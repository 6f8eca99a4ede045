import { expect } from "chai";
import { ZeroAddress, ZeroHash } from "ethers";
import {
  InputError,
  InvalidAddressError,
  InvalidAmountError,
  InvalidBatchError,
  InvalidDeadlineError,
  InvalidParameterError,
  InvalidReferenceError,
  InvalidSettlementIdError,
  InvalidTermsError,
  MissingSignerError,
  issueSecurity,
  ReferenceTooLongError,
  parseAmount,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

/** Flips the case of the first letter of a checksummed address. */
function badChecksum(a: string): string {
  const i = a.slice(2).search(/[a-fA-F]/) + 2;
  const c = a[i];
  return (
    a.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + a.slice(i + 1)
  );
}

describe("sdk input validation (nothing is sent)", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
  });

  const nonces = async () =>
    Promise.all(
      [k.signers.issuer, k.signers.bank, k.signers.seller, k.signers.buyer, k.signers.agent].map(
        (s) => k.ethers.provider.getTransactionCount(s.address, "pending"),
      ),
    );

  it("refuses every bad input before signing, leaving every nonce unchanged", async function () {
    const { issuer, bank, seller, buyer, agent, auditor } = k.clients;
    const good = await k.newTerms();
    const before = await nonces();
    const cases: [() => Promise<unknown>, abstract new (...a: never[]) => InputError, string][] = [
      [() => issuer.issueSecurity({ to: "0x1234", value: 1n }), InvalidAddressError, "to"],
      [() => issuer.issueSecurity({ to: ZeroAddress, value: 1n }), InvalidAddressError, "to"],
      [
        () => issuer.issueSecurity({ to: badChecksum(k.signers.seller.address), value: 1n }),
        InvalidAddressError,
        "to",
      ],
      [
        () => issuer.issueSecurity({ to: k.signers.seller.address, value: 0n }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issueSecurity({ to: k.signers.seller.address, value: -1n }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issueSecurity({ to: k.signers.seller.address, value: 1.5 as never }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issueSecurity({ to: k.signers.seller.address, value: 2n ** 256n }),
        InvalidAmountError,
        "value",
      ],
      [() => issuer.bulkIssueSecurity({ items: [] }), InvalidBatchError, "items"],
      [
        () =>
          issuer.registerInvestor({
            account: k.signers.outsider.address,
            investorRef: ref("x"),
            expiry: -5,
          }),
        InvalidDeadlineError,
        "expiry",
      ],
      [
        () =>
          bank.issueDeposit({
            account: k.signers.buyer.address,
            amount: 1n,
            bankReference: ZeroHash,
          }),
        InvalidReferenceError,
        "bankReference",
      ],
      [
        () =>
          bank.issueDeposit({
            account: k.signers.buyer.address,
            amount: 1n,
            bankReference: "0x12",
          }),
        InvalidReferenceError,
        "bankReference",
      ],
      [
        () => seller.redeemDeposit({ amount: 1n, redemptionRef: "0x1234" }),
        InvalidReferenceError,
        "redemptionRef",
      ],
      [
        () => seller.redeemDeposit({ amount: 1n, redemptionRef: "CREDIT-".padEnd(32, "X") }),
        ReferenceTooLongError,
        "redemptionRef",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, id: ZeroHash } }),
        InvalidSettlementIdError,
        "terms.id",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, id: "0x1234" } }),
        InvalidSettlementIdError,
        "terms.id",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, deadline: 1n } }),
        InvalidDeadlineError,
        "terms.deadline",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, buyer: good.seller } }),
        InvalidTermsError,
        "terms.buyer",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, agent: good.buyer } }),
        InvalidTermsError,
        "terms.agent",
      ],
      [
        () => seller.createSettlement({ terms: { ...good, quantity: 0n } }),
        InvalidAmountError,
        "terms.quantity",
      ],
      [() => buyer.createSettlement({ terms: good }), InvalidTermsError, "terms.seller"], // signer is not the seller
      [
        () => buyer.affirmSettlement({ terms: { ...good, cashToken: "nope" } }),
        InvalidAddressError,
        "terms.cashToken",
      ],
      [
        () => buyer.settleSettlement({ terms: { ...good, amount: "1e6" as never } }),
        InvalidAmountError,
        "terms.amount",
      ],
      [() => agent.settleBatch({ terms: [] }), InvalidBatchError, "terms"],
      [() => agent.settleBatch({ terms: [good, good] }), InvalidBatchError, "terms"],
      [() => auditor.getSettlement({ id: "0x00" }), InvalidSettlementIdError, "id"],
      [
        () =>
          buyer.settleSettlement({
            terms: good,
            authorization: { validBefore: 1, signature: "0x" } as never,
          }),
        InvalidParameterError,
        "authorization",
      ],
      [
        () => k.clients.seller.signSettlementAuthorization({ terms: good }),
        InvalidParameterError,
        "terms.buyer",
      ],
      [
        () => buyer.signPermit({ amount: 1n, deadline: "soon" as never }),
        InvalidDeadlineError,
        "deadline",
      ],
      [
        () => issueSecurity(auditor.ctx, { to: k.signers.seller.address, value: 1n }),
        MissingSignerError,
        "runner",
      ],
    ];
    for (const [p, Cls, field] of cases) await expectError(p(), Cls, { field });
    expect(await nonces()).to.deep.equal(before);
  });

  it("takes amounts as bigints only: a number or a numeric string is refused, naming the field", async function () {
    const { issuer, bank, seller, buyer } = k.clients;
    const good = await k.newTerms();
    const to = k.signers.seller.address;
    const before = await nonces();
    for (const bad of [1000, "1000"] as never[]) {
      const cases: [() => Promise<unknown>, string][] = [
        [() => issuer.issueSecurity({ to, value: bad }), "value"],
        [() => issuer.redeemSecurity({ from: to, value: bad }), "value"],
        [() => issuer.bulkIssueSecurity({ items: [{ to, value: bad }] }), "items[0].value"],
        [() => issuer.forceLock({ account: to, lockAddress: to, value: bad }), "value"],
        [() => seller.transferSecurity({ to: k.signers.buyer.address, value: bad }), "value"],
        [() => bank.issueDeposit({ account: to, amount: bad, bankReference: ref("n") }), "amount"],
        [() => bank.freezePartial(to, bad), "amount"],
        [() => bank.unfreezePartial(to, bad), "amount"],
        [() => buyer.approveDeposit({ amount: bad }), "amount"],
        [() => buyer.redeemDeposit({ amount: bad, redemptionRef: ref("n") }), "amount"],
        [() => buyer.requestIssuance({ amount: bad, depositAccountRef: ref("n") }), "amount"],
        [() => seller.createSettlement({ terms: { ...good, quantity: bad } }), "terms.quantity"],
        [() => buyer.settleSettlement({ terms: { ...good, amount: bad } }), "terms.amount"],
      ];
      for (const [p, field] of cases) {
        const e = await expectError(p(), InvalidAmountError, { field, value: bad });
        expect(e.shortMessage).to.match(
          typeof bad === "number"
            ? /must be a bigint \(e\.g\. 1000n\), not a number/
            : /not a string/,
        );
      }
    }
    expect(await nonces()).to.deep.equal(before);
  });

  it("parseAmount reads base-unit text with the same checks, the field and the text in its error", function () {
    expect(parseAmount("1_000_000", "--amount")).to.equal(1_000_000n);
    expect(parseAmount("0", "--amount", { allowZero: true })).to.equal(0n);
    expect(parseAmount("255", "--decimals", { max: 255n })).to.equal(255n);
    for (const [text, reason, opts] of [
      ["-5", "must be a non-negative integer in base units", {}],
      ["1.5", "must be a non-negative integer in base units", {}],
      ["1e6", "must be a non-negative integer in base units", {}],
      [" 1", "must be a non-negative integer in base units", {}],
      ["1__0", "must be a non-negative integer in base units", {}],
      ["", "must be a non-negative integer in base units", {}],
      ["0", "must be greater than zero", {}],
      ["256", "is too large", { max: 255n }],
      [(1n << 256n).toString(), "is too large", {}],
    ] as [string, string, { max?: bigint }][]) {
      let caught: unknown;
      try {
        parseAmount(text, "--amount", opts);
      } catch (e) {
        caught = e;
      }
      expect(caught, text).to.be.instanceOf(InvalidAmountError);
      expect(caught).to.include({ field: "--amount", value: text });
      expect((caught as InvalidAmountError).shortMessage).to.equal(
        `--amount ${reason}: ${JSON.stringify(text)}`,
      );
    }
  });
});
