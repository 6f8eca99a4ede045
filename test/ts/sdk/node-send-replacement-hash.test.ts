/**
 * A node-managed account's replacement (its fee bump) is a send like its first one: the node's
 * `eth_sendTransaction`, and the hash it returns is the replacement's. Sent through ethers'
 * JsonRpcSigner it is also read back by that hash, and the signer gives up on a read that fails
 * with BAD_DATA (a proxy's malformed answer) or NETWORK_ERROR: the engine took that for a refused
 * replacement, so the transaction the node had accepted was neither watched nor journaled. Given
 * up at its deadline, the send named only its first transaction; the replacement mined, a retry
 * of its key scanned the last `replacementScanBlocks` blocks for a transaction on its nonce,
 * found none, and reported the send replaced by another transaction; the retry that error
 * invites sent the call a second time. Against anvil.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, makeError } from "ethers";
import {
  MemoryJournal,
  SendTimeoutError,
  TxEngine,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { anvilForSuite } from "./anvil.js";

/** A provider whose reads by hash of the second transaction sent fail (BAD_DATA) while `failing`. */
class ReplacementUnreadable extends JsonRpcProvider {
  readonly sent: string[] = [];
  failing = true;
  constructor(url: string) {
    super(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  }
  override async send(method: string, params: unknown[] | Record<string, unknown>) {
    const first = Array.isArray(params) ? params[0] : undefined;
    if (method === "eth_getTransactionByHash" && this.failing && first === this.sent[1])
      throw makeError("invalid response from the node", "BAD_DATA", { value: null });
    const r: unknown = await super.send(method, params);
    if (method === "eth_sendTransaction" && !this.sent.includes(r as string))
      this.sent.push(r as string);
    return r;
  }
}

describe("sdk: a node-managed send's replacement whose read by hash fails (anvil)", function () {
  this.timeout(30_000);
  const node = anvilForSuite();

  it("is watched and journaled by the hash the node returned: a retry of its key finds it mined, the call made once", async function () {
    const anvil = node();
    const provider = new ReplacementUnreadable(anvil.url);
    const signer = await provider.getSigner(11);
    const to = Wallet.createRandom().address;
    const journal = new MemoryJournal();
    const policy: TxPolicy = {
      pollIntervalMs: 20,
      stallCheckMs: 50,
      bumpAfterMs: 200,
      timeoutMs: 1_500,
      replacementScanBlocks: 2,
    };
    const engine = new TxEngine(signer, { journal, policy });
    const n0 = await provider.getTransactionCount(signer.address, "latest");
    await anvil.rpc("evm_setAutomine", [false]);
    let stopped: unknown;
    try {
      // stuck in the pool (nothing is mined): replaced after bumpAfterMs, then given up
      stopped = await engine.send({ to, value: 5n }, { key: "pay" }).catch((e: unknown) => e);
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
    }
    expect(provider.sent, "the first transaction and its replacement").to.have.length(2);
    const [first, replacement] = provider.sent;
    expect(stopped).to.be.instanceOf(SendTimeoutError);
    expect((stopped as SendTimeoutError).hashes).to.deep.equal([first, replacement]);
    expect((await journal.get("pay"))!.txs.map((t) => t.hash)).to.deep.equal([first, replacement]);

    // the replacement is mined, then more blocks than the retry's scan for its nonce
    provider.failing = false;
    for (let i = 0; i < 4; i++) await anvil.mine();
    expect((await provider.getTransactionReceipt(replacement))?.status).to.equal(1);
    // the caller retries with the key, and once more should the retry fail, as a failure invites
    const retry = () => engine.send({ to, value: 5n }, { key: "pay" });
    const r = await retry().catch(() => retry());
    expect(r.hash).to.equal(replacement);
    expect(r.nonce).to.equal(n0);
    expect(await provider.getBalance(to)).to.equal(5n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
    provider.destroy();
  });
});
