import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toReference } from "../../utils/validate.js";

/** Parameters of {@link openDepositAccount}. */
export interface OpenDepositAccountParams {
  /** The address that may hold, send and receive DCJPY once the account is open. */
  account: string;
  /** The bank's reference of the deposit account behind it (non-zero bytes32). */
  depositAccountRef: string;
}
/** What {@link openDepositAccount} resolves to. */
export type OpenDepositAccountResult = TxResult;

/**
 * Opens a DCJPY account for `account`, bound to the deposit account `depositAccountRef`: from then
 * on it may hold, send and receive DCJPY, unless frozen (REGISTRAR_ROLE on DCJPY).
 */
export async function openDepositAccount(
  ctx: KessaiContext,
  p: OpenDepositAccountParams,
): Promise<OpenDepositAccountResult> {
  const account = toAddress(p.account, "account");
  const ref = toReference(p.depositAccountRef, "depositAccountRef");
  return sendTx(ctx, "bank.openAccount", ctx.depositToken, () =>
    ctx.depositToken.openAccount.populateTransaction(account, ref),
  );
}
