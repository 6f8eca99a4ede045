/**
 * Fees read once a second: a send made right after the base fee jumped (its cached fees below the
 * new base fee) still gets mined, replaced by the engine at the fees of then.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import { nodeKey } from "../sdk/hardhat-node.js";
import { openSqliteStore, type Store } from "@kessai/storage";
import { openNodeVerifier, roundsUntil, statesOf, type NodeVerifier } from "./fixture.js";
import {
  VERIFIER,
  instruct,
  lock,
  startTwoLedgers,
  termsFor,
  type TwoLedgers,
} from "./two-nodes.js";

describe("verifier: a send right after a base-fee spike", function () {
  this.timeout(60_000);
  let l: TwoLedgers;
  let dir: string;
  let store: Store;
  let v: NodeVerifier;

  before(async () => {
    l = await startTwoLedgers();
    dir = mkdtempSync(path.join(tmpdir(), "kessai-fee-spike-"));
    store = await openSqliteStore({ filename: path.join(dir, "v.db") });
    v = await openNodeVerifier(l, store);
  });

  after(async () => {
    v?.close();
    await store?.close();
    await l?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("pays, the cached fees below the base fee notwithstanding", async () => {
    const t = await termsFor(l, "fee-spike-1");
    await lock(l, t);
    await instruct(l, t);
    // The cash ledger's fees as of now, cached for the sends of the next second...
    const cached = await (
      v.verifier as unknown as { marketFees(s: string): Promise<{ maxFeePerGas?: bigint }> }
    ).marketFees("cash");
    // ...then the base fee jumps far above them.
    const spike = 10n * (cached.maxFeePerGas ?? 10n ** 9n);
    await l.cash.node.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + spike.toString(16)]);
    await l.cash.node.mine();
    // The base fee stays up (a sustained spike): a send priced below it is mined only if replaced.
    const hold = setInterval(() => {
      void l.cash.node
        .rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + spike.toString(16)])
        .then(() => l.cash.node.mine())
        .catch(() => undefined);
    }, 30);
    try {
      await v.verifier.tick();
      await roundsUntil(l, v.verifier, async () => (await statesOf(l, t)).cash === 2);
    } finally {
      clearInterval(hold);
    }
    expect((await statesOf(l, t)).cash).to.equal(2);
    // The payment was mined above the new base fee, not at the cached fees.
    const service = new Wallet(nodeKey(VERIFIER)).address;
    const head = await l.cash.provider.getBlockNumber();
    let paid: bigint | undefined;
    for (let b = head; b > 0 && paid === undefined; b--) {
      const block = await l.cash.provider.getBlock(b, true);
      const tx = block!.prefetchedTransactions.find((x) => x.from === service);
      if (tx) paid = tx.maxFeePerGas!;
    }
    expect(paid! > cached.maxFeePerGas!).to.equal(true);
  });
});
