import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link redeemDepositFrom}. */
export interface RedeemDepositFromParams {
  account: string;
  amount: bigint;
  redemptionRef: string;
}
/** What {@link redeemDepositFrom} resolves to. */
export type RedeemDepositFromResult = TxResult;

/** Burns DCJPY of `account` on its behalf; the bank credits the deposit account (REDEEMER_ROLE). */
export async function redeemDepositFrom(
  ctx: KessaiContext,
  p: RedeemDepositFromParams,
): Promise<RedeemDepositFromResult> {
  const account = toAddress(p.account, "account");
  const amount = toAmount(p.amount, "amount");
  const ref = toReference(p.redemptionRef, "redemptionRef");
  return sendTx(ctx, "bank.redeemFrom", ctx.depositToken, () =>
    ctx.depositToken.redeemFrom.populateTransaction(account, amount, ref),
  );
}
