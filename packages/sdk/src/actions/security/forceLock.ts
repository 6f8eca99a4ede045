import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link forceLock}. */
export interface ForceLockParams {
  lockAddress: string;
  account: string;
  value: bigint;
  data?: string;
}
/** What {@link forceLock} resolves to. */
export type ForceLockResult = TxResult;

/** WARNING: locks unlocked units of `account` to `lockAddress` without consent (FORCE_LOCK_ROLE). */
export async function forceLock(ctx: KessaiContext, p: ForceLockParams): Promise<ForceLockResult> {
  const lock = toAddress(p.lockAddress, "lockAddress");
  const account = toAddress(p.account, "account");
  const value = toAmount(p.value, "value");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.forceLock", ctx.securityToken, () =>
    ctx.securityToken.forceLock.populateTransaction(lock, account, value, data),
  );
}
