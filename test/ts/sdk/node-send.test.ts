/**
 * The engine's send for a node-managed account (Hardhat's signer in-process): the node's own
 * `eth_sendTransaction` through the provider, without the block-number read of the signer's
 * sendTransaction nor its read-back of the transaction by hash (the hash the node returns is what
 * the watch needs; the fees the node chose are learnt when needed: node-send-fees.test.ts). A
 * signer with a sendTransaction of its own keeps it.
 */
import { expect } from "chai";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";

interface Request {
  method: string;
  params?: unknown[];
}

/** Runs `work`, recording the method of every request the network's provider is asked. */
async function methodsOf(k: Kessai, work: () => Promise<unknown>): Promise<string[]> {
  const p = k.conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
  const original = p.request;
  const seen: string[] = [];
  p.request = function (a) {
    seen.push(a.method);
    return original.call(this, a);
  };
  try {
    await work();
  } finally {
    p.request = original;
  }
  return seen;
}

/** A signer whose sendTransaction is its own, counting its calls, around `inner`. */
function wrap(inner: Kessai["signers"]["rest"][number]) {
  let n = 0;
  const wrapper = Object.create(inner, {
    sendTransaction: {
      value: (tx: Parameters<typeof inner.sendTransaction>[0]) => {
        n++;
        return inner.sendTransaction(tx);
      },
    },
  }) as typeof inner;
  return { wrapper, calls: () => n };
}

describe("sdk: a node-managed account's send", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
  });

  it("is eth_sendTransaction through the provider, no block-number read, no read-back; the hash is journaled", async function () {
    const signer = k.signers.rest[0];
    const journal = new MemoryJournal();
    const engine = new TxEngine(signer, { journal });
    const to = k.signers.rest[1].address;
    let hash = "";
    const methods = await methodsOf(k, async () => {
      const r = await engine.send({ to, value: 1n }, { key: "node-send" });
      hash = r.hash;
      expect(r.receipt.status).to.equal(1);
    });
    expect(methods.filter((m) => m === "eth_blockNumber")).to.deep.equal([]);
    expect(methods.filter((m) => m === "eth_sendTransaction")).to.have.length(1);
    expect(methods.filter((m) => m === "eth_getTransactionByHash")).to.deep.equal([]);
    const tx = (await k.ethers.provider.getTransaction(hash))!;
    expect(tx.from).to.equal(signer.address);
    expect(tx.to).to.equal(to);
    expect(tx.value).to.equal(1n);
    const entry = (await journal.get("node-send"))!;
    expect(entry.state).to.equal("confirmed");
    expect(entry.nonce).to.equal(tx.nonce);
    expect(entry.txs).to.have.length(1);
    expect(entry.txs[0].hash).to.equal(hash);
    // mined at once, confirmed with one confirmation: its fees were never needed, nor read
    expect(entry.txs[0].maxFeePerGas).to.equal(undefined);
    expect(entry.txs[0].gasPrice).to.equal(undefined);
  });

  it("a refusal is the typed error the signer's own send gives, and nothing is journaled as sent", async function () {
    const signer = k.signers.rest[2];
    const balance = await k.ethers.provider.getBalance(signer.address);
    // more than the account holds: the node refuses the send (a fixed gas limit skips the estimate)
    const refused = async (engine: TxEngine, key: string) => {
      try {
        await engine.send(
          { to: k.signers.rest[1].address, value: balance + 1n, gasLimit: 21_000n },
          { key },
        );
      } catch (err) {
        return { name: (err as Error).constructor.name, message: (err as Error).message };
      }
      throw new Error("expected a refusal");
    };
    const journal = new MemoryJournal();
    const direct = await refused(new TxEngine(signer, { journal }), "node-refused");
    const own = await refused(new TxEngine(wrap(signer).wrapper), "own-refused");
    expect(direct).to.deep.equal(own);
    expect(direct.message).to.match(/enough funds/);
    const entry = (await journal.get("node-refused"))!;
    expect(entry.state).to.equal("intent");
    expect(entry.txs).to.deep.equal([]);
    expect(await k.ethers.provider.getTransactionCount(signer.address)).to.equal(0);
  });

  it("a signer whose sendTransaction is its own (a wrapper) keeps it", async function () {
    const { wrapper, calls } = wrap(k.signers.rest[3]);
    const engine = new TxEngine(wrapper);
    const methods = await methodsOf(k, () =>
      engine.send({ to: k.signers.rest[1].address, value: 1n }),
    );
    expect(calls()).to.equal(1);
    // the signer's own path: its block-number read before the send
    expect(methods).to.include("eth_blockNumber");
  });
});
