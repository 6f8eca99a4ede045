import type { KessaiContext } from "../../context/connect.js";
import { signerAddress } from "../../context/send.js";
import { getDepositBalance, type GetDepositBalanceResult } from "../deposit/getDepositBalance.js";
import {
  getSecurityBalance,
  type GetSecurityBalanceResult,
} from "../security/getSecurityBalance.js";

/** Parameters of {@link getBalances}. */
export interface GetBalancesParams {
  /** Default: the signer. */
  account?: string;
}
/** What {@link getBalances} resolves to: one account's positions in both tokens. */
export interface GetBalancesResult {
  security: GetSecurityBalanceResult;
  deposit: GetDepositBalanceResult;
}

/** ST and DCJPY positions of `account` (default: the signer), read in parallel. */
export async function getBalances(
  ctx: KessaiContext,
  p: GetBalancesParams = {},
): Promise<GetBalancesResult> {
  const account = p.account ?? (await signerAddress(ctx, "getBalances"));
  const [security, deposit] = await Promise.all([
    getSecurityBalance(ctx, { account }),
    getDepositBalance(ctx, { account }),
  ]);
  return { security, deposit };
}
