/**
 * A node-managed account's fast send does not read its transaction back by the hash the node
 * returned (the hash is what its watch needs): reads by hash that fail (a gateway's 502, a
 * timeout) cannot be taken for a refusal of the send. Taken for one, the nonce was released and
 * the entry put back to `intent`: the same key sent the call again on a new nonce. The one read by
 * hash an automined send may make, its fees kept for a rebroadcast while it waits for more than
 * one confirmation, fails without harm: the send is confirmed, sent once.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";

interface Request {
  method: string;
  params?: unknown[];
}

/** A fresh network whose every `eth_getTransactionByHash` fails (counted), and two of its accounts. */
async function failingReads() {
  const conn = await network.create();
  const { ethers } = conn;
  const [, sender, to] = await ethers.getSigners();
  const p = conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
  const original = p.request;
  let n = 0;
  p.request = function (a) {
    if (a.method === "eth_getTransactionByHash") {
      n++;
      return Promise.reject(new Error("upstream connect error or disconnect/reset"));
    }
    return original.call(this, a);
  };
  return { ethers, sender, to, p, original, reads: () => n };
}

describe("sdk: a node-managed account's send whose reads by hash fail", function () {
  it("reads nothing back: sent once, journaled as sent; the same key sends nothing more", async function () {
    const { ethers, sender, to, p, original, reads } = await failingReads();
    const journal = new MemoryJournal();
    const engine = new TxEngine(sender, { journal, policy: { pollIntervalMs: 20 } });
    const before = await ethers.provider.getBalance(to.address);
    try {
      const r = await engine.send({ to: to.address, value: 1n }, { key: "read-back" });
      expect(r.receipt.status).to.equal(1);
      expect(reads()).to.equal(0);
      const again = await engine.send({ to: to.address, value: 1n }, { key: "read-back" });
      expect(again.hash).to.equal(r.hash);
    } finally {
      p.request = original;
    }
    expect(await ethers.provider.getTransactionCount(sender.address)).to.equal(1);
    expect(await ethers.provider.getBalance(to.address)).to.equal(before + 1n);
    const entry = (await journal.get("read-back"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.nonce).to.equal(0);
  });

  it("with two confirmations, its fees unreadable: confirmed, sent once, no fees journaled", async function () {
    const { ethers, sender, to, p, original, reads } = await failingReads();
    const journal = new MemoryJournal();
    const engine = new TxEngine(sender, {
      journal,
      policy: { pollIntervalMs: 20, stallCheckMs: 50, confirmations: 2 },
    });
    const mining = setInterval(() => void original.call(p, { method: "evm_mine" }), 50);
    try {
      const r = await engine.send({ to: to.address, value: 1n }, { key: "two-confirmations" });
      expect(r.receipt.status).to.equal(1);
      expect(reads()).to.equal(1);
    } finally {
      clearInterval(mining);
      p.request = original;
    }
    expect(await ethers.provider.getTransactionCount(sender.address)).to.equal(1);
    const entry = (await journal.get("two-confirmations"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.txs).to.have.length(1);
    expect(entry.txs[0].maxFeePerGas).to.equal(undefined);
  });
});
