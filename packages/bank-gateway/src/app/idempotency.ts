/**
 * Stripe-style idempotency keys: the first request with a key runs and its 2xx response is stored
 * with a hash of the request in the same transaction as its effects; the same key with the same
 * request returns the stored response (`replayed`), with another request is
 * {@link IdempotencyKeyReusedError}. A request that fails with a 4xx posts nothing and stores
 * nothing, so the key can be used again. Two concurrent requests with one key: one commits, the
 * other hits a unique key (the response's or the ledger transfer's) and then replays; on
 * PostgreSQL, an issuance request whose key is in flight in the same process waits for that one
 * instead ({@link firstInFlight}).
 */
import { createHash } from "node:crypto";
import { UniqueViolationError, encodeJson, type Queryable, type Tx } from "@kessai/storage";
import { IdempotencyKeyReusedError, InvalidInputError } from "../domain/errors.js";
import { getStoredResponse, storeResponse } from "../store/records.js";
import { write, type GatewayContext } from "./context.js";

export interface IdempotentResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

/** SHA-256 of the method, route and canonical JSON body. */
export function requestHash(method: string, route: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${route}\n${encodeJson(body ?? null)}`)
    .digest("hex");
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0) {
    throw new InvalidInputError(
      "idempotency_key_missing",
      "An Idempotency-Key header is required",
      "Idempotency-Key",
    );
  }
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new InvalidInputError(
      "idempotency_key_invalid",
      "Idempotency-Key must be 1 to 255 printable ASCII characters",
      "Idempotency-Key",
    );
  }
  return key;
}

/** The response stored under (scope, key) as a replay, or undefined; another request's throws. */
export async function storedResult(
  q: Queryable,
  args: { scope: string; key: string; hash: string },
): Promise<IdempotentResult | undefined> {
  const stored = await getStoredResponse(q, args.scope, args.key);
  if (!stored) return undefined;
  if (stored.requestHash !== args.hash) throw new IdempotencyKeyReusedError(args.key);
  return { status: stored.status, body: stored.body, replayed: true };
}

/** Per store, the first request in flight in this process under each (scope, key). */
const firsts = new WeakMap<
  object,
  Map<string, { hash: string; done: Promise<IdempotentResult> }>
>();

/**
 * A request with the same (scope, key) as one this process is still running waits for that one
 * instead of running too, and gets its result once it is committed: a replay (same hash) or
 * {@link IdempotencyKeyReusedError} (another hash), as the database would answer it afterwards.
 * It runs `fn` itself only when there is no such request or that one failed (a 4xx stores
 * nothing, so the key is free again). Only saves work: a request with the key in another process
 * still meets the stored response or its unique key in the database.
 */
export async function firstInFlight(
  store: object,
  args: { scope: string; key: string; hash: string },
  fn: () => Promise<IdempotentResult>,
): Promise<IdempotentResult> {
  let running = firsts.get(store);
  if (!running) firsts.set(store, (running = new Map()));
  const id = `${args.scope}\n${args.key}`;
  const first = running.get(id);
  if (first) {
    const r = await first.done.catch(() => undefined);
    if (r) {
      if (first.hash !== args.hash) throw new IdempotencyKeyReusedError(args.key);
      return { status: r.status, body: r.body, replayed: true };
    }
    if (running.get(id) === first) running.delete(id);
    return firstInFlight(store, args, fn);
  }
  const done = fn();
  running.set(id, { hash: args.hash, done });
  try {
    return await done;
  } finally {
    if (running.get(id)?.done === done) running.delete(id);
  }
}

/**
 * Runs `fn` once per (scope, key): `fn` returns the response to store; it runs in a READ
 * COMMITTED transaction (see store/ledger.ts) together with the stored response, through the
 * context's group commit when it has one, with `accounts` (the ledger accounts `fn` may write)
 * locked first ({@link write}). The stored response is looked up inside that transaction (no read
 * before it: on SQLite every read queues behind the commits before it).
 */
export async function idempotent(
  ctx: Pick<GatewayContext, "store" | "writes">,
  args: { scope: string; key: string; hash: string },
  fn: (tx: Tx) => Promise<{ status: number; body: unknown }>,
  accounts: readonly string[] = [],
): Promise<IdempotentResult> {
  try {
    return await write(
      ctx,
      async (tx): Promise<IdempotentResult> => {
        const earlier = await storedResult(tx, args);
        if (earlier) return earlier;
        const r = await fn(tx);
        await storeResponse(tx, args.scope, args.key, { requestHash: args.hash, ...r });
        return { ...r, replayed: false };
      },
      accounts,
    );
  } catch (e) {
    // A concurrent request with the same key committed first.
    if (e instanceof UniqueViolationError) {
      const again = await storedResult(ctx.store, args);
      if (again) return again;
    }
    throw e;
  }
}
