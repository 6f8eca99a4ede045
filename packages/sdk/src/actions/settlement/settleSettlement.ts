import type { KessaiContext } from "../../context/connect.js";
import { receiptLogs, sendTx, type TxResult, populateCall } from "../../context/send.js";
import { termsArg } from "../../settlement/terms.js";
import { toAuthorization } from "../../utils/validate.js";
import { normaliseTerms, settlementOutcomes, type TermsLike } from "./common.js";
import {
  signSettlementAuthorization,
  type SettlementAuthorization,
} from "./signSettlementAuthorization.js";

/** Parameters of {@link settleSettlement}. */
export interface SettleSettlementParams {
  terms: TermsLike;
  /**
   * Pay with a DCJPY transfer authorization instead of an allowance (`settleWithAuthorization`):
   * `true`, the signer (the buyer) signs one for exactly this settlement (`amount` to the seller,
   * only the DVP may execute it, nonce = the settlement ID, valid until the deadline) and settles
   * with it in one transaction; or one signed beforehand with `signSettlementAuthorization`
   * (e.g. by the buyer, submitted by anyone once the settlement is affirmed). Omit to rely on an
   * existing allowance.
   */
  authorization?: true | SettlementAuthorization;
}
/** What {@link settleSettlement} resolves to. */
export interface SettleSettlementResult extends TxResult {
  /** True when both legs moved (a settlement that cannot settle reverts). */
  settled: boolean;
}

/** Steps 4-6: the cash leg and the ST leg move in one transaction (or neither does). */
export async function settleSettlement(
  ctx: KessaiContext,
  p: SettleSettlementParams,
): Promise<SettleSettlementResult> {
  const t = normaliseTerms(p.terms);
  const terms = termsArg(t);
  const dvp = ctx.dvp;
  let r: TxResult;
  if (p.authorization === undefined) {
    r = await sendTx(ctx, "dvp.settle", dvp, () => populateCall(dvp, dvp.settle, terms));
  } else {
    const auth = await toAuthorization(p.authorization, () =>
      signSettlementAuthorization(ctx, { terms: t }),
    );
    r = await sendTx(ctx, "dvp.settleWithAuthorization", dvp, () =>
      populateCall(dvp, dvp.settleWithAuthorization, terms, auth.validBefore, auth.signature),
    );
  }
  const { out } = settlementOutcomes(ctx, receiptLogs(r.receipt));
  return { ...r, settled: out.get(t.id) === "settled" };
}
