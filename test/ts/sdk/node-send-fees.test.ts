/**
 * A node-managed account's send is not read back (node-send.test.ts): the fees the node chose are
 * learnt when the watch needs them, from the transaction it reads anyway (the mempool look of a
 * transaction not mined) or, mined but waiting for more confirmations, read once for a rebroadcast
 * should a reorg take it out. Learnt, they are journaled, and a replacement of a stuck transaction
 * bumps them as it bumps a local key's.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "chai";
import { network } from "hardhat";
import { MemoryJournal, TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";

/**
 * A node-managed send waiting for two confirmations whose block is undone (evm_revert) once it was
 * mined; with `failRead`, the watch's read of the transaction when it was mined fails.
 */
async function reorgedOut(failRead: boolean) {
  const { ethers, provider } = await network.create();
  const [, sender, to] = await ethers.getSigners();
  const snapshot = await provider.request({ method: "evm_snapshot" });
  const p = provider as unknown as { request: (a: { method: string }) => Promise<unknown> };
  const original = p.request;
  let failing = failRead;
  p.request = function (a) {
    if (failing && a.method === "eth_getTransactionByHash") {
      failing = false;
      return Promise.reject(new Error("upstream connect error or disconnect/reset"));
    }
    return original.call(this, a);
  };
  const engine = new TxEngine(sender, {
    policy: { pollIntervalMs: 20, stallCheckMs: 50, confirmations: 2 },
  });
  const events: TxEvent[] = [];
  let mining: ReturnType<typeof setInterval> | undefined;
  let undone: Promise<void> | undefined;
  const sent = engine.send(
    { to: to.address, value: 1n },
    {
      onEvent: (e) => {
        events.push(e);
        // the block is undone once the watch has read what it keeps of the transaction
        if (e.type === "mined" && !undone) {
          undone = sleep(100)
            .then(() => provider.request({ method: "evm_revert", params: [snapshot] }))
            .then(() => {
              mining = setInterval(() => void provider.request({ method: "evm_mine" }), 50);
            });
        }
      },
    },
  );
  try {
    const r = await sent;
    return { events, r, count: await ethers.provider.getTransactionCount(sender.address) };
  } finally {
    clearInterval(mining);
    p.request = original;
  }
}

describe("sdk: the fees of a node-managed account's send", function () {
  it("mined, waiting for a second confirmation: read once and journaled as the node chose them", async function () {
    const { ethers, provider } = await network.create();
    const [, sender, to] = await ethers.getSigners();
    const journal = new MemoryJournal();
    const engine = new TxEngine(sender, {
      journal,
      policy: { pollIntervalMs: 20, stallCheckMs: 50, confirmations: 2 },
    });
    const mining = setInterval(() => void provider.request({ method: "evm_mine" }), 50);
    let hash: string;
    try {
      hash = (await engine.send({ to: to.address, value: 1n }, { key: "fees-mined" })).hash;
    } finally {
      clearInterval(mining);
    }
    const tx = (await ethers.provider.getTransaction(hash))!;
    const entry = (await journal.get("fees-mined"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.txs.map((t) => t.hash)).to.deep.equal([hash]);
    expect(entry.txs[0].maxFeePerGas).to.equal(tx.maxFeePerGas!.toString());
    expect(entry.txs[0].maxPriorityFeePerGas).to.equal(tx.maxPriorityFeePerGas!.toString());
  });

  it("mined, then taken out by a reorg: sent again unchanged with the fees read when it was mined", async function () {
    const { events, r, count } = await reorgedOut(false);
    expect(events.map((e) => e.type)).to.include.members(["reorged", "rebroadcast"]);
    expect(events.filter((e) => e.type === "replaced")).to.deep.equal([]);
    const submitted = events.find((e) => e.type === "submitted")!;
    expect(r.hash).to.equal(submitted.hash);
    expect(r.reorged).to.equal(true);
    expect(count).to.equal(1);
  });

  it("its fees unread when it was mined, then lost by a reorg: replaced on its nonce at the market's fees", async function () {
    const { events, r, count } = await reorgedOut(true);
    expect(events.filter((e) => e.type === "rebroadcast")).to.deep.equal([]);
    const submitted = events.find((e) => e.type === "submitted")!;
    const replaced = events.find((e) => e.type === "replaced")!;
    expect(replaced.reason).to.equal("reorged");
    expect(replaced.previous).to.equal(submitted.hash);
    expect(r.hash).to.equal(replaced.hash);
    expect(r.reorged).to.equal(true);
    expect(count).to.equal(1);
  });

  it("stuck in the mempool: learnt from it, journaled, and bumped by the replacement", async function () {
    const { ethers, provider } = await network.create();
    const [, sender, to] = await ethers.getSigners();
    await provider.request({ method: "evm_setAutomine", params: [false] });
    const journal = new MemoryJournal();
    const engine = new TxEngine(sender, {
      journal,
      policy: { pollIntervalMs: 20, stallCheckMs: 50, bumpAfterMs: 200, feeBumpPercent: 20 },
    });
    const events: TxEvent[] = [];
    let first: ReturnType<typeof ethers.provider.getTransaction> | undefined;
    const sent = engine.send(
      { to: to.address, value: 1n },
      {
        key: "fees-stuck",
        onEvent: (e) => {
          events.push(e);
          // the first transaction as the node holds it, before it is replaced
          if (e.type === "submitted") first ??= ethers.provider.getTransaction(e.hash);
          // mined once replaced
          if (e.type === "replaced") void provider.request({ method: "evm_mine" });
        },
      },
    );
    const r = await sent;
    await provider.request({ method: "evm_setAutomine", params: [true] });
    const submitted = events.find((e) => e.type === "submitted")!;
    const replaced = events.find((e) => e.type === "replaced")!;
    expect(replaced.previous).to.equal(submitted.hash);
    expect(r.hash).to.equal(replaced.hash);
    const entry = (await journal.get("fees-stuck"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.txs.map((t) => t.hash)).to.deep.equal([submitted.hash, replaced.hash]);
    // the first one's fees, as the node chose them
    const chosen = (await first!)!;
    const mined = (await ethers.provider.getTransaction(r.hash))!;
    expect(entry.txs[0].maxFeePerGas).to.equal(chosen.maxFeePerGas!.toString());
    expect(entry.txs[0].maxPriorityFeePerGas).to.equal(chosen.maxPriorityFeePerGas!.toString());
    const [firstFee, firstTip] = [chosen.maxFeePerGas!, chosen.maxPriorityFeePerGas!];
    expect(mined.maxFeePerGas! >= (firstFee * 120n) / 100n).to.equal(true);
    expect(mined.maxPriorityFeePerGas! >= (firstTip * 120n) / 100n).to.equal(true);
    expect(entry.txs[1].maxFeePerGas).to.equal(mined.maxFeePerGas!.toString());
    expect(await ethers.provider.getTransactionCount(sender.address)).to.equal(1);
  });
});
