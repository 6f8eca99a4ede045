import { getAddress } from "ethers";
import type { KessaiContext } from "../../connect.js";
import { InvalidTermsError } from "../../errors/input.js";
import { latestBlock, sendTx, readCall, type TxResult } from "../../internal/send.js";
import {
  buildTerms,
  encodeTerms,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../../settlement/terms.js";

/** Parameters of {@link createSettlement}. */
export interface CreateSettlementParams {
  terms: SettlementTermsInput | SettlementTerms;
}
/** What {@link createSettlement} resolves to. */
export interface CreateSettlementResult extends TxResult {
  id: string;
  terms: SettlementTerms;
}

/**
 * Step 1, by the seller: `securityToken.lock(dvp, quantity, abi.encode(terms))`. The units stay in
 * the seller's balance, locked to the DVP, and the DVP registers the settlement in the same
 * transaction. The terms are validated first (signer is the seller, deadline after the latest
 * block time, tokens are this deployment's).
 */
export async function createSettlement(
  ctx: KessaiContext,
  p: CreateSettlementParams,
): Promise<CreateSettlementResult> {
  const block = await readCall("getBlock", () => latestBlock(ctx));
  const terms = buildTerms(p.terms as SettlementTermsInput, { now: BigInt(block?.timestamp ?? 0) });
  if (ctx.account && getAddress(ctx.account) !== terms.seller) {
    throw new InvalidTermsError("terms.seller", terms.seller, `is not the signer ${ctx.account}`);
  }
  if (terms.securityToken !== getAddress(ctx.addresses.securityToken)) {
    throw new InvalidTermsError(
      "terms.securityToken",
      terms.securityToken,
      "is not this deployment's security token",
    );
  }
  const st = ctx.securityToken;
  const r = await sendTx(ctx, "firm.createSettlement", st, () =>
    st.lock.populateTransaction(ctx.addresses.dvp, terms.quantity, encodeTerms(terms)),
  );
  return { ...r, id: terms.id, terms };
}
