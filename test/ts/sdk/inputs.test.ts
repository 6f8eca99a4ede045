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
} from "../../../sdk/src/index.js";
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
      [() => issuer.issue({ to: "0x1234", value: 1n }), InvalidAddressError, "to"],
      [() => issuer.issue({ to: ZeroAddress, value: 1n }), InvalidAddressError, "to"],
      [
        () => issuer.issue({ to: badChecksum(k.signers.seller.address), value: 1n }),
        InvalidAddressError,
        "to",
      ],
      [
        () => issuer.issue({ to: k.signers.seller.address, value: 0n }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issue({ to: k.signers.seller.address, value: -1n }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issue({ to: k.signers.seller.address, value: 1.5 }),
        InvalidAmountError,
        "value",
      ],
      [
        () => issuer.issue({ to: k.signers.seller.address, value: 2n ** 256n }),
        InvalidAmountError,
        "value",
      ],
      [() => issuer.bulkIssue({ items: [] }), InvalidBatchError, "items"],
      [
        () =>
          issuer.register({
            account: k.signers.outsider.address,
            investorRef: ref("x"),
            expiry: -5,
          }),
        InvalidDeadlineError,
        "expiry",
      ],
      [
        () => bank.issue({ account: k.signers.buyer.address, amount: 1n, bankReference: ZeroHash }),
        InvalidReferenceError,
        "bankReference",
      ],
      [
        () => bank.issue({ account: k.signers.buyer.address, amount: 1n, bankReference: "0x12" }),
        InvalidReferenceError,
        "bankReference",
      ],
      [
        () => seller.redeem({ amount: 1n, redemptionRef: "ref-1" }),
        InvalidReferenceError,
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
        () => buyer.affirm({ terms: { ...good, cashToken: "nope" } }),
        InvalidAddressError,
        "terms.cashToken",
      ],
      [
        () => buyer.settle({ terms: { ...good, amount: "1e6" } }),
        InvalidAmountError,
        "terms.amount",
      ],
      [() => agent.settleBatch([]), InvalidBatchError, "terms"],
      [() => agent.settleBatch([good, good]), InvalidBatchError, "terms"],
      [() => auditor.getSettlement("0x00"), InvalidSettlementIdError, "id"],
      [
        () =>
          buyer.settle({
            terms: good,
            authorization: { validBefore: 1, signature: "0x" } as never,
          }),
        InvalidParameterError,
        "authorization",
      ],
      [
        () => k.clients.seller.signSettlementAuthorization(good),
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
});
