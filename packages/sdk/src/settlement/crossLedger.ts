import { AbiCoder, TypedDataEncoder, dataSlice, keccak256, toUtf8Bytes } from "ethers";
import { InvalidTermsError } from "../errors/input.js";
import { toChainId } from "../utils/rpc.js";
import { toAddress, toAmount, toDeadline, toSettlementId } from "../utils/validate.js";
import { normaliseTradeDate, type TradeIdentity } from "./id.js";
import type { TypedData } from "./eip712.js";

/**
 * The terms of one two-ledger settlement (`ICrossLedger.CrossLedgerTerms`), normalised: the
 * security token on one chain (the ST ledger, contract `CrossLedgerDelivery`), DCJPY on another
 * (the cash ledger, contract `CrossLedgerPayment`), and the verifier that decides it.
 */
export interface CrossLedgerTerms {
  /** The settlement ID (lower-case bytes32 hex), the same on both ledgers. */
  id: string;
  /** Holder of the ST on the ST ledger; paid on the cash ledger. */
  seller: string;
  /** Payer on the cash ledger; receives the ST on the ST ledger. */
  buyer: string;
  /** Chain ID of the ST ledger. */
  stChainId: bigint;
  /** The `CrossLedgerDelivery` contract on the ST ledger. */
  stLedger: string;
  /** The security token on the ST ledger. */
  securityToken: string;
  /** ST units delivered. */
  quantity: bigint;
  /** Chain ID of the cash ledger. */
  cashChainId: bigint;
  /** The `CrossLedgerPayment` contract on the cash ledger. */
  cashLedger: string;
  /** DCJPY on the cash ledger. */
  cashToken: string;
  /** DCJPY units paid. */
  amount: bigint;
  /** Last unix time (each ledger's block time) at which the buyer may instruct and the payment may execute. */
  deadline: bigint;
  /** Who signs the outcome (a `VERIFIER_ROLE` holder on both ledgers). */
  verifier: string;
}

/**
 * Cross-ledger terms as a caller may give them: quantity and amount as bigints, chain IDs as
 * bigints or safe-integer numbers, the deadline as a bigint, a safe-integer number or a Date.
 */
export interface CrossLedgerTermsInput {
  /** The settlement ID (see {@link deriveCrossLedgerId}). */
  id: string;
  /** The seller. */
  seller: string;
  /** The buyer. */
  buyer: string;
  /** Chain ID of the ST ledger. */
  stChainId: bigint | number;
  /** The `CrossLedgerDelivery` contract. */
  stLedger: string;
  /** The security token. */
  securityToken: string;
  /** ST units. */
  quantity: bigint;
  /** Chain ID of the cash ledger. */
  cashChainId: bigint | number;
  /** The `CrossLedgerPayment` contract. */
  cashLedger: string;
  /** DCJPY. */
  cashToken: string;
  /** DCJPY units. */
  amount: bigint;
  /** Last instruction and payment time (unix seconds). */
  deadline: bigint | number | Date;
  /** The verifier. */
  verifier: string;
}

/** EIP-712 type of the terms, exactly as the contracts' `TERMS_TYPEHASH`. */
export const CROSS_LEDGER_TERMS_TYPE = [
  { name: "id", type: "bytes32" },
  { name: "seller", type: "address" },
  { name: "buyer", type: "address" },
  { name: "stChainId", type: "uint256" },
  { name: "stLedger", type: "address" },
  { name: "securityToken", type: "address" },
  { name: "quantity", type: "uint256" },
  { name: "cashChainId", type: "uint256" },
  { name: "cashLedger", type: "address" },
  { name: "cashToken", type: "address" },
  { name: "amount", type: "uint256" },
  { name: "deadline", type: "uint64" },
  { name: "verifier", type: "address" },
] as const;

/** EIP-712 types of the verifier's `Outcome(CrossLedgerTerms terms,uint8 outcome)` attestation. */
export const OUTCOME_TYPES = {
  Outcome: [
    { name: "terms", type: "CrossLedgerTerms" },
    { name: "outcome", type: "uint8" },
  ],
  CrossLedgerTerms: [...CROSS_LEDGER_TERMS_TYPE],
};

/**
 * EIP-712 types of the verifier's `PaymentOrder(CrossLedgerTerms terms,uint8 outcome)`: its order
 * to the cash ledger's `pay` / `refuse`, a type of its own (the payment's `ORDER_TYPEHASH`).
 */
export const PAYMENT_ORDER_TYPES = {
  PaymentOrder: [
    { name: "terms", type: "CrossLedgerTerms" },
    { name: "outcome", type: "uint8" },
  ],
  CrossLedgerTerms: [...CROSS_LEDGER_TERMS_TYPE],
};

