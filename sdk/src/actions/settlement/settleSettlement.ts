import type { KessaiContext } from "../../connect.js";
import { InvalidParameterError } from "../../errors/input.js";
import { receiptLogs, sendTx, type TxResult } from "../../internal/send.js";
import { signPermitTypedData, type PermitSignature } from "../../settlement/eip712.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, settlementOutcomes, type TermsLike } from "./common.js";

/** Parameters of {@link settleSettlement}. */
export interface SettleSettlementParams {
  terms: TermsLike;
  /**
   * `true`: the signer (the buyer) signs an ERC-2612 permit for exactly `amount` to the DVP,
   * valid until the terms' deadline, and settles with it in one transaction; or a permit signed
   * beforehand. Omit to rely on an existing allowance.
   */
  permit?: true | PermitSignature;
}
/** What {@link settleSettlement} resolves to. */
export interface SettleSettlementResult extends TxResult {
  /** True when both legs moved; false when the DVP found the lock short and marked it Failed. */
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
  if (p.permit === undefined) {
    r = await sendTx(ctx, "dvp.settle", dvp, () => dvp.settle.populateTransaction(terms));
  } else {
    let permit: PermitSignature;
    if (p.permit === true)
      permit = await signPermitTypedData(ctx, ctx.addresses.dvp, t.amount, t.deadline);
    else if (typeof p.permit === "object" && p.permit) permit = p.permit;
    else throw new InvalidParameterError("permit", p.permit, "must be true or a permit signature");
    r = await sendTx(ctx, "dvp.settleWithPermit", dvp, () =>
      dvp.settleWithPermit.populateTransaction(terms, permit),
    );
  }
  const { out } = settlementOutcomes(ctx, receiptLogs(r.receipt));
  return { ...r, settled: out.get(t.id) === "settled" };
}
