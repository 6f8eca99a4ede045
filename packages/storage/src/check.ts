/** Input checks shared by the building blocks: each throws an InvalidValueError naming the field. */
import { InvalidValueError } from "./errors.js";

/** A non-empty string of at most `max` characters. */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > max) {
    throw new InvalidValueError({ field, value, reason: `expected 1 to ${max} characters` });
  }
  return value;
}

/** An integer in [min, max] (default: a non-negative safe integer). */
export function checkInt(
  field: string,
  value: unknown,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidValueError({
      field,
      value,
      reason: `expected an integer from ${min} to ${max}`,
    });
  }
  return value;
}

/** A 32-byte hash as 0x-prefixed hex, returned lower-case. */
export function checkHash(field: string, value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new InvalidValueError({
      field,
      value,
      reason: "expected a 0x-prefixed 32-byte hex hash",
    });
  }
  return value.toLowerCase();
}

/** A valid Date. */
export function checkDate(field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidValueError({ field, value, reason: "expected a valid Date" });
  }
  return value;
}
