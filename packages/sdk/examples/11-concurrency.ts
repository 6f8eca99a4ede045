import { buildTerms, deriveSettlementId, FirmClient } from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });
  const now = (await env.provider.getBlock("latest"))!.timestamp;
  const terms = Array.from({ length: 20 }, (_, i) => {
    const trade = {
      venue: "OTC",
      tradeId: `T-4${String(i).padStart(3, "0")}`,
      tradeDate: "2026-11-25",
      seller: seller.address,
      buyer: buyer.address,
      securityToken: env.addresses.securityToken,
      quantity: 1n,
      amount: 10_000n,
    };
    const cashToken = env.addresses.depositToken;
    return buildTerms({ ...trade, id: deriveSettlementId(trade), cashToken, deadline: now + 3600 });
  });

  // Fire everything at once: each signer's nonce queue hands out consecutive nonces, so
  // nothing collides and nothing is dropped. Only submission is serialised per account.
  await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
  await buyer.approveDeposit({ amount: 20n * 10_000n });
  const results = await Promise.all(terms.map((t) => buyer.settleSettlement({ terms: t })));

  const nonces = await Promise.all(
    results.map(async (r) => (await env.provider.getTransaction(r.hash))!.nonce),
  );
  return { settled: results.filter((r) => r.settled).length, nonces: nonces.sort((a, b) => a - b) };
  // #endregion example
}
