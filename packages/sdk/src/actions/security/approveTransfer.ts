import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link approveTransfer}. */
export interface ApproveTransferParams {
  applicationId: bigint;
  data?: string;
}
/** What {@link approveTransfer} resolves to. */
export type ApproveTransferResult = TxResult;

/** Approves a pending transfer application; its units move (TRANSFER_APPROVER_ROLE). */
export async function approveTransfer(
  ctx: KessaiContext,
  p: ApproveTransferParams,
): Promise<ApproveTransferResult> {
  const id = toAmount(p.applicationId, "applicationId");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.approveTransfer", ctx.securityToken, () =>
    ctx.securityToken.approveTransfer.populateTransaction(id, data),
  );
}
