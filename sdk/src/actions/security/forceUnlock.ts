import type { KessaiContext } from "../../connect.js";
import { sendTx, type TxResult } from "../../internal/send.js";
import { toAddress, toAmount, toBytes, type AmountLike } from "../../internal/validate.js";

/** Parameters of {@link forceUnlock}. */
export interface ForceUnlockParams {
  lockAddress: string;
  account: string;
  /** Where the units go; defaults to `account` (they only become free). */
  recipient?: string;
  value: AmountLike;
  data?: string;
}
/** What {@link forceUnlock} resolves to. */
export type ForceUnlockResult = TxResult;

/**
 * WARNING: releases units of `account`'s lock to `lockAddress` without the lock address's consent
 * (FORCE_UNLOCK_ROLE). A DVP whose lock is released this way reports the settlement as Failed.
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
