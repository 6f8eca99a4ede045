import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link forcedTransfer}. */
export interface ForcedTransferParams {
  from: string;
  to: string;
  value: bigint;
  /** Free-form data recorded in the event (e.g. a court order reference), hex. */
  data?: string;
}
/** What {@link forcedTransfer} resolves to. */
export type ForcedTransferResult = TxResult;

/** WARNING: moves unlocked units without the holder's consent (FORCE_TRANSFER_ROLE). */
export async function forcedTransfer(
  ctx: KessaiContext,
  p: ForcedTransferParams,
): Promise<ForcedTransferResult> {
  const from = toAddress(p.from, "from");
  const to = toAddress(p.to, "to");
  const value = toAmount(p.value, "value");
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.forcedTransfer", ctx.securityToken, () =>
    ctx.securityToken.forcedTransfer.populateTransaction(from, to, value, data),
  );
}
