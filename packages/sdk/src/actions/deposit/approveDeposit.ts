import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link approveDeposit}. */
export interface ApproveDepositParams {
  /** Defaults to the DVP. */
  spender?: string;
  amount: bigint;
}
/** What {@link approveDeposit} resolves to. */
export type ApproveDepositResult = TxResult;

/** ERC-20 approval of DCJPY (by default to the DVP, for the cash leg). Zero is allowed (revoke). */
export async function approveDeposit(
  ctx: KessaiContext,
  p: ApproveDepositParams,
): Promise<ApproveDepositResult> {
  const spender = toAddress(p.spender ?? ctx.addresses.dvp, "spender");
  const amount = toAmount(p.amount, "amount", { allowZero: true });
  return sendTx(ctx, "firm.approve", ctx.depositToken, () =>
    ctx.depositToken.approve.populateTransaction(spender, amount),
  );
}
