import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link forceUnlock}. */
export interface ForceUnlockParams {
  lockAddress: string;
  account: string;
  /** Where the units go; defaults to `account` (they only become free). */
  recipient?: string;
  value: bigint;
  data?: string;
}
/** What {@link forceUnlock} resolves to. */
export type ForceUnlockResult = TxResult;

/**
 * WARNING: releases units of `account`'s lock to `lockAddress` without the lock address's consent
 * (FORCE_UNLOCK_ROLE). On the DVP's lock, `data` must name the open settlement the units come
 * from (`encodeTerms(terms)`), which then reports Failed and frees the rest of its units; without
 * it the DVP accepts only units that belong to no settlement (`DvpForcedRemovalExceedsUnassigned`).
 */
export async function forceUnlock(
  ctx: KessaiContext,
  p: ForceUnlockParams,
): Promise<ForceUnlockResult> {
  const lock = toAddress(p.lockAddress, "lockAddress");
  const account = toAddress(p.account, "account");
  const recipient = toAddress(p.recipient ?? p.account, "recipient");
  const value = toAmount(p.value, "value");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.forceUnlock", ctx.securityToken, () =>
    ctx.securityToken.forceUnlock.populateTransaction(lock, account, recipient, value, data),
  );
}
