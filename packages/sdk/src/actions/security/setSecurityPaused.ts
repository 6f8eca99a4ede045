import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toBool } from "../../utils/validate.js";

/** Parameters of {@link setSecurityPaused}. */
export interface SetSecurityPausedParams {
  paused: boolean;
}
/** What {@link setSecurityPaused} resolves to. */
export type SetSecurityPausedResult = TxResult;

/** Pauses or unpauses the security token (PAUSER_ROLE). */
export async function setSecurityPaused(
  ctx: KessaiContext,
  p: SetSecurityPausedParams,
): Promise<SetSecurityPausedResult> {
  const paused = toBool(p.paused, "paused");
  const st = ctx.securityToken;
  return sendTx(ctx, paused ? "issuer.pause" : "issuer.unpause", st, () =>
    paused ? st.pause.populateTransaction() : st.unpause.populateTransaction(),
  );
}
