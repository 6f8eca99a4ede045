import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { sameLength, toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link bulkIssueSecurity}. */
export interface BulkIssueSecurityParams {
  items: { to: string; value: bigint }[];
}
/** What {@link bulkIssueSecurity} resolves to. */
export type BulkIssueSecurityResult = TxResult;

/** Issues unlocked ST units to many accounts, all or nothing (ISSUER_ROLE). */
export async function bulkIssueSecurity(
  ctx: KessaiContext,
  p: BulkIssueSecurityParams,
): Promise<BulkIssueSecurityResult> {
  sameLength("items", p.items);
  const to = p.items.map((x, i) => toAddress(x.to, `items[${i}].to`));
  const values = p.items.map((x, i) => toAmount(x.value, `items[${i}].value`));
  return sendTx(ctx, "issuer.bulkIssue", ctx.securityToken, () =>
    ctx.securityToken.bulkIssue.populateTransaction(to, values),
  );
}
