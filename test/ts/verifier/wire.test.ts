/**
 * The verifier's hand-written hot path gives exactly what ethers gives: the call data of its five
 * sends, the inbox payloads of the watched events, and the order and attestation signatures (a
 * local key signs the digest directly). No chain: interfaces, encodings and keys only.
 */
import { expect } from "chai";
import { Wallet, id as keccakId, type Interface, type Log } from "ethers";
import {
  Outcome,
  signOrder,
  signOutcome,
  termsToJson,
  type CrossLedgerTerms,
} from "../../../packages/verifier/src/index.js";
// the contracts' interfaces, the wire, and the typed data of its signatures
import {
  delivery,
  payment,
  encodeTermsCall,
  eventPayload,
  watchedEvent,
  orderDomain,
  attestationDomain,
  OUTCOME_TYPES,
  ORDER_TYPES,
  sampleTerms,
} from "./wire-fixture.js";

const key = new Wallet(keccakId("kessai.wire.test"));

const terms = (over: Partial<CrossLedgerTerms> = {}): CrossLedgerTerms =>
  sampleTerms({
    id: keccakId("kessai.wire.1"),
    deadline: 2n ** 64n - 1n,
    verifier: key.address,
    ...over,
  });

describe("verifier: hand-written call data, events and signatures", () => {
  it("encodes the five sends as ethers does, whatever the signature's length", async () => {
    const t = terms();
    const one = await signOrder(key, t, Outcome.Paid);
    const two = one + one.slice(2); // a 2-of-n quorum's concatenated signatures
    const cases: [Interface, string, unknown[]][] = [
      [payment, "pay", [t, one]],
      [payment, "pay", [t, two]],
      [payment, "refuse", [t, one]],
      [payment, "refund", [t]],
      [delivery, "deliver", [t, one]],
      [delivery, "returnToSeller", [t, "0x"]],
      [delivery, "deliver", [terms({ seller: t.seller.toLowerCase() }), "0xABcd"]],
    ];
    for (const [iface, fn, args] of cases)
      expect(encodeTermsCall(iface, fn, args), fn).to.equal(iface.encodeFunctionData(fn, args));
  });

  it("leaves other shapes to ethers: the same data, or the same error", () => {
    const t = terms();
    // Not the terms-and-signature shape: encoded by ethers.
    const domain = delivery.getFunction("eip712Domain")!;
    expect(encodeTermsCall(delivery, "eip712Domain", [])).to.equal(domain.selector);
    // A wrong checksum, a deadline beyond uint64, a signature that is not bytes: ethers' errors.
    const bad: [string, unknown[]][] = [
      ["pay", [terms({ seller: "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" }), "0x"]],
      ["pay", [terms({ deadline: 2n ** 64n }), "0x"]],
      ["pay", [t, "0x123"]],
      ["refund", [t, "0x"]],
    ];
    for (const [fn, args] of bad) {
      let expected: unknown;
      try {
        payment.encodeFunctionData(fn, args);
      } catch (e) {
        expected = e;
      }
      expect(expected, fn).to.be.instanceOf(Error);
      expect(() => encodeTermsCall(payment, fn, args)).to.throw(
        (expected as Error).message.slice(0, 40),
      );
    }
  });

  it("reads the watched events into the payloads ethers' parseLog gives", () => {
    const t = terms();
    const watched = new Set(["DeliveryRegistered", "SettlementDelivered"]);
    const log = (iface: Interface, name: string, values: unknown[]) =>
      iface.encodeEventLog(name, values) as unknown as Log;
    const registered = log(delivery, "DeliveryRegistered", [
      t.id,
      t.seller,
      t.buyer,
      keccakId("hash"),
      t,
    ]);
    const parsed = delivery.parseLog(registered)!;
    const expected = eventPayload(parsed.name, parsed.args as unknown as Record<string, unknown>);
    expect(watchedEvent(watched, delivery, registered)).to.deep.equal(expected);
    expect(expected.terms).to.deep.equal(termsToJson(t));
    const delivered = log(delivery, "SettlementDelivered", [t.id, t.buyer, 10n, t.buyer]);
    expect(watchedEvent(watched, delivery, delivered)).to.deep.equal({
      name: "SettlementDelivered",
      id: t.id,
    });
    // Not watched, and not this contract's: nothing.
    const returned = log(delivery, "SettlementReturned", [t.id, t.seller, 10n, t.seller]);
    expect(watchedEvent(watched, delivery, returned)).to.equal(undefined);
    const instructed = log(payment, "PaymentInstructed", [
      t.id,
      t.buyer,
      t.seller,
      keccakId("hash"),
      t,
    ]);
    expect(watchedEvent(watched, delivery, instructed)).to.equal(undefined);
    const cash = new Set(["PaymentInstructed"]);
    expect(watchedEvent(cash, payment, instructed)?.terms).to.deep.equal(termsToJson(t));
  });

  it("signs orders and attestations as signTypedData does", async () => {
    for (const t of [terms(), terms({ stChainId: 1n, cashLedger: terms().stLedger })]) {
      for (const outcome of [Outcome.Paid, Outcome.Refunded]) {
        const frozen = Object.freeze({ ...t });
        expect(await signOrder(key, frozen, outcome)).to.equal(
          await key.signTypedData(orderDomain(t), ORDER_TYPES, { terms: t, outcome }),
        );
        expect(await signOutcome(key, t, outcome)).to.equal(
          await key.signTypedData(attestationDomain(t), OUTCOME_TYPES, { terms: t, outcome }),
        );
      }
    }
  });
});
