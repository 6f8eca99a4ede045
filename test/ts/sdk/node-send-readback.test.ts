/**
 * A node-managed account's fast send reads its transaction back by the hash the node returned:
 * the node holds it from then on, so a read that fails (a gateway's 502, a timeout) is retried,
 * as ethers' JsonRpcSigner retries it, never taken for a refusal. Taken for one, the nonce was
 * released and the entry put back to `intent`: the same key sent the call again on a new nonce.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";

interface Request {
  method: string;
  params?: unknown[];
}

describe("sdk: a node-managed account's send whose read-back fails once", function () {
  it("is read again: sent once, journaled as sent; the same key sends nothing more", async function () {
    const conn = await network.create();
    const { ethers } = conn;
    const [, sender, to] = await ethers.getSigners();
    const p = conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
    const original = p.request;
    let failures = 0;
    p.request = function (a) {
      if (a.method === "eth_getTransactionByHash" && failures === 0) {
        failures++;
        return Promise.reject(new Error("upstream connect error or disconnect/reset"));
      }
      return original.call(this, a);
    };
    const journal = new MemoryJournal();
    const engine = new TxEngine(sender, { journal, policy: { pollIntervalMs: 20 } });
    const before = await ethers.provider.getBalance(to.address);
    try {
      const r = await engine.send({ to: to.address, value: 1n }, { key: "read-back" });
      expect(r.receipt.status).to.equal(1);
      expect(failures).to.equal(1);
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
});
