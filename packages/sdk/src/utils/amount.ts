import { InvalidAmountError } from "../errors/input.js";
import { amountRangeError } from "./validate.js";

/** Options of {@link parseAmount}. */
export interface ParseAmountOptions {
  /** Accept zero (default: refused). */
  allowZero?: boolean;
  /** Largest accepted value (default 2^256 - 1). */
  max?: bigint;
}

/**
 * Parses an integer amount written as text (a command-line flag, a form field, a JSON string)
 * into the `bigint` every SDK action takes: decimal digits in base units, with optional `_`
 * between digit groups (`1_000_000`). No sign, decimal point, exponent or spaces. The value then
 * passes the same range checks as every SDK amount (not negative, at most `max`, not zero unless
 * `allowZero`).
 *
 * The `kessai` CLI parses `--amount`, `--quantity` and every other integer flag with it.
 *
 * @param text The text to parse.
 * @param field Named in the error, e.g. `--amount` or `terms.amount`.
 * @returns The amount.
 * @throws {@link InvalidAmountError} with `field` and the text as `value`.
 */
export function parseAmount(text: string, field: string, opts: ParseAmountOptions = {}): bigint {
  if (typeof text !== "string" || !/^[0-9]+(_[0-9]+)*$/.test(text)) {
    throw new InvalidAmountError(field, text, "must be a non-negative integer in base units");
  }
  const value = BigInt(text.replace(/_/g, ""));
  const reason = amountRangeError(value, opts);
  if (reason) throw new InvalidAmountError(field, text, reason);
  return value;
}
