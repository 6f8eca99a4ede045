/**
 * Decoders of column values as the two drivers return them (SQLite: integers and ISO text;
 * PostgreSQL: booleans and `Date`s), shared by the ledger and the records.
 */

/** A boolean column: `true`, `1`, `1n`, `"1"` or `"t"` read as true. */
export const bool = (v: unknown) => v === true || v === 1 || v === 1n || v === "1" || v === "t";

/** A nullable column: `undefined` for SQL NULL, else `f(v)`. */
export const opt = <T>(v: unknown, f: (x: unknown) => T): T | undefined =>
  v === null || v === undefined ? undefined : f(v);

/** A time column: a `Date` as is, text parsed. */
export const date = (v: unknown) => (v instanceof Date ? v : new Date(v as string));
