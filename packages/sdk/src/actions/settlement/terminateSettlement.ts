import { ZeroHash } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toReference } from "../../utils/validate.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link terminateSettlement}. */
export interface TerminateSettlementParams {
  terms: TermsLike;
  /** Reason code (bytes32), default zero. */
  reason?: string;
}
/** What {@link terminateSettlement} resolves to. */
export type TerminateSettlementResult = TxResult;

/**
 * The security token's issuer (its FORCE_UNLOCK_ROLE holder) ends one open settlement: it becomes
 * `Failed` and exactly its own units go back to the seller, so the seller's other open
 * settlements keep theirs. Prefer it to `forceUnlock` on the DVP's lock. Works while paused.
 */
export async function terminateSettlement(
  ctx: KessaiContext,
  p: TerminateSettlementParams,
): Promise<TerminateSettlementResult> {
  const terms = termsArg(normaliseTerms(p.terms));
  const reason = toReference(p.reason ?? ZeroHash, "reason", { allowZero: true });
  return sendTx(ctx, "issuer.terminate", ctx.dvp, () =>
    ctx.dvp.terminate.populateTransaction(terms, reason),
  );
}
