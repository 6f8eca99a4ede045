import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import type { IStraightBondToken } from "../../generated/contracts.js";
import { InvalidParameterError } from "../../errors/input.js";
import { toAmount, toDeadline } from "../../utils/validate.js";

/** The straight bond's terms, as the contract's `BondTerms` struct. */
export type BondTerms = IStraightBondToken.BondTermsStruct;
/** Parameters of {@link setBondTerms}. */
export interface SetBondTermsParams {
  terms: BondTerms;
}
/** What {@link setBondTerms} resolves to. */
export type SetBondTermsResult = TxResult;

/** Replaces the bond terms of a StraightBondToken (ISSUER_ROLE). */
export async function setBondTerms(
  ctx: KessaiContext,
  p: SetBondTermsParams,
): Promise<SetBondTermsResult> {
  const t = p.terms;
  if (!t || typeof t !== "object") throw new InvalidParameterError("terms", t, "must be an object");
  for (const k of ["faceValueCurrency", "redemptionValueCurrency"] as const) {
    if (typeof t[k] !== "string")
      throw new InvalidParameterError(`terms.${k}`, t[k], "must be a string");
  }
  if (
    !Array.isArray(t.interestPaymentDates) ||
    t.interestPaymentDates.some((d) => typeof d !== "string")
  ) {
    throw new InvalidParameterError(
      "terms.interestPaymentDates",
      t.interestPaymentDates,
      "must be strings (MMDD)",
    );
  }
  const terms: BondTerms = {
    ...t,
    faceValue: toAmount(t.faceValue, "terms.faceValue", { allowZero: true }),
    interestRate: toAmount(t.interestRate, "terms.interestRate", { allowZero: true }),
    redemptionDate: toDeadline(t.redemptionDate, "terms.redemptionDate"),
    redemptionValue: toAmount(t.redemptionValue, "terms.redemptionValue", { allowZero: true }),
  };
  return sendTx(ctx, "issuer.setBondTerms", ctx.bondToken, () =>
    ctx.bondToken.setBondTerms.populateTransaction(terms),
  );
}
