import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link suspendInvestor}. */
export interface SuspendInvestorParams {
  account: string;
}
/** What {@link suspendInvestor} resolves to. */
export type SuspendInvestorResult = TxResult;

/** Suspends an active account: it can neither send nor receive until reinstated (REGISTRAR_ROLE). */
export async function suspendInvestor(
  ctx: KessaiContext,
  p: SuspendInvestorParams,
): Promise<SuspendInvestorResult> {
  const account = toAddress(p.account, "account");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.suspend", reg, () => reg.suspend.populateTransaction(account));
}
