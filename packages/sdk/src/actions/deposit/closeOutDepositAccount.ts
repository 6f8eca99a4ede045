import type { KessaiContext } from "../../context/connect.js";
import { readCall, sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toReference } from "../../utils/validate.js";

/** Parameters of {@link closeOutDepositAccount}. */
export interface CloseOutDepositAccountParams {
  account: string;
  /** Reference of the redemption that pays the balance back to the deposit account. */
  redemptionRef: string;
}
/** What {@link closeOutDepositAccount} resolves to. */
export interface CloseOutDepositAccountResult {
  /** The freeze, when the account was not frozen yet (it then stays frozen if the close fails). */
  freeze: TxResult | undefined;
  /** The one `multicall` that lifted the freezes, redeemed the balance and closed the account. */
  closeOut: TxResult;
  /** DCJPY redeemed to the deposit account (the whole balance, frozen units included). */
  redeemed: bigint;
}

/**
 * The bank's close-out of a DCJPY account that may hold a balance: freezes it (a frozen account
 * can neither send nor receive, so its balance is final), then in one `multicall` transaction
 * lifts the whole-account and partial freezes, redeems the whole balance under `redemptionRef`
 * and closes the account. No transfer can land between the steps. Needs FREEZER_ROLE,
 * REDEEMER_ROLE and REGISTRAR_ROLE on DCJPY; a refusal of any step reverts the whole multicall
 * with that step's typed error.
 */
export async function closeOutDepositAccount(
  ctx: KessaiContext,
  p: CloseOutDepositAccountParams,
): Promise<CloseOutDepositAccountResult> {
  const account = toAddress(p.account, "account");
  const redemptionRef = toReference(p.redemptionRef, "redemptionRef");
  const dt = ctx.depositToken;
  const frozen = await readCall("bank.closeOut", () => dt.isAccountFrozen(account));
  const freeze = frozen
    ? undefined
    : await sendTx(ctx, "bank.closeOut", dt, () =>
        dt.setAccountFrozen.populateTransaction(account, true),
      );
  const [balance, partial] = await readCall("bank.closeOut", () =>
    Promise.all([dt.balanceOf(account), dt.frozenOf(account)]),
  );
  const calls = [dt.interface.encodeFunctionData("setAccountFrozen", [account, false])];
  if (partial > 0n) {
    calls.push(dt.interface.encodeFunctionData("unfreezePartial", [account, partial]));
  }
  if (balance > 0n) {
    calls.push(dt.interface.encodeFunctionData("redeemFrom", [account, balance, redemptionRef]));
  }
  calls.push(dt.interface.encodeFunctionData("closeAccount", [account]));
  const closeOut = await sendTx(ctx, "bank.closeOut", dt, () =>
    dt.multicall.populateTransaction(calls),
  );
  return { freeze, closeOut, redeemed: balance };
}
