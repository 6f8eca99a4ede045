/**
 * What a firm does through the API: request an issuance (step 3) or a redemption on its
 * instruction (step 7), and read its accounts, statements and requests. Every use case takes the
 * authenticated firm's ID and sees nothing of other firms: another firm's account or request is
 * "not found", exactly as one that does not exist.
 */
import { UniqueViolationError, outbox, sql, type Queryable } from "@kessai/storage";
import {
  ConflictError,
  IdempotencyKeyReusedError,
  InvalidInputError,
  NotFoundError,
} from "../domain/errors.js";
import { parseAmount } from "../domain/amounts.js";
import {
  DEDICATED_ACCOUNT,
  apiIssuanceReference,
  apiRedemptionReference,
} from "../domain/references.js";
import { getAccount, listAccounts, statement, transfer } from "../store/ledger.js";
import { holdIssuance } from "../store/issuance-path.js";
import {
  firmAndAccountOwner,
  getFirm,
  getIssuance,
  getRedemption,
  insertIssuance,
  insertRedemption,
  type Firm,
  type Issuance,
} from "../store/records.js";
import { databaseNow, write, type GatewayContext } from "./context.js";
import { firstInFlight, idempotent, storedResult, type IdempotentResult } from "./idempotency.js";
import { newId } from "./ids.js";
import { accountView, issuanceView, redemptionView, statementLineView } from "./views.js";

export const TOPIC = {
  issue: "dcjpy.issue",
  fulfil: "dcjpy.fulfil",
  reject: "dcjpy.reject",
  redeemFrom: "dcjpy.redeemFrom",
  openAccount: "dcjpy.openAccount",
  closeAccount: "dcjpy.closeAccount",
  setFrozen: "dcjpy.setFrozen",
} as const;

function firmMustTransact(firm: Firm | undefined, firmId: string): Firm {
  if (!firm) throw new NotFoundError("firm_not_found", `No firm ${firmId}`);
  if (firm.status !== "open") {
    throw new ConflictError(
      "account_not_open",
      `The accounts of firm ${firm.id} are ${firm.status}`,
    );
  }
  if (firm.frozen)
    throw new ConflictError("account_frozen", `The DCJPY account of firm ${firm.id} is frozen`);
  return firm;
}

const HOLD_DESCRIPTION = "DCJPY issuance hold";

/**
 * Hold statements of one store in flight at most (see {@link limited}). Measured with 1,000
 * requests at once (500 sent twice), load 9–12: 4 in flight answered them in 7.3 s, one at a time
 * in 8.1 s, unbounded in 11.4 s; 200 requests at once were taken in at 120/s with 4, 62/s with 1,
 * 152/s unbounded.
 */
const HOLDS_IN_FLIGHT = 4;
const holdSlots = new WeakMap<object, { running: number; waiting: (() => void)[] }>();

/**
 * Runs at most HOLDS_IN_FLIGHT PostgreSQL hold statements of one store at a time. Each locks the
 * dedicated account for its execution and commit only; a few hundred side by side queue on that
 * one row lock, and PostgreSQL wakes and re-checks the waiters at each commit.
 */
async function limited<T>(store: object, fn: () => Promise<T>): Promise<T> {
  let slots = holdSlots.get(store);
  if (!slots) holdSlots.set(store, (slots = { running: 0, waiting: [] }));
  if (slots.running >= HOLDS_IN_FLIGHT) await new Promise<void>((r) => slots.waiting.push(r));
  else slots.running++;
  try {
    return await fn();
  } finally {
    const next = slots.waiting.shift();
    if (next) next();
    else slots.running--;
  }
}

/**
 * Step 3 over the API: in one transaction, a hold on the firm's deposit account (pending debit,
 * pending credit of the dedicated account) and the outbox item that issues DCJPY with the bank
 * reference; the response is stored under the Idempotency-Key in the same transaction.
 *
 * On PostgreSQL the transaction is one statement (store/issuance-path.ts), committed on its own
 * (autocommit: no round trip while it holds the dedicated account's lock), and the reads come
 * before it: the stored response (a replay returns it) and the firm's state (read without a lock
 * inside a transaction as well). A concurrent request with the same key meets the unique key of
 * the response it stored and replays it; one that another transaction makes invalid meanwhile
 * (the firm frozen) is no different from one made invalid just after it.
 */
