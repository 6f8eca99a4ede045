import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { sameLength, toAddress, toExpiry, toReference } from "../../utils/validate.js";

/** Parameters of {@link registerInvestors}. */
export interface RegisterInvestorsParams {
  investors: { account: string; investorRef: string; expiry?: bigint | number | Date }[];
}
/** What {@link registerInvestors} resolves to. */
export type RegisterInvestorsResult = TxResult;

/** Registers many investors in one transaction, all or nothing (REGISTRAR_ROLE). */
export async function registerInvestors(
  ctx: KessaiContext,
  p: RegisterInvestorsParams,
): Promise<RegisterInvestorsResult> {
  sameLength("investors", p.investors);
  const accounts = p.investors.map((x, i) => toAddress(x.account, `investors[${i}].account`));
  const refs = p.investors.map((x, i) =>
    toReference(x.investorRef, `investors[${i}].investorRef`, { allowZero: true }),
  );
  const expiries = p.investors.map((x, i) => toExpiry(x.expiry, `investors[${i}].expiry`));
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.registerBatch", reg, () =>
    reg.registerBatch.populateTransaction(accounts, refs, expiries),
  );
}
