import { buildTerms, deriveSettlementId, FirmClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });

  // Both firms derive the same settlement ID, independently, from the trade's facts.
  const trade = {
    venue: "OTC",
    tradeId: "T-1001",
    tradeDate: "2026-11-25",
    seller: seller.address,
    buyer: buyer.address,
    securityToken: env.addresses.securityToken,
    quantity: 10n,
    amount: 1_000_000n,
  };
  const now = (await env.provider.getBlock("latest"))!.timestamp;
  const terms = buildTerms({
    ...trade,
    id: deriveSettlementId(trade),
    cashToken: env.addresses.depositToken,
    deadline: now + 3600,
  });

  // Step 1, seller: lock the units to the DVP with the encoded terms (creates the settlement).
  await seller.createSettlement({ terms });
  // Step 2, buyer: affirm on chain, or sign (no gas) and let anyone submit the signature.
  const signature = await buyer.signAffirmation({ terms });
  await seller.affirmSettlement({ terms, signature });
  // Step 6, buyer: pay with a DCJPY transfer authorization signed for this settlement only (no
  // separate approval transaction; it cannot pay any other settlement).
  const { settled, gasUsed } = await buyer.settleSettlement({ terms, authorization: true });

  const view = await buyer.getSettlement({ id: terms.id });
  return { id: terms.id, settled, gasUsed, state: view.state, terms: view.terms };
  // #endregion example
}
