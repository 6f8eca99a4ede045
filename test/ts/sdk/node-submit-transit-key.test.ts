/**
 * `submit` with a key, of a node-managed account whose `eth_sendTransaction` reached the node (it
 * was mined) while its answer was lost: the caller gets `SendInTransitError` and retries the key
 * at once. `submit` did not look at the journal: the retry sent the call again on the next nonce
 * while the first one's nonce was still being cancelled, and the call was paid twice. A retry of
 * the key now finds the key's entry: while it has no transaction, `SendInTransitError` again
 * (nothing sent); once the watch found the transaction on its nonce, that transaction.
 */
import { expect } from "chai";
import { SendInTransitError, TxEngine } from "../../../packages/sdk/src/index.js";
import { TIMED_OUT, TRANSIT_POLICY, forwardTo, nodeAccounts, outcome } from "./node-transit.js";

describe("sdk: submit with a key retried after SendInTransitError (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  it("the retry sends nothing: the typed error while the nonce is watched, then the mined transaction", async function () {
    let sends = 0;
    let forwarded: Promise<unknown> | undefined;
    const { signer, n0, to, provider } = await suite.account(44, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      const tx = req.params[0] as { value?: string };
      if (BigInt(tx.value ?? 0) === 0n) return undefined; // the nonce's cancel
      if (sends++ > 0) return undefined;
      forwarded = forwardTo(suite.anvil(), req); // the node signs and mines it
      return TIMED_OUT; // and its answer is lost
    });
    const engine = new TxEngine(signer, { policy: TRANSIT_POLICY });
    const submit = () => outcome(engine.submit({ to, value: 2n }, { key: "pay" }));

    const lost = await submit();
    await forwarded;
    expect(lost).to.be.instanceOf(SendInTransitError);
    expect((lost as SendInTransitError).nonce).to.equal(n0);
    const again = await submit(); // at once, as a caller retries
    expect(again, "the retry while the nonce is watched").to.be.instanceOf(SendInTransitError);
    expect([(again as SendInTransitError).nonce, (again as SendInTransitError).key]).to.deep.equal([
      n0,
      "pay",
    ]);
    await engine.settled();
    const found = await submit();
    if (found instanceof Error) throw found;
    expect([found.nonce, found.to, found.value]).to.deep.equal([n0, to, 2n]);

    expect(sends, "eth_sendTransaction of the call").to.equal(1);
    expect(await provider.getBalance(to)).to.equal(2n);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
