import type { KessaiContext } from "../../context/connect.js";
import type { TxResult } from "../../context/send.js";
import { sendInvestorEntry, type InvestorEntry } from "./investorEntry.js";

/** Parameters of {@link updateInvestor}: the account, its new investor reference and expiry. */
export interface UpdateInvestorParams extends InvestorEntry {}
/** What {@link updateInvestor} resolves to. */
export type UpdateInvestorResult = TxResult;

/** Changes the reference and expiry of a registered account (REGISTRAR_ROLE). */
export async function updateInvestor(
  ctx: KessaiContext,
  p: UpdateInvestorParams,
): Promise<UpdateInvestorResult> {
  return sendInvestorEntry(ctx, p, "update");
}
