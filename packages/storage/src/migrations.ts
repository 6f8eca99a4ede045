/**
 * Versioned migrations, per module, in one database.
 *
 * Each module (the outbox, the verifier, the gateway, the SDK's journal) owns a namespace and its
 * migrations, numbered 1, 2, 3, ... Each migration runs once, in its own transaction together
 * with the row that records it in `kessai_migrations` (namespace, version, name, checksum,
 * applied_at). At start, every recorded migration of the given modules is checked against the
 * code: a changed SQL text is a {@link MigrationChecksumError}, a recorded version the code does
 * not define is a {@link MigrationUnknownError}, both before anything is applied. Migrations of
 * namespaces not passed in are left alone, so services sharing a database migrate independently.
 *
 * Concurrent starts are safe: on PostgreSQL each migration transaction first takes an advisory
 * lock (and runs READ COMMITTED so it then sees what another process committed); on SQLite
 * `BEGIN IMMEDIATE` is the lock. A migration found applied after the lock is skipped.
 */
import { createHash } from "node:crypto";
import { encodeTime } from "./codec.js";
import {
  MigrationChecksumError,
  MigrationDefinitionError,
  MigrationUnknownError,
} from "./errors.js";
import { sql, type Dialect } from "./sql.js";
import type { Tx } from "./store.js";

/** One schema change. */
export interface Migration {
  /** 1 for the module's first migration, then 2, 3, ... without gaps. */
  version: number;
  /** A short description, recorded with it. */
  name: string;
  /**
   * The SQL (one or more statements, no parameters): the same text for both back ends, one text
   * per back end, or a function of the back end. Its text is checksummed: never edit a migration
   * that has shipped; add the next one.
   */
  up: string | Readonly<Record<Dialect, string>> | ((dialect: Dialect) => string);
}

/** The migrations of one module. */
export interface MigrationModule {
  /** Unique per module, e.g. "kessai.outbox", "verifier", "gateway". */
  namespace: string;
  /** In version order. */
  migrations: readonly Migration[];
}

/** A migration as recorded in `kessai_migrations`. */
export interface AppliedMigration {
  namespace: string;
  version: number;
  name: string;
  checksum: string;
}

/** What {@link runMigrations} did. */
export interface MigrationReport {
  /** Migrations applied by this call, in order. */
  applied: AppliedMigration[];
  /** Each module's version after this call. */
  versions: Record<string, number>;
}

/** A transaction that can also run a parameterless SQL script (DDL). */
export interface ScriptTx extends Tx {
  /** Runs one or more statements without parameters. */
  script(text: string): Promise<void>;
}

/** Runs `fn` in a transaction suited to migrations (see the file comment). */
export type MigrationTransaction = <T>(fn: (tx: ScriptTx) => Promise<T>) => Promise<T>;

const NAMESPACE = /^[a-z][a-z0-9_.-]{0,62}$/;

/** The migration's SQL for `dialect`, with line endings normalised. */
export function migrationSql(migration: Migration, dialect: Dialect): string {
  const up = migration.up;
  const text = typeof up === "string" ? up : typeof up === "function" ? up(dialect) : up[dialect];
  return text.replace(/\r\n/g, "\n");
}

/** SHA-256 (hex) of the migration's SQL for `dialect`. */
export function migrationChecksum(migration: Migration, dialect: Dialect): string {
  return createHash("sha256").update(migrationSql(migration, dialect)).digest("hex");
}

function validate(modules: readonly MigrationModule[]) {
  const seen = new Set<string>();
  for (const m of modules) {
    if (!NAMESPACE.test(m.namespace)) {
      throw new MigrationDefinitionError(m.namespace, "namespace must match [a-z][a-z0-9_.-]*");
    }
    if (seen.has(m.namespace)) throw new MigrationDefinitionError(m.namespace, "given twice");
    seen.add(m.namespace);
    m.migrations.forEach((mig, i) => {
      if (mig.version !== i + 1) {
        throw new MigrationDefinitionError(
          m.namespace,
          `migration #${i + 1} has version ${mig.version}; versions must be 1, 2, 3, ... in order`,
        );
      }
      if (!mig.name.trim()) {
        throw new MigrationDefinitionError(m.namespace, `migration ${mig.version} has no name`);
      }
    });
  }
}

