import { ZeroAddress } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readView } from "../../context/send.js";
import { toReference } from "../../utils/validate.js";

/** Parameters of {@link getReferenceRecord}. */
export interface GetReferenceRecordParams {
  kind: "issuance" | "redemption";
  reference: string;
}
/** The record under a reference, or undefined when the reference was never used. */
export type GetReferenceRecordResult =
  { account: string; amount: bigint; timestamp: bigint } | undefined;

/** Looks up an issuance (bank reference) or redemption (redemption reference). */
export async function getReferenceRecord(
  ctx: KessaiContext,
  p: GetReferenceRecordParams,
): Promise<GetReferenceRecordResult> {
  const ref = toReference(p.reference, "reference");
  const dt = ctx.depositToken;
  const method = p.kind === "issuance" ? "issuanceOf" : "redemptionOf";
  const [r] = (await readView(ctx, `deposit.${method}`, dt, method, [ref])) as unknown as [
    { account: string; amount: bigint; timestamp: bigint },
  ];
  return r.account === ZeroAddress
    ? undefined
    : { account: r.account, amount: r.amount, timestamp: r.timestamp };
}
