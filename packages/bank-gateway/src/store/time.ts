/**
 * The clock of every time the gateway writes (`created_at`, `updated_at`, the outbox's due times
 * and leases): the database's, so that instances on hosts whose clocks disagree write one clock.
 */
import { databaseTime, encodeTime, sql, type Sql } from "@kessai/storage";

/**
 * A time to write: `now` when given (a `Date` on the database's clock, from the gateway's
 * `DatabaseClock`), else the database's clock itself, read by the statement that writes it.
 */
export const writtenAt = (now?: Date): Sql =>
  now === undefined ? databaseTime() : sql`${encodeTime(now)}`;
