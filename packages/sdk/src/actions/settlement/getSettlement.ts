import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toSettlementId } from "../../utils/validate.js";
import { settlementStateName, type SettlementStateName } from "../../constants/enums.js";
import { termsFromResult, type SettlementTerms } from "../../settlement/terms.js";

/** Parameters of {@link getSettlement}. */
export interface GetSettlementParams {
  id: string;
  /** Where to start looking for the SettlementCreated event (default 0). */
  fromBlock?: number;
}
/** A settlement's stored record, its state name and its terms (from `SettlementCreated`). */
export interface SettlementView {
  id: string;
  state: SettlementStateName;
  agentApproved: boolean;
  sellerCancelConsent: boolean;
  buyerCancelConsent: boolean;
  termsDigest: string;
  /** Terms from the SettlementCreated event; undefined when the settlement is unknown. */
  terms: SettlementTerms | undefined;
  createdBlock: number | undefined;
  createdTx: string | undefined;
}
/** What {@link getSettlement} resolves to. */
export type GetSettlementResult = SettlementView;

/** Reads a settlement: its stored record and its terms from the SettlementCreated event. */
export async function getSettlement(
  ctx: KessaiContext,
  p: GetSettlementParams,
): Promise<GetSettlementResult> {
  const id = toSettlementId(p.id, "id");
  const dvp = ctx.dvp;
  const [rec, logs] = await readCall("dvp.settlementOf", () =>
    Promise.all([
      dvp.settlementOf(id),
      dvp.queryFilter(dvp.filters.SettlementCreated(id), p.fromBlock ?? 0, "latest"),
    ]),
  );
  const created = logs[0];
  return {
    id,
    state: settlementStateName(rec.state),
    agentApproved: rec.agentApproved,
    sellerCancelConsent: rec.sellerCancelConsent,
    buyerCancelConsent: rec.buyerCancelConsent,
    termsDigest: rec.termsDigest,
    terms: created ? termsFromResult(created.args.terms) : undefined,
    createdBlock: created?.blockNumber,
    createdTx: created?.transactionHash,
  };
}
