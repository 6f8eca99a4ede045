import type { KessaiContext } from "../../context/connect.js";
import { sendTx, type TxResult } from "../../context/send.js";
import { toAddress, toReference, toDeadline } from "../../utils/validate.js";

/** Parameters of {@link registerInvestor}. */
export interface RegisterInvestorParams {
  account: string;
  /** Off-chain investor reference (bytes32, e.g. a hashed customer number). */
  investorRef: string;
  /** Unix expiry, or 0 / undefined for none. */
  expiry?: bigint | number | Date;
}
/** What {@link registerInvestor} resolves to. */
export type RegisterInvestorResult = TxResult;

/** Registers `account` as an active investor (REGISTRAR_ROLE). */
export async function registerInvestor(
  ctx: KessaiContext,
  p: RegisterInvestorParams,
): Promise<RegisterInvestorResult> {
  const account = toAddress(p.account, "account");
  const ref = toReference(p.investorRef, "investorRef", { allowZero: true });
  const expiry =
    p.expiry === undefined || p.expiry === 0 || p.expiry === 0n
      ? 0n
      : toDeadline(p.expiry, "expiry");
  const reg = ctx.securityRegistry;
  return sendTx(ctx, "registry.register", reg, () =>
    reg.register.populateTransaction(account, ref, expiry),
  );
}