const CROSS_LEDGER_TERMS_TUPLE = `tuple(${CROSS_LEDGER_TERMS_TYPE.map((f) => `${f.type} ${f.name}`).join(",")})`;

/** Domain tag of two-ledger settlement IDs, version 1. */
export const CROSS_LEDGER_ID_DOMAIN = "kessai.crossledger.v1";

/**
 * Validates and normalises two-ledger terms with the SDK's validators (checksummed addresses,
 * bigint values, positive chain IDs). Throws an `InputError` subclass naming the first field at
 * fault; nothing is sent. With `now`, the deadline must be after it. Also refused: the seller as
 * buyer, the verifier as a party, the two ledgers as one contract on one chain, and the security
 * token as the cash token on one chain.
 */
export function buildCrossLedgerTerms(
  input: CrossLedgerTermsInput,
  opts: { now?: bigint } = {},
): CrossLedgerTerms {
  if (!input || typeof input !== "object")
    throw new InvalidTermsError("terms", input, "must be an object");
  const t: CrossLedgerTerms = {
    id: toSettlementId(input.id, "terms.id"),
    seller: toAddress(input.seller, "terms.seller"),
    buyer: toAddress(input.buyer, "terms.buyer"),
    stChainId: toChainId(input.stChainId, "terms.stChainId"),
    stLedger: toAddress(input.stLedger, "terms.stLedger"),
    securityToken: toAddress(input.securityToken, "terms.securityToken"),
    quantity: toAmount(input.quantity, "terms.quantity"),
    cashChainId: toChainId(input.cashChainId, "terms.cashChainId"),
    cashLedger: toAddress(input.cashLedger, "terms.cashLedger"),
    cashToken: toAddress(input.cashToken, "terms.cashToken"),
    amount: toAmount(input.amount, "terms.amount"),
    deadline: toDeadline(input.deadline, "terms.deadline", {
      now: opts.now,
      future: opts.now !== undefined,
    }),
    verifier: toAddress(input.verifier, "terms.verifier"),
  };
  if (t.seller === t.buyer)
    throw new InvalidTermsError("terms.buyer", t.buyer, "must differ from the seller");
  if (t.verifier === t.seller || t.verifier === t.buyer)
    throw new InvalidTermsError(
      "terms.verifier",
      t.verifier,
      "must be neither the seller nor the buyer",
    );
  if (t.stChainId === t.cashChainId) {
    if (t.stLedger === t.cashLedger)
      throw new InvalidTermsError(
        "terms.cashLedger",
        t.cashLedger,
        "must differ from the ST ledger's contract on the same chain",
      );
    if (t.securityToken === t.cashToken)
      throw new InvalidTermsError(
        "terms.cashToken",
        t.cashToken,
        "must differ from the security token on the same chain",
      );
  }
  return t;
}

/** `abi.encode(terms)` (416 bytes): the `data` of the seller's `securityToken.lock` (step 1). */
export function encodeCrossLedgerTerms(terms: CrossLedgerTerms): string {
  return AbiCoder.defaultAbiCoder().encode(
    [CROSS_LEDGER_TERMS_TUPLE],
    [crossLedgerTermsArg(terms)],
  );
}

/** Inverse of {@link encodeCrossLedgerTerms}. */
export function decodeCrossLedgerTerms(data: string): CrossLedgerTerms {
  const [r] = AbiCoder.defaultAbiCoder().decode([CROSS_LEDGER_TERMS_TUPLE], data);
  return crossLedgerTermsFromResult(r as Record<string, unknown>);
}

/** Normalises a terms struct decoded by ethers (an event's `terms`, a Result or an object). */
export function crossLedgerTermsFromResult(r: Record<string, unknown>): CrossLedgerTerms {
  return {
    id: String(r.id).toLowerCase(),
    seller: String(r.seller),
    buyer: String(r.buyer),
    stChainId: BigInt(r.stChainId as bigint),
    stLedger: String(r.stLedger),
    securityToken: String(r.securityToken),
    quantity: BigInt(r.quantity as bigint),
    cashChainId: BigInt(r.cashChainId as bigint),
    cashLedger: String(r.cashLedger),
    cashToken: String(r.cashToken),
    amount: BigInt(r.amount as bigint),
    deadline: BigInt(r.deadline as bigint),
    verifier: String(r.verifier),
  };
}

/** The terms as the plain tuple object ethers expects for contract calls. */
export function crossLedgerTermsArg(t: CrossLedgerTerms) {
  return {
    id: t.id,
    seller: t.seller,
    buyer: t.buyer,
    stChainId: t.stChainId,
    stLedger: t.stLedger,
    securityToken: t.securityToken,
    quantity: t.quantity,
    cashChainId: t.cashChainId,
    cashLedger: t.cashLedger,
    cashToken: t.cashToken,
    amount: t.amount,
    deadline: t.deadline,
    verifier: t.verifier,
  };
}

