import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link closeDepositAccount}. */
export interface CloseDepositAccountParams {
  account: string;
}
/** What {@link closeDepositAccount} resolves to. */
export type CloseDepositAccountResult = TxResult;

/**
 * Closes the DCJPY account of `account`: it may no longer hold, send or receive DCJPY. The account
 * must hold nothing (redeem a balance first with `redeemDepositFrom`); freezes on it are kept
 * (REGISTRAR_ROLE on DCJPY).
 */
export async function closeDepositAccount(
  ctx: KessaiContext,
  p: CloseDepositAccountParams,
): Promise<CloseDepositAccountResult> {
  const account = toAddress(p.account, "account");
  return sendTx(ctx, "bank.closeAccount", ctx.depositToken, () =>
    ctx.depositToken.closeAccount.populateTransaction(account),
  );
}
