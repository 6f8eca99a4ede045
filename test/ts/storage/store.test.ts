import { expect } from "chai";
import BetterSqlite3 from "better-sqlite3";
import { KessaiError } from "@kessai/sdk";
import {
  amountSum,
  CheckViolationError,
  decodeAmount,
  decodeTime,
  encodeAmount,
  encodeTime,
  ForeignKeyViolationError,
  InvalidValueError,
  MAX_AMOUNT,
  NotNullViolationError,
  openPostgresStore,
  openSqliteStore,
  openStore,
  QueryError,
  SerializationFailureError,
  sql,
  StorageBusyError,
  StorageConnectionError,
  StorageError,
  TransactionStateError,
  UniqueViolationError,
  type RetryEvent,
  type Store,
} from "../../../packages/storage/src/index.js";
import { freePort } from "../../../packages/storage/src/testing/index.js";
import { describeBackends, expectError, sharedPostgres } from "./backends.js";

/** A table with one constraint of each kind, the same on both back ends. */
const SCHEMA = {
  namespace: "test.store",
  migrations: [
    {
      version: 1,
      name: "accounts and transfers",
      up: (d: "sqlite" | "postgres") => `
CREATE TABLE t_accounts (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  balance ${d === "postgres" ? "NUMERIC(78,0)" : "TEXT"} NOT NULL,
  counter INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT t_accounts__owner_unique UNIQUE (owner),
  CONSTRAINT t_accounts__balance CHECK (${d === "postgres" ? "balance >= 0" : "length(balance) BETWEEN 1 AND 78 AND balance NOT GLOB '*[^0-9]*' AND (balance = '0' OR substr(balance, 1, 1) <> '0')"})
)${d === "sqlite" ? " STRICT" : ""};
CREATE TABLE t_transfers (
  id ${d === "postgres" ? "BIGINT GENERATED ALWAYS AS IDENTITY" : "INTEGER"} PRIMARY KEY,
  account TEXT NOT NULL REFERENCES t_accounts (id),
  at ${d === "postgres" ? "TIMESTAMPTZ(3)" : "TEXT"} NOT NULL
)${d === "sqlite" ? " STRICT" : ""};`,
    },
  ],
};

