/**
 * `submit` and `send` of one key made together, of a node-managed account whose
 * `eth_sendTransaction` reached the node (it was mined) while its answer was lost. The two calls
 * send the call once (the second waits for the first). The submit has no transaction to return
 * (`SendInTransitError`); the send, which waits for its outcome, gets what was mined on the nonce,
 * as a send alone does (the watch finds it by its nonce): the submit's error does not give up the
 * send's watch.
 */
import { expect } from "chai";
import { SendInTransitError, TxEngine } from "../../../packages/sdk/src/index.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts, outcome } from "./node-transit.js";

describe("sdk: submit and send of one key made together, the request lost in transit (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("the submit throws SendInTransitError; the send gets the transaction mined on the nonce", async function () {
    let sends = 0;
    const { signer, n0, to, provider } = await suite.account(45, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      const tx = req.params[0] as { value?: string };
      if (BigInt(tx.value ?? 0) === 0n) return undefined; // the nonce's cancel
      if (sends++ > 0) return undefined;
      void forwardTo(suite.anvil(), req); // the node signs and mines it
      return TIMED_OUT; // and its answer is lost
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY });
    const [submitted, sent] = await Promise.all([
      outcome(engine.submit({ to, value: 2n }, { key: "pay" })),
      outcome(engine.send({ to, value: 2n }, { key: "pay" })),
    ]);
    expect(submitted).to.be.instanceOf(SendInTransitError);
    expect((submitted as SendInTransitError).nonce).to.equal(n0);
    if (sent instanceof Error) throw sent;
    expect([sent.nonce, sent.receipt.status]).to.deep.equal([n0, 1]);

    await engine.settled();
    expect(sends, "eth_sendTransaction of the call").to.equal(1);
    expect(await provider.getBalance(to)).to.equal(2n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
