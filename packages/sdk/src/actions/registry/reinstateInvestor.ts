import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link reinstateInvestor}. */
export interface ReinstateInvestorParams {
  account: string;
}
/** What {@link reinstateInvestor} resolves to. */
export type ReinstateInvestorResult = TxResult;

/** Reinstates a suspended account (REGISTRAR_ROLE). */
export async function reinstateInvestor(
  ctx: KessaiContext,
  p: ReinstateInvestorParams,
): Promise<ReinstateInvestorResult> {
  const account = toAddress(p.account, "account");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.reinstate", reg, () => reg.reinstate.populateTransaction(account));
}