describeBackends("store", (backend) => {
  let store: Store;
  let n = 0;
  const newId = () => `acct-${++n}`;
  const addAccount = (id: string, balance = 0n) =>
    store.run(
      sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${`owner-${id}`}, ${encodeAmount(balance)})`,
    );
  const balanceOf = async (id: string) =>
    decodeAmount(
      (await store.get<{ balance: string }>(sql`SELECT balance FROM t_accounts WHERE id = ${id}`))!
        .balance,
    );

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([SCHEMA]);
  });

  describe("transaction", function () {
    it("commits when the callback resolves and returns its value", async function () {
      const id = newId();
      const value = await store.transaction(async (tx) => {
        await tx.run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${id}, '5')`);
        return "committed";
      });
      expect(value).to.equal("committed");
      expect(await balanceOf(id)).to.equal(5n);
    });

    it("rolls back when the callback throws, and rethrows the callback's error as is", async function () {
      const id = newId();
      const mine = new Error("mine");
      let caught: unknown;
      try {
        await store.transaction(async (tx) => {
          await tx.run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${id}, '5')`);
          throw mine;
        });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(mine);
      expect(await store.get(sql`SELECT id FROM t_accounts WHERE id = ${id}`)).to.equal(undefined);
    });

    it("keeps values out of the SQL text: a quote-laden value is stored verbatim", async function () {
      const id = newId();
      const evil = `x'); DROP TABLE t_accounts; --`;
      await store.run(
        sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${evil}, '0')`,
      );
      const row = await store.get<{ owner: string }>(
        sql`SELECT owner FROM t_accounts WHERE id = ${id}`,
      );
      expect(row!.owner).to.equal(evil);
    });

    it("serialises concurrent read-modify-writes: 25 concurrent increments give 25", async function () {
      this.timeout(30_000);
      const id = newId();
      await addAccount(id);
      const retries: RetryEvent[] = [];
      const s = await backend().open(await backend().newDatabase(), {
        onRetry: (e) => retries.push(e),
        retry: { maxAttempts: 50 },
      });
      await s.migrate([SCHEMA]);
      await s.run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${id}, '0')`);
      await Promise.all(
        Array.from({ length: 25 }, () =>
          s.transaction(async (tx) => {
            const row = await tx.get<{ counter: unknown }>(
              sql`SELECT counter FROM t_accounts WHERE id = ${id}`,
            );
            await new Promise((r) => setTimeout(r, 1));
            await tx.run(
              sql`UPDATE t_accounts SET counter = ${Number(row!.counter) + 1} WHERE id = ${id}`,
            );
          }),
        ),
      );
      const row = await s.get<{ counter: unknown }>(
        sql`SELECT counter FROM t_accounts WHERE id = ${id}`,
      );
      expect(Number(row!.counter)).to.equal(25);
      // SQLite queues them (BEGIN IMMEDIATE); PostgreSQL lets them race and retries the losers.
      if (backend().dialect === "sqlite") expect(retries).to.have.length(0);
      for (const r of retries) expect(r.error).to.be.instanceOf(SerializationFailureError);
    });

    it("refuses store.transaction and store queries inside a transaction (TransactionStateError)", async function () {
      await store.transaction(async () => {
        await expectError(
          store.transaction(async () => 1),
          TransactionStateError,
        );
        await expectError(store.get(sql`SELECT 1 AS one`), TransactionStateError);
      });
    });

    it("refuses a tx used after its transaction ended", async function () {
      let leaked: { get: (q: ReturnType<typeof sql>) => Promise<unknown> } | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await expectError(leaked!.get(sql`SELECT 1 AS one`), TransactionStateError);
    });

    it("does not commit after a failed statement even when the callback swallowed the error", async function () {
      const id = newId();
      await addAccount(id);
      const other = newId();
      const err = await expectError(
        store.transaction(async (tx) => {
          await tx.run(
            sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${other}, ${other}, '1')`,
          );
          await tx
            .run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, 'dup', '1')`)
            .catch(() => undefined);
          // Later statements are refused too.
          await expectError(tx.get(sql`SELECT 1 AS one`), TransactionStateError);
          return "swallowed";
        }),
        UniqueViolationError,
        { table: "t_accounts" },
      );
      expect(err.dialect).to.equal(backend().dialect);
      expect(await store.get(sql`SELECT id FROM t_accounts WHERE id = ${other}`)).to.equal(
        undefined,
      );
    });

    it("refuses a write in a read-only transaction", async function () {
      const id = newId();
      await expectError(
        store.transaction(
          (tx) =>
            tx.run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${id}, '1')`),
          { readOnly: true },
        ),
        TransactionStateError,
      );
      expect(await store.get(sql`SELECT id FROM t_accounts WHERE id = ${id}`)).to.equal(undefined);
      // and reads work, and the store writes again afterwards
      const row = await store.transaction(
        (tx) => tx.get(sql`SELECT COUNT(*) AS n FROM t_accounts`),
        { readOnly: true },
      );
      expect(Number((row as { n: unknown }).n)).to.be.greaterThan(0);
      await addAccount(id);
    });

    it("refuses an undefined parameter (InvalidValueError) before sending anything", async function () {
      const id = newId();
      await expectError(
        store.run(
          sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${undefined as unknown as null}, '0')`,
        ),
        InvalidValueError,
        { field: "parameter #2" },
      );
      expect(await store.get(sql`SELECT id FROM t_accounts WHERE id = ${id}`)).to.equal(undefined);
    });
  });

  describe("typed errors", function () {
    it("UniqueViolationError names the table and columns (primary key and unique constraint)", async function () {
      const id = newId();
      await addAccount(id);
      const pk = await expectError(
        store.run(sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${id}, ${newId()}, '0')`),
        UniqueViolationError,
        { table: "t_accounts" },
      );
      expect(pk.columns).to.deep.equal(["id"]);
      // one hierarchy with the SDK's errors
      expect(pk).to.be.instanceOf(KessaiError);
      const uq = await expectError(
        store.run(
          sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${newId()}, ${`owner-${id}`}, '0')`,
        ),
        UniqueViolationError,
        { table: "t_accounts", columns: ["owner"] },
      );
      if (backend().dialect === "postgres")
        expect(uq.constraint).to.equal("t_accounts__owner_unique");
      expect(uq.cause).to.be.instanceOf(Error);
      expect(uq.cause).not.to.be.instanceOf(StorageError);
    });

    it("CheckViolationError names the constraint and its table", async function () {
      await expectError(
        store.run(
          sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${newId()}, ${newId()}, '-1')`,
        ),
        CheckViolationError,
        { constraint: "t_accounts__balance", table: "t_accounts" },
      );
    });

    it("ForeignKeyViolationError for a reference to a missing row", async function () {
      const err = await expectError(
        store.run(
          sql`INSERT INTO t_transfers (account, at) VALUES ('nobody', ${encodeTime(new Date())})`,
        ),
        ForeignKeyViolationError,
      );
      // SQLite does not say which key; PostgreSQL does.
      if (backend().dialect === "postgres") {
        expect(err.table).to.equal("t_transfers");
        expect(err.constraint).to.equal("t_transfers_account_fkey");
      }
    });

    it("NotNullViolationError names the column", async function () {
      await expectError(
        store.run(
          sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${newId()}, ${null}, '0')`,
        ),
        NotNullViolationError,
        { table: "t_accounts", column: "owner" },
      );
    });

    it("QueryError with the back end's code for anything else (a missing table)", async function () {
      const err = await expectError(store.get(sql`SELECT * FROM t_missing`), QueryError);
      expect(err.code).to.equal(backend().dialect === "postgres" ? "42P01" : "SQLITE_ERROR");
      expect(err.message).to.contain("Statement: SELECT * FROM t_missing");
    });

    it("refuses a closed store with TransactionStateError", async function () {
      const s = await backend().open(await backend().newDatabase());
      await s.close();
      await s.close(); // idempotent
      await expectError(
        s.transaction(async () => 1),
        TransactionStateError,
      );
      await expectError(s.get(sql`SELECT 1 AS one`), TransactionStateError);
    });
  });

  describe("values", function () {
    const amounts = [0n, 1n, 2n ** 53n + 1n, 2n ** 128n, 2n ** 128n + 12345n, MAX_AMOUNT];

    it("stores amounts up to 2^256 - 1 losslessly and sums them exactly", async function () {
      const ids = amounts.map(() => newId());
      await store.transaction(async (tx) => {
        for (const [i, a] of amounts.entries()) {
          await tx.run(
            sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${ids[i]}, ${ids[i]}, ${encodeAmount(a)})`,
          );
        }
      });
      for (const [i, a] of amounts.entries()) expect(await balanceOf(ids[i])).to.equal(a);
      const small = ids.slice(0, 5);
      const row = await store.get<{ total: unknown }>(
        sql`SELECT ${amountSum(sql`balance`)} AS total FROM t_accounts WHERE id IN (${sql.join(small)})`,
      );
      expect(decodeAmount(row!.total)).to.equal(amounts.slice(0, 5).reduce((a, b) => a + b));
      const none = await store.get<{ total: unknown }>(
        sql`SELECT ${amountSum(sql`balance`)} AS total FROM t_accounts WHERE id = 'nobody'`,
      );
      expect(decodeAmount(none!.total)).to.equal(0n);
    });

    it("refuses negative, too large and non-bigint amounts before the database", function () {
      for (const bad of [-1n, MAX_AMOUNT + 1n, 5 as unknown as bigint]) {
        expect(() => encodeAmount(bad)).to.throw(InvalidValueError);
      }
    });

    it("refuses a non-canonical or 79-digit amount in SQL too", async function () {
      if (backend().dialect === "sqlite") {
        for (const bad of ["01", "1.5", "", "1e3", "9".repeat(79)]) {
          await expectError(
            store.run(
              sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${newId()}, ${newId()}, ${bad})`,
            ),
            CheckViolationError,
            { constraint: "t_accounts__balance" },
          );
        }
      } else {
        // NUMERIC(78,0) rounds "1.5" to 2 (it has no digits after the point) and refuses 79 digits.
        await expectError(
          store.run(
            sql`INSERT INTO t_accounts (id, owner, balance) VALUES (${newId()}, ${newId()}, ${"9".repeat(79)})`,
          ),
          InvalidValueError,
        );
      }
    });

    it("stores timestamps in UTC with millisecond precision and compares them in order", async function () {
      const id = newId();
      await addAccount(id);
      const times = [
        new Date("2026-03-01T00:00:00.001Z"),
        new Date("2026-02-28T23:59:59.999Z"),
        new Date(0),
      ];
      for (const t of times) {
        await store.run(sql`INSERT INTO t_transfers (account, at) VALUES (${id}, ${t})`);
      }
      const rows = await store.all<{ at: unknown }>(
        sql`SELECT at FROM t_transfers WHERE account = ${id} AND at >= ${new Date(1)} ORDER BY at`,
      );
      expect(rows.map((r) => decodeTime(r.at).toISOString())).to.deep.equal([
        "2026-02-28T23:59:59.999Z",
        "2026-03-01T00:00:00.001Z",
      ]);
      if (backend().dialect === "postgres") {
        const tz = await store.get<{ TimeZone: string }>(sql`SHOW TimeZone`);
        expect(tz!.TimeZone).to.equal("UTC");
      } else {
        const raw = await store.get<{ at: string }>(
          sql`SELECT at FROM t_transfers WHERE account = ${id} ORDER BY at LIMIT 1`,
        );
        expect(raw!.at).to.equal("1970-01-01T00:00:00.000Z");
      }
    });

    it("encodes invalid Dates as an InvalidValueError", async function () {
      await expectError(
        store.run(sql`INSERT INTO t_transfers (account, at) VALUES ('x', ${new Date(NaN)})`),
        InvalidValueError,
      );
      expect(() => encodeTime(new Date(NaN))).to.throw(InvalidValueError);
    });
  });
});

