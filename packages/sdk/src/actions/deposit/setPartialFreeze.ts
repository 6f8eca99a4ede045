import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link setPartialFreeze}. */
export interface SetPartialFreezeParams {
  account: string;
  /** Positive: add to the frozen part; negative: remove from it. */
  delta: bigint;
}
/** What {@link setPartialFreeze} resolves to. */
export type SetPartialFreezeResult = TxResult;

/** Freezes (delta > 0) or unfreezes (delta < 0) part of an account's balance (FREEZER_ROLE). */
export async function setPartialFreeze(
  ctx: KessaiContext,
  p: SetPartialFreezeParams,
): Promise<SetPartialFreezeResult> {
  const account = toAddress(p.account, "account");
  const negative = typeof p.delta === "bigint" && p.delta < 0n;
  const amount = toAmount(negative ? -p.delta : p.delta, "delta");
  const dt = ctx.depositToken;
  return negative
    ? sendTx(ctx, "bank.unfreezePartial", dt, () =>
        dt.unfreezePartial.populateTransaction(account, amount),
      )
    : sendTx(ctx, "bank.freezePartial", dt, () =>
        dt.freezePartial.populateTransaction(account, amount),
      );
}
