import { InputError } from "./input.js";

/**
 * Why a line of a trade file was refused (see `parseTradeFile`):
 *
 * - `malformedLine`: not a CSV record of the header's width, or not a JSON object;
 * - `badHeader`: the CSV header lacks a required column or names an unknown one;
 * - `missingField`: a required field is absent or empty;
 * - `badAddress`: the seller, buyer, agent or security token is not an address (or is zero);
 * - `sameParty`: the seller is the buyer, or the agent is one of them;
 * - `badQuantity`: the quantity is not a positive integer (negative, zero, decimal, a JSON number);
 * - `badAmount`: the amount or price is not a positive integer;
 * - `amountMismatch`: both amount and price are given and amount != quantity × price;
 * - `badDate`: a date is not a calendar date, or the settlement date is before the trade date;
 * - `duplicateTradeId`: the venue's trade ID appeared on an earlier line;
 * - `unknownToken`: the security token is not one of the deployment's.
 */
export type TradeLineErrorCode =
  | "malformedLine"
  | "badHeader"
  | "missingField"
  | "badAddress"
  | "sameParty"
  | "badQuantity"
  | "badAmount"
  | "amountMismatch"
  | "badDate"
  | "duplicateTradeId"
  | "unknownToken";

/**
 * One line of a trade file was refused. Nothing is sent for it; the other lines are still read.
 * `line` is 1-based, counting every line of the file (header, comments and blank lines included),
 * so it matches what an editor shows.
 */
export class TradeLineError extends InputError {
  override name = "TradeLineError";
  /** 1-based line number in the file. */
  readonly line: number;
  /** What was wrong, one of {@link TradeLineErrorCode}. */
  readonly code: TradeLineErrorCode;
  constructor(
    line: number,
    code: TradeLineErrorCode,
    field: string,
    value: unknown,
    reason: string,
  ) {
    super(field, value, `line ${line}: ${field} ${reason}${show(value)}`);
    this.line = line;
    this.code = code;
  }
}

function show(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string")
    return `: ${JSON.stringify(value.length > 80 ? value.slice(0, 77) + "..." : value)}`;
  if (typeof value === "bigint") return `: ${value}`;
  try {
    return `: ${JSON.stringify(value)}`;
  } catch {
    return `: ${String(value)}`;
  }
}
