import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toBool } from "../../utils/validate.js";

/** Parameters of {@link setEligibilityExempt}. */
export interface SetEligibilityExemptParams {
  account: string;
  exempt: boolean;
}
/** What {@link setEligibilityExempt} resolves to. */
export type SetEligibilityExemptResult = TxResult;

/** Treats `account` as eligible regardless of the registry, or stops doing so (ISSUER_ROLE). */
export async function setEligibilityExempt(
  ctx: KessaiContext,
  p: SetEligibilityExemptParams,
): Promise<SetEligibilityExemptResult> {
  const account = toAddress(p.account, "account");
  const exempt = toBool(p.exempt, "exempt");
  return sendTx(ctx, "issuer.setEligibilityExempt", ctx.securityToken, () =>
    ctx.securityToken.setEligibilityExempt.populateTransaction(account, exempt),
  );
}
