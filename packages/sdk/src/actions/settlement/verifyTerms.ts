import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { hashTerms, termsArg } from "../../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "./common.js";

/** Parameters of {@link verifyTerms}. */
export interface VerifyTermsParams {
  terms: TermsLike;
}
/** What {@link verifyTerms} resolves to. */
export interface VerifyTermsResult {
  /** The SDK's EIP-712 struct hash of the terms (`hashTerms`). */
  hash: string;
  /** The DVP's `hashTerms` of the same terms. */
  onChainHash: string;
  /** Whether the two hashes are equal (the SDK and the contract encode the terms alike). */
  hashesAgree: boolean;
  /** Whether the terms match the commitment stored under their ID (the DVP's `verifyTerms`). */
  matchesCommitment: boolean;
}

/** Checks terms against the DVP: its `hashTerms` against the SDK's, and its stored commitment. */
export async function verifyTerms(
  ctx: KessaiContext,
  p: VerifyTermsParams,
): Promise<VerifyTermsResult> {
  const t = termsArg(normaliseTerms(p.terms));
  const [onChainHash, matchesCommitment] = await readCall("dvp.hashTerms", () =>
    Promise.all([ctx.dvp.hashTerms(t), ctx.dvp.verifyTerms(t)]),
  );
  const hash = hashTerms(t);
  return { hash, onChainHash, hashesAgree: onChainHash === hash, matchesCommitment };
}
