/**
 * Settlements per second on the in-process network.
 *
 * HOOK FOR THE SDK ROWS. Each entry of {throughputRunners} settles `n` already-open settlements
 * submitted concurrently and reports settlements/s under its own row name. Only the raw-ethers
 * runner exists now; the SDK adds its runner beside it (e.g. `sdkThroughput`, row
 * `throughput.dvp.settle.sdk.<n>`), using the same fixture and the same kind of settlements, so the
 * two rows compare like for like.
 */
import type { Fixture, Terms } from "./fixture.js";
import type { RowSet } from "./rows.js";

/** Settles every settlement in `open` (all Pending, buyer = the fixture's EOA buyer). */
export interface ThroughputRunner {
  /** Row name suffix: `throughput.dvp.settle.<label>.<n>`. */
  label: string;
  description: string;
  settleAll(fx: Fixture, open: Terms[]): Promise<void>;
}

/**
 * Raw ethers: the buyer sends one `settle` per settlement, all submitted at once
 * (`Promise.all`), ethers estimating gas for each; done when every receipt is in.
 */
export const rawEthersThroughput: ThroughputRunner = {
  label: "raw-ethers",
  description: "raw ethers v6: settle() per settlement, all submitted concurrently by the buyer",
  async settleAll(fx, open) {
    const dvp = fx.dvp.connect(fx.parties.buyer);
    const sent = await Promise.all(open.map((t) => dvp.settle(t)));
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    if (receipts.some((r) => r === null || r.status !== 1)) throw new Error("a settle failed");
  },
};

/**
 * The runners measured by `npm run bench`.
 * SDK: add the SDK runner here (placeholder, owned by the SDK team).
 */
export const throughputRunners: ThroughputRunner[] = [rawEthersThroughput];

/** Runs every runner on `n` freshly opened settlements and records settlements/s. */
export async function measureThroughput(fx: Fixture, rows: RowSet, n: number): Promise<void> {
  for (const runner of throughputRunners) {
    const open = await fx.openBulk(n);
    const start = performance.now();
    await runner.settleAll(fx, open);
    const seconds = (performance.now() - start) / 1000;
    for (const t of open) {
      if ((await fx.dvp.stateOf(t.id)) !== 3n) throw new Error(`${runner.label}: ${t.id} open`);
    }
    rows.add(
      `throughput.dvp.settle.${runner.label}.${n}`,
      "settlements/s",
      Math.round((n / seconds) * 10) / 10,
      `${runner.description}; ${n} settlements, in-process network, automine`,
    );
  }
}
