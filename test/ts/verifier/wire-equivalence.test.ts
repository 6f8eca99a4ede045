/**
 * The hand-written wire of the verifier against ethers on inputs the unit test does not pick:
 * logs of a watched event's topic with the wrong topics or data (ethers refuses them, so must the
 * service), and random terms, signatures, chains and contracts for the call data and the signed
 * digests (seeded, so a failure repeats).
 */
import { expect } from "chai";
import {
  Wallet,
  getAddress,
  hexlify,
  id as keccakId,
  keccak256,
  toBeHex,
  zeroPadValue,
  type Interface,
  type Log,
} from "ethers";
import {
  Outcome,
  signOrder,
  signOutcome,
  type CrossLedgerTerms,
} from "../../../packages/verifier/src/index.js";
import {
  ORDER_TYPES,
  OUTCOME_TYPES,
  attestationDomain,
  orderDomain,
  encodeTermsCall,
  eventPayload,
  watchedEvent,
  delivery,
  payment,
  sampleTerms,
} from "./wire-fixture.js";

const key = new Wallet(keccakId("kessai.wire.equivalence"));

/** What ethers' parseLog makes of `log`: the payload, undefined, or its error. */
function viaEthers(iface: Interface, names: Set<string>, log: Log) {
  try {
    const p = iface.parseLog(log);
    if (!p || !names.has(p.name)) return { payload: undefined };
    return { payload: eventPayload(p.name, p.args as unknown as Record<string, unknown>) };
  } catch (error) {
    return { error };
  }
}

function viaHand(iface: Interface, names: Set<string>, log: Log) {
  try {
    return { payload: watchedEvent(names, iface, log) };
  } catch (error) {
    return { error };
  }
}

// A small seeded generator (xorshift), so that a failing case is the same on every run.
let seed = 0x2545f491n;
function rnd(bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits; i += 32) {
    seed ^= (seed << 13n) & 0xffffffffn;
    seed ^= seed >> 17n;
    seed ^= (seed << 5n) & 0xffffffffn;
    out = (out << 32n) | seed;
  }
  return out & ((1n << BigInt(bits)) - 1n);
}
function address(): string {
  const a = getAddress(toBeHex(rnd(160), 20));
  const form = Number(rnd(2));
  return form === 0 ? a.toLowerCase() : form === 1 ? "0x" + a.slice(2).toUpperCase() : a;
}
function uint(bits: number): bigint {
  const form = Number(rnd(2));
  return form === 0 ? 0n : form === 1 ? (1n << BigInt(bits)) - 1n : rnd(bits);
}
function randomTerms(): CrossLedgerTerms {
  return {
    id: zeroPadValue(toBeHex(rnd(256)), 32),
    seller: address(),
    buyer: address(),
    stChainId: uint(256) || 1n,
    stLedger: address(),
    securityToken: address(),
    quantity: uint(256),
    cashChainId: uint(256) || 2n,
    cashLedger: address(),
    cashToken: address(),
    amount: uint(256),
    deadline: uint(64),
    verifier: address(),
  } as CrossLedgerTerms;
}

