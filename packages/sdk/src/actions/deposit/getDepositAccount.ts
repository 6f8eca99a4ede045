import { ZeroHash } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";

/** Parameters of {@link getDepositAccount}. */
export interface GetDepositAccountParams {
  account: string;
  blockTag?: number;
}
/** What {@link getDepositAccount} resolves to. */
export interface GetDepositAccountResult {
  account: string;
  /** Whether the bank opened a DCJPY account for `account` and has not closed it. */
  open: boolean;
  /** The deposit account it is bound to; undefined when the account is not open. */
  depositAccountRef: string | undefined;
}

/** The DCJPY account of `account` in the bank's account book: open or not, and its deposit account. */
export async function getDepositAccount(
  ctx: KessaiContext,
  p: GetDepositAccountParams,
): Promise<GetDepositAccountResult> {
  const account = toAddress(p.account, "account");
  const dt = ctx.depositToken;
  const o = { blockTag: p.blockTag };
  const [open, ref] = await readCall("deposit.accountOf", () =>
    Promise.all([dt.isAccountOpen(account, o), dt.depositAccountOf(account, o)]),
  );
  return { account, open, depositAccountRef: open && ref !== ZeroHash ? ref : undefined };
}
