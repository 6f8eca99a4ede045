/**
 * What the bank's operator does: open a firm (its deposit account in the ledger and its DCJPY
 * account on chain, together, through the outbox), close or freeze it, credit a deposit from
 * outside the ledger (funding), and issue API keys.
 */
import { createHash, randomBytes } from "node:crypto";
import { UniqueViolationError, outbox } from "@kessai/storage";
import { ConflictError, InvalidInputError, NotFoundError } from "../domain/errors.js";
import { parseAmount } from "../domain/amounts.js";
import {
  DEDICATED_ACCOUNT,
  FUNDING_ACCOUNT,
  SUSPENSE_ACCOUNT,
  depositAccountId,
  depositAccountReference,
} from "../domain/references.js";
import { createAccount, getAccount, transfer } from "../store/ledger.js";
import { getFirm, insertApiKey, insertFirm, listFirms, updateFirm } from "../store/records.js";
import { databaseNow, type GatewayContext } from "./context.js";
import { idempotent, type IdempotentResult } from "./idempotency.js";
import { newId } from "./ids.js";
import { TOPIC } from "./firm-requests.js";
import { accountView, firmView } from "./views.js";

/** Creates the bank's own accounts if they do not exist (at every start). */
export async function ensureBankAccounts(ctx: GatewayContext): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    await createAccount(tx, { id: DEDICATED_ACCOUNT, kind: "dedicated", allowOverdraft: false });
    await createAccount(tx, { id: FUNDING_ACCOUNT, kind: "funding", allowOverdraft: true });
    await createAccount(tx, { id: SUSPENSE_ACCOUNT, kind: "suspense", allowOverdraft: true });
  });
}

const FIRM_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** A new API key: `kgw_<id>_<secret>`; only the SHA-256 of the secret is stored. */
export function newApiKey(): { id: string; secret: string; key: string; sha256: string } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(24).toString("base64url");
  return { id, secret, key: `kgw_${id}_${secret}`, sha256: sha256(secret) };
}

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Opens a firm: ledger deposit account now, DCJPY account through the outbox. */
export async function createFirm(
  ctx: GatewayContext,
  input: { id: string; name: string; dcjpyAddress: string },
) {
  if (!FIRM_ID.test(input.id)) {
    throw new InvalidInputError("firm_id_invalid", "id must match [a-z0-9][a-z0-9_-]{0,62}", "id");
  }
  const address = input.dcjpyAddress.toLowerCase();
  const key = newApiKey();
  const depositAccountRef = depositAccountReference(input.id);
  try {
    await ctx.store.transaction(
      async (tx) => {
        const now = databaseNow(ctx);
        await insertFirm(tx, {
          id: input.id,
          name: input.name,
          dcjpyAddress: address,
          depositAccountRef,
          now,
        });
        await createAccount(tx, {
          id: depositAccountId(input.id),
          kind: "deposit",
          firmId: input.id,
          allowOverdraft: false,
          now,
        });
        await insertApiKey(tx, {
          id: key.id,
          role: "firm",
          firmId: input.id,
          secretSha256: key.sha256,
          now,
        });
        await outbox.enqueue(tx, {
          topic: TOPIC.openAccount,
          key: input.id,
          payload: { firmId: input.id },
          maxAttempts: ctx.settings.worker.maxAttempts,
          now: databaseNow(ctx),
        });
      },
      { isolation: "read-committed" },
    );
  } catch (e) {
    if (e instanceof UniqueViolationError) {
      const field =
        e.columns.includes("dcjpy_address") || e.constraint?.includes("address")
          ? "dcjpyAddress"
          : "id";
      throw new ConflictError(
        field === "id" ? "firm_exists" : "address_in_use",
        field === "id"
          ? `Firm ${input.id} exists`
          : `DCJPY address ${address} belongs to another firm`,
        field,
      );
    }
    throw e;
  }
  ctx.log.info({ firmId: input.id }, "firm created; DCJPY account opening");
  const firm = (await getFirm(ctx.store, input.id))!;
  return {
    firm: firmView(firm),
    account: accountView((await getAccount(ctx.store, depositAccountId(input.id)))!),
    apiKey: key.key,
  };
}

export async function firms(ctx: GatewayContext) {
  return (await listFirms(ctx.store)).map(firmView);
}

export async function firm(ctx: GatewayContext, id: string) {
  const f = await getFirm(ctx.store, id);
  if (!f) throw new NotFoundError("firm_not_found", `No firm ${id}`);
  return firmView(f);
}

