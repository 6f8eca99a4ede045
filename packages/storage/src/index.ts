/**
 * `@kessai/storage`: the storage layer of Kessai's services. One {@link Store} interface over
 * SQLite (embedded default) and PostgreSQL (production), parameterised SQL built with {@link sql},
 * typed errors, versioned per-module migrations, and the building blocks every service needs:
 * {@link outbox}, {@link inbox}, {@link cursors} and {@link journal}; and, for the SDK's
 * transaction engine, its journal ({@link txJournal}) and a cross-process key lock
 * ({@link openPostgresKeyLock}).
 */
import * as cursors from "./cursors.js";
import * as inbox from "./inbox.js";
import * as journal from "./journal.js";
import type { MigrationModule } from "./migrations.js";
import * as outbox from "./outbox.js";

export * from "./errors.js";
export { sql, compile, isSql, isDialectSwitch, DialectSwitch } from "./sql.js";
export type { Sql, SqlValue, Dialect, CompiledSql } from "./sql.js";
export * from "./codec.js";
export * from "./ddl.js";
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from "./backoff.js";
export type {
  Store,
  Tx,
  Queryable,
  Row,
  RunResult,
  TransactionOptions,
  RetryPolicy,
  RetryEvent,
  StoreOptions,
} from "./store.js";
export { openSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export { openStore } from "./open.js";
export { groupCommit, type GroupCommit, type GroupCommitOptions } from "./group-commit.js";
export { DatabaseClock, databaseTime, readDatabaseTime } from "./database-clock.js";
export {
  migrationChecksum,
  migrationSql,
  type Migration,
  type MigrationModule,
  type MigrationReport,
  type AppliedMigration,
} from "./migrations.js";
export { outbox, inbox, cursors, journal };
export {
  txJournal,
  migrations as txJournalMigrations,
  OPEN_TX_STATES,
  openCount as txJournalOpenCount,
  type TxJournal,
  type TxJournalRecord,
} from "./tx-journal.js";
export {
  openPostgresKeyLock,
  type PostgresKeyLock,
  type PostgresKeyLockOptions,
} from "./key-lock.js";

/** The migrations of all four building blocks, for a service that uses them all. */
export const buildingBlocks: readonly MigrationModule[] = [
  outbox.migrations,
  inbox.migrations,
  cursors.migrations,
  journal.migrations,
];