describe("store on sqlite: the file's settings", function () {
  let dir: Awaited<
    ReturnType<typeof import("../../../packages/storage/src/testing/index.js").tempSqliteDir>
  >;
  before(async function () {
    const { tempSqliteDir } = await import("../../../packages/storage/src/testing/index.js");
    dir = await tempSqliteDir();
  });
  after(() => dir?.remove());

  it("opens the file in WAL mode with synchronous=FULL and foreign keys on", async function () {
    const file = dir.file();
    const store = await openStore(`sqlite:${file}`);
    await store.close();
    const raw = new BetterSqlite3(file);
    try {
      expect(raw.pragma("journal_mode", { simple: true })).to.equal("wal");
    } finally {
      raw.close();
    }
    const s = await openStore(`sqlite:${file}`);
    try {
      expect(await s.get(sql`SELECT * FROM pragma_synchronous`)).to.deep.equal({ synchronous: 2n });
      expect(await s.get(sql`SELECT * FROM pragma_foreign_keys`)).to.deep.equal({
        foreign_keys: 1n,
      });
      // SQLite's own busy wait blocks the thread: the store keeps it to 10 ms slices.
      expect(await s.get(sql`SELECT * FROM pragma_busy_timeout`)).to.deep.equal({ timeout: 10n });
    } finally {
      await s.close();
    }
  });

  it("waits for another connection's write lock without blocking the event loop, then fails with StorageBusyError", async function () {
    const file = dir.file();
    const store = await openSqliteStore({ filename: file, busyTimeoutMs: 200 });
    const other = new BetterSqlite3(file);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      other.exec("BEGIN IMMEDIATE");
      const started = Date.now();
      await expectError(
        store.transaction(async () => 1),
        StorageBusyError,
      );
      expect(Date.now() - started).to.be.at.least(190);
      expect(ticks).to.be.at.least(5);
      // A write outside a transaction waits the same way; a read does not need the lock.
      await expectError(store.run(sql`CREATE TABLE x (a INTEGER)`), StorageBusyError);
      expect(await store.get(sql`SELECT 1 AS one`)).to.deep.equal({ one: 1n });
      // Released while we wait: the transaction goes through.
      const waiting = store.transaction(async () => 2);
      setTimeout(() => other.exec("ROLLBACK"), 50);
      expect(await waiting).to.equal(2);
    } finally {
      clearInterval(timer);
      other.close();
      await store.close();
    }
  });

  it("lets two stores of one process share a file: their transactions queue instead of deadlocking", async function () {
    const file = dir.file();
    const a = await openSqliteStore({ filename: file, busyTimeoutMs: 200 });
    const b = await openSqliteStore({ filename: file, busyTimeoutMs: 200 });
    try {
      await a.run(sql`CREATE TABLE n (v INTEGER NOT NULL)`);
      await a.run(sql`INSERT INTO n (v) VALUES (0)`);
      const bump = (s: Store) =>
        s.transaction(async (tx) => {
          const row = await tx.get<{ v: bigint }>(sql`SELECT v FROM n`);
          await new Promise((r) => setTimeout(r, 5));
          await tx.run(sql`UPDATE n SET v = ${row!.v + 1n}`);
        });
      await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? a : b)));
      expect(await a.get(sql`SELECT v FROM n`)).to.deep.equal({ v: 20n });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("rejects an unknown URL scheme", async function () {
    await expectError(openStore("mysql://localhost/x"), StorageError);
  });
});

