import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link cancelTransfer}. */
export interface CancelTransferParams {
  applicationId: bigint;
  data?: string;
}
/** What {@link cancelTransfer} resolves to. */
export type CancelTransferResult = TxResult;

/** Cancels a pending transfer application (the applicant or TRANSFER_APPROVER_ROLE). */
export async function cancelTransfer(
  ctx: KessaiContext,
  p: CancelTransferParams,
): Promise<CancelTransferResult> {
  const id = toAmount(p.applicationId, "applicationId");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "security.cancelTransfer", ctx.securityToken, () =>
    ctx.securityToken.cancelTransfer.populateTransaction(id, data),
  );
}
