/**
 * The cross-ledger terms and the verifier's two EIP-712 signatures, as the ledger contracts define
 * them:
 * - the **order** to the cash ledger (`ICrossLedgerPayment`): `PaymentOrder(CrossLedgerTerms
 *   terms,uint8 outcome)` under the payment contract's domain (name "Kessai CrossLedgerPayment",
 *   version "1", `chainId = terms.cashChainId`, `verifyingContract = terms.cashLedger`), given to
 *   `pay` / `refuse`; worthless on the ST ledger;
 * - the **attestation** for the ST ledger (`ICrossLedger`): `Outcome(CrossLedgerTerms
 *   terms,uint8 outcome)` under the delivery contract's domain (name "Kessai CrossLedgerDelivery",
 *   version "1", `chainId = terms.stChainId`, `verifyingContract = terms.stLedger`), given to
 *   `deliver` / `returnToSeller`. The service signs it only after the cash ledger shows that
 *   outcome with its confirmations.
 *
 * The schema (fields, types, domains, the terms hash) is the SDK's (`@kessai/sdk`,
 * `settlement/crossLedger`), defined once; this module adds the service's JSON form of the terms
 * and the signing with its key.
 */
import {
  CROSS_LEDGER_TERMS_TYPE,
  OUTCOME_TYPES,
  PAYMENT_ORDER_TYPES,
  hashCrossLedgerTerms,
  outcomeTypedData,
  paymentOrderTypedData,
  type CrossLedgerTerms,
  type TypedData,
} from "@kessai/sdk";
import {
  BaseWallet,
  TypedDataEncoder,
  concat,
  getAddress,
  keccak256,
  toBeHex,
  toUtf8Bytes,
  type Signer,
  type TypedDataDomain,
} from "ethers";

/** The terms of one two-ledger settlement (`ICrossLedger.CrossLedgerTerms`), as the SDK's. */
export type { CrossLedgerTerms };

/** The terms as stored (JSON): every integer as a decimal string. */
export type TermsJson = { [K in keyof CrossLedgerTerms]: string };

/** The verifier's decision (`ICrossLedger.Outcome`). */
export const Outcome = { Paid: 1, Refunded: 2 } as const;
export type OutcomeValue = (typeof Outcome)[keyof typeof Outcome];

/** EIP-712 fields of `CrossLedgerTerms`, in the contracts' order (the SDK's). */
export const TERMS_FIELDS = CROSS_LEDGER_TERMS_TYPE;

/** EIP-712 types of the attestation (the SDK's). */
export { OUTCOME_TYPES };

/** EIP-712 types of the order to the cash ledger (the SDK's). */
export const ORDER_TYPES = PAYMENT_ORDER_TYPES;

const ADDRESS_FIELDS = [
  "seller",
  "buyer",
  "stLedger",
  "securityToken",
  "cashLedger",
  "cashToken",
  "verifier",
] as const;
const INT_FIELDS = ["stChainId", "quantity", "cashChainId", "amount", "deadline"] as const;

/** Terms from anything with the thirteen named fields (an ethers `Result`, a decoded JSON). */
export function toTerms(v: Record<string, unknown>): CrossLedgerTerms {
  const t = {} as Record<string, unknown>;
  t.id = String(v.id).toLowerCase();
  for (const f of ADDRESS_FIELDS) t[f] = getAddress(String(v[f]));
  for (const f of INT_FIELDS) t[f] = BigInt(v[f] as bigint | string);
  return t as unknown as CrossLedgerTerms;
}

/** The terms as JSON (integers as decimal strings). */
export function termsToJson(t: CrossLedgerTerms): TermsJson {
  const out = {} as Record<string, string>;
  for (const f of TERMS_FIELDS) out[f.name] = String(t[f.name]);
  return out as TermsJson;
}

/** Hashes of frozen terms (the service's parsed records: they cannot change once hashed). */
const hashes = new WeakMap<CrossLedgerTerms, string>();

/** The EIP-712 struct hash of the terms: what both ledgers commit to (`hashTerms`). */
export function termsHash(t: CrossLedgerTerms): string {
  if (!Object.isFrozen(t)) return hashCrossLedgerTerms(t);
  let h = hashes.get(t);
  if (h === undefined) hashes.set(t, (h = hashCrossLedgerTerms(t)));
  return h;
}

