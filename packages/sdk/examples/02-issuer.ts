import { id } from "ethers";
import { IssuerClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const issuer = await IssuerClient.connect({ runner: env.issuer, addresses: env.addresses });

  // Register an investor: investorRef is an opaque bytes32 (e.g. a hashed customer number).
  await issuer.registerInvestor({ account: env.newInvestor, investorRef: id("customer:C-1001") });
  const investor = await issuer.getInvestor({ account: env.newInvestor });

  // Issue 100 units to it (lockAddress would issue them into a lock instead).
  const issued = await issuer.issueSecurity({ to: env.newInvestor, value: 100n });
  const { balance } = await issuer.getSecurityBalance({ account: env.newInvestor });
  return { status: investor.status, eligible: investor.eligible, gasUsed: issued.gasUsed, balance };
  // #endregion example
}
