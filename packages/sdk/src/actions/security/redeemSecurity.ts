import { ZeroAddress } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link redeemSecurity}. */
export interface RedeemSecurityParams {
  from: string;
  value: bigint;
  /** Redeem from the lock of this address (zero / undefined: from unlocked units). */
  lockAddress?: string;
}
/** What {@link redeemSecurity} resolves to. */
export type RedeemSecurityResult = TxResult;

/** Redeems (burns) ST units of `from`, from a lock or from its unlocked units (ISSUER_ROLE). */
export async function redeemSecurity(
  ctx: KessaiContext,
  p: RedeemSecurityParams,
): Promise<RedeemSecurityResult> {
  const from = toAddress(p.from, "from");
  const value = toAmount(p.value, "value");
  const lock = toAddress(p.lockAddress ?? ZeroAddress, "lockAddress", { allowZero: true });
  return sendTx(ctx, "issuer.redeem", ctx.securityToken, () =>
    ctx.securityToken.redeem.populateTransaction(from, lock, value),
  );
}
