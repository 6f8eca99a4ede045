import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link getDepositBalance}. */
export interface GetDepositBalanceParams {
  account: string;
  blockTag?: number;
}
/** What {@link getDepositBalance} resolves to. */
export interface GetDepositBalanceResult {
  balance: bigint;
  available: bigint;
  frozen: bigint;
  accountFrozen: boolean;
  /** Allowance granted to the DVP. */
  dvpAllowance: bigint;
}

/** DCJPY position of `account`. */
export async function getDepositBalance(
  ctx: KessaiContext,
  p: GetDepositBalanceParams,
): Promise<GetDepositBalanceResult> {
  const account = toAddress(p.account, "account");
  const dt = ctx.depositToken;
  const o = { blockTag: p.blockTag };
  const [balance, available, frozen, accountFrozen, dvpAllowance] = await readCall(
    "deposit.balances",
    () =>
      Promise.all([
        dt.balanceOf(account, o),
        dt.availableBalanceOf(account, o),
        dt.frozenOf(account, o),
        dt.isAccountFrozen(account, o),
        dt.allowance(account, ctx.addresses.dvp, o),
      ]),
  );
  return { balance, available, frozen, accountFrozen, dvpAllowance };
}
