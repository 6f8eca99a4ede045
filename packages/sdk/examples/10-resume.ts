import { id } from "ethers";
import { settleTrade, type ProgressEvent } from "../src/index.js";
import { tradingParties, type ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  // The three parties' clients, and the trade's terms as both firms agreed them (examples/env.ts).
  const { seller, buyer, bank, terms: termsOf } = await tradingParties(env);
  const terms = termsOf({ id: id("resume-example-trade"), quantity: 2n, amount: 200_000n });
  // settleTrade carries a trade through the seven steps; it reads the chain before each step,
  // so after a crash the same call (same terms, same references) finishes the trade.
  let crash = true;
  const log: string[] = [];
  const onProgress = (e: ProgressEvent) => {
    log.push(`${e.step} ${e.name} ${e.status}`);
    if (crash && e.name === "issue" && e.status === "done") throw new Error("process killed");
  };
  const trade = {
    seller,
    buyer,
    bank,
    terms,
    bankReference: "DEBIT-T-3001",
    redemptionRef: "CREDIT-T-3001",
    useAuthorization: true,
    onProgress,
  };

  const firstRun = await settleTrade(trade).catch((e: Error) => e.message);
  crash = false;
  const result = await settleTrade(trade); // steps 1 to 3 are reported "skipped"
  return {
    firstRun,
    state: result.state,
    skipped: result.steps.filter((s) => s.status === "skipped").map((s) => s.name),
    done: result.steps.filter((s) => s.status === "done").map((s) => s.name),
    log,
  };
  // #endregion example
}
