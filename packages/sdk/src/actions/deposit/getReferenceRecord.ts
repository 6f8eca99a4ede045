import { ZeroAddress } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
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
  const r = await readCall(`deposit.${p.kind}Of`, () =>
    p.kind === "issuance" ? dt.issuanceOf(ref) : dt.redemptionOf(ref),
  );
  return r.account === ZeroAddress
    ? undefined
    : { account: r.account, amount: r.amount, timestamp: r.timestamp };
}
