import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAmount } from "../../utils/validate.js";

/** Parameters of {@link cancelIssuanceRequest}. */
export interface CancelIssuanceRequestParams {
  requestId: bigint;
}
/** What {@link cancelIssuanceRequest} resolves to. */
export type CancelIssuanceRequestResult = TxResult;

/** The requester cancels its pending issuance request. */
export async function cancelIssuanceRequest(
  ctx: KessaiContext,
  p: CancelIssuanceRequestParams,
): Promise<CancelIssuanceRequestResult> {
  const id = toAmount(p.requestId, "requestId");
  return sendTx(ctx, "firm.cancelIssuanceRequest", ctx.depositToken, () =>
    ctx.depositToken.cancelIssuanceRequest.populateTransaction(id),
  );
}
