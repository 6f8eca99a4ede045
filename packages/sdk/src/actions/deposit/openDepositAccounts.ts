import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { sameLength, toAddress, toReference } from "../../utils/validate.js";

/** Parameters of {@link openDepositAccounts}. */
export interface OpenDepositAccountsParams {
  /** The addresses to open DCJPY accounts for. */
  accounts: string[];
  /** Their deposit-account references (non-zero bytes32), in the same order. */
  depositAccountRefs: string[];
}
/** What {@link openDepositAccounts} resolves to. */
export type OpenDepositAccountsResult = TxResult;

/**
 * Opens a DCJPY account for each `accounts[i]`, bound to `depositAccountRefs[i]`, in one
 * transaction, all or nothing (REGISTRAR_ROLE on DCJPY).
 */
export async function openDepositAccounts(
  ctx: KessaiContext,
  p: OpenDepositAccountsParams,
): Promise<OpenDepositAccountsResult> {
  sameLength("accounts", p.accounts, p.depositAccountRefs);
  const accounts = p.accounts.map((x, i) => toAddress(x, `accounts[${i}]`));
  const refs = p.depositAccountRefs.map((x, i) => toReference(x, `depositAccountRefs[${i}]`));
  return sendTx(ctx, "bank.openAccounts", ctx.depositToken, () =>
    ctx.depositToken.openAccounts.populateTransaction(accounts, refs),
  );
}
