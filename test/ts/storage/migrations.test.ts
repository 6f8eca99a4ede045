import { expect } from "chai";
import {
  MigrationChecksumError,
  MigrationDefinitionError,
  MigrationUnknownError,
  migrationChecksum,
  QueryError,
  sql,
  UniqueViolationError,
  type MigrationModule,
} from "../../../packages/storage/src/index.js";
import { describeBackends, expectError } from "./backends.js";

const m = (namespace: string, ...ups: string[]): MigrationModule => ({
  namespace,
  migrations: ups.map((up, i) => ({ version: i + 1, name: `step ${i + 1}`, up })),
});

const tables = async (
  store: { all: (q: ReturnType<typeof sql>) => Promise<unknown[]> },
  dialect: string,
) =>
  (
    (await store.all(
      dialect === "postgres"
        ? sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
        : sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`,
    )) as { name: string }[]
  ).map((r) => r.name);

describeBackends("migrations", (backend) => {
  const A = m(
    "test.a",
    "CREATE TABLE a1 (id INTEGER PRIMARY KEY);",
    "CREATE TABLE a2 (id INTEGER PRIMARY KEY); CREATE TABLE a3 (id INTEGER PRIMARY KEY);",
  );
  const B = m("test.b", "CREATE TABLE b1 (id INTEGER PRIMARY KEY);");

  it("applies each module's migrations once, in order, and records them with their checksums", async function () {
    const store = await backend().fresh();
    const first = await store.migrate([A, B]);
    expect(first.applied.map((a) => `${a.namespace}@${a.version}`)).to.deep.equal([
      "test.a@1",
      "test.a@2",
      "test.b@1",
    ]);
    expect(first.versions).to.deep.equal({ "test.a": 2, "test.b": 1 });
    expect(await tables(store, backend().dialect)).to.include.members([
      "a1",
      "a2",
      "a3",
      "b1",
      "kessai_migrations",
    ]);
    const rows = await store.all<{ namespace: string; version: unknown; checksum: string }>(
      sql`SELECT namespace, version, checksum FROM kessai_migrations ORDER BY namespace, version`,
    );
    expect(rows.map((r) => [r.namespace, Number(r.version), r.checksum])).to.deep.equal([
      ["test.a", 1, migrationChecksum(A.migrations[0], backend().dialect)],
      ["test.a", 2, migrationChecksum(A.migrations[1], backend().dialect)],
      ["test.b", 1, migrationChecksum(B.migrations[0], backend().dialect)],
    ]);
    const again = await store.migrate([A, B]);
    expect(again.applied).to.deep.equal([]);
    expect(again.versions).to.deep.equal({ "test.a": 2, "test.b": 1 });
  });

  it("applies only the new migration when a module gains one", async function () {
    const store = await backend().fresh();
    await store.migrate([A]);
    const A3 = m(
      "test.a",
      ...A.migrations.map((x) => x.up as string),
      "CREATE TABLE a4 (id INTEGER PRIMARY KEY);",
    );
    const r = await store.migrate([A3]);
    expect(r.applied.map((a) => a.version)).to.deep.equal([3]);
    expect(await tables(store, backend().dialect)).to.include("a4");
  });

  it("refuses to start when an applied migration changed (MigrationChecksumError), before applying anything", async function () {
    const store = await backend().fresh();
    await store.migrate([A]);
    const changed = m(
      "test.a",
      "CREATE TABLE a1 (id INTEGER PRIMARY KEY, x INTEGER);",
      A.migrations[1].up as string,
    );
    const err = await expectError(store.migrate([B, changed]), MigrationChecksumError, {
      namespace: "test.a",
      version: 1,
      applied: migrationChecksum(A.migrations[0], backend().dialect),
      defined: migrationChecksum(changed.migrations[0], backend().dialect),
    });
    expect(err.shortMessage).to.contain("test.a@1");
    // B comes first in the list but was not applied: the check runs before any change.
    expect(await tables(store, backend().dialect)).not.to.include("b1");
  });

  it("refuses to start when the database has a migration the code does not define (MigrationUnknownError)", async function () {
    const store = await backend().fresh();
    await store.migrate([A]);
    await expectError(
      store.migrate([m("test.a", A.migrations[0].up as string)]),
      MigrationUnknownError,
      {
        namespace: "test.a",
        version: 2,
      },
    );
  });

  it("leaves other namespaces alone: a changed module that is not passed in is not checked", async function () {
    const store = await backend().fresh();
    await store.migrate([A, B]);
    const changedB = m("test.b", "CREATE TABLE b1 (id INTEGER PRIMARY KEY, y INTEGER);");
    expect((await store.migrate([A])).applied).to.deep.equal([]);
    await expectError(store.migrate([changedB]), MigrationChecksumError, { namespace: "test.b" });
  });

  it("rolls back a failing migration with its record and stops; a fixed one then applies", async function () {
    const store = await backend().fresh();
    const broken = m(
      "test.c",
      "CREATE TABLE c1 (id INTEGER PRIMARY KEY);",
      "CREATE TABLE c2 (id INTEGER PRIMARY KEY); CREATE TABLE c2 (id INTEGER PRIMARY KEY);",
      "CREATE TABLE c3 (id INTEGER PRIMARY KEY);",
    );
    await expectError(store.migrate([broken]), QueryError);
    const names = await tables(store, backend().dialect);
    expect(names).to.include("c1");
    expect(names).not.to.include.members(["c2"]);
    expect(names).not.to.include("c3");
    const recorded = await store.all<{ version: unknown }>(
      sql`SELECT version FROM kessai_migrations WHERE namespace = 'test.c'`,
    );
    expect(recorded.map((r) => Number(r.version))).to.deep.equal([1]);
    const fixed = m(
      "test.c",
      broken.migrations[0].up as string,
      "CREATE TABLE c2 (id INTEGER PRIMARY KEY);",
      broken.migrations[2].up as string,
    );
    expect((await store.migrate([fixed])).applied.map((a) => a.version)).to.deep.equal([2, 3]);
  });

  it("takes one SQL text per back end, and checksums the one it runs", async function () {
    const store = await backend().fresh();
    const both = {
      namespace: "test.d",
      migrations: [
        {
          version: 1,
          name: "per back end",
          up: {
            sqlite: "CREATE TABLE d1 (v TEXT NOT NULL) STRICT;",
            postgres: "CREATE TABLE d1 (v NUMERIC(78,0) NOT NULL);",
          },
        },
      ],
    };
    const r = await store.migrate([both]);
    expect(r.applied[0].checksum).to.equal(
      migrationChecksum(both.migrations[0], backend().dialect),
    );
    expect(migrationChecksum(both.migrations[0], "sqlite")).not.to.equal(
      migrationChecksum(both.migrations[0], "postgres"),
    );
  });

  it("refuses malformed modules (MigrationDefinitionError) before touching the database", async function () {
    const store = await backend().fresh();
    const gap = { namespace: "test.e", migrations: [{ version: 2, name: "two", up: "SELECT 1;" }] };
    await expectError(store.migrate([gap]), MigrationDefinitionError, { namespace: "test.e" });
    await expectError(store.migrate([A, A]), MigrationDefinitionError, { namespace: "test.a" });
    await expectError(store.migrate([m("Bad Name", "SELECT 1;")]), MigrationDefinitionError);
    const unnamed = {
      namespace: "test.f",
      migrations: [{ version: 1, name: " ", up: "SELECT 1;" }],
    };
    await expectError(store.migrate([unnamed]), MigrationDefinitionError);
    expect(await tables(store, backend().dialect)).to.deep.equal([]);
  });

  it("applies each migration once when two processes migrate the same database at once", async function () {
    this.timeout(20_000);
    const url = await backend().newDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => backend().open(url)));
    const many = m(
      "test.g",
      ...Array.from({ length: 6 }, (_, i) => `CREATE TABLE g${i} (id INTEGER PRIMARY KEY);`),
    );
    const reports = await Promise.all(stores.map((s) => s.migrate([many])));
    const applied = reports.flatMap((r) => r.applied.map((a) => a.version)).sort();
    expect(applied).to.deep.equal([1, 2, 3, 4, 5, 6]);
    for (const r of reports) expect(r.versions).to.deep.equal({ "test.g": 6 });
  });

  it("records a migration in a table with a primary key on (namespace, version)", async function () {
    const store = await backend().fresh();
    await store.migrate([B]);
    await expectError(
      store.run(sql`INSERT INTO kessai_migrations (namespace, version, name, checksum, applied_at)
        VALUES ('test.b', 1, 'again', ${"0".repeat(64)}, ${new Date()})`),
      UniqueViolationError,
      { table: "kessai_migrations", columns: ["namespace", "version"] },
    );
  });
});
