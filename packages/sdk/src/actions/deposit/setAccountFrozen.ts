import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toBool } from "../../utils/validate.js";

/** Parameters of {@link setAccountFrozen}. */
export interface SetAccountFrozenParams {
  account: string;
  frozen: boolean;
}
/** What {@link setAccountFrozen} resolves to. */
export type SetAccountFrozenResult = TxResult;

/** Freezes or unfreezes an account as a whole (FREEZER_ROLE). */
export async function setAccountFrozen(
  ctx: KessaiContext,
  p: SetAccountFrozenParams,
): Promise<SetAccountFrozenResult> {
  const account = toAddress(p.account, "account");
  const frozen = toBool(p.frozen, "frozen");
  return sendTx(ctx, "bank.setAccountFrozen", ctx.depositToken, () =>
    ctx.depositToken.setAccountFrozen.populateTransaction(account, frozen),
  );
}
