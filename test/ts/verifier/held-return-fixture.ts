/**
 * The start of the held-return cases: a lock never instructed by its deadline is returned to the
 * seller, then a reorg deeper than the confirmations takes the lock and the return away, the
 * service halts and `kessai verifier resync` holds the return's send (`st:<id>`, state `intent`).
 */
import { expect } from "chai";
import { Wallet, keccak256 } from "ethers";
import type { JournalEntry } from "@kessai/sdk";
import { journal, type Tx } from "@kessai/storage";
import { TX_JOURNAL_NAMESPACE } from "../../../packages/verifier/src/journal.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import {
  VerifierReorgError,
  type CrossLedgerTerms,
  type Verifier,
  type VerifierOptions,
} from "../../../packages/verifier/src/index.js";
import { mineBlocks as mine, reorgLedger as reorg, roundsUntil, statesOf } from "./fixture.js";
import { ST_CHAIN_ID, VERIFIER, instruct, issue, lock, termsFor } from "./two-nodes.js";
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

/**
 * The held return's send as the engine journals it: signed on the verifier's next nonce on the ST
 * ledger (100 gwei max fee), not broadcast. Returns the signer, the nonce, the raw transaction, its
 * hash and the `signed` entry.
 */
export async function signHeldReturn(nodes: ResyncNodes, held: JournalEntry) {
  const provider = nodes.l.st.provider;
  const sender = new Wallet(nodeKey(VERIFIER), provider);
  const nonce = await provider.getTransactionCount(sender.address, "pending");
  const fees = { maxFeePerGas: 100n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };
  const raw = await sender.signTransaction({
    to: held.request.to,
    data: held.request.data,
    gasLimit: BigInt(held.request.gasLimit ?? 500_000),
    nonce,
    chainId: ST_CHAIN_ID,
    type: 2,
    ...fees,
  });
  const hash = keccak256(raw);
  const signed: JournalEntry = {
    ...held,
    state: "signed",
    nonce,
    txs: [
      {
        hash,
        raw,
        maxFeePerGas: String(fees.maxFeePerGas),
        maxPriorityFeePerGas: String(fees.maxPriorityFeePerGas),
        at: Date.now(),
      },
    ],
    firstBlock: await nodes.height(),
    updatedAt: Date.now(),
  };
  return { sender, nonce, raw, hash, signed };
}

/**
 * An old return kept `abandoned`: the held return of new terms named `name`
 * (heldReturnAfterResync), its lock relocked under other terms (relockUnderNewTerms); once that
 * lock is confirmed, `abandon` is given the held return's entry and returns the `abandoned` one
 * put in its place, in one store transaction with whatever `alsoPut` writes. The new lock is then
 * instructed and delivered, and the rounds run until the old return's entry is no longer
 * `abandoned`. Returns its key in the journal, the ID and that last entry.
 */
export async function abandonedOldReturn(
  nodes: ResyncNodes,
  k: number,
  name: string,
  abandon: (held: JournalEntry) => Promise<JournalEntry>,
  alsoPut?: (tx: Tx, entry: JournalEntry) => Promise<void>,
) {
  const { l, store } = nodes;
  const { t, id } = await heldReturnAfterResync(nodes, k, name);
  const key = { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` };
  const held = (await journal.get(store, key))!.data as JournalEntry;
  const { again, t2 } = await relockUnderNewTerms(nodes, k, t, async () => {
    const entry = await abandon(held);
    await store.transaction(async (tx) => {
      await journal.put(tx, { ...key, state: entry.state, data: entry });
      await alsoPut?.(tx, entry);
    });
  });
  await instruct(l, t2);
  await roundsUntil(l, again, async () => (await statesOf(l, t)).st === 2);
  await roundsUntil(l, again, async () => (await journal.get(store, key))?.state !== "abandoned");
  const end = (await journal.get(store, key))!.data as JournalEntry;
  return { t, t2, id, key, end };
}
