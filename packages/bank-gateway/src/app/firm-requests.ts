/**
 * What a firm does through the API: request an issuance (step 3) or a redemption on its
 * instruction (step 7), and read its accounts, statements and requests. Every use case takes the
 * authenticated firm's ID and sees nothing of other firms: another firm's account or request is
 * "not found", exactly as one that does not exist.
 */
import { outbox, sql } from "@kessai/storage";
import { ConflictError, InvalidInputError, NotFoundError } from "../domain/errors.js";
import { parseAmount } from "../domain/amounts.js";
import {
  DEDICATED_ACCOUNT,
  apiIssuanceReference,
  apiRedemptionReference,
} from "../domain/references.js";
import { getAccount, listAccounts, statement, transfer } from "../store/ledger.js";
import {
  getFirm,
  getIssuance,
  getRedemption,
  insertIssuance,
  insertRedemption,
  type Firm,
} from "../store/records.js";
import type { GatewayContext } from "./context.js";
import { idempotent, type IdempotentResult } from "./idempotency.js";
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

/**
 * Step 3 over the API: in one transaction, a hold on the firm's deposit account (pending debit,
 * pending credit of the dedicated account) and the outbox item that issues DCJPY with the bank
 * reference; the response is stored under the Idempotency-Key in the same transaction.
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
  const result = await idempotent(
    ctx,
    { scope: firmId, key: input.idempotencyKey, hash: input.hash },
    async (tx) => {
      const account = await getAccount(tx, accountId);
      if (!account || account.firmId !== firmId) {
        throw new NotFoundError("account_not_found", `No account ${accountId}`, "account");
      }
      const firm = firmMustTransact(await getFirm(tx, firmId), firmId);
      const reference = apiIssuanceReference(firmId, input.idempotencyKey);
      const now = new Date();
      const hold = await transfer(tx, {
        key: `issuance:${reference}:hold`,
        kind: "pending",
        debitAccountId: account.id,
        creditAccountId: DEDICATED_ACCOUNT,
        amount,
        reference: `issuance:${reference}`,
        description: "DCJPY issuance hold",
        now,
      });
      const id = newId("iss");
      await insertIssuance(tx, {
        id,
        firmId,
        accountId: account.id,
        source: "api",
        requestId: undefined,
        reference,
        to: firm.dcjpyAddress,
        amount,
        state: "pending",
        holdTransferId: hold.transfer.id,
        createdAt: now,
      });
      await outbox.enqueue(tx, {
        topic: TOPIC.issue,
        key: reference,
        payload: { issuanceId: id },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now,
      });
      const issuance = (await getIssuance(tx, id))!;
      return { status: 201, body: issuanceView(issuance) };
    },
  );
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
      const now = new Date();
      await insertRedemption(tx, { id, firmId, reference, from: firm.dcjpyAddress, amount, now });
      await outbox.enqueue(tx, {
        topic: TOPIC.redeemFrom,
        key: reference,
        payload: { redemptionId: id },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now,
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
