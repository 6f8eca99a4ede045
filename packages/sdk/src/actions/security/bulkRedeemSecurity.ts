import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { sameLength, toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link bulkRedeemSecurity}. */
export interface BulkRedeemSecurityParams {
  items: { from: string; value: bigint }[];
}
/** What {@link bulkRedeemSecurity} resolves to. */
export type BulkRedeemSecurityResult = TxResult;

/** Redeems unlocked ST units from many accounts, all or nothing (ISSUER_ROLE). */
export async function bulkRedeemSecurity(
  ctx: KessaiContext,
  p: BulkRedeemSecurityParams,
): Promise<BulkRedeemSecurityResult> {
  sameLength("items", p.items);
  const from = p.items.map((x, i) => toAddress(x.from, `items[${i}].from`));
  const values = p.items.map((x, i) => toAmount(x.value, `items[${i}].value`));
  return sendTx(ctx, "issuer.bulkRedeem", ctx.securityToken, () =>
    ctx.securityToken.bulkRedeem.populateTransaction(from, values),
  );
}
