import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toBytes } from "../../utils/validate.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link approveSettlement}. */
export interface ApproveSettlementParams {
  terms: TermsLike;
  /** The agent's EIP-712 `Approve` signature: submit it (anyone may). Without it the signer approves. */
  signature?: string;
}
/** What {@link approveSettlement} resolves to. */
export type ApproveSettlementResult = TxResult;

/** Step 5: the named agent approves the settlement. */
export async function approveSettlement(
  ctx: KessaiContext,
  p: ApproveSettlementParams,
): Promise<ApproveSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  const dvp = ctx.dvp;
  if (p.signature !== undefined) {
    const sig = toBytes(p.signature, "signature");
    return sendTx(ctx, "dvp.approveSettlementBySig", dvp, () =>
      dvp.approveSettlementBySig.populateTransaction(terms, sig),
    );
  }
  return sendTx(ctx, "dvp.approveSettlement", dvp, () =>
    dvp.approveSettlement.populateTransaction(terms),
  );
}
