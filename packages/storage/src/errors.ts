import { KessaiError, type KessaiErrorOptions } from "@kessai/sdk";
import type { Dialect } from "./sql.js";

/** Options of every {@link StorageError} constructor: the SDK's error options. */
export type StorageErrorOptions = KessaiErrorOptions;

/**
 * Base of every error the storage layer throws: a {@link KessaiError} (one hierarchy with the SDK
 * whose journal this layer implements, so `instanceof KessaiError` catches both), with its
 * one-line `shortMessage`, optional `details` and `metaMessages`, and the original `cause`. No raw
 * driver error crosses the interface: a failed statement is always one of the subclasses below,
 * with the driver's error as `cause`.
 */
export class StorageError extends KessaiError {
  override name = "StorageError";
}

// ---------------------------------------------------------------------------------------------
// Constraint violations: one class per kind, each naming the constraint and table when the
// database reports them.

/** Where a constraint violation happened, as far as the back end reports it. */
export interface ConstraintInfo {
  /** Back end that reported the violation. */
  dialect: Dialect;
  /** Constraint name (PostgreSQL always; SQLite for named CHECK constraints), or undefined. */
  constraint?: string | undefined;
  /** Table name (PostgreSQL always; SQLite for UNIQUE and NOT NULL), or undefined. */
  table?: string | undefined;
}

/** A statement broke an SQL constraint. Catch a subclass to handle one kind. */
export class ConstraintViolationError extends StorageError {
  override name = "ConstraintViolationError";
  /** Back end that reported the violation. */
  readonly dialect: Dialect;
  /** Constraint name, or undefined when the back end does not report it. */
  readonly constraint: string | undefined;
  /** Table name, or undefined when the back end does not report it. */
  readonly table: string | undefined;

  constructor(shortMessage: string, info: ConstraintInfo, options: StorageErrorOptions = {}) {
    super(shortMessage, options);
    this.dialect = info.dialect;
    this.constraint = info.constraint;
    this.table = info.table;
  }
}

/** A row would duplicate a UNIQUE or PRIMARY KEY value. */
export class UniqueViolationError extends ConstraintViolationError {
  override name = "UniqueViolationError";
  /** Columns of the violated key, when the back end reports them. */
  readonly columns: string[];

  constructor(info: ConstraintInfo & { columns?: string[] }, options: StorageErrorOptions = {}) {
    const columns = info.columns ?? [];
    super(
      `Unique violation${describe(info)}${columns.length ? ` on (${columns.join(", ")})` : ""}`,
      info,
      options,
    );
    this.columns = columns;
  }
}

/** A row fails a CHECK constraint. */
export class CheckViolationError extends ConstraintViolationError {
  override name = "CheckViolationError";

  constructor(info: ConstraintInfo, options: StorageErrorOptions = {}) {
    super(`Check constraint violated${describe(info)}`, info, options);
  }
}

/** A row references a missing parent, or a parent that is still referenced was removed. */
export class ForeignKeyViolationError extends ConstraintViolationError {
  override name = "ForeignKeyViolationError";

  constructor(info: ConstraintInfo, options: StorageErrorOptions = {}) {
    super(`Foreign key violated${describe(info)}`, info, options);
  }
}

/** A NOT NULL column was given NULL. */
export class NotNullViolationError extends ConstraintViolationError {
  override name = "NotNullViolationError";
  /** The column, when the back end reports it. */
  readonly column: string | undefined;

  constructor(info: ConstraintInfo & { column?: string }, options: StorageErrorOptions = {}) {
    super(
      `NOT NULL violated${describe(info)}${info.column ? ` on column ${info.column}` : ""}`,
      info,
      options,
    );
    this.column = info.column;
  }
}

/**
 * A row that the schema declares immutable (an append-only history) was changed: a trigger
 * refused it. `constraint` is the trigger's name.
 */
export class ImmutableRowError extends ConstraintViolationError {
  override name = "ImmutableRowError";

  constructor(info: ConstraintInfo, options: StorageErrorOptions = {}) {
    super(`Immutable row changed${describe(info)}`, info, options);
  }
}

