/**
 * A node-managed account's `eth_sendTransaction` that fails in transit (geth's `-32002 request
 * timed out`, against anvil behind a proxy): the node may have signed and pooled the transaction,
 * or never seen the request. There is no hash to watch, so the send is watched by its nonce: the
 * account's transaction mined on it with the same call is the send's, and a nonce still free after
 * `gapFillMs` is sent again. The call is executed once either way, and a retry with the same key
 * (in this process or a restarted one) joins it instead of sending it again.
 */
import { expect } from "chai";
import { toQuantity } from "ethers";
import {
  MemoryJournal,
  TransactionReplacedError,
  TxEngine,
} from "../../../packages/sdk/src/index.js";
import type { RpcRequest } from "./anvil.js";
import { TIMED_OUT, TRANSIT_POLICY as POLICY, forwardTo, nodeAccounts } from "./node-transit.js";

describe("sdk: a node-managed send whose eth_sendTransaction fails in transit (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  /** Forwards `req` to anvil itself (the node takes it), whatever the proxy answers. */
  const forward = (req: RpcRequest) => forwardTo(suite.anvil(), req);

  /** Anvil's unlocked account `index`, behind a proxy where `intercept` may answer. */
  const account = (index: number, intercept: (req: RpcRequest) => unknown) =>
    suite.account(index, (req) => intercept(req) as typeof TIMED_OUT);

  /**
   * Anvil's unlocked account `index`, behind a proxy that answers its first `eth_sendTransaction`
   * with the RPC timeout, after handing it to the node when `reaches` (the node signs and pools
   * it); `sends()` counts the `eth_sendTransaction` requests, `forwarded()` is the first one's
   * forwarding (the node's answer, once it has the transaction).
   */
  async function firstTimedOut(index: number, reaches: boolean) {
    let sends = 0;
    let forwarded: Promise<unknown> | undefined;
    const a = await account(index, (req) => {
      if (req.method !== "eth_sendTransaction" || sends++ > 0) return undefined;
      if (reaches) forwarded = forward(req);
      return TIMED_OUT;
    });
    return { ...a, p: a.provider, sends: () => sends, forwarded: () => forwarded };
  }

  it("reached the node, answer lost: executed once, resolves with the mined transaction, a retry joins it", async function () {
    // the node signs and mines it; its answer is the RPC timeout
    const { signer, n0, to, p, sends, forwarded } = await firstTimedOut(40, true);
    const engine = new TxEngine(signer, { policy: POLICY });
    const first = await engine.send({ to, value: 7n }, { key: "pay-once" }).then(
      (r) => r,
      (e: unknown) => e as Error,
    );
    await forwarded();
    // the caller retries the same call with the same key, as a failed send invites
    const again = await engine.send({ to, value: 7n }, { key: "pay-once" });

    expect(sends(), "eth_sendTransaction requests").to.equal(1);
    expect(await p.getBalance(to)).to.equal(7n);
    expect(await p.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
    if (first instanceof Error) throw first;
    expect(first.nonce).to.equal(n0);
    const mined = await p.getTransaction(first.hash);
    expect(mined?.nonce).to.equal(n0);
    expect(mined?.to).to.equal(to);
    expect(first.receipt.status).to.equal(1);
    expect(again.hash).to.equal(first.hash);
  });

  it("never reached the node: sent again on the same nonce after gapFillMs, executed once", async function () {
    const nonces: unknown[] = [];
    const {
      signer,
      n0,
      to,
      provider: p,
    } = await account(41, (req) => {
      if (req.method !== "eth_sendTransaction") return undefined;
      nonces.push((req.params[0] as { nonce?: string }).nonce);
      return nonces.length === 1 ? TIMED_OUT : undefined; // the first never reaches the node
    });
    const engine = new TxEngine(signer, { policy: POLICY });
    const started = Date.now();
    const r = await engine.send({ to, value: 9n }, { key: "pay-once-2" });

    expect(Date.now() - started, "waited gapFillMs before sending again").to.be.at.least(200);
    expect(nonces.map(Number), "eth_sendTransaction nonces").to.deep.equal([n0, n0]);
    expect(await p.getBalance(to)).to.equal(9n);
    expect(await p.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
    expect(r.nonce).to.equal(n0);
    expect(r.receipt.status).to.equal(1);
  });

  it("a restarted process takes up the journaled nonce: waits while pending, adopts it once mined", async function () {
    const { signer, n0, to, p, sends } = await firstTimedOut(42, true);
    const journal = new MemoryJournal();
    await suite.anvil().rpc("evm_setAutomine", [false]);
    try {
      // the first process gives up while the node holds the transaction in its pool
      const stopped = await new TxEngine(signer, {
        policy: { ...POLICY, timeoutMs: 1_000 },
        journal,
      })
        .send({ to, value: 5n }, { key: "pay-once-3" })
        .then(
          () => undefined,
          (e: unknown) => e as Error,
        );
      expect(stopped, "the first send's outcome").to.be.instanceOf(Error);
      const entry = await journal.get("pay-once-3");
      expect(entry?.nonce).to.equal(n0);
      // (the node's transaction on the nonce, found by it: the lost request's, journaled)
      const held = await suite
        .anvil()
        .rpc<{ hash: string }>("eth_getTransactionBySenderAndNonce", [
          signer.address,
          toQuantity(n0),
        ]);
      expect(entry?.txs.map((t) => t.hash)).to.deep.equal([held.hash]);
      expect(sends(), "not sent again while pending").to.equal(1);
    } finally {
      await suite.anvil().rpc("evm_setAutomine", [true]);
    }
    await suite.anvil().mine();
    const restarted = new TxEngine(signer, { policy: POLICY, journal });
    const r = await restarted.send({ to, value: 5n }, { key: "pay-once-3" });

    expect(sends(), "eth_sendTransaction requests").to.equal(1);
    expect(await p.getBalance(to)).to.equal(5n);
    expect(await p.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
    expect(r.nonce).to.equal(n0);
    expect(r.resumed).to.equal(true);
  });

  // A send given up (its caller's deadline) must not hand its nonce to the next send: that may be
  // an identical call under another key (two payments of the same amount to the same payee), and a
  // retry of the first key would take the second payment's transaction for its own (the first
  // payment reported done and never made). The nonce is cancelled instead (a zero-value
  // self-transfer) unless the node holds a transaction on it.
  it("given up, its nonce not handed on: a retry does not adopt an identical call of another key", async function () {
    const { signer, n0, to, p } = await firstTimedOut(43, false);
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
    expect(await p.getBalance(to)).to.equal(3n);

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
    expect(await p.getBalance(to), "A not reported made").to.equal(3n);
    // replaced: the next retry sends A afresh
    const made = await engine.send({ to, value: 3n }, { key: "pay-A" });
    expect(made.hash).to.not.equal(b.hash);
    expect(await p.getBalance(to)).to.equal(6n);
  });
});
