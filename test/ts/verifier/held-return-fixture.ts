/**
 * The start of the held-return cases: a lock never instructed by its deadline is returned to the
 * seller, then a reorg deeper than the confirmations takes the lock and the return away, the
 * service halts and `kessai verifier resync` holds the return's send (`st:<id>`, state `intent`).
 */
import { expect } from "chai";
import {
  VerifierReorgError,
  type CrossLedgerTerms,
  type Verifier,
  type VerifierOptions,
} from "../../../packages/verifier/src/index.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { issue, lock, termsFor } from "./two-nodes.js";
import type { ResyncNodes } from "./resync-fixture.js";

/** Runs the case above for new terms named `name`; returns them and their lower-case ID. */
export async function heldReturnAfterResync(nodes: ResyncNodes, k: number, name: string) {
  const { l, height } = nodes;
  const verifier = await nodes.open();
  const t = await termsFor(l, name, { deadlineIn: 600 });
  await issue(l, t);
  await mine(l.st, 3);
  await lock(l, t, { issued: true });
  const lockBlock = await height();
  await mine(l.st, k + 1);
  await l.cash.node.rpc("evm_increaseTime", [601]);
  await mine(l.cash, k + 1);
  await roundsUntil(l, verifier, async () => (await statesOf(l, t)).st === 3);
  await reorg(l.st, (await height()) - lockBlock + 1);
  await mine(l.st, k);
  expect(await verifier.tick().catch((e: unknown) => e)).to.be.instanceOf(VerifierReorgError);
  const r = await nodes.resync(lockBlock);
  expect(r.code, r.err).to.equal(0);
  return { t, id: t.id.toLowerCase() };
}

/**
 * Starts the service again (with the options `over`) and has the seller lock the same ID under
 * other terms (a deadline ten hours on); `confirmed`, if given, runs once the lock has its
 * confirmations, before the service's first round; a few rounds record the lock. Returns the
 * service and the new terms.
 */
export async function relockUnderNewTerms(
  nodes: ResyncNodes,
  k: number,
  t: CrossLedgerTerms,
  confirmed?: (t2: CrossLedgerTerms) => Promise<void>,
  over: Partial<VerifierOptions> = {},
): Promise<{ again: Verifier; t2: CrossLedgerTerms }> {
  const { l } = nodes;
  const again = await nodes.open(over);
  const t2 = { ...t, deadline: t.deadline + 36_000n };
  await lock(l, t2, { issued: true });
  await mine(l.st, k + 1);
  await confirmed?.(t2);
  for (let i = 0; i < 3; i++) {
    await again.tick();
    await l.mine();
  }
  return { again, t2 };
}
