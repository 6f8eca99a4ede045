import { id } from "ethers";
import {
  BankClient,
  buildTerms,
  FirmClient,
  settleTrade,
  type ProgressEvent,
} from "../src/index.js";
import type { ExampleEnv } from "./env.js";

export async function run(env: ExampleEnv) {
  // #region example
  const seller = await FirmClient.connect({ runner: env.seller, addresses: env.addresses });
  const buyer = await FirmClient.connect({ runner: env.buyer, addresses: env.addresses });
  const bank = await BankClient.connect({ runner: env.bank, addresses: env.addresses });
  const now = (await env.provider.getBlock("latest"))!.timestamp;
  // The trade's terms, as both firms agreed them.
  const terms = buildTerms({
    id: id("resume-example-trade"),
    seller: seller.address,
    buyer: buyer.address,
    securityToken: env.addresses.securityToken,
    quantity: 2n,
    cashToken: env.addresses.depositToken,
    amount: 200_000n,
    deadline: now + 3600,
  });
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
