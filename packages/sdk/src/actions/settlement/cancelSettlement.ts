import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link cancelSettlement}. */
export interface CancelSettlementParams {
  terms: TermsLike;
}
/** What {@link cancelSettlement} resolves to. */
export interface CancelSettlementResult extends TxResult {
  /** True when this call cancelled; false when it only recorded consent (Affirmed: both must call). */
  cancelled: boolean;
}

/** Cancels by consent (seller or buyer alone while Pending; both once Affirmed). */
export async function cancelSettlement(
  ctx: KessaiContext,
  p: CancelSettlementParams,
): Promise<CancelSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  const r = await sendTx(ctx, "firm.cancel", ctx.dvp, () =>
    ctx.dvp.cancel.populateTransaction(terms),
  );
  const cancelled = r.receipt.logs.some((l) => {
    try {
      return ctx.dvp.interface.parseLog(l)?.name === "SettlementCancelled";
    } catch {
      return false;
    }
  });
  return { ...r, cancelled };
}