/** The attestation's domain: the ST ledger's delivery contract named in the terms. */
export function attestationDomain(t: CrossLedgerTerms): TypedDataDomain {
  return outcomeTypedData(t, Outcome.Paid).domain;
}

/** The digest a verifier signs for `outcome` on `t` (equal to `outcomeDigest` on both ledgers). */
export function outcomeDigest(t: CrossLedgerTerms, outcome: OutcomeValue): string {
  return digest(outcomeTypedData(t, outcome));
}

/**
 * Signs the attestation of `outcome` on `t` (ECDSA with RFC 6979 nonces: the same key, terms and
 * outcome always give the same signature, so signing again after a restart changes nothing).
 */
export function signOutcome(
  signer: Signer,
  t: CrossLedgerTerms,
  outcome: OutcomeValue,
): Promise<string> {
  return sign(signer, outcomeTypedData(t, outcome), t);
}

/** The order's domain: the cash ledger's payment contract named in the terms. */
export function orderDomain(t: CrossLedgerTerms): TypedDataDomain {
  return paymentOrderTypedData(t, Outcome.Paid).domain;
}

/** The digest a verifier signs to order `outcome` on `t` (equal to the payment's `orderDigest`). */
export function orderDigest(t: CrossLedgerTerms, outcome: OutcomeValue): string {
  return digest(paymentOrderTypedData(t, outcome));
}

/**
 * Signs the order of `outcome` on `t` for the cash ledger's `pay` (Paid) or `refuse` (Refunded);
 * deterministic, as {@link signOutcome}. Useless on the ST ledger.
 */
export function signOrder(
  signer: Signer,
  t: CrossLedgerTerms,
  outcome: OutcomeValue,
): Promise<string> {
  return sign(signer, paymentOrderTypedData(t, outcome), t);
}

/** The EIP-712 digest of typed data, as the contracts compute it. */
function digest(td: TypedData): string {
  return TypedDataEncoder.hash(td.domain, td.types, td.message);
}

/** Type hashes of the signed structs, by primary type. */
const typeHashes = new Map<string, string>();
/** Domain separators by name, chain and contract (the ledgers of the terms signed). */
const domains = new Map<string, string>();

/**
 * The digest of an order or attestation (`<primary>(CrossLedgerTerms terms,uint8 outcome)`) from
 * the terms' struct hash ({@link termsHash}, kept for the service's terms), a cached domain
 * separator and type hash: `TypedDataEncoder.hash` of the same typed data, without encoding the
 * terms again each time.
 */
function fastDigest(t: CrossLedgerTerms, td: TypedData): string {
  const primary = td.primaryType;
  let typeHash = typeHashes.get(primary);
  if (typeHash === undefined)
    typeHashes.set(
      primary,
      (typeHash = keccak256(toUtf8Bytes(TypedDataEncoder.from(td.types).encodeType(primary)))),
    );
  const d = td.domain;
  const domainKey = `${d.name}|${d.version}|${d.chainId}|${String(d.verifyingContract).toLowerCase()}`;
  let separator = domains.get(domainKey);
  if (separator === undefined) {
    if (domains.size >= 1_000) domains.clear();
    domains.set(domainKey, (separator = TypedDataEncoder.hashDomain(d)));
  }
  const outcome = (td.message as { outcome: number }).outcome;
  const struct = keccak256(concat([typeHash, termsHash(t), toBeHex(outcome, 32)]));
  return keccak256(concat(["0x1901", separator, struct]));
}

/**
 * The signer's EIP-712 signature of typed data: a local key signs the digest computed by
 * {@link fastDigest} (what its `signTypedData` would sign); any other signer gets the typed data.
 */
function sign(signer: Signer, td: TypedData, t?: CrossLedgerTerms): Promise<string> {
  if (t && signer instanceof BaseWallet)
    return Promise.resolve(signer.signingKey.sign(fastDigest(t, td)).serialized);
  return signer.signTypedData(td.domain, td.types, td.message);
}
