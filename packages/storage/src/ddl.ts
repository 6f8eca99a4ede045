/**
 * Helpers for migrations that work on both back ends: column types and the CHECK expressions
 * that make SQLite hold the same values PostgreSQL's types allow. Constraint names follow
 * `<table>__<what>`, so a violation on SQLite (which reports only the constraint's name) still
 * names its table.
 */
import type { Dialect } from "./sql.js";

/** Column types per back end, for migrations that work on both. */
export const columnTypes: Readonly<
  Record<
    Dialect,
    Readonly<Record<"amount" | "timestamp" | "json" | "bigint" | "text" | "bytes", string>>
  >
> = {
  sqlite: {
    amount: "TEXT",
    timestamp: "TEXT",
    json: "TEXT",
    bigint: "INTEGER",
    text: "TEXT",
    bytes: "BLOB",
  },
  postgres: {
    amount: "NUMERIC(78,0)",
    timestamp: "TIMESTAMPTZ(3)",
    json: "JSONB",
    bigint: "BIGINT",
    text: "TEXT",
    bytes: "BYTEA",
  },
};

/**
 * The CHECK expression that keeps an amount column a non-negative integer of at most 78 digits:
 * `"col" >= 0` on PostgreSQL (the type does the rest), the canonical-decimal test on SQLite.
 */
export function amountCheck(dialect: Dialect, column: string): string {
  const c = `"${column}"`;
  return dialect === "postgres"
    ? `${c} >= 0`
    : `length(${c}) BETWEEN 1 AND 78 AND ${c} NOT GLOB '*[^0-9]*' AND (${c} = '0' OR substr(${c}, 1, 1) <> '0')`;
}

/** The CHECK expression for a timestamp column: none needed on PostgreSQL, the ISO form on SQLite. */
export function timestampCheck(dialect: Dialect, column: string): string {
  const c = `"${column}"`;
  const d = "[0-9]";
  return dialect === "postgres"
    ? "TRUE"
    : `${c} GLOB '${d}${d}${d}${d}-${d}${d}-${d}${d}T${d}${d}:${d}${d}:${d}${d}.${d}${d}${d}Z'`;
}

/** The CHECK expression for a JSON column: none needed on PostgreSQL (JSONB), `json_valid` on SQLite. */
export function jsonCheck(dialect: Dialect, column: string): string {
  return dialect === "postgres" ? "TRUE" : `json_valid("${column}")`;
}

/** The CHECK expression for a column of `bytes` bytes as 0x-prefixed lower-case hex (a hash: 32). */
export function hexCheck(dialect: Dialect, column: string, bytes: number): string {
  const c = `"${column}"`;
  return dialect === "postgres"
    ? `${c} ~ '^0x[0-9a-f]{${bytes * 2}}$'`
    : `length(${c}) = ${2 + bytes * 2} AND substr(${c}, 1, 2) = '0x' AND substr(${c}, 3) NOT GLOB '*[^0-9a-f]*'`;
}

/**
 * DDL that makes the rows of `table` immutable: an UPDATE (and a DELETE unless `deletable`)
 * fails with {@link ImmutableRowError}. On PostgreSQL it (re)creates the shared trigger
 * function `kessai_immutable_row()`, so any module can use it on its own tables.
 *
 * @example
 * up: (d) => `CREATE TABLE gateway_postings (...);\n${immutableRows(d, "gateway_postings")}`
 */
export function immutableRows(
  dialect: Dialect,
  table: string,
  options: { deletable?: boolean } = {},
): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new TypeError(`bad table name ${table}`);
  const events = options.deletable ? "UPDATE" : "UPDATE OR DELETE";
  if (dialect === "sqlite") {
    const trigger = (event: string) =>
      `CREATE TRIGGER ${table}__immutable_${event.toLowerCase()} BEFORE ${event} ON ${table}\n` +
      `BEGIN SELECT RAISE(ABORT, 'immutable row: ${table}'); END;`;
    return [trigger("UPDATE"), ...(options.deletable ? [] : [trigger("DELETE")])].join("\n");
  }
  return `CREATE OR REPLACE FUNCTION kessai_immutable_row() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'immutable row: %', TG_TABLE_NAME;
END
$fn$;
CREATE TRIGGER ${table}__immutable BEFORE ${events} ON ${table}
  FOR EACH ROW EXECUTE FUNCTION kessai_immutable_row();`;
}
