import type { KessaiContext } from "../../context/connect.js";
import type { TxResult } from "../../context/send.js";
import { sendInvestorEntry, type InvestorEntry } from "./investorEntry.js";

/** Parameters of {@link registerInvestor}: the account, its investor reference and expiry. */
export interface RegisterInvestorParams extends InvestorEntry {}
/** What {@link registerInvestor} resolves to. */
export type RegisterInvestorResult = TxResult;

/** Registers `account` as an active investor (REGISTRAR_ROLE). */
export async function registerInvestor(
  ctx: KessaiContext,
  p: RegisterInvestorParams,
): Promise<RegisterInvestorResult> {
  return sendInvestorEntry(ctx, p, "register");
}
