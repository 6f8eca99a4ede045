/**
 * Amounts in the deposit ledger: whole yen (DCJPY has 0 decimals), positive, at most
 * {@link LEDGER_MAX_AMOUNT} per transfer. The ledger stores 64-bit integers (BIGINT on both back
 * ends) so that balances and the no-overdraft rule are plain SQL arithmetic in CHECK constraints;
 * 2^63 − 1 yen is about 7,000 times Japan's money stock.
 */
import { InvalidInputError } from "./errors.js";

/** Largest balance or sum a ledger column holds: 2^63 − 1. */
export const LEDGER_MAX_AMOUNT = (1n << 63n) - 1n;

/**
 * Parses an amount from JSON input: a non-negative safe integer or a string of decimal digits.
 * Refuses zero, negatives, fractions, exponents and anything above `max`, naming `field`.
 */
export function parseAmount(value: unknown, field: string, max: bigint): bigint {
  let v: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new InvalidInputError("amount_invalid", `${field} must be an integer`, field);
    }
    if (!Number.isSafeInteger(value)) {
      // Above 2^53 a JSON number has already lost digits: demand a string.
      throw new InvalidInputError(
        value < 0 ? "amount_invalid" : "amount_too_large",
        `${field} above 2^53 must be a decimal string`,
        field,
      );
    }
    v = BigInt(value);
  } else if (typeof value === "string" && /^-?[0-9]+$/.test(value) && value.length <= 80) {
    v = BigInt(value);
  } else {
    throw new InvalidInputError(
      "amount_invalid",
      `${field} must be a positive integer (a JSON integer or a string of digits)`,
      field,
    );
  }
  if (v <= 0n) throw new InvalidInputError("amount_invalid", `${field} must be positive`, field);
  if (v > max) {
    throw new InvalidInputError("amount_too_large", `${field} must be at most ${max}`, field);
  }
  return v;
}