export async function requestIssuance(
  ctx: GatewayContext,
  firmId: string,
  input: { account: unknown; amount: unknown; idempotencyKey: string; hash: string },
): Promise<IdempotentResult> {
  const amount = parseAmount(input.amount, "amount", ctx.settings.maxAmount);
  if (typeof input.account !== "string") {
    throw new InvalidInputError("account_invalid", "account must be an account ID", "account");
  }
  const accountId = input.account;
  const key = { scope: firmId, key: input.idempotencyKey, hash: input.hash };
  const reference = apiIssuanceReference(firmId, input.idempotencyKey);
  /** The request's rows, once the firm may transact. */
  const rows = async (q: Queryable) => {
    const { firm: found, accountFirmId } = await firmAndAccountOwner(q, firmId, accountId);
    if (accountFirmId !== firmId) {
      throw new NotFoundError("account_not_found", `No account ${accountId}`, "account");
    }
    const firm = firmMustTransact(found, firmId);
    const now = databaseNow(ctx);
    const issuance: Issuance = {
      id: newId("iss"),
      firmId,
      accountId,
      source: "api",
      requestId: undefined,
      reference,
      to: firm.dcjpyAddress,
      amount,
      state: "pending",
      holdTransferId: undefined,
      txHash: undefined,
      blockNumber: undefined,
      errorCode: undefined,
      errorMessage: undefined,
      createdAt: now,
      updatedAt: now,
    };
    const item = {
      topic: TOPIC.issue,
      key: reference,
      payload: { issuanceId: issuance.id },
      maxAttempts: ctx.settings.worker.maxAttempts,
      now: databaseNow(ctx),
    };
    return { issuance, item, response: { status: 201, body: issuanceView(issuance) } };
  };
  let result: IdempotentResult;
  if (ctx.store.dialect === "postgres") {
    // A retry sent while its first request runs waits for that one here: it takes no hold slot.
    result = await firstInFlight(ctx.store, key, async () => {
      const replayed = await storedResult(ctx.store, key);
      if (replayed) return replayed;
      const { issuance: i, item, response } = await rows(ctx.store);
      try {
        const hold = {
          issuanceId: i.id,
          firmId,
          accountId,
          reference,
          to: i.to,
          amount,
          now: i.createdAt,
          holdDescription: HOLD_DESCRIPTION,
          item,
          response: {
            scope: firmId,
            key: input.idempotencyKey,
            requestHash: input.hash,
            ...response,
          },
        };
        const done = await limited(ctx.store, () => holdIssuance(ctx.store, hold));
        if (!("earlier" in done)) return { ...response, replayed: false };
        if (done.earlier.requestHash !== input.hash) {
          throw new IdempotencyKeyReusedError(input.idempotencyKey);
        }
        return { status: done.earlier.status, body: done.earlier.body, replayed: true };
      } catch (e) {
        // A concurrent request with the same key committed first.
        const replay =
          e instanceof UniqueViolationError ? await storedResult(ctx.store, key) : undefined;
        if (!replay) throw e;
        return replay;
      }
    });
  } else {
    result = await idempotent(ctx, key, async (tx) => {
      const { issuance, item, response } = await rows(tx);
      const hold = await transfer(tx, {
        key: `issuance:${reference}:hold`,
        kind: "pending",
        debitAccountId: accountId,
        creditAccountId: DEDICATED_ACCOUNT,
        amount,
        reference: `issuance:${reference}`,
        description: HOLD_DESCRIPTION,
        now: issuance.createdAt,
      });
      await insertIssuance(tx, { ...issuance, holdTransferId: hold.transfer.id });
      await outbox.enqueue(tx, item);
      return response;
    });
  }
  ctx.crashPoint?.("issuance.after-hold");
  return result;
}

