import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult, populateCall } from "../../context/send.js";
import { toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link redeemDeposit}. */
export interface RedeemDepositParams {
  amount: bigint;
  /** Tells the bank which deposit account to credit (bytes32, once per reference). */
  redemptionRef: string;
}
/** What {@link redeemDeposit} resolves to. */
export type RedeemDepositResult = TxResult;

/** Burns the signer's DCJPY; the bank credits the deposit account (step 7). */
export async function redeemDeposit(
  ctx: KessaiContext,
  p: RedeemDepositParams,
): Promise<RedeemDepositResult> {
  const amount = toAmount(p.amount, "amount");
  const ref = toReference(p.redemptionRef, "redemptionRef");
  return sendTx(ctx, "firm.redeem", ctx.depositToken, () =>
    populateCall(ctx.depositToken, ctx.depositToken.redeem, amount, ref),
  );
}
