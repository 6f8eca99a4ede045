import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult, populateCall } from "../../context/send.js";
import { toAddress, toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link issueDeposit}. */
export interface IssueDepositParams {
  account: string;
  amount: bigint;
  /** Reference of the deposit-account debit (bytes32, once per reference). */
  bankReference: string;
}
/** What {@link issueDeposit} resolves to. */
export type IssueDepositResult = TxResult;

/** Mints DCJPY to `account` against a deposit-account debit (ISSUER_ROLE). */
export async function issueDeposit(
  ctx: KessaiContext,
  p: IssueDepositParams,
): Promise<IssueDepositResult> {
  const account = toAddress(p.account, "account");
  const amount = toAmount(p.amount, "amount");
  const ref = toReference(p.bankReference, "bankReference");
  return sendTx(ctx, "bank.issue", ctx.depositToken, () =>
    populateCall(ctx.depositToken, ctx.depositToken.issue, account, amount, ref),
  );
}
