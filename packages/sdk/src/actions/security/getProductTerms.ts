import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";

/** Parameters of {@link getProductTerms}. */
export type GetProductTermsParams = Record<string, never>;
/** What {@link getProductTerms} resolves to. */
export type GetProductTermsResult =
  | {
      kind: "bond";
      terms: {
        faceValue: bigint;
        faceValueCurrency: string;
        interestRate: bigint;
        interestPaymentDates: string[];
        redemptionDate: bigint;
        redemptionValue: bigint;
        redemptionValueCurrency: string;
      };
    }
  | {
      kind: "share";
      terms: {
        issuePrice: bigint;
        dividendPerUnit: bigint;
        dividendRecordDate: string;
        dividendPaymentDate: string;
        cancellationDate: string;
      };
    };

/** Reads the bond or share terms, whichever the security token is. */
export async function getProductTerms(ctx: KessaiContext): Promise<GetProductTermsResult> {
  try {
    const b = await ctx.bondToken.bondTerms();
    return {
      kind: "bond",
      terms: {
        faceValue: b.faceValue,
        faceValueCurrency: b.faceValueCurrency,
        interestRate: b.interestRate,
        interestPaymentDates: [...b.interestPaymentDates],
        redemptionDate: b.redemptionDate,
        redemptionValue: b.redemptionValue,
        redemptionValueCurrency: b.redemptionValueCurrency,
      },
    };
  } catch {
    const s = await readCall("security.shareTerms", () => ctx.shareToken.shareTerms());
    return {
      kind: "share",
      terms: {
        issuePrice: s.issuePrice,
        dividendPerUnit: s.dividendPerUnit,
        dividendRecordDate: s.dividendRecordDate,
        dividendPaymentDate: s.dividendPaymentDate,
        cancellationDate: s.cancellationDate,
      },
    };
  }
}
