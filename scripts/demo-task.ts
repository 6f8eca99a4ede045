import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { SCENARIOS, runDemo, type Scenario } from "./demo.js";
import {
  TWO_LEDGER_SCENARIOS,
  runTwoLedgerDemo,
  type TwoLedgerScenario,
} from "./demo-two-ledger.js";

interface DemoTaskArguments {
  scenario: string;
}

/** `hardhat demo [--scenario NAME|all]`: runs the demo on the selected network. */
export default async function demoTask(
  { scenario }: DemoTaskArguments,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const all = scenario === "all";
  const scenarios: readonly Scenario[] = all ? SCENARIOS : SCENARIOS.filter((s) => s === scenario);
  const twoLedger: readonly TwoLedgerScenario[] = all
    ? TWO_LEDGER_SCENARIOS
    : TWO_LEDGER_SCENARIOS.filter((s) => s === scenario);
  if (scenarios.length + twoLedger.length === 0) {
    console.error(
      `demo: unknown scenario "${scenario}"; use one of ${[...SCENARIOS, ...TWO_LEDGER_SCENARIOS].join(", ")} or all`,
    );
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const failed: string[] = [];
  let done = 0;
  if (scenarios.length > 0) {
    const connection = await hre.network.create();
    const reports = await runDemo(connection, { scenarios });
    failed.push(...reports.filter((r) => !r.reconciliation.ok).map((r) => r.scenario));
    done += reports.length;
  }
  if (twoLedger.length > 0) {
    // Two more embedded chains (stLedger 31338, cashLedger 31339) and the verifier in-process.
    const reports = await runTwoLedgerDemo(hre.network, { scenarios: twoLedger });
    failed.push(...reports.filter((r) => r.escrow !== 0n).map((r) => r.scenario));
    done += reports.length;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log("");
  if (failed.length > 0) {
    console.error(`demo: reconciliation failed in ${failed.join(", ")} (${seconds} s)`);
    process.exitCode = 1;
  } else {
    console.log(`demo: ${done} scenario(s) done, books reconcile (${seconds} s)`);
  }
}
