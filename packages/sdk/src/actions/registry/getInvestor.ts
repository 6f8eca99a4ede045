import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress } from "../../utils/validate.js";
import { INVESTOR_STATUS_NAMES, type InvestorStatusName } from "../../constants/enums.js";

/** Parameters of {@link getInvestor}. */
export interface GetInvestorParams {
  account: string;
}
/** What {@link getInvestor} resolves to. */
export interface GetInvestorResult {
  account: string;
  investorRef: string;
  expiry: bigint;
  status: InvestorStatusName;
  eligible: boolean;
}

/** Reads an account's record and current eligibility. */
export async function getInvestor(
  ctx: KessaiContext,
  p: GetInvestorParams,
): Promise<GetInvestorResult> {
  const account = toAddress(p.account, "account");
  const reg = ctx.securityRegistry;
  const [rec, eligible] = await readCall("registry.investorOf", () =>
    Promise.all([reg.investorOf(account), reg.isEligible(account)]),
  );
  return {
    account,
    investorRef: rec.investorRef,
    expiry: rec.expiry,
    status: INVESTOR_STATUS_NAMES[Number(rec.status)],
    eligible,
  };
}
