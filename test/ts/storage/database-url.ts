/**
 * The database URL of a back end, in its own module with nothing but a type import: the benches
 * import it through the gateway's test helpers and run without mocha, while importing
 * ./backends.js registers a mocha hook.
 */
import type { Backend } from "./backends.js";

/** A URL for `openStore` (and the services' `start()`) of a new, empty database of the back end. */
export async function databaseUrl(b: Backend): Promise<string> {
  const db = await b.newDatabase();
  return b.dialect === "sqlite" ? `sqlite:${db}` : db;
}
