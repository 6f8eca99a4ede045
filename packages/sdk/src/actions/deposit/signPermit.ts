import { Signature } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readDomain } from "../../context/domain.js";
import { readCall, signTyped, signerAddress } from "../../context/send.js";
import { permitTypedData } from "../../settlement/eip712.js";
import { toAddress, toAmount, toDeadline, type AmountLike } from "../../utils/validate.js";

/** Parameters of {@link signPermit}. */
export interface SignPermitParams {
  /** Defaults to the DVP. */
  spender?: string;
  amount: AmountLike;
  /** Permit deadline (unix seconds or Date). */
  deadline: bigint | number | Date;
}

/** An ERC-2612 permit split into the arguments of DCJPY's `permit`. */
export interface PermitSignature {
  value: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
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
  const value = toAmount(p.amount, "amount");
  const deadline = toDeadline(p.deadline, "deadline");
  const owner = await signerAddress(ctx, "signPermit");
  const [domain, nonce] = await Promise.all([
    readDomain(ctx, "depositToken"),
    readCall("depositToken.nonces", () => ctx.depositToken.nonces(owner)),
  ]);
  const td = permitTypedData(domain, { owner, spender, value, nonce, deadline });
  const sig = Signature.from(await signTyped(ctx, "signPermit", td));
  return { value, deadline, v: sig.v, r: sig.r, s: sig.s };
}
