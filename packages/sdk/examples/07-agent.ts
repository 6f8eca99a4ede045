import { AgentClient, buildTerms, deriveSettlementId, FirmClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });
  const agent = await AgentClient.connect({ runner: env.agent, addresses: env.addresses });

  // Three trades naming the agent: each needs its approval before it can settle.
  const now = (await env.provider.getBlock("latest"))!.timestamp;
  const terms = ["T-2001", "T-2002", "T-2003"].map((tradeId) => {
    const trade = {
      venue: "OTC",
      tradeId,
      tradeDate: "2026-11-25",
      seller: seller.address,
      buyer: buyer.address,
      securityToken: env.addresses.securityToken,
      quantity: 5n,
      amount: 500_000n,
    };
    const id = deriveSettlementId(trade);
    const cashToken = env.addresses.depositToken;
    return buildTerms({ ...trade, id, cashToken, deadline: now + 3600, agent: agent.address });
  });
  await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
  await Promise.all(terms.map((t) => buyer.affirmSettlement({ terms: t })));
  await buyer.approveDeposit({ amount: 1_500_000n }); // the cash leg, by allowance this time

  // The agent approves each (or signs approvals with agent.signApproval) and settles them in
  // one transaction: settleBatch is all or nothing, or with mode perItem reports each item.
  await Promise.all(terms.map((t) => agent.approveSettlement({ terms: t })));
  const batch = await agent.settleBatch({ terms, mode: "perItem" });
  return { statuses: batch.items.map((i) => i.status), gasUsed: batch.gasUsed };
  // #endregion example
}
