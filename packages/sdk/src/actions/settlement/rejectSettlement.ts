import { ZeroHash } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toReference } from "../../utils/validate.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link rejectSettlement}. */
export interface RejectSettlementParams {
  terms: TermsLike;
  /** Reason code (bytes32), default zero. */
  reason?: string;
}
/** What {@link rejectSettlement} resolves to. */
export type RejectSettlementResult = TxResult;

/** The named agent rejects the settlement; the seller's units are released to it. */
export async function rejectSettlement(
  ctx: KessaiContext,
  p: RejectSettlementParams,
): Promise<RejectSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  const reason = toReference(p.reason ?? ZeroHash, "reason", { allowZero: true });
  return sendTx(ctx, "agent.reject", ctx.dvp, () =>
    ctx.dvp.reject.populateTransaction(terms, reason),
  );
}
