/**
 * How each back end's driver errors become the storage errors ({@link StorageError} and its
 * subclasses), side by side: node-postgres reports SQLSTATE codes and the table, constraint and
 * column; better-sqlite3 reports its extended result codes and says the rest in the message.
 */
import {
  CheckViolationError,
  ForeignKeyViolationError,
  ImmutableRowError,
  InvalidValueError,
  NotNullViolationError,
  QueryError,
  SerializationFailureError,
  StorageBusyError,
  StorageConnectionError,
  StorageError,
  TransactionStateError,
  UniqueViolationError,
} from "./errors.js";
import { preview } from "./sql.js";

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EPIPE"]);

/** Maps a node-postgres error to the storage error for its kind. */
export function mapPgError(e: unknown, text: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = (e ?? {}) as Partial<
    Record<"code" | "table" | "constraint" | "column" | "detail" | "message", string>
  >;
  const code = typeof err.code === "string" ? err.code : undefined;
  const message = typeof err.message === "string" ? err.message : String(e);
  const options = { cause: e, metaMessages: [`Statement: ${preview(text)}`] };
  const info = { dialect: "postgres" as const, table: err.table, constraint: err.constraint };
  switch (code) {
    case "23505": {
      // detail: 'Key (topic, idempotency_key)=(a, b) already exists.'
      const cols = /^Key \(([^)]*)\)=/.exec(err.detail ?? "")?.[1];
      return new UniqueViolationError({ ...info, columns: cols ? cols.split(", ") : [] }, options);
    }
    case "23514":
      return new CheckViolationError(info, options);
    case "23503":
      return new ForeignKeyViolationError(info, options);
    case "23502":
      return new NotNullViolationError({ ...info, column: err.column }, options);
    case "40001":
    case "40P01":
      return new SerializationFailureError({ attempts: 1, sqlState: code }, options);
    case "25006":
      return new TransactionStateError("Write attempted in a read-only transaction", options);
    case "P0001":
      if (message.startsWith("immutable row: ")) {
        return new ImmutableRowError(
          { ...info, table: info.table ?? message.slice("immutable row: ".length) },
          options,
        );
      }
      break;
  }
  if (code && /^22/.test(code)) {
    return new InvalidValueError(
      { field: err.column ?? "value", value: message, reason: message },
      options,
    );
  }
  if (
    (code && (/^08/.test(code) || /^57P0[123]$/.test(code) || code === "53300")) ||
    (code && CONNECTION_CODES.has(code)) ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new StorageConnectionError(`PostgreSQL connection failed: ${message}`, options);
  }
  return new QueryError(`PostgreSQL statement failed: ${message}`, code ? { code } : {}, options);
}

/** Maps a better-sqlite3 error to the storage error for its kind. */
export function mapSqliteError(e: unknown, text: string): StorageError {
  if (e instanceof StorageError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === "string" ? err.code : undefined;
  const message = typeof err.message === "string" ? err.message : String(e);
  const options = { cause: e, metaMessages: [`Statement: ${preview(text)}`] };
  const dialect = "sqlite" as const;
  if (code === undefined) {
    // Binding errors (RangeError: a bigint too large, TypeError: an unsupported value type).
    if (e instanceof RangeError || e instanceof TypeError) {
      return new InvalidValueError(
        { field: "parameter", value: message, reason: message },
        options,
      );
    }
    return new QueryError(`SQLite statement failed: ${message}`, {}, options);
  }
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    // "UNIQUE constraint failed: table.a, table.b"
    const cols = message.replace(/^.*constraint failed: /, "").split(", ");
    const table = cols[0]?.split(".")[0];
    return new UniqueViolationError(
      { dialect, table, columns: cols.map((c) => c.split(".").slice(1).join(".")) },
      options,
    );
  }
  if (code === "SQLITE_CONSTRAINT_CHECK") {
    // "CHECK constraint failed: <name or expression>"
    const constraint = message.replace(/^CHECK constraint failed: /, "");
    return new CheckViolationError(
      { dialect, constraint, table: tableOfConstraint(constraint) },
      options,
    );
  }
  if (code === "SQLITE_CONSTRAINT_NOTNULL") {
    const [table, column] = message.replace(/^NOT NULL constraint failed: /, "").split(".");
    return new NotNullViolationError({ dialect, table, column }, options);
  }
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    // SQLite does not say which key.
    return new ForeignKeyViolationError({ dialect }, options);
  }
  if (code === "SQLITE_CONSTRAINT_TRIGGER" && message.startsWith("immutable row: ")) {
    return new ImmutableRowError(
      { dialect, table: message.slice("immutable row: ".length) },
      options,
    );
  }
  if (code === "SQLITE_CONSTRAINT_DATATYPE") {
    return new InvalidValueError({ field: "column", value: message, reason: message }, options);
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new StorageBusyError("SQLite database is locked by another connection", options);
  }
  if (
    code === "SQLITE_READONLY" ||
    (code === "SQLITE_ERROR" && /query_only|readonly/i.test(message))
  ) {
    return new TransactionStateError("Write attempted in a read-only transaction", options);
  }
  return new QueryError(`SQLite statement failed: ${message}`, { code }, options);
}

/** Constraints are named `<table>__<what>` by convention; returns the table part, if any. */
export function tableOfConstraint(constraint: string): string | undefined {
  const i = constraint.indexOf("__");
  return i > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(constraint) ? constraint.slice(0, i) : undefined;
}
