import type { KessaiContext } from "../../context/connect.js";
import { signPermitTypedData, type PermitSignature } from "../../settlement/eip712.js";
import { toAddress, toAmount, toDeadline, type AmountLike } from "../../utils/validate.js";

/** Parameters of {@link signPermit}. */
export interface SignPermitParams {
  /** Defaults to the DVP. */
  spender?: string;
  amount: AmountLike;
  /** Permit deadline (unix seconds or Date). */
  deadline: bigint | number | Date;
}
/** What {@link signPermit} resolves to. */
export type SignPermitResult = PermitSignature;

/**
 * Signs an ERC-2612 permit for DCJPY (no transaction), for any spender. Settling does not use
 * permits (an allowance is fungible): see `signSettlementAuthorization`.
 */
export async function signPermit(
  ctx: KessaiContext,
  p: SignPermitParams,
): Promise<SignPermitResult> {
  const spender = toAddress(p.spender ?? ctx.addresses.dvp, "spender");
  const amount = toAmount(p.amount, "amount");
  const deadline = toDeadline(p.deadline, "deadline");
  return signPermitTypedData(ctx, spender, amount, deadline);
}
