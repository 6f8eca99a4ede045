import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { SCENARIOS, runDemo, type Scenario } from "./demo.js";

interface DemoTaskArguments {
  scenario: string;
}

/** `hardhat demo [--scenario NAME|all]`: runs the demo on the selected network. */
export default async function demoTask(
  { scenario }: DemoTaskArguments,
  hre: HardhatRuntimeEnvironment,
): Promise<void> {
  const scenarios: readonly Scenario[] =
    scenario === "all" ? SCENARIOS : SCENARIOS.filter((s) => s === scenario);
  if (scenarios.length === 0) {
    console.error(
      `demo: unknown scenario "${scenario}"; use one of ${SCENARIOS.join(", ")} or all`,
    );
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const connection = await hre.network.create();
  const reports = await runDemo(connection, { scenarios });
  const failed = reports.filter((r) => !r.reconciliation.ok).map((r) => r.scenario);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log("");
  if (failed.length > 0) {
    console.error(`demo: reconciliation failed in ${failed.join(", ")} (${seconds} s)`);
    process.exitCode = 1;
  } else {
    console.log(`demo: ${reports.length} scenario(s) done, books reconcile (${seconds} s)`);
  }
}
