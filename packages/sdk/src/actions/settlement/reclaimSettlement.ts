import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link reclaimSettlement}. */
export interface ReclaimSettlementParams {
  terms: TermsLike;
}
/** What {@link reclaimSettlement} resolves to. */
export type ReclaimSettlementResult = TxResult;

/** After the deadline, releases the seller's locked units back to it (anyone may call). */
export async function reclaimSettlement(
  ctx: KessaiContext,
  p: ReclaimSettlementParams,
): Promise<ReclaimSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  return sendTx(ctx, "firm.reclaim", ctx.dvp, () => ctx.dvp.reclaim.populateTransaction(terms));
}
