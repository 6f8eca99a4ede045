import { InvalidDeadlineError, InvalidParameterError } from "../errors/input.js";
import { toDeadline } from "./validate.js";

/**
 * Parses a non-negative integer written as text (a block number, a count, an account index, a
 * polling interval in milliseconds): decimal digits only, at most `Number.MAX_SAFE_INTEGER`.
 *
 * The `kessai` CLI parses `--from-block`, `--count`, `--account` and its other integer flags
 * that are not amounts with it (amounts: `parseAmount`).
 *
 * @param text The text to parse.
 * @param field Named in the error, e.g. `--from-block`.
 * @returns The integer.
 * @throws {@link InvalidParameterError} with `field` and the text as `value`.
 */
export function parseInteger(text: string, field: string): number {
  if (typeof text !== "string" || !/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidParameterError(field, text, "must be a non-negative integer");
  }
  return Number(text);
}

/**
 * Parses a point in time written as text into unix seconds: decimal seconds
 * (`1893456000`), or an ISO-8601 date-time (`2026-12-01T09:00:00+09:00`). The value then passes
 * the checks of every SDK deadline (`toDeadline`: positive, fits uint64).
 *
 * @param text The text to parse.
 * @param field Named in the error, e.g. `--deadline` or `terms.deadline`.
 * @returns The unix time in seconds.
 * @throws {@link InvalidDeadlineError} with `field` and the text as `value`.
 */
export function parseUnixTime(text: string, field: string): bigint {
  let seconds: bigint | undefined;
  if (typeof text === "string" && /^[0-9]+$/.test(text)) seconds = BigInt(text);
  else if (typeof text === "string" && /^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) seconds = BigInt(Math.floor(ms / 1000));
  }
  if (seconds === undefined) {
    throw new InvalidDeadlineError(field, text, "must be unix seconds or an ISO date-time");
  }
  try {
    return toDeadline(seconds, field);
  } catch {
    throw new InvalidDeadlineError(field, text, "must be a positive uint64 unix time");
  }
}