const LOCK = sql.dialect({
  // 0x6b65737361690001: "kessai" + 1, an arbitrary key that only migrations take.
  postgres: sql`SELECT pg_advisory_xact_lock(7738151096360828929)`,
  sqlite: sql`SELECT 1`,
});

function bookkeeping(dialect: Dialect): string {
  const t = dialect === "postgres" ? "TIMESTAMPTZ(3)" : "TEXT";
  return `CREATE TABLE IF NOT EXISTS kessai_migrations (
  namespace TEXT NOT NULL,
  version INTEGER NOT NULL CONSTRAINT kessai_migrations__version CHECK (version >= 1),
  name TEXT NOT NULL,
  checksum TEXT NOT NULL CONSTRAINT kessai_migrations__checksum CHECK (length(checksum) = 64),
  applied_at ${t} NOT NULL,
  PRIMARY KEY (namespace, version)
)${dialect === "sqlite" ? " STRICT" : ""};`;
}

async function appliedRows(tx: Tx, namespace?: string): Promise<AppliedMigration[]> {
  const rows = await tx.all<{
    namespace: string;
    version: unknown;
    name: string;
    checksum: string;
  }>(
    namespace === undefined
      ? sql`SELECT namespace, version, name, checksum FROM kessai_migrations ORDER BY namespace, version`
      : sql`SELECT namespace, version, name, checksum FROM kessai_migrations WHERE namespace = ${namespace} ORDER BY version`,
  );
  return rows.map((r) => ({ ...r, version: Number(r.version) }));
}

/** Checks a recorded migration against its definition; throws on a mismatch. */
function verify(row: AppliedMigration, module: MigrationModule, dialect: Dialect) {
  const defined = module.migrations[row.version - 1];
  if (!defined) throw new MigrationUnknownError(row);
  const checksum = migrationChecksum(defined, dialect);
  if (checksum !== row.checksum) {
    throw new MigrationChecksumError({
      namespace: row.namespace,
      version: row.version,
      applied: row.checksum,
      defined: checksum,
    });
  }
}

/**
 * Checks and applies the migrations of `modules` (see the file comment). Called by
 * `store.migrate(modules)`.
 */
export async function runMigrations(
  dialect: Dialect,
  transaction: MigrationTransaction,
  modules: readonly MigrationModule[],
  now: () => Date = () => new Date(),
): Promise<MigrationReport> {
  validate(modules);
  const byNamespace = new Map(modules.map((m) => [m.namespace, m]));

  // Bookkeeping table, and every recorded migration of these modules checked before any change.
  const recorded = await transaction(async (tx) => {
    await tx.run(LOCK);
    await tx.script(bookkeeping(dialect));
    const found = new Set<string>();
    for (const row of await appliedRows(tx)) {
      const module = byNamespace.get(row.namespace);
      if (module) verify(row, module, dialect);
      found.add(`${row.namespace}@${row.version}`);
    }
    return found;
  });

  const applied: AppliedMigration[] = [];
  const versions: Record<string, number> = {};
  for (const module of modules) {
    versions[module.namespace] = 0;
    for (const migration of module.migrations) {
      if (recorded.has(`${module.namespace}@${migration.version}`)) {
        versions[module.namespace] = migration.version;
        continue;
      }
      const done = await transaction(async (tx) => {
        await tx.run(LOCK);
        const rows = await appliedRows(tx, module.namespace);
        const row = rows.find((r) => r.version === migration.version);
        if (row) {
          verify(row, module, dialect); // applied meanwhile by another process
          return undefined;
        }
        await tx.script(migrationSql(migration, dialect));
        const record: AppliedMigration = {
          namespace: module.namespace,
          version: migration.version,
          name: migration.name,
          checksum: migrationChecksum(migration, dialect),
        };
        await tx.run(sql`INSERT INTO kessai_migrations (namespace, version, name, checksum, applied_at)
          VALUES (${record.namespace}, ${record.version}, ${record.name}, ${record.checksum}, ${encodeTime(now())})`);
        return record;
      });
      if (done) applied.push(done);
      versions[module.namespace] = migration.version;
    }
  }
  return { applied, versions };
}
