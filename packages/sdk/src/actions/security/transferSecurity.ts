import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link transferSecurity}. */
export interface TransferSecurityParams {
  to: string;
  value: bigint;
}
/** What {@link transferSecurity} resolves to. */
export type TransferSecurityResult = TxResult;

/** A normal ST transfer of the signer's unlocked units, under the transfer rules. */
export async function transferSecurity(
  ctx: KessaiContext,
  p: TransferSecurityParams,
): Promise<TransferSecurityResult> {
  const to = toAddress(p.to, "to");
  const value = toAmount(p.value, "value");
  return sendTx(ctx, "security.transfer", ctx.securityToken, () =>
    ctx.securityToken.transfer.populateTransaction(to, value),
  );
}
