import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAmount, toReference } from "../../utils/validate.js";

/** Parameters of {@link requestIssuance}. */
export interface RequestIssuanceParams {
  amount: bigint;
  /** Which deposit account the bank should debit (bytes32, opaque to the chain). */
  depositAccountRef: string;
}
/** What {@link requestIssuance} resolves to. */
export interface RequestIssuanceResult extends TxResult {
  requestId: bigint;
}

/** The holder asks the bank to debit its deposit account and mint DCJPY to it. */
export async function requestIssuance(
  ctx: KessaiContext,
  p: RequestIssuanceParams,
): Promise<RequestIssuanceResult> {
  const amount = toAmount(p.amount, "amount");
  const ref = toReference(p.depositAccountRef, "depositAccountRef", { allowZero: true });
  const dt = ctx.depositToken;
  const r = await sendTx(ctx, "firm.requestIssuance", dt, () =>
    dt.requestIssuance.populateTransaction(amount, ref),
  );
  const ev = r.receipt.logs
    .map((l) => {
      try {
        return dt.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((e) => e?.name === "IssuanceRequested");
  return { ...r, requestId: ev ? (ev.args.requestId as bigint) : 0n };
}
