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
 * The database's clock as this host tells it: the database's clock as last read ({@link sync}:
 * one query, taken at the middle of its round trip) plus the time since on this host's monotonic
 * clock, which a step of the host's clock (an NTP correction) does not move. Until the first read
 * it is the host's clock.
 */
export class DatabaseClock {
  /** The last read: the database's clock then, and this host's monotonic clock then, ms. */
  private read: { db: number; mono: number } | undefined;

  /** The database's clock less this host's, ms, now (0 before the first read). */
  get offset(): number {
    const r = this.read;
    return r === undefined ? 0 : r.db + (performance.now() - r.mono) - Date.now();
  }

  /**
   * Reads the database's clock; with `maxAgeMs`, only when the last read is older than that (on
   * the monotonic clock).
   */
  async sync(db: Queryable, maxAgeMs = 0): Promise<void> {
    const asked = performance.now();
    if (this.read !== undefined && asked - this.read.mono < maxAgeMs) return;
    const at = (await readDatabaseTime(db)).getTime();
    this.read = { db: at, mono: (asked + performance.now()) / 2 };
  }

  /** Now on the database's clock. */
  now(): Date {
    const r = this.read;
    return new Date(r === undefined ? Date.now() : r.db + (performance.now() - r.mono));
  }

  /** A time on the database's clock (a lease's end, say) as this host's `Date.now()` reads it. */
  toHost(t: Date): number {
    return t.getTime() - this.offset;
  }
}
