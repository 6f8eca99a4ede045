import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder for SQLite files; see {@link tempSqliteDir}. */
export interface TempSqliteDir {
  /** The folder. */
  readonly dir: string;
  /** A new file name in the folder (the file itself is created by the store). */
  file(name?: string): string;
  /** Deletes the folder and its files. Idempotent. */
  remove(): Promise<void>;
}

let files = 0;

/**
 * Creates a temporary folder for SQLite database files.
 *
 * @example
 * const tmp = await tempSqliteDir();
 * const store = await openSqliteStore({ filename: tmp.file() });
 * // ... after(() => tmp.remove())
 */
export async function tempSqliteDir(): Promise<TempSqliteDir> {
  const dir = await mkdtemp(join(tmpdir(), "kessai-sqlite-"));
  return {
    dir,
    file: (name = `db${++files}.sqlite`) => join(dir, name),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
