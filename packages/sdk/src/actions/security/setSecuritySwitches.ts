import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { InvalidParameterError } from "../../errors/input.js";
import { toBool } from "../../utils/validate.js";

/** Parameters of {@link setSecuritySwitches}. */
export interface SetSecuritySwitchesParams {
  /** Token status (active). */
  active?: boolean;
  /** Normal transfers on/off. */
  transferable?: boolean;
  /** Approval workflow on/off. */
  transferApprovalRequired?: boolean;
}
/** What {@link setSecuritySwitches} resolves to. */
export type SetSecuritySwitchesResult = TxResult[];

/** Sets the issuer switches given (one transaction per switch, in this order; ISSUER_ROLE). */
export async function setSecuritySwitches(
  ctx: KessaiContext,
  p: SetSecuritySwitchesParams,
): Promise<SetSecuritySwitchesResult> {
  const st = ctx.securityToken;
  const calls: [string, () => ReturnType<typeof st.setStatus.populateTransaction>][] = [];
  if (p.active !== undefined) {
    const v = toBool(p.active, "active");
    calls.push(["issuer.setStatus", () => st.setStatus.populateTransaction(v)]);
  }
  if (p.transferable !== undefined) {
    const v = toBool(p.transferable, "transferable");
    calls.push(["issuer.setTransferable", () => st.setTransferable.populateTransaction(v)]);
  }
  if (p.transferApprovalRequired !== undefined) {
    const v = toBool(p.transferApprovalRequired, "transferApprovalRequired");
    calls.push([
      "issuer.setTransferApprovalRequired",
      () => st.setTransferApprovalRequired.populateTransaction(v),
    ]);
  }
  if (calls.length === 0)
    throw new InvalidParameterError("switches", p, "name at least one switch");
  const out: TxResult[] = [];
  for (const [action, send] of calls) out.push(await sendTx(ctx, action, st, send));
  return out;
}
