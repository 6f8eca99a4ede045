import { AbiCoder, keccak256, toUtf8Bytes } from "ethers";
import { InvalidParameterError } from "../errors/input.js";
import { toAddress, toAmount } from "../utils/validate.js";

/** Domain tag of settlement IDs, version 1. */
export const SETTLEMENT_ID_DOMAIN = "kessai.settlement.v1";

/** The trade both firms booked, from which they derive the same settlement ID independently. */
export interface TradeIdentity {
  /** Where the trade was matched (e.g. a PTS or "OTC"), as both firms spell it. */
  venue: string;
  /** The venue's (or the firms' agreed) trade identifier. */
  tradeId: string;
  /** Trade date: "YYYY-MM-DD", "YYYYMMDD" or a Date (its UTC date). */
  tradeDate: string | Date;
  seller: string;
  buyer: string;
  securityToken: string;
  quantity: bigint;
  amount: bigint;
}

/** Normalises a trade date to the integer YYYYMMDD. */
export function normaliseTradeDate(value: string | Date): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    return value.getUTCFullYear() * 10000 + (value.getUTCMonth() + 1) * 100 + value.getUTCDate();
  }
  if (typeof value === "string") {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
    if (m) {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(y, mo - 1, d));
      if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
        return y * 10000 + mo * 100 + d;
      }
    }
  }
  throw new InvalidParameterError(
    "tradeDate",
    value,
    "must be a calendar date (YYYY-MM-DD, YYYYMMDD or Date)",
  );
}

/**
 * Derives the settlement ID of a trade, deterministically, so the seller and the buyer compute the
 * same ID without exchanging it:
 *
 *   id = keccak256(abi.encode(
 *          keccak256("kessai.settlement.v1"),
 *          string venue, string tradeId, uint32 tradeDate /* YYYYMMDD *\/,
 *          address seller, address buyer, address securityToken,
 *          uint256 quantity, uint256 amount))
 *
 * Strings are taken byte for byte (UTF-8, no trimming or case folding), so firms must agree on
 * their spelling; addresses are case-insensitive.
 */
export function deriveSettlementId(trade: TradeIdentity): string {
  if (typeof trade?.venue !== "string" || trade.venue.length === 0) {
    throw new InvalidParameterError("venue", trade?.venue, "must be a non-empty string");
  }
  if (typeof trade.tradeId !== "string" || trade.tradeId.length === 0) {
    throw new InvalidParameterError("tradeId", trade.tradeId, "must be a non-empty string");
  }
  const encoded = AbiCoder.defaultAbiCoder().encode(
    [
      "bytes32",
      "string",
      "string",
      "uint32",
      "address",
      "address",
      "address",
      "uint256",
      "uint256",
    ],
    [
      keccak256(toUtf8Bytes(SETTLEMENT_ID_DOMAIN)),
      trade.venue,
      trade.tradeId,
      normaliseTradeDate(trade.tradeDate),
      toAddress(trade.seller, "seller"),
      toAddress(trade.buyer, "buyer"),
      toAddress(trade.securityToken, "securityToken"),
      toAmount(trade.quantity, "quantity"),
      toAmount(trade.amount, "amount"),
    ],
  );
  return keccak256(encoded);
}
