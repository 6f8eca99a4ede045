import { AbiCoder, ParamType, TypedDataEncoder, ZeroAddress, dataSlice } from "ethers";
import { InvalidTermsError } from "../errors/input.js";
import { staticWords } from "../utils/abiWords.js";
import { toAddress, toAmount, toDeadline, toSettlementId } from "../utils/validate.js";

/** The terms of one settlement (IDeliveryVersusPayment.Terms), normalised. */
export interface SettlementTerms {
  id: string;
  seller: string;
  buyer: string;
  securityToken: string;
  quantity: bigint;
  cashToken: string;
  amount: bigint;
  deadline: bigint;
  agent: string;
}

/**
 * Terms as a caller may give them: quantity and amount as bigints only (parse text with
 * `parseAmount`), the deadline as a bigint, a safe-integer number or a Date; agent optional.
 */
export interface SettlementTermsInput extends Omit<SettlementTerms, "deadline" | "agent"> {
  deadline: bigint | number | Date;
  agent?: string;
}

/** EIP-712 type of the terms, exactly as the DVP's `TERMS_TYPEHASH`. */
export const TERMS_TYPE = [
  { name: "id", type: "bytes32" },
  { name: "seller", type: "address" },
  { name: "buyer", type: "address" },
  { name: "securityToken", type: "address" },
  { name: "quantity", type: "uint256" },
  { name: "cashToken", type: "address" },
  { name: "amount", type: "uint256" },
  { name: "deadline", type: "uint64" },
  { name: "agent", type: "address" },
] as const;

const TERMS_TUPLE =
  "tuple(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";

/**
 * Validates and normalises terms (checksummed addresses, bigint values). Throws an InputError
 * subclass on the first problem; nothing is sent. With `now`, the deadline must be after it.
 */
export function buildTerms(
  input: SettlementTermsInput,
  opts: { now?: bigint } = {},
): SettlementTerms {
  if (!input || typeof input !== "object")
    throw new InvalidTermsError("terms", input, "must be an object");
  const t: SettlementTerms = {
    id: toSettlementId(input.id, "terms.id"),
    seller: toAddress(input.seller, "terms.seller"),
    buyer: toAddress(input.buyer, "terms.buyer"),
    securityToken: toAddress(input.securityToken, "terms.securityToken"),
    quantity: toAmount(input.quantity, "terms.quantity"),
    cashToken: toAddress(input.cashToken, "terms.cashToken"),
    amount: toAmount(input.amount, "terms.amount"),
    deadline: toDeadline(input.deadline, "terms.deadline", {
      now: opts.now,
      future: opts.now !== undefined,
    }),
    agent: toAddress(input.agent ?? ZeroAddress, "terms.agent", { allowZero: true }),
  };
  if (t.seller === t.buyer)
    throw new InvalidTermsError("terms.buyer", t.buyer, "must differ from the seller");
  if (t.agent === t.seller || t.agent === t.buyer) {
    throw new InvalidTermsError("terms.agent", t.agent, "must be neither the seller nor the buyer");
  }
  if (t.securityToken === t.cashToken) {
    throw new InvalidTermsError(
      "terms.cashToken",
      t.cashToken,
      "must differ from the security token",
    );
  }
  return t;
}

/** `abi.encode(terms)`: the `data` the seller passes to `securityToken.lock` (step 1). */
export function encodeTerms(terms: SettlementTerms): string {
  // a static struct: its words in order, written by hand for the usual values (the type parsed
  // once), else by ethers with its errors
  const words = staticWords(TERMS_PARAM, terms);
  if (words !== undefined) return "0x" + words;
  return AbiCoder.defaultAbiCoder().encode([TERMS_PARAM], [terms]);
}

const TERMS_PARAM = ParamType.from(TERMS_TUPLE);

/** Inverse of {@link encodeTerms} (e.g. a Lock event's `data`). */
export function decodeTerms(data: string): SettlementTerms {
  const [r] = AbiCoder.defaultAbiCoder().decode([TERMS_TUPLE], data);
  return termsFromResult(r);
}

/** Normalises a terms struct decoded by ethers (Result or object). */
export function termsFromResult(r: SettlementTerms): SettlementTerms {
  return {
    id: r.id.toLowerCase(),
    seller: r.seller,
    buyer: r.buyer,
    securityToken: r.securityToken,
    quantity: BigInt(r.quantity),
    cashToken: r.cashToken,
    amount: BigInt(r.amount),
    deadline: BigInt(r.deadline),
    agent: r.agent,
  };
}

/** The EIP-712 struct hash of the terms, as the DVP's `hashTerms`. */
export function hashTerms(terms: SettlementTerms): string {
  return TypedDataEncoder.hashStruct("Terms", { Terms: [...TERMS_TYPE] }, terms);
}

/** The 28-byte commitment the DVP stores (`Settlement.termsDigest`): the first 28 bytes of {@link hashTerms}. */
export function termsDigest(terms: SettlementTerms): string {
  return dataSlice(hashTerms(terms), 0, 28);
}

/** The terms as the plain tuple object ethers expects for contract calls. */
export function termsArg(t: SettlementTerms) {
  return {
    id: t.id,
    seller: t.seller,
    buyer: t.buyer,
    securityToken: t.securityToken,
    quantity: t.quantity,
    cashToken: t.cashToken,
    amount: t.amount,
    deadline: t.deadline,
    agent: t.agent,
  };
}