/** Another API key for a firm (shown once). */
export async function createFirmApiKey(ctx: GatewayContext, firmId: string) {
  const f = await getFirm(ctx.store, firmId);
  if (!f) throw new NotFoundError("firm_not_found", `No firm ${firmId}`);
  const key = newApiKey();
  await ctx.store.transaction((tx) =>
    insertApiKey(tx, { id: key.id, role: "firm", firmId, secretSha256: key.sha256 }),
  );
  return { apiKey: key.key };
}

/**
 * Closes a firm: refused while its deposit account holds money or holds; the DCJPY account is
 * closed through the outbox (DCJPY refuses while it holds units), then the ledger account.
 */
export async function closeFirm(ctx: GatewayContext, firmId: string) {
  await ctx.store.transaction(
    async (tx) => {
      const f = await getFirm(tx, firmId);
      if (!f) throw new NotFoundError("firm_not_found", `No firm ${firmId}`);
      if (f.status !== "open")
        throw new ConflictError("account_not_open", `Firm ${firmId} is ${f.status}`);
      const a = (await getAccount(tx, depositAccountId(firmId)))!;
      if (
        a.balances.posted !== 0n ||
        a.balances.debitsPending !== 0n ||
        a.balances.creditsPending !== 0n
      ) {
        throw new ConflictError(
          "account_not_empty",
          `Deposit account ${a.id} holds ${a.balances.posted} with ${a.balances.debitsPending} on hold: pay it out first`,
        );
      }
      await updateFirm(tx, firmId, { status: "closing" });
      await outbox.enqueue(tx, {
        topic: TOPIC.closeAccount,
        key: `${firmId}:${newId("close")}`,
        payload: { firmId },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now: databaseNow(ctx),
      });
    },
    { isolation: "read-committed" },
  );
  return firm(ctx, firmId);
}

/** Freezes or unfreezes a firm: the gateway refuses its requests at once, DCJPY through the outbox. */
export async function freezeFirm(ctx: GatewayContext, firmId: string, frozen: boolean) {
  await ctx.store.transaction(
    async (tx) => {
      const f = await getFirm(tx, firmId);
      if (!f) throw new NotFoundError("firm_not_found", `No firm ${firmId}`);
      await updateFirm(tx, firmId, { frozen });
      await outbox.enqueue(tx, {
        topic: TOPIC.setFrozen,
        key: `${firmId}:${newId("freeze")}`,
        payload: { firmId, frozen },
        maxAttempts: ctx.settings.worker.maxAttempts,
        now: databaseNow(ctx),
      });
    },
    { isolation: "read-committed" },
  );
  return firm(ctx, firmId);
}

/**
 * Money entering a firm's deposit account from outside the ledger: funding → deposit. Both
 * accounts are locked first, in the group commit's one lock statement when the request is batched
 * with others (several firms' fundings in one transaction lock in ID order, not arrival order).
 */
export async function fundDeposit(
  ctx: GatewayContext,
  input: { firmId: unknown; amount: unknown; idempotencyKey: string; hash: string },
): Promise<IdempotentResult> {
  const amount = parseAmount(input.amount, "amount", ctx.settings.maxAmount);
  if (typeof input.firmId !== "string") {
    throw new InvalidInputError("firm_id_invalid", "firmId must be a firm ID", "firmId");
  }
  const firmId = input.firmId;
  return idempotent(
    ctx,
    { scope: "operator", key: input.idempotencyKey, hash: input.hash },
    async (tx) => {
      const f = await getFirm(tx, firmId);
      if (!f) throw new NotFoundError("firm_not_found", `No firm ${firmId}`, "firmId");
      const t = await transfer(tx, {
        key: `funding:${input.idempotencyKey}`,
        kind: "posted",
        debitAccountId: FUNDING_ACCOUNT,
        creditAccountId: depositAccountId(firmId),
        amount,
        reference: `funding:${input.idempotencyKey}`,
        description: "deposit from outside the ledger",
      });
      const account = (await getAccount(tx, depositAccountId(firmId)))!;
      return {
        status: 201,
        body: {
          transferId: t.transfer.id,
          amount: amount.toString(),
          account: accountView(account),
        },
      };
    },
    // Locked before anything else, with those of the requests batched with it (batcher.ts).
    [FUNDING_ACCOUNT, depositAccountId(firmId)],
  );
}
