import { id } from "ethers";
import { AuditorClient, settleTrade, type SettlementEvent } from "../src/index.js";
import { tradingParties, type ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  // The three parties' clients, and terms for a trade between the firms (examples/env.ts).
  const { seller, buyer, bank, terms } = await tradingParties(env);
  // A trade that will settle while the auditor watches.
  const trade = () =>
    settleTrade({
      seller,
      buyer,
      bank,
      terms: terms({ id: id("auditor-example-trade"), quantity: 1n, amount: 100_000n }),
      bankReference: "DEBIT-AUDITOR-EXAMPLE",
      redemptionRef: "CREDIT-AUDITOR-EXAMPLE",
    });
  // Read-only: a Provider is enough.
  const auditor = await AuditorClient.connect({ runner: env.provider, addresses: env.addresses });
  const fromBlock = (await env.provider.getBlockNumber()) + 1;

  // Watch DVP events live (by polling the node); stop() unsubscribes.
  const seen: SettlementEvent[] = [];
  const stop = await auditor.watchSettlements({ onEvent: (e) => seen.push(e) });
  const { id: settlementId } = await trade(); // some trade settles meanwhile
  for (let i = 0; i < 100 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
  await stop();

  // List settlements by party, state, block or time range.
  const settled = await auditor.listSettlements({ party: seller.address, state: "Settled" });

  // Reconcile the range: both legs of every settlement, balances against Transfer events,
  // and DCJPY supply against issued − redeemed. `mismatches` is empty when all agrees.
  const report = await auditor.reconcile({ fromBlock });
  return {
    events: seen.map((e) => e.name),
    listed: settled.some((s) => s.id === settlementId),
    legs: report.settlements.find((s) => s.id === settlementId)?.legs,
    ok: report.ok,
    mismatches: report.mismatches,
    supply: report.supply,
  };
  // #endregion example
}
