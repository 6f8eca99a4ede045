/**
 * Encoding of the values the two back ends store differently, and decoding of what they return.
 *
 * - Amounts (token units; DCJPY goes up to 2^128, any uint256 fits): PostgreSQL `NUMERIC(78,0)`,
 *   SQLite `TEXT` holding the canonical decimal (digits only, no leading zero), enforced by a
 *   CHECK. Both are written and read as decimal strings, so nothing passes through a float.
 *   SQLite's INTEGER is 64-bit, too small; its SUM() of TEXT goes through a double: use
 *   {@link amountSum}, which sums exactly on both back ends.
 * - Timestamps: UTC. PostgreSQL `TIMESTAMPTZ(3)`, SQLite `TEXT` in `Date.toISOString()` form
 *   (`2026-01-31T09:00:00.000Z`, CHECKed); both compare and sort correctly, both read back as a
 *   `Date`. Parameters of type `Date` are sent in that same form.
 * - JSON: PostgreSQL `JSONB`, SQLite `TEXT` with `json_valid`. {@link encodeJson} keeps bigints
 *   (as `{"$bigint":"123"}`) and sorts object keys, so equal values encode equally.
 * - Integers: SQLite returns every INTEGER as a bigint and PostgreSQL a BIGINT as a bigint, an
 *   INTEGER as a number; {@link toNumber} and {@link toBigInt} accept all of them.
 */
import { InvalidValueError } from "./errors.js";
import { sql, type Sql } from "./sql.js";

/** Largest amount the codec writes (an amount column holds up to 78 digits): 2^256 − 1. */
export const MAX_AMOUNT = (1n << 256n) - 1n;

/** Encodes a non-negative integer amount (at most 2^256 − 1) as its canonical decimal string. */
export function encodeAmount(value: bigint, field = "amount"): string {
  if (typeof value !== "bigint") {
    throw new InvalidValueError({ field, value, reason: `expected a bigint, got ${typeof value}` });
  }
  if (value < 0n) throw new InvalidValueError({ field, value, reason: "negative" });
  if (value > MAX_AMOUNT) throw new InvalidValueError({ field, value, reason: "above 2^256 - 1" });
  return value.toString(10);
}

/** Decodes an amount column (a decimal string from either back end) to a bigint. */
export function decodeAmount(value: unknown, field = "amount"): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "string" && /^[0-9]+$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  throw new InvalidValueError({ field, value, reason: "not an integer amount" });
}

/**
 * `SUM(column)` over an amount column, exact on both back ends (a decimal string; "0" for no
 * rows). On SQLite it calls the aggregate `kessai_amount_sum` that every store registers.
 */
export function amountSum(column: Sql): Sql {
  return sql.dialect({
    postgres: sql`COALESCE(SUM(${column}), 0)::text`,
    sqlite: sql`kessai_amount_sum(${column})`,
  });
}

/** Encodes a timestamp as the UTC ISO-8601 text both back ends store and compare. */
export function encodeTime(value: Date, field = "timestamp"): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidValueError({ field, value, reason: "not a valid Date" });
  }
  const iso = value.toISOString();
  if (iso.length !== 24)
    throw new InvalidValueError({ field, value: iso, reason: "year outside 0000-9999" });
  return iso;
}

/** Decodes a timestamp column (a `Date` from PostgreSQL, ISO text from SQLite). */
export function decodeTime(value: unknown, field = "timestamp"): Date {
  const date =
    value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InvalidValueError({ field, value, reason: "not a timestamp" });
  }
  return date;
}

/** Like {@link decodeTime}, with SQL NULL as undefined. */
export function decodeOptionalTime(value: unknown, field = "timestamp"): Date | undefined {
  return value === null || value === undefined ? undefined : decodeTime(value, field);
}

/** An integer column as a number (throws above 2^53). */
export function toNumber(value: unknown, field = "integer"): number {
  const n =
    typeof value === "bigint" ? Number(value) : typeof value === "string" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) {
    throw new InvalidValueError({ field, value, reason: "not a safe integer" });
  }
  return n;
}

/** An integer column as a bigint. */
export function toBigInt(value: unknown, field = "integer"): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?[0-9]+$/.test(value)) return BigInt(value);
  throw new InvalidValueError({ field, value, reason: "not an integer" });
}

const BIGINT_TAG = "$bigint";

/**
 * JSON text for `value`, with object keys sorted (equal values give equal text) and bigints kept
 * as `{"$bigint":"<decimal>"}`. Refuses what JSON cannot carry back unchanged: undefined,
 * functions, symbols, NaN and infinities, Dates (encode them yourself), and cycles.
 */
export function encodeJson(value: unknown, field = "json"): string {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): unknown => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        if (!Number.isFinite(v)) throw invalid(path, v, "not a finite number");
        return v;
      case "bigint":
        return { [BIGINT_TAG]: v.toString(10) };
      case "object": {
        if (v === null) return null;
        if (v instanceof Date) throw invalid(path, v, "a Date (encode it as text)");
        if (seen.has(v)) throw invalid(path, "[cycle]", "a cycle");
        seen.add(v);
        try {
          if (Array.isArray(v)) return v.map((item, i) => walk(item, `${path}[${i}]`));
          const proto = Object.getPrototypeOf(v) as unknown;
          if (proto !== Object.prototype && proto !== null) {
            throw invalid(path, v, "not a plain object");
          }
          const out: Record<string, unknown> = {};
          for (const key of Object.keys(v).sort()) {
            const item = (v as Record<string, unknown>)[key];
            if (item === undefined) continue; // as JSON.stringify does
            out[key] = walk(item, `${path}.${key}`);
          }
          return out;
        } finally {
          seen.delete(v);
        }
      }
      default:
        throw invalid(path, v, `a ${typeof v}`);
    }
  };
  const invalid = (path: string, v: unknown, reason: string) =>
    new InvalidValueError({
      field: path,
      value: typeof v === "symbol" ? v.toString() : v,
      reason: `${reason} cannot be stored as JSON`,
    });
  return JSON.stringify(walk(value, field));
}

/** Parses JSON text made by {@link encodeJson}, turning `{"$bigint":"…"}` back into bigints. */
export function decodeJson(text: unknown, field = "json"): unknown {
  if (typeof text !== "string") {
    throw new InvalidValueError({ field, value: text, reason: "JSON column is not text" });
  }
  return JSON.parse(text, (_key, v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const tagged = (v as Record<string, unknown>)[BIGINT_TAG];
      if (keys.length === 1 && typeof tagged === "string" && /^-?[0-9]+$/.test(tagged)) {
        return BigInt(tagged);
      }
    }
    return v;
  });
}
