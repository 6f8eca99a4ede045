import type { KessaiContext } from "../../context/connect.js";
import { signTyped, signerAddress } from "../../context/send.js";
import { agentApprovalTypedData, normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link signApproval}. */
export interface SignApprovalParams {
  terms: TermsLike;
}
/** What {@link signApproval} resolves to: the agent's EIP-712 signature. */
export type SignApprovalResult = string;

/**
 * The named agent signs its approval of `terms` in its current epoch (no transaction); anyone
 * submits it with `approveSettlement({ terms, signature })`. Void once the agent's role is
 * revoked. The signer must be `terms.agent`.
 */
export async function signApproval(
  ctx: KessaiContext,
  p: SignApprovalParams,
): Promise<SignApprovalResult> {
  const terms = normaliseTerms(p.terms);
  await signerAddress(ctx, "signApproval", { field: "terms.agent", account: terms.agent });
  return signTyped(ctx, "signApproval", await agentApprovalTypedData(ctx, terms));
}
