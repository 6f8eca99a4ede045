import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link fulfilIssuanceRequest}. */
export interface FulfilIssuanceRequestParams {
  requestId: bigint;
  bankReference: string;
}
/** What {@link fulfilIssuanceRequest} resolves to. */
export type FulfilIssuanceRequestResult = TxResult;

/** Fulfils a pending issuance request by minting against `bankReference` (ISSUER_ROLE). */
export async function fulfilIssuanceRequest(
  ctx: KessaiContext,
  p: FulfilIssuanceRequestParams,
): Promise<FulfilIssuanceRequestResult> {
  const id = toAmount(p.requestId, "requestId");
  const ref = toReference(p.bankReference, "bankReference");
  return sendTx(ctx, "bank.fulfilIssuanceRequest", ctx.depositToken, () =>
    ctx.depositToken.fulfilIssuanceRequest.populateTransaction(id, ref),
  );
}
