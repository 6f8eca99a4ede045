import { InvalidValueError } from "./errors.js";

/** The two back ends. */
export type Dialect = "sqlite" | "postgres";

/** A value a statement may carry as a parameter. `undefined` is refused (use `null`). */
export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array;

// A registered symbol: two copies of this module in one process (the built package and its source,
// as tests may load both) still recognise each other's fragments and dialect switches, so every
// recognition below goes through this marker, never `instanceof` (each copy has its own classes).
// Input (JSON, query strings) cannot carry a symbol, so only code can make a fragment.
const SQL = Symbol.for("kessai.sql");
/** The marker's value on a fragment and on a dialect switch. */
const FRAGMENT: true = true;
const SWITCH: "dialect" = "dialect";

/**
 * A statement or a fragment of one: SQL text with its parameters kept apart. Built only with the
 * {@link sql} tag, so a value can never become SQL text; trusted text (identifiers from code, not
 * input) goes through {@link sql.raw} or {@link sql.id}.
 */
export interface Sql {
  readonly [SQL]: true;
  /** Text pieces; `values[i]` goes between `strings[i]` and `strings[i + 1]`. */
  readonly strings: readonly string[];
  /** Parameters or nested fragments. */
  readonly values: readonly (SqlValue | Sql | DialectSwitch)[];
}

/**
 * A fragment chosen per back end when the statement is compiled; made by {@link sql.dialect}.
 * Recognised by its marker ({@link isDialectSwitch}), not by its class.
 */
export class DialectSwitch {
  readonly [SQL] = SWITCH;
  constructor(readonly variants: Readonly<Record<Dialect, Sql>>) {
    Object.freeze(this);
  }
}

/** A statement compiled for one back end: `?` placeholders (SQLite) or `$1, $2, ...` (PostgreSQL). */
export interface CompiledSql {
  text: string;
  params: SqlValue[];
}

function fragment(
  strings: readonly string[],
  values: readonly (SqlValue | Sql | DialectSwitch)[],
): Sql {
  return Object.freeze({ [SQL]: FRAGMENT, strings, values });
}

/** True when `value` is a fragment made by {@link sql} (by any copy of this module). */
export function isSql(value: unknown): value is Sql {
  return typeof value === "object" && value !== null && (value as Sql)[SQL] === FRAGMENT;
}

/** True when `value` is a switch made by {@link sql.dialect} (by any copy of this module). */
export function isDialectSwitch(value: unknown): value is DialectSwitch {
  return typeof value === "object" && value !== null && (value as DialectSwitch)[SQL] === SWITCH;
}

/**
 * Tagged template that builds a parameterised statement. Every `${value}` becomes a parameter;
 * a nested `${sql`...`}` fragment is spliced in with its own parameters.
 *
 * @example
 * await tx.get(sql`SELECT state FROM kessai_journal WHERE namespace = ${ns} AND id = ${id}`);
 */
export function sql(strings: TemplateStringsArray, ...values: (SqlValue | Sql)[]): Sql {
  return fragment([...strings], values);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Trusted SQL text spliced in as is. Never pass input here. */
sql.raw = (text: string): Sql => fragment([text], []);

/**
 * An identifier (table or column name) checked against `[A-Za-z_][A-Za-z0-9_]*` and double-quoted;
 * throws a TypeError otherwise.
 */
sql.id = (name: string): Sql => {
  if (!IDENTIFIER.test(name)) throw new TypeError(`not an SQL identifier: ${JSON.stringify(name)}`);
  return fragment([`"${name}"`], []);
};

/** Joins fragments or values with a separator (default ", "), e.g. for `IN (...)` lists. */
sql.join = (items: readonly (SqlValue | Sql)[], separator = ", "): Sql => {
  if (items.length === 0) return fragment([""], []);
  const strings = ["", ...Array<string>(items.length - 1).fill(separator), ""];
  return fragment(strings, items);
};

/** A fragment that differs per back end (e.g. a locking clause only PostgreSQL has). */
sql.dialect = (variants: Record<Dialect, Sql>): Sql =>
  fragment(["", ""], [new DialectSwitch(variants)]);

/** Compiles `query` for `dialect`: placeholders numbered, nested fragments flattened. */
export function compile(query: Sql, dialect: Dialect): CompiledSql {
  const params: SqlValue[] = [];
  let text = "";
  const walk = (q: Sql) => {
    q.strings.forEach((s, i) => {
      text += s;
      if (i >= q.values.length) return;
      const v = q.values[i];
      if (isDialectSwitch(v)) walk(v.variants[dialect]);
      else if (isSql(v)) walk(v);
      else {
        if (v === undefined) {
          throw new InvalidValueError({
            field: `parameter #${params.length + 1}`,
            value: undefined,
            reason: `undefined (use null) after: ${preview(text)}`,
          });
        }
        params.push(v as SqlValue);
        text += dialect === "postgres" ? `$${params.length}` : "?";
      }
    });
  };
  walk(query);
  return { text, params };
}

/** A Date parameter as both back ends store it: ISO 8601 in UTC; an invalid Date is refused. */
export function isoParam(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw new InvalidValueError({ field: "parameter", value, reason: "invalid Date" });
  }
  return value.toISOString();
}

/** A statement's text shortened to one line for error messages (never its values). */
export function preview(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