describe("store on postgres: the server", function () {
  it("fails to open with StorageConnectionError when no server answers", async function () {
    this.timeout(10_000);
    const port = await freePort();
    await expectError(
      openPostgresStore({
        connectionString: `postgres://kessai:kessai@127.0.0.1:${port}/none`,
        pool: { connectionTimeoutMillis: 2_000 },
      }),
      StorageConnectionError,
    );
  });
});

describe("store on postgres: serializable transactions and retries", function () {
  let url: string;
  let store: Store;
  let retries: RetryEvent[];

  before(async function () {
    this.timeout(30_000);
    url = await (await sharedPostgres()).createDatabase();
    store = await openPostgresStore({
      connectionString: url,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      onRetry: (e) => retries.push(e),
    });
    await store.run(sql`CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`);
    await store.run(sql`INSERT INTO k (id, v) VALUES (1, 0), (2, 0)`);
  });
  beforeEach(() => (retries = []));
  after(() => store?.close());

  /** Resolves once `n` callers have arrived. */
  const barrier = (n: number) => {
    let arrived = 0;
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return () => {
      if (++arrived === n) open();
      return opened;
    };
  };

  it("retries the loser of a read-modify-write race (40001), which then sees the winner's write", async function () {
    const bothRead = barrier(2);
    const attempts: number[] = [];
    const increment = () =>
      store.transaction(async (tx) => {
        attempts.push(tx.attempt);
        const row = await tx.get<{ v: number }>(sql`SELECT v FROM k WHERE id = 1`);
        if (tx.attempt === 1) await bothRead();
        await tx.run(sql`UPDATE k SET v = ${row!.v + 1} WHERE id = 1`);
      });
    await Promise.all([increment(), increment()]);
    expect(await store.get(sql`SELECT v FROM k WHERE id = 1`)).to.deep.equal({ v: 2 });
    expect(attempts.sort()).to.deep.equal([1, 1, 2]);
    expect(retries).to.have.length(1);
    expect(retries[0].attempt).to.equal(1);
    expect(retries[0].error).to.be.instanceOf(SerializationFailureError);
    expect((retries[0].error as SerializationFailureError).sqlState).to.equal("40001");
  });

  it("retries a deadlock victim (40P01) until both transactions commit", async function () {
    this.timeout(20_000);
    const bothLocked = barrier(2);
    const swap = (first: number, second: number) =>
      store.transaction(async (tx) => {
        await tx.run(sql`UPDATE k SET v = v + 1 WHERE id = ${first}`);
        if (tx.attempt === 1) await bothLocked();
        await tx.run(sql`UPDATE k SET v = v + 1 WHERE id = ${second}`);
      });
    const before = await store.all<{ v: number }>(sql`SELECT v FROM k ORDER BY id`);
    await Promise.all([swap(1, 2), swap(2, 1)]);
    const after = await store.all<{ v: number }>(sql`SELECT v FROM k ORDER BY id`);
    expect(after.map((r, i) => r.v - before[i].v)).to.deep.equal([2, 2]);
    expect(retries.length).to.be.at.least(1);
    // Under SERIALIZABLE the loser is reported as a deadlock or as a serialization failure.
    for (const r of retries) {
      expect(["40P01", "40001"]).to.include((r.error as SerializationFailureError).sqlState);
    }
  });

  it("gives up after retry.maxAttempts with SerializationFailureError naming the attempts and SQLSTATE", async function () {
    let runs = 0;
    const err = await expectError(
      store.transaction(async (tx) => {
        runs++;
        await tx.run(
          sql`DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'deadlock_detected'; END $$`,
        );
      }),
      SerializationFailureError,
      { attempts: 4, sqlState: "40P01" },
    );
    expect(runs).to.equal(4);
    expect(retries.map((r) => r.attempt)).to.deep.equal([1, 2, 3]);
    expect(err.cause).to.be.instanceOf(SerializationFailureError);
  });

  it("retries even when the callback turned the serialization failure into its own error", async function () {
    const value = await store.transaction(async (tx) => {
      if (tx.attempt === 1) {
        await tx
          .run(
            sql`DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = 'serialization_failure'; END $$`,
          )
          .catch(() => {
            throw new Error("the service's own wrapper");
          });
      }
      return tx.attempt;
    });
    expect(value).to.equal(2);
  });

  it("reports a connection killed mid-transaction as StorageConnectionError, and the pool recovers", async function () {
    const admin = await openPostgresStore({ connectionString: url });
    try {
      await expectError(
        store.transaction(async (tx) => {
          const me = await tx.get<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
          await admin.run(sql`SELECT pg_terminate_backend(${me!.pid})`);
          await tx.get(sql`SELECT 1 AS one`);
        }),
        StorageConnectionError,
      );
      expect(await store.transaction((tx) => tx.get(sql`SELECT 1 AS one`))).to.deep.equal({
        one: 1,
      });
    } finally {
      await admin.close();
    }
  });
});
