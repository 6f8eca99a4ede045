import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toReference, toDeadline } from "../../utils/validate.js";

/** Parameters of {@link updateInvestor}. */
export interface UpdateInvestorParams {
  account: string;
  investorRef: string;
  expiry?: bigint | number | Date;
}
/** What {@link updateInvestor} resolves to. */
export type UpdateInvestorResult = TxResult;

/** Changes the reference and expiry of a registered account (REGISTRAR_ROLE). */
export async function updateInvestor(
  ctx: KessaiContext,
  p: UpdateInvestorParams,
): Promise<UpdateInvestorResult> {
  const account = toAddress(p.account, "account");
  const ref = toReference(p.investorRef, "investorRef", { allowZero: true });
  const expiry =
    p.expiry === undefined || p.expiry === 0 || p.expiry === 0n
      ? 0n
      : toDeadline(p.expiry, "expiry");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.update", reg, () =>
    reg.update.populateTransaction(account, ref, expiry),
  );
}
