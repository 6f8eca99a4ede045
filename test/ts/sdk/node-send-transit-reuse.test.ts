/**
 * A node-managed send whose `eth_sendTransaction` never reached the node is watched by its nonce
 * and adopts the account's transaction mined on it with the same call. When that send is given up
 * (its caller's deadline), its nonce must not go to the next send: that may be a second, identical
 * call under another key (two payments of the same amount to the same payee), and a retry of the
 * first key would take the second payment's transaction for its own (the first payment reported
 * done and never made). The nonce is cancelled instead (a zero-value self-transfer) unless the
 * node holds a transaction on it.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import {
  TransactionReplacedError,
  TxEngine,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, startRpcProxy, type Anvil, type RpcProxy } from "./anvil.js";

const POLICY: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  gapFillMs: 200,
  timeoutMs: 15_000,
};
const TIMED_OUT = { code: -32002, message: "request timed out" };

describe("sdk: a node-managed send lost in transit and given up, its nonce reused (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let proxy: RpcProxy | undefined;
  let provider: JsonRpcProvider | undefined;

  before(async function () {
    anvil = await startAnvil();
  });
  after(async function () {
    provider?.destroy();
    await proxy?.close();
    await anvil?.stop();
  });

  it("a retry of the given-up key does not adopt an identical call of another key on its nonce", async function () {
    let sends = 0;
    proxy = await startRpcProxy(anvil.url, (req) =>
      req.method === "eth_sendTransaction" && sends++ === 0 ? TIMED_OUT : undefined,
    );
    provider = new JsonRpcProvider(proxy.url, undefined, {
      staticNetwork: true,
      pollingInterval: 20,
      cacheTimeout: -1,
    });
    const accounts = await provider.send("eth_accounts", []);
    const signer = await provider.getSigner(accounts[43] as string);
    const n0 = await provider.getTransactionCount(signer.address, "latest");
    const to = Wallet.createRandom().address;
    const engine = new TxEngine(signer, { policy: POLICY });

    // payment A: the request never reaches the node; its caller gives up before gapFillMs
    const a = await engine
      .send({ to, value: 3n }, { key: "pay-A", gapFillMs: 5_000, timeoutMs: 300 })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(a, "payment A's outcome").to.be.instanceOf(Error);
    // payment B, the same call under its own key, is sent next
    const b = await engine.send({ to, value: 3n }, { key: "pay-B" });
    expect(b.nonce, "A's nonce is not handed on").to.equal(n0 + 1);
    expect(await provider.getBalance(to)).to.equal(3n);

    // A is retried with its key: B's transaction is not A's
    const retried = await engine.send({ to, value: 3n }, { key: "pay-A" }).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    expect(retried, "A's retry").to.be.instanceOf(TransactionReplacedError);
    const err = retried as TransactionReplacedError;
    expect(err.reason, "A's nonce was cancelled").to.equal("cancelled");
    expect(err.nonce).to.equal(n0);
    expect(err.hashes).to.deep.equal([]);
    expect(err.replacement).to.not.equal(b.hash);
    expect(await provider.getBalance(to), "A not reported made").to.equal(3n);
    // replaced: the next retry sends A afresh
    const made = await engine.send({ to, value: 3n }, { key: "pay-A" });
    expect(made.hash).to.not.equal(b.hash);
    expect(await provider.getBalance(to)).to.equal(6n);
  });
});
