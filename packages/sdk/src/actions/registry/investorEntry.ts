import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toExpiry, toReference } from "../../utils/validate.js";

/** One account's entry in the investor register, as `register` and `update` take it. */
export interface InvestorEntry {
  account: string;
  /** Off-chain investor reference (bytes32, e.g. a hashed customer number). */
  investorRef: string;
  /** Unix expiry, or 0 / undefined for none. */
  expiry?: bigint | number | Date;
}

/**
 * Validates an entry and sends it to the registry's `register` or `update` (same arguments):
 * the one body of {@link registerInvestor} and {@link updateInvestor}.
 */
export function sendInvestorEntry(
  ctx: KessaiContext,
  p: InvestorEntry,
  method: "register" | "update",
): Promise<TxResult> {
  const account = toAddress(p.account, "account");
  const ref = toReference(p.investorRef, "investorRef", { allowZero: true });
  const expiry = toExpiry(p.expiry, "expiry");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, `registry.${method}`, reg, () =>
    reg[method].populateTransaction(account, ref, expiry),
  );
}
