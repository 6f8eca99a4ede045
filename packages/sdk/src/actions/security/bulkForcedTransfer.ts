import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { sameLength, toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link bulkForcedTransfer}. */
export interface BulkForcedTransferParams {
  items: { from: string; to: string; value: bigint }[];
  data?: string;
}
/** What {@link bulkForcedTransfer} resolves to. */
export type BulkForcedTransferResult = TxResult;

/** WARNING: forced transfers of many items, all or nothing (FORCE_TRANSFER_ROLE). */
export async function bulkForcedTransfer(
  ctx: KessaiContext,
  p: BulkForcedTransferParams,
): Promise<BulkForcedTransferResult> {
  sameLength("items", p.items);
  const from = p.items.map((x, i) => toAddress(x.from, `items[${i}].from`));
  const to = p.items.map((x, i) => toAddress(x.to, `items[${i}].to`));
  const values = p.items.map((x, i) => toAmount(x.value, `items[${i}].value`));
  const data = toBytes(p.data, "data");
  return sendTx(ctx, "issuer.bulkForcedTransfer", ctx.securityToken, () =>
    ctx.securityToken.bulkForcedTransfer.populateTransaction(from, to, values, data),
  );
}
