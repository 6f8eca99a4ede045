/**
 * A node-managed account's `eth_sendTransaction` lost in transit (geth's `-32002`) after the node
 * pooled the transaction, which then stays pending (no block takes it: anvil, no automine). The
 * engine has no hash, so it watched the nonce and waited while the node held a transaction on it:
 * the send was never fee-bumped and ended in `SendTimeoutError`. It now finds the transaction by
 * its nonce (`eth_getTransactionBySenderAndNonce`), adopts it (the same call), and replaces it on
 * the nonce with higher fees as any other stuck transaction: the call is executed once.
 */
import { expect } from "chai";
import { TxEngine, type TxEvent } from "../../../packages/sdk/src/index.js";
import type { RpcRequest } from "./anvil.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts } from "./node-transit.js";

describe("sdk: a node-managed send lost in transit, stuck in the pool (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("found by its nonce, replaced with higher fees, mined once", async function () {
    const anvil = suite.anvil();
    await anvil.rpc("evm_setAutomine", [false]);
    const sent: RpcRequest[] = [];
    let pooled: Promise<unknown> | undefined;
    const { signer, to, n0, provider } = await suite.account(48, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      sent.push(req);
      if (sent.length > 1) return undefined;
      pooled = forwardTo(anvil, req); // the node pools it; its answer is lost
      return TIMED_OUT;
    });
    const engine = new TxEngine(signer, {
      policy: { ...TRANSIT_POLICY, bumpAfterMs: 300, timeoutMs: 4_000 },
    });
    const events: TxEvent[] = [];
    const started = Date.now();
    // (no block until the send is replaced: the lost transaction stays pending until then)
    const r = await engine.send(
      { to, value: 6n },
      {
        key: "pay",
        onEvent: (e) => {
          events.push(e);
          if (e.type === "replaced") void anvil.mine();
        },
      },
    );
    const took = Date.now() - started;
    await pooled;

    const submitted = events.find((e) => e.type === "submitted")!;
    const replaced = events.filter((e) => e.type === "replaced");
    expect(replaced.map((e) => [e.reason, e.previous])).to.deep.equal([["stuck", submitted.hash]]);
    expect(r.hash).to.equal(replaced[0].hash);
    expect(r.hashes).to.deep.equal([submitted.hash, r.hash]);
    expect(r.nonce).to.equal(n0);
    expect(took).to.be.below(3_000);
    expect(sent, "eth_sendTransaction: the lost one and its replacement").to.have.length(2);
    const mined = (await provider.getTransaction(r.hash))!;
    expect(mined.maxFeePerGas).to.equal(replaced[0].fees?.maxFeePerGas);
    const lost = await anvil.rpc("eth_getTransactionByHash", [submitted.hash]);
    expect(lost, "the lost request's transaction, replaced").to.equal(null);
    expect(await provider.getBalance(to)).to.equal(6n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