describe("verifier: hand-written wire against ethers", () => {
  const t = sampleTerms({
    id: keccakId("kessai.wire.eq"),
    deadline: 2_000_000_000n,
    verifier: key.address,
  });

  it("refuses a watched event's log with topics missing, as ethers' parseLog does", () => {
    const cash = new Set(["PaymentInstructed", "SettlementPaid", "SettlementRefunded"]);
    const instructed = payment.encodeEventLog("PaymentInstructed", [
      t.id,
      t.buyer,
      t.seller,
      keccakId("hash"),
      t,
    ]) as unknown as Log;
    const paid = payment.encodeEventLog("SettlementPaid", [t.id, t.seller, 5n]) as unknown as Log;
    const cases: [string, Log][] = [
      // The id alone: the indexed buyer and seller (or seller) missing.
      [
        "PaymentInstructed, 2 of 4 topics",
        { ...instructed, topics: instructed.topics.slice(0, 2) } as unknown as Log,
      ],
      [
        "SettlementPaid, 2 of 3 topics",
        { ...paid, topics: paid.topics.slice(0, 2) } as unknown as Log,
      ],
      // The non-indexed amount missing.
      ["SettlementPaid, no data", { ...paid, data: "0x" } as unknown as Log],
    ];
    const accepted: string[] = [];
    for (const [what, log] of cases) {
      const ethers = viaEthers(payment, cash, log);
      expect(ethers.error, `${what}: ethers refuses it`).to.be.instanceOf(Error);
      if (!("error" in viaHand(payment, cash, log))) accepted.push(what);
    }
    expect(accepted, "logs the service records though ethers refuses them").to.deep.equal([]);
  });

  it("records a log whose topics a node writes in upper-case hex, as ethers' parseLog does", () => {
    const cash = new Set(["PaymentInstructed", "SettlementPaid", "SettlementRefunded"]);
    const paid = payment.encodeEventLog("SettlementPaid", [t.id, t.seller, 5n]) as unknown as Log;
    const upper = (h: string) => "0x" + h.slice(2).toUpperCase();
    const log = { ...paid, topics: paid.topics.map(upper) } as unknown as Log;
    const ethers = viaEthers(payment, cash, log);
    expect(ethers.payload, "ethers reads it").to.deep.equal({ name: "SettlementPaid", id: t.id });
    // Skipped instead (undefined): the watcher would move its cursor past the payment.
    expect(viaHand(payment, cash, log)).to.deep.equal(ethers);
  });

  it("gives ethers' payload for well-formed logs of random terms", () => {
    const cash = new Set(["PaymentInstructed"]);
    for (let i = 0; i < 200; i++) {
      const r = randomTerms();
      const log = payment.encodeEventLog("PaymentInstructed", [
        r.id,
        r.buyer,
        r.seller,
        keccakId(`h${i}`),
        r,
      ]) as unknown as Log;
      expect(viaHand(payment, cash, log), `case ${i}`).to.deep.equal(viaEthers(payment, cash, log));
    }
  });

  it("writes the call data of random terms and signatures as encodeFunctionData", () => {
    const cases: [Interface, string][] = [
      [payment, "pay"],
      [payment, "refuse"],
      [payment, "refund"],
      [delivery, "deliver"],
      [delivery, "returnToSeller"],
    ];
    for (let i = 0; i < 300; i++) {
      const r = randomTerms();
      const sig = hexlify(toBeHex(rnd(8 * 200), 200)).slice(0, 2 + 2 * Number(rnd(8) % 200n));
      const sigForm = Number(rnd(1)) === 0 ? sig : "0x" + sig.slice(2).toUpperCase();
      for (const [iface, fn] of cases) {
        const args = fn === "refund" ? [r] : [r, sigForm];
        expect(encodeTermsCall(iface, fn, args), `${fn} case ${i}`).to.equal(
          iface.encodeFunctionData(fn, args),
        );
      }
    }
  });

  it("signs random terms' orders and attestations as signTypedData, frozen or not", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const r = randomTerms();
      // Two terms that differ only in one ledger's chain or contract: different digests.
      const variants = [
        r,
        { ...r, stChainId: r.stChainId === 1n ? 2n : r.stChainId - 1n },
        { ...r, cashLedger: getAddress(toBeHex(rnd(160), 20)) },
      ];
      for (const v of variants) {
        for (const outcome of [Outcome.Paid, Outcome.Refunded]) {
          const frozen = Object.freeze({ ...v });
          const order = await key.signTypedData(orderDomain(v), ORDER_TYPES, { terms: v, outcome });
          const att = await key.signTypedData(attestationDomain(v), OUTCOME_TYPES, {
            terms: v,
            outcome,
          });
          expect(await signOrder(key, frozen, outcome), `order ${i}`).to.equal(order);
          expect(await signOrder(key, v, outcome), `order ${i}`).to.equal(order);
          expect(await signOutcome(key, frozen, outcome), `attestation ${i}`).to.equal(att);
          seen.add(keccak256(order));
          seen.add(keccak256(att));
        }
      }
    }
    expect(seen.size).to.equal(100 * 3 * 2 * 2);
  });
});
