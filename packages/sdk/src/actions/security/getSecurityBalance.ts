import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link getSecurityBalance}. */
export interface GetSecurityBalanceParams {
  account: string;
  /** Also report the units locked to this address (e.g. the DVP). Defaults to the DVP. */
  lockAddress?: string;
  blockTag?: number;
}
/** What {@link getSecurityBalance} resolves to. */
export interface GetSecurityBalanceResult {
  balance: bigint;
  locked: bigint;
  available: bigint;
  lockedTo: bigint;
}

/** ST balance of `account`: total, locked (all locks), available, and locked to one address. */
export async function getSecurityBalance(
  ctx: KessaiContext,
  p: GetSecurityBalanceParams,
): Promise<GetSecurityBalanceResult> {
  const account = toAddress(p.account, "account");
  const lock = toAddress(p.lockAddress ?? ctx.addresses.dvp, "lockAddress");
  const st = ctx.securityToken;
  const o = { blockTag: p.blockTag };
  const [balance, locked, available, lockedTo] = await readCall("security.balances", () =>
    Promise.all([
      st.balanceOf(account, o),
      st.totalLockedOf(account, o),
      st.availableBalanceOf(account, o),
      st.lockedOf(lock, account, o),
    ]),
  );
  return { balance, locked, available, lockedTo };
}
