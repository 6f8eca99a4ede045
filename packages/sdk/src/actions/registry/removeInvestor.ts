import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link removeInvestor}. */
export interface RemoveInvestorParams {
  account: string;
}
/** What {@link removeInvestor} resolves to. */
export type RemoveInvestorResult = TxResult;

/** Removes an account; its holdings stay in place, frozen (REGISTRAR_ROLE). */
export async function removeInvestor(
  ctx: KessaiContext,
  p: RemoveInvestorParams,
): Promise<RemoveInvestorResult> {
  const account = toAddress(p.account, "account");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.remove", reg, () => reg.remove.populateTransaction(account));
}
