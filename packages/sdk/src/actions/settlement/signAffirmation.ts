import type { KessaiContext } from "../../context/connect.js";
import { readDomain } from "../../context/domain.js";
import { signTyped, signerAddress } from "../../context/send.js";
import { affirmationTypedData } from "../../settlement/eip712.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link signAffirmation}. */
export interface SignAffirmationParams {
  terms: TermsLike;
}
/** What {@link signAffirmation} resolves to: the buyer's EIP-712 signature. */
export type SignAffirmationResult = string;

/**
 * The buyer signs its affirmation of `terms` (no transaction); anyone submits it with
 * `affirmSettlement({ terms, signature })`. The signer must be `terms.buyer`.
 */
export async function signAffirmation(
  ctx: KessaiContext,
  p: SignAffirmationParams,
): Promise<SignAffirmationResult> {
  const terms = normaliseTerms(p.terms);
  await signerAddress(ctx, "signAffirmation", { field: "terms.buyer", account: terms.buyer });
  const td = affirmationTypedData(await readDomain(ctx), terms);
  return signTyped(ctx, "signAffirmation", td);
}
