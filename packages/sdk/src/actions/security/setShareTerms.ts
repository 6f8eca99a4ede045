import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import type { IShareToken } from "../../generated/contracts.js";
import { InvalidParameterError } from "../../errors/input.js";
import { toAmount } from "../../utils/validate.js";

/** The share's terms, as the contract's `ShareTerms` struct. */
export type ShareTerms = IShareToken.ShareTermsStruct;
/** Parameters of {@link setShareTerms}. */
export interface SetShareTermsParams {
  terms: ShareTerms;
}
/** What {@link setShareTerms} resolves to. */
export type SetShareTermsResult = TxResult;

/** Replaces the share terms of a ShareToken (ISSUER_ROLE). */
export async function setShareTerms(
  ctx: KessaiContext,
  p: SetShareTermsParams,
): Promise<SetShareTermsResult> {
  const t = p.terms;
  if (!t || typeof t !== "object") throw new InvalidParameterError("terms", t, "must be an object");
  for (const k of ["dividendRecordDate", "dividendPaymentDate", "cancellationDate"] as const) {
    if (typeof t[k] !== "string")
      throw new InvalidParameterError(`terms.${k}`, t[k], "must be a string");
  }
  const terms: ShareTerms = {
    ...t,
    issuePrice: toAmount(t.issuePrice, "terms.issuePrice", { allowZero: true }),
    dividendPerUnit: toAmount(t.dividendPerUnit, "terms.dividendPerUnit", { allowZero: true }),
  };
  return sendTx(ctx, "issuer.setShareTerms", ctx.shareToken, () =>
    ctx.shareToken.setShareTerms.populateTransaction(terms),
  );
}
