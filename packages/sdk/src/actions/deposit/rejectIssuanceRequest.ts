import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { ZeroHash } from "ethers";
import { toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link rejectIssuanceRequest}. */
export interface RejectIssuanceRequestParams {
  requestId: bigint;
  /** Reason code (bytes32), default zero. */
  reason?: string;
}
/** What {@link rejectIssuanceRequest} resolves to. */
export type RejectIssuanceRequestResult = TxResult;

/** Rejects a pending issuance request (ISSUER_ROLE). */
export async function rejectIssuanceRequest(
  ctx: KessaiContext,
  p: RejectIssuanceRequestParams,
): Promise<RejectIssuanceRequestResult> {
  const id = toAmount(p.requestId, "requestId");
  const reason = toReference(p.reason ?? ZeroHash, "reason", { allowZero: true });
  return sendTx(ctx, "bank.rejectIssuanceRequest", ctx.depositToken, () =>
    ctx.depositToken.rejectIssuanceRequest.populateTransaction(id, reason),
  );
}
