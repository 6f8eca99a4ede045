import { ZeroAddress } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount } from "../../utils/validate.js";

/** Parameters of {@link issueSecurity}. */
export interface IssueSecurityParams {
  to: string;
  value: bigint;
  /** Issue into a lock of this address (zero / undefined: unlocked). */
  lockAddress?: string;
}
/** What {@link issueSecurity} resolves to. */
export type IssueSecurityResult = TxResult;

/** Issues new ST units to `to`, optionally into a locked bucket (ISSUER_ROLE). */
export async function issueSecurity(
  ctx: KessaiContext,
  p: IssueSecurityParams,
): Promise<IssueSecurityResult> {
  const to = toAddress(p.to, "to");
  const value = toAmount(p.value, "value");
  const lock = toAddress(p.lockAddress ?? ZeroAddress, "lockAddress", { allowZero: true });
  return sendTx(ctx, "issuer.issue", ctx.securityToken, () =>
    ctx.securityToken.issue.populateTransaction(to, lock, value),
  );
}
