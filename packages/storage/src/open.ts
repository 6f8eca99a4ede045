import { StorageError } from "./errors.js";
import { openPostgresStore } from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store, StoreOptions } from "./store.js";

/**
 * Opens a store from a URL, as a service's config gives it: `sqlite:<path>` (a file, relative to
 * the working directory, or `sqlite::memory:`) or `postgres://...` / `postgresql://...`.
 *
 * @example
 * const store = await openStore(config.database.url); // "sqlite:./data/verifier.db"
 */
export async function openStore(url: string, options: StoreOptions = {}): Promise<Store> {
  if (url.startsWith("sqlite:")) {
    const filename = url.slice("sqlite:".length);
    if (!filename) throw new StorageError(`Database URL ${url} names no file`);
    return openSqliteStore({ ...options, filename });
  }
  if (/^postgres(ql)?:\/\//.test(url))
    return openPostgresStore({ ...options, connectionString: url });
  throw new StorageError(
    `Database URL must start with sqlite: or postgres://, got ${JSON.stringify(url.split(":")[0])}:…`,
  );
}