/** The EIP-712 struct hash of the terms, as `hashTerms` on both ledgers (and the instruction's authorization nonce). */
export function hashCrossLedgerTerms(terms: CrossLedgerTerms): string {
  return TypedDataEncoder.hashStruct(
    "CrossLedgerTerms",
    { CrossLedgerTerms: [...CROSS_LEDGER_TERMS_TYPE] },
    crossLedgerTermsArg(terms),
  );
}

/** The 28-byte commitment each ledger stores: the first 28 bytes of {@link hashCrossLedgerTerms}. */
export function crossLedgerTermsDigest(terms: CrossLedgerTerms): string {
  return dataSlice(hashCrossLedgerTerms(terms), 0, 28);
}

/**
 * Typed data of the verifier's attestation of `outcome` (1 `Paid`, 2 `Refunded`) on `terms` for
 * the ST ledger's `deliver` / `returnToSeller`, under the delivery contract's domain (name
 * "Kessai CrossLedgerDelivery", version "1", `terms.stChainId`, `terms.stLedger`). Its digest
 * equals `outcomeDigest` on both ledgers.
 */
export function outcomeTypedData(terms: CrossLedgerTerms, outcome: 1 | 2): TypedData {
  return {
    domain: {
      name: "Kessai CrossLedgerDelivery",
      version: "1",
      chainId: terms.stChainId,
      verifyingContract: terms.stLedger,
    },
    types: OUTCOME_TYPES,
    primaryType: "Outcome",
    message: { terms: crossLedgerTermsArg(terms), outcome },
  };
}

/**
 * Typed data of the verifier's order of `outcome` (1 `Paid` for `pay`, 2 `Refunded` for `refuse`)
 * on `terms`, under the cash ledger's payment contract's own domain (name "Kessai
 * CrossLedgerPayment", version "1", `terms.cashChainId`, `terms.cashLedger`). Its digest equals
 * the payment's `orderDigest`; it is worthless on the ST ledger.
 */
export function paymentOrderTypedData(terms: CrossLedgerTerms, outcome: 1 | 2): TypedData {
  return {
    domain: {
      name: "Kessai CrossLedgerPayment",
      version: "1",
      chainId: terms.cashChainId,
      verifyingContract: terms.cashLedger,
    },
    types: PAYMENT_ORDER_TYPES,
    primaryType: "PaymentOrder",
    message: { terms: crossLedgerTermsArg(terms), outcome },
  };
}

/** What {@link deriveCrossLedgerId} takes: the trade and the two chains. */
export interface CrossLedgerTradeIdentity extends TradeIdentity {
  /** Chain ID of the ST ledger. */
  stChainId: bigint | number;
  /** Chain ID of the cash ledger. */
  cashChainId: bigint | number;
}

/**
 * Derives the ID of a two-ledger settlement from the trade both firms booked, so each computes it
 * alone:
 *
 *   id = keccak256(abi.encode(
 *          keccak256("kessai.crossledger.v1"),
 *          string venue, string tradeId, uint32 tradeDate, uint256 stChainId, uint256 cashChainId,
 *          address seller, address buyer, address securityToken, uint256 quantity, uint256 amount))
 *
 * Another domain tag than the single-chain `deriveSettlementId`, and both chain IDs: the same
 * trade never gets the same ID in both modes nor on another pair of chains.
 */
export function deriveCrossLedgerId(trade: CrossLedgerTradeIdentity): string {
  for (const f of ["venue", "tradeId"] as const) {
    if (typeof trade?.[f] !== "string" || trade[f].length === 0)
      throw new InvalidTermsError(f, trade?.[f], "must be a non-empty string");
  }
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      [
        "bytes32",
        "string",
        "string",
        "uint32",
        "uint256",
        "uint256",
        "address",
        "address",
        "address",
        "uint256",
        "uint256",
      ],
      [
        keccak256(toUtf8Bytes(CROSS_LEDGER_ID_DOMAIN)),
        trade.venue,
        trade.tradeId,
        normaliseTradeDate(trade.tradeDate),
        toChainId(trade.stChainId, "stChainId"),
        toChainId(trade.cashChainId, "cashChainId"),
        toAddress(trade.seller, "seller"),
        toAddress(trade.buyer, "buyer"),
        toAddress(trade.securityToken, "securityToken"),
        toAmount(trade.quantity, "quantity"),
        toAmount(trade.amount, "amount"),
      ],
    ),
  );
}
