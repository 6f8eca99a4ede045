import type { KessaiContext } from "../../context/connect.js";
import { isSignedBy } from "../../settlement/eip712.js";
import { agentApprovalTypedData, normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link verifyApproval}. */
export interface VerifyApprovalParams {
  terms: TermsLike;
  signature: string;
}

/** Whether `signature` is the named agent's approval of exactly `terms` in its current epoch (ECDSA only). */
export async function verifyApproval(
  ctx: KessaiContext,
  p: VerifyApprovalParams,
): Promise<boolean> {
  const terms = normaliseTerms(p.terms);
  return isSignedBy(await agentApprovalTypedData(ctx, terms), p.signature, terms.agent);
}
