import type { KessaiContext } from "../../context/connect.js";
import { readDomain } from "../../context/domain.js";
import { signTyped, signerAddress } from "../../context/send.js";
import { InvalidParameterError } from "../../errors/input.js";
import { transferAuthorizationTypedData } from "../../settlement/eip712.js";
import { normaliseTerms, type TermsLike } from "./common.js";
import { checksumAddress } from "../../utils/validate.js";

/** Parameters of {@link signSettlementAuthorization}. */
export interface SignSettlementAuthorizationParams {
  terms: TermsLike;
  /** The authorization is valid strictly before this unix time; default `terms.deadline + 1`. */
  validBefore?: bigint;
}

/** The buyer's payment for one settlement, as `settleWithAuthorization` takes it. */
export interface SettlementAuthorization {
  /** The authorization is valid strictly before this unix time. */
  validBefore: bigint;
  /** The buyer's EIP-712 signature. */
  signature: string;
}

/**
 * The buyer signs the cash leg of exactly one settlement (no transaction): a DCJPY transfer
 * authorization of `terms.amount` to `terms.seller`, executable only by the DVP, with the
 * settlement ID as its nonce, so it serves no other settlement, amount, payee or spender, and any
 * number of them may be open at once. `validBefore` defaults to `terms.deadline + 1` (settling is
 * allowed up to the deadline). Submit with `settleSettlement({ terms, authorization })`.
 */
export async function signSettlementAuthorization(
  ctx: KessaiContext,
  p: SignSettlementAuthorizationParams,
): Promise<SettlementAuthorization> {
  const terms = normaliseTerms(p.terms);
  const validBefore = p.validBefore ?? terms.deadline + 1n;
  const action = "signSettlementAuthorization";
  await signerAddress(ctx, action, { field: "terms.buyer", account: terms.buyer });
  if (checksumAddress(terms.cashToken) !== checksumAddress(ctx.addresses.depositToken)) {
    throw new InvalidParameterError(
      "terms.cashToken",
      terms.cashToken,
      `is not the connected deposit token ${ctx.addresses.depositToken}`,
    );
  }
  const td = transferAuthorizationTypedData(await readDomain(ctx, "depositToken"), {
    from: terms.buyer,
    to: terms.seller,
    value: terms.amount,
    spender: ctx.addresses.dvp,
    validBefore,
    nonce: terms.id,
  });
  return { validBefore, signature: await signTyped(ctx, action, td) };
}
