import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link forceChangeLockedAccount}. */
export interface ForceChangeLockedAccountParams {
  lockAddress: string;
  fromAccount: string;
  toAccount: string;
  value: bigint;
  data?: string;
}
/** What {@link forceChangeLockedAccount} resolves to. */
export type ForceChangeLockedAccountResult = TxResult;

/** WARNING: moves locked units to another account, still locked to the same address (FORCE_RELOCATE_ROLE). */
export async function forceChangeLockedAccount(
  ctx: KessaiContext,
  p: ForceChangeLockedAccountParams,
): Promise<ForceChangeLockedAccountResult> {
  const lock = toAddress(p.lockAddress, "lockAddress");
  const from = toAddress(p.fromAccount, "fromAccount");
  const to = toAddress(p.toAccount, "toAccount");
  const value = toAmount(p.value, "value");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.forceChangeLockedAccount", ctx.securityToken, () =>
    ctx.securityToken.forceChangeLockedAccount.populateTransaction(lock, from, to, value, data),
  );
}