export async function readIssuance(ctx: GatewayContext, firmId: string, id: string) {
  const i = await getIssuance(ctx.store, id);
  if (!i || i.firmId !== firmId) throw new NotFoundError("issuance_not_found", `No issuance ${id}`);
  return issuanceView(i);
}

/**
 * Step 7 on the firm's instruction: the bank burns the firm's DCJPY with `redeemFrom` and credits
 * the deposit account when the Redeemed event is confirmed (nothing moves in the ledger before).
 * The amount is checked against the firm's available DCJPY first; the chain has the last word.
 */
export async function requestRedemption(
  ctx: GatewayContext,
  firmId: string,
  input: { amount: unknown; idempotencyKey: string; hash: string },
): Promise<IdempotentResult> {
  const amount = parseAmount(input.amount, "amount", ctx.settings.maxAmount);
  const firm = firmMustTransact(await getFirm(ctx.store, firmId), firmId);
  const reference = apiRedemptionReference(firmId, input.idempotencyKey);
  // Not for a replay: its response is stored whatever the balance is now.
  const known = await ctx.store.get<{ n: unknown }>(
    sql`SELECT 1 AS n FROM gw_redemptions WHERE reference = ${reference}`,
  );
  if (!known) {
    const available = await ctx.chain.availableBalanceOf(firm.dcjpyAddress);
    if (available < amount) {
      throw new ConflictError(
        "insufficient_dcjpy",
        `DCJPY account ${firm.dcjpyAddress} has ${available} available, ${amount} needed`,
        "amount",
      );
    }
  }
  return idempotent(
    ctx,
    { scope: firmId, key: input.idempotencyKey, hash: input.hash },
    async (tx) => {
      const id = newId("red");
      const now = databaseNow(ctx);
      await insertRedemption(tx, { id, firmId, reference, from: firm.dcjpyAddress, amount, now });
      await outbox.enqueue(tx, {
        topic: TOPIC.redeemFrom,
        key: reference,
        payload: { redemptionId: id },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now: databaseNow(ctx),
      });
      return { status: 201, body: redemptionView((await getRedemption(tx, id))!) };
    },
  );
}

export async function readRedemption(ctx: GatewayContext, firmId: string, id: string) {
  const r = await getRedemption(ctx.store, id);
  if (!r || r.firmId !== firmId)
    throw new NotFoundError("redemption_not_found", `No redemption ${id}`);
  return redemptionView(r);
}

export async function firmAccounts(ctx: GatewayContext, firmId: string) {
  return (await listAccounts(ctx.store, firmId)).map(accountView);
}

/** An account of the firm (404 for any other). */
export async function firmAccount(ctx: GatewayContext, firmId: string | undefined, id: string) {
  const a = await getAccount(ctx.store, id);
  if (!a || (firmId !== undefined && a.firmId !== firmId)) {
    throw new NotFoundError("account_not_found", `No account ${id}`);
  }
  return a;
}

/** A page of an account's statement; `cursor` is the last transfer ID of the previous page. */
export async function accountStatement(
  ctx: GatewayContext,
  firmId: string | undefined,
  id: string,
  page: { cursor?: string; limit?: number },
) {
  await firmAccount(ctx, firmId, id);
  let afterId = 0;
  if (page.cursor !== undefined) {
    if (!/^[0-9]{1,15}$/.test(page.cursor)) {
      throw new InvalidInputError(
        "cursor_invalid",
        "cursor must be a value returned as nextCursor",
        "cursor",
      );
    }
    afterId = Number(page.cursor);
  }
  const limit = page.limit ?? 100;
  const lines = await statement(ctx.store, id, { afterId, limit: limit + 1 });
  const more = lines.length > limit;
  const shown = lines.slice(0, limit);
  return {
    account: id,
    lines: shown.map(statementLineView),
    nextCursor: more ? String(shown[shown.length - 1]!.transferId) : null,
  };
}
