import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toBool } from "../../utils/validate.js";

/** Parameters of {@link setDepositPaused}. */
export interface SetDepositPausedParams {
  paused: boolean;
}
/** What {@link setDepositPaused} resolves to. */
export type SetDepositPausedResult = TxResult;

/** Pauses or unpauses the deposit token (PAUSER_ROLE). */
export async function setDepositPaused(
  ctx: KessaiContext,
  p: SetDepositPausedParams,
): Promise<SetDepositPausedResult> {
  const paused = toBool(p.paused, "paused");
  const dt = ctx.depositToken;
  return sendTx(ctx, paused ? "bank.pause" : "bank.unpause", dt, () =>
    paused ? dt.pause.populateTransaction() : dt.unpause.populateTransaction(),
  );
}
