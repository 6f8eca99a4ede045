/**
 * A node-managed account's send journals the hash the node returned, without fees (they are learnt
 * when the watch needs them: node-send-fees.test.ts). A process restarted from such an entry while
 * the transaction is pending learns them from the mempool, journals them, and a replacement of the
 * stuck transaction raises them: one transaction on the nonce is mined, the call made once.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MemoryJournal, TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";

describe("sdk: a node-managed send resumed from a journal entry holding only its hash", function () {
  it("learns the fees from the mempool, journals them and bumps them when it is stuck", async function () {
    const { ethers, provider } = await network.create();
    const [, sender, to] = await ethers.getSigners();
    await provider.request({ method: "evm_setAutomine", params: [false] });
    const policy = { pollIntervalMs: 20, stallCheckMs: 50 };

    // the first process sends; its journal as it stood when the process died (the send pending)
    const journal = new MemoryJournal();
    const restarted = new MemoryJournal();
    const stop = new AbortController();
    let crashed: Promise<void> | undefined;
    const before = await ethers.provider.getBalance(to.address);
    await new TxEngine(sender, { journal, policy: { ...policy, bumpAfterMs: 60_000 } })
      .send(
        { to: to.address, value: 1n },
        {
          key: "pay",
          signal: stop.signal,
          onEvent: (e) => {
            if (e.type !== "submitted") return;
            crashed = journal.get("pay").then((entry) => restarted.put(entry!));
            void crashed.then(() => stop.abort());
          },
        },
      )
      .catch(() => undefined);
    await crashed;
    const left = (await restarted.get("pay"))!;
    expect(left.state).to.equal("signed");
    expect(left.txs).to.have.length(1);
    expect(left.txs[0].maxFeePerGas).to.equal(undefined);
    const first = (await ethers.provider.getTransaction(left.txs[0].hash))!;

    const events: TxEvent[] = [];
    const engine = new TxEngine(sender, {
      journal: restarted,
      policy: { ...policy, bumpAfterMs: 300 },
    });
    engine.on((e) => {
      events.push(e);
      if (e.type === "replaced") void provider.request({ method: "evm_mine" });
    });
    await engine.settled();

    expect(events.map((e) => e.type)).to.deep.equal(["resumed", "replaced", "mined", "confirmed"]);
    const replaced = events[1];
    expect([replaced.previous, replaced.reason]).to.deep.equal([first.hash, "stuck"]);
    const entry = (await restarted.get("pay"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.txs.map((t) => t.hash)).to.deep.equal([first.hash, replaced.hash]);
    expect(entry.txs[0].maxFeePerGas).to.equal(first.maxFeePerGas!.toString());
    expect(entry.txs[0].maxPriorityFeePerGas).to.equal(first.maxPriorityFeePerGas!.toString());
    const mined = (await ethers.provider.getTransaction(replaced.hash))!;
    expect(mined.maxPriorityFeePerGas! >= (first.maxPriorityFeePerGas! * 115n) / 100n).to.equal(
      true,
    );
    expect(await ethers.provider.getTransactionCount(sender.address)).to.equal(1);
    expect((await ethers.provider.getBalance(to.address)) - before).to.equal(1n);
  });
});
