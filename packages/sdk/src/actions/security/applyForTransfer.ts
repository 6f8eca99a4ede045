import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toAmount, toBytes } from "../../utils/validate.js";

/** Parameters of {@link applyForTransfer}. */
export interface ApplyForTransferParams {
  to: string;
  value: bigint;
  data?: string;
}
/** What {@link applyForTransfer} resolves to. */
export interface ApplyForTransferResult extends TxResult {
  applicationId: bigint;
}

/** Files a transfer application (approval workflow); its units are locked to the token. */
export async function applyForTransfer(
  ctx: KessaiContext,
  p: ApplyForTransferParams,
): Promise<ApplyForTransferResult> {
  const to = toAddress(p.to, "to");
  const value = toAmount(p.value, "value");
  const data = toBytes(p.data, "data");
  const st = ctx.securityToken;
  const r = await sendTx(ctx, "security.applyForTransfer", st, () =>
    st.applyForTransfer.populateTransaction(to, value, data),
  );
  const ev = r.receipt.logs
    .map((l) => {
      try {
        return st.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((e) => e?.name === "TransferApplied");
  return { ...r, applicationId: ev ? (ev.args.applicationId as bigint) : 0n };
}