function describe(info: ConstraintInfo): string {
  const parts = [
    info.table ? `table ${info.table}` : undefined,
    info.constraint ? `constraint ${info.constraint}` : undefined,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

// ---------------------------------------------------------------------------------------------
// Transactions and connections.

/**
 * A PostgreSQL transaction kept failing with a serialization failure (40001) or a deadlock
 * (40P01) and was retried `attempts` times; `cause` is the last failure.
 */
export class SerializationFailureError extends StorageError {
  override name = "SerializationFailureError";
  /** How many times the transaction ran. */
  readonly attempts: number;
  /** SQLSTATE of the last failure: "40001" or "40P01". */
  readonly sqlState: string;

  constructor(args: { attempts: number; sqlState: string }, options: StorageErrorOptions = {}) {
    super(
      `Transaction ${args.sqlState === "40P01" ? "deadlocked" : "failed to serialize"} on each of ${args.attempts} attempts`,
      options,
    );
    this.attempts = args.attempts;
    this.sqlState = args.sqlState;
  }
}

/** SQLite's database file stayed locked by another connection for longer than the busy timeout. */
export class StorageBusyError extends StorageError {
  override name = "StorageBusyError";
}

/** The database could not be reached, or the connection broke. */
export class StorageConnectionError extends StorageError {
  override name = "StorageConnectionError";
  /**
   * True when the connection broke while COMMIT was in flight: the transaction may or may not
   * have committed. Re-read before acting on it.
   */
  readonly commitUnknown: boolean;

  constructor(
    shortMessage: string,
    options: StorageErrorOptions & { commitUnknown?: boolean } = {},
  ) {
    super(shortMessage, options);
    this.commitUnknown = options.commitUnknown ?? false;
  }
}

/** A value does not fit its column or type (an amount out of range, a malformed timestamp). */
export class InvalidValueError extends StorageError {
  override name = "InvalidValueError";
  /** What was being encoded or stored (e.g. "amount"). */
  readonly field: string;
  /** The offending value, as text. */
  readonly value: string;

  constructor(
    args: { field: string; value: unknown; reason: string },
    options: StorageErrorOptions = {},
  ) {
    super(`Invalid ${args.field}: ${args.reason}`, options);
    this.field = args.field;
    this.value = safeString(args.value);
  }
}

/** Any other failed statement (syntax error, missing table, ...), with the back end's code. */
export class QueryError extends StorageError {
  override name = "QueryError";
  /** SQLSTATE (PostgreSQL) or SQLite result code name (e.g. "SQLITE_ERROR"). */
  readonly code: string | undefined;

  constructor(shortMessage: string, args: { code?: string }, options: StorageErrorOptions = {}) {
    super(shortMessage, options);
    this.code = args.code;
  }
}

/**
 * A transaction was used wrongly: `store.transaction` (or a store query) called inside a
 * transaction callback, a `tx` used after its transaction ended, a statement after an earlier
 * one failed in the same transaction, or a store used after `close()`.
 */
export class TransactionStateError extends StorageError {
  override name = "TransactionStateError";
}

// ---------------------------------------------------------------------------------------------
// Migrations.

/** A migration that was already applied has changed since (its checksum differs). */
export class MigrationChecksumError extends StorageError {
  override name = "MigrationChecksumError";
  readonly namespace: string;
  readonly version: number;
  /** Checksum recorded when the migration was applied. */
  readonly applied: string;
  /** Checksum of the migration as the code defines it now. */
  readonly defined: string;

  constructor(args: { namespace: string; version: number; applied: string; defined: string }) {
    super(
      `Migration ${args.namespace}@${args.version} changed after it was applied (checksum ${args.applied.slice(0, 12)}… applied, ${args.defined.slice(0, 12)}… defined)`,
    );
    this.namespace = args.namespace;
    this.version = args.version;
    this.applied = args.applied;
    this.defined = args.defined;
  }
}

/** The database has a migration that the code does not define (it was migrated by newer code). */
export class MigrationUnknownError extends StorageError {
  override name = "MigrationUnknownError";
  readonly namespace: string;
  readonly version: number;

  constructor(args: { namespace: string; version: number; name: string }) {
    super(
      `Migration ${args.namespace}@${args.version} (${args.name}) is applied but not defined: the database was migrated by a newer version`,
    );
    this.namespace = args.namespace;
    this.version = args.version;
  }
}

/** A migration module is malformed (versions not 1, 2, 3, ..., a duplicate namespace, ...). */
export class MigrationDefinitionError extends StorageError {
  override name = "MigrationDefinitionError";
  readonly namespace: string;

  constructor(namespace: string, reason: string) {
    super(`Migration module ${namespace}: ${reason}`);
    this.namespace = namespace;
  }
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string"
      ? value
      : typeof value === "bigint"
        ? `${value}`
        : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

/** An outbox item with this topic and idempotency key exists with a different payload. */
export class OutboxKeyConflictError extends StorageError {
  override name = "OutboxKeyConflictError";
  readonly topic: string;
  readonly key: string;

  constructor(args: { topic: string; key: string }) {
    super(
      `Outbox key ${JSON.stringify(args.key)} (topic ${args.topic}) is already used with a different payload`,
    );
    this.topic = args.topic;
    this.key = args.key;
  }
}

/**
 * The claim on an outbox item is no longer held: its lease expired and another worker claimed it,
 * or it was already completed, failed or dead-lettered. The caller must not record a result.
 */
export class OutboxLeaseLostError extends StorageError {
  override name = "OutboxLeaseLostError";
  readonly id: number;
  readonly attempt: number;

  constructor(args: { id: number; attempt: number }) {
    super(`Outbox item ${args.id}: the claim of attempt ${args.attempt} is no longer held`);
    this.id = args.id;
    this.attempt = args.attempt;
  }
}

/** An outbox item is not in the status an operation needs (e.g. re-queueing one that is not dead). */
export class OutboxStateError extends StorageError {
  override name = "OutboxStateError";
  readonly id: number;
  /** Its status, or undefined when there is no such item. */
  readonly status: string | undefined;
  readonly expected: string;

  constructor(args: { id: number; status: string | undefined; expected: string }) {
    super(`Outbox item ${args.id} is ${args.status ?? "unknown"}, expected ${args.expected}`);
    this.id = args.id;
    this.status = args.status;
    this.expected = args.expected;
  }
}

/** A journal entry is not at the version the caller expected (another writer changed it). */
export class JournalVersionConflictError extends StorageError {
  override name = "JournalVersionConflictError";
  readonly namespace: string;
  readonly id: string;
  /** The version the caller expected (0: expected no entry). */
  readonly expected: number;
  /** The entry's version (0: no entry). */
  readonly actual: number;

  constructor(args: { namespace: string; id: string; expected: number; actual: number }) {
    super(
      `Journal entry ${args.namespace}/${args.id} is at version ${args.actual}, expected ${args.expected}`,
    );
    this.namespace = args.namespace;
    this.id = args.id;
    this.expected = args.expected;
    this.actual = args.actual;
  }
}

/** A cursor would move backwards (or to another block at the same height) without a rewind. */
export class CursorRegressionError extends StorageError {
  override name = "CursorRegressionError";
  readonly consumer: string;
  readonly chainId: number;
  readonly current: { blockNumber: number; blockHash: string };
  readonly requested: { blockNumber: number; blockHash: string };

  constructor(args: {
    consumer: string;
    chainId: number;
    current: { blockNumber: number; blockHash: string };
    requested: { blockNumber: number; blockHash: string };
  }) {
    super(
      `Cursor ${args.consumer} on chain ${args.chainId} is at block ${args.current.blockNumber} (${args.current.blockHash.slice(0, 10)}…); advancing to ${args.requested.blockNumber} (${args.requested.blockHash.slice(0, 10)}…) would not move it forward: rewind it first`,
    );
    this.consumer = args.consumer;
    this.chainId = args.chainId;
    this.current = args.current;
    this.requested = args.requested;
  }
}
