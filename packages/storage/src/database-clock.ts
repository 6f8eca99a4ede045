/**
 * The database's clock, for services whose instances share a database from hosts whose clocks may
 * disagree: times another instance (or an operator's tool) compares, such as the outbox's due
 * times and leases, are written on the database's clock, not the host's.
 */
import { decodeTime } from "./codec.js";
import { sql, type Sql } from "./sql.js";
import type { Queryable } from "./store.js";

/**
 * The database's clock `ms` from now, in the form its timestamp columns hold (on SQLite the UTC
 * ISO text `encodeTime` writes, on PostgreSQL a `TIMESTAMPTZ`), to write or compare in SQL.
 */
export function databaseTime(ms = 0): Sql {
  return sql.dialect({
    postgres: sql`(CURRENT_TIMESTAMP + make_interval(secs => ${ms / 1000}))`,
    sqlite: sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ${`${ms / 1000} seconds`})`,
  });
}

/**
 * The database's clock now ({@link databaseTime}), read: for the times the building blocks write
 * from a `Date` (the outbox's due times and leases), so that they are the database's clock too,
 * off by at most the round trip of this read.
 */
export async function readDatabaseTime(db: Queryable): Promise<Date> {
  const row = await db.get<{ now: unknown }>(sql`SELECT ${databaseTime()} AS now`);
  return decodeTime(row?.now, "now");
}

/**
 * The database's clock as this host tells it: the host's clock plus the offset last read
 * ({@link sync}: one query, the offset taken at the middle of its round trip). Until the first
 * read it is the host's clock.
 */
export class DatabaseClock {
  private offsetMs = 0;
  private readAt: number | undefined;

  /** The database's clock less this host's, ms, as last read (0 before the first read). */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Reads the database's clock and keeps its offset from this host's; with `maxAgeMs`, only when
   * the last read is older than that.
   */
  async sync(db: Queryable, maxAgeMs = 0): Promise<void> {
    const asked = Date.now();
    if (this.readAt !== undefined && asked - this.readAt < maxAgeMs) return;
    const at = (await readDatabaseTime(db)).getTime();
    const answered = Date.now();
    this.offsetMs = at - (asked + answered) / 2;
    this.readAt = answered;
  }

  /** Now on the database's clock. */
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** A time on the database's clock (a lease's end, say) as this host's `Date.now()` reads it. */
  toHost(t: Date): number {
    return t.getTime() - this.offsetMs;
  }
}
