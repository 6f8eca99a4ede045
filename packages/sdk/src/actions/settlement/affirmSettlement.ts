import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult, populateCall } from "../../context/send.js";
import { toBytes } from "../../utils/validate.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link affirmSettlement}. */
export interface AffirmSettlementParams {
  terms: TermsLike;
  /** The buyer's EIP-712 `Affirm` signature: submit it (anyone may). Without it the signer affirms. */
  signature?: string;
}
/** What {@link affirmSettlement} resolves to. */
export type AffirmSettlementResult = TxResult;

/** Step 2: the buyer affirms the exact terms (directly, or by submitting its signature). */
export async function affirmSettlement(
  ctx: KessaiContext,
  p: AffirmSettlementParams,
): Promise<AffirmSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  const dvp = ctx.dvp;
  if (p.signature !== undefined) {
    const sig = toBytes(p.signature, "signature");
    return sendTx(ctx, "dvp.affirmBySig", dvp, () =>
      dvp.affirmBySig.populateTransaction(terms, sig),
    );
  }
  return sendTx(ctx, "dvp.affirm", dvp, () => populateCall(dvp, dvp.affirm, terms));
}
