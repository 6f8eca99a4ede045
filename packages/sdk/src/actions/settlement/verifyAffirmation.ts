import type { KessaiContext } from "../../context/connect.js";
import { readDomain } from "../../context/domain.js";
import { affirmationTypedData, isSignedBy } from "../../settlement/eip712.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link verifyAffirmation}. */
export interface VerifyAffirmationParams {
  terms: TermsLike;
  signature: string;
}

/** Whether `signature` is the buyer's affirmation of exactly `terms` (ECDSA only). */
export async function verifyAffirmation(
  ctx: KessaiContext,
  p: VerifyAffirmationParams,
): Promise<boolean> {
  const terms = normaliseTerms(p.terms);
  return isSignedBy(affirmationTypedData(await readDomain(ctx), terms), p.signature, terms.buyer);
}
