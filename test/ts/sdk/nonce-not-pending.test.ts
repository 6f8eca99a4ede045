/**
 * A transaction the node holds on the account's next nonce without counting it as pending, against
 * anvil. Anvil keeps a transaction that came while the one before it was being mined as queued
 * (waiting for its predecessor) after that predecessor is mined: the account's next nonce, not
 * executable, and no block is mined for it until a new transaction comes on that nonce (the
 * 100-trade run stalled on it: two of the seller's redeems queued at its next nonce for 60 s).
 * Here the same state is made with `anvil_setNonce`: the send's transaction arrives above a gap,
 * and the account's nonce is then moved up to it. With `bumpAfterMs` 60 s, the send must end in a
 * few seconds.
 *
 * The not-counted-pending replacement is a guess made after `gapFillMs`: a node whose pending
 * count lags its pool (a load balancer's backend without the transaction) looks the same as
 * anvil's held transaction. When the policy's fee ceiling forbids any replacement, that guess must
 * not end the send with FeeCeilingError while its transaction is healthy in the pool: the caller
 * would be told the call failed, and the transaction is then mined (the call executes, and a
 * retry under another key executes it twice).
 *
 * A send without a key taken up by a restarted process, nobody waiting for it, held this way is
 * never mined as it is either, and every later send of the account waits behind its nonce: it is
 * replaced by the same call on the same nonce, and the account's next send is mined.
 */
import { expect } from "chai";
import { Wallet, toQuantity } from "ethers";
import {
  MemoryJournal,
  QueuedSigner,
  TxEngine,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, key } from "./anvil-trades.js";
import { FaultyProvider, until } from "./faults.js";
import { durableOver, resumeThenSendNext } from "./gas-fixture.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";
const MAX_FEE = 10_000_000_000n;
const TIP = 1_000_000_000n;

/** The trades' policy (fast looks, `bumpAfterMs` 60 s), the send's deadline at 10 s. */
const POLICY: TxPolicy = { ...FAST, timeoutMs: 10_000 };

/** POLICY, its fee ceiling the send's own max fee (no replacement can be made). */
const AT_CEILING: TxPolicy = { ...POLICY, maxFeePerGas: MAX_FEE };

/**
 * An engine for key `k` on `policy` that has sent once; then no block until the test mines one,
 * and the pending count is the mined one (as a load balancer's backend without the transaction
 * answers).
 */
async function onLaggingNode(anvil: Anvil, k: number, policy: TxPolicy) {
  const provider = new FaultyProvider(anvil.url);
  const engine = new TxEngine(new Wallet(key(k), provider), { policy });
  await engine.send({ to: OTHER, value: 1n });
  await anvil.rpc("evm_setAutomine", [false]);
  provider.hook = (method, params) =>
    method === "eth_getTransactionCount" && params[1] === "pending"
      ? provider.send("eth_getTransactionCount", [params[0], "latest"])
      : undefined;
  return { provider, engine };
}

describe("a transaction the node holds on the next nonce but does not count as pending", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil({ order: "fifo" });
  });
  after(async function () {
    await anvil?.stop();
  });

  it("is replaced after gapFillMs, not bumpAfterMs, and mined; the send ends", async function () {
    const provider = new FaultyProvider(anvil.url);
    const wallet = new Wallet(key(12), provider);
    const engine = new TxEngine(wallet, { policy: POLICY });
    await engine.send({ to: OTHER, value: 1n });
    const n = await provider.getTransactionCount(wallet.address, "latest");
    // The send's transaction goes on n + 1, above a gap at n (anvil queues it); once the node has
    // it, the account's nonce is moved to n + 1: the node holds the transaction on the next
    // nonce, queued, and mines nothing.
    engine.queue().next = n + 1;
    provider.hook = (method, params) => {
      if (method !== "eth_sendRawTransaction") return undefined;
      provider.hook = undefined;
      return (async () => {
        const hash = await anvil.rpc("eth_sendRawTransaction", params);
        await anvil.rpc("anvil_setNonce", [wallet.address, toQuantity(n + 1)]);
        return hash;
      })();
    };
    const events: TxEvent[] = [];
    const t0 = Date.now();
    const r = await engine.send({ to: OTHER, value: 2n }, { onEvent: (e) => events.push(e) });
    const ms = Date.now() - t0;
    // the state made is the one meant: held, on the next nonce, not counted as pending
    const first = events.find((e) => e.type === "submitted")!;
    expect(first.nonce).to.equal(n + 1);
    expect(r.nonce).to.equal(n + 1);
    expect(ms).to.be.below(4_000);
    const replaced = events.filter((e) => e.type === "replaced");
    expect(replaced.map((e) => [e.reason, e.previous])).to.deep.equal([["stuck", first.hash]]);
    expect(r.hash).to.equal(replaced[0].hash);
    expect(r.hashes).to.deep.equal([first.hash, r.hash]);
    expect(await provider.getTransactionCount(wallet.address, "latest")).to.equal(n + 2);
    provider.destroy();
    this.test!.title += ` (${ms} ms)`;
  });

  it("is replaced once per nonce: a node whose pending count never counts its pool costs one bump", async function () {
    const { provider, engine } = await onLaggingNode(anvil, 13, POLICY);
    const events: TxEvent[] = [];
    const sent = engine.send({ to: OTHER, value: 2n }, { onEvent: (e) => events.push(e) });
    try {
      await until(() => events.some((e) => e.type === "replaced"), "the replacement");
      // then 15 x gapFillMs (100 ms) more: no other
      await new Promise((r) => setTimeout(r, 1_500));
      expect(events.map((e) => [e.type, e.reason])).to.deep.equal([
        ["submitted", undefined],
        ["replaced", "stuck"],
      ]);
      await anvil.mine();
      const r = await sent;
      expect(r.hash).to.equal(events[1].hash);
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
      provider.destroy();
    }
  });

  it("at the fee ceiling is left to be mined, not failed with FeeCeilingError, on a node whose pending count lags", async function () {
    const { provider, engine } = await onLaggingNode(anvil, 14, AT_CEILING);
    const events: TxEvent[] = [];
    let error: unknown;
    const sent = engine
      .send(
        { to: OTHER, value: 2n, maxFeePerGas: MAX_FEE, maxPriorityFeePerGas: TIP },
        { onEvent: (e) => events.push(e) },
      )
      .catch((err: unknown) => {
        error = err;
      });
    try {
      // 20 x gapFillMs (100 ms): the not-counted look has been made
      await new Promise((r) => setTimeout(r, 2_000));
      expect((error as Error | undefined)?.name).to.equal(undefined);
      await anvil.mine();
      const r = await sent;
      expect(error).to.equal(undefined);
      expect(events.filter((e) => e.type === "replaced")).to.deep.equal([]);
      expect(r!.hash).to.equal(events[0].hash);
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
      provider.destroy();
    }
  });

  it("a send without a key, taken up after a restart: replaced on its nonce by the same call; the account's next send is mined", async function () {
    const journal = durableOver(new MemoryJournal());
    const [p1, p2] = [new FaultyProvider(anvil.url), new FaultyProvider(anvil.url)];
    try {
      const pk = key(15);
      const before = await p1.getBalance(OTHER);
      // process 1: one call mined, then the next goes on n + 1 above a gap at n; once the node
      // has it, the account's nonce is moved to n + 1: held on the next nonce, not counted
      const signer = new QueuedSigner(new Wallet(pk, p1), { journal, policy: POLICY });
      const from = await signer.getAddress();
      await (await signer.sendTransaction({ to: OTHER, value: 1n })).wait();
      const n = await p1.getTransactionCount(from, "latest");
      signer.engine.queue().next = n + 1;
      p1.hook = (method, params) => {
        if (method !== "eth_sendRawTransaction") return undefined;
        p1.hook = undefined;
        return (async () => {
          const hash = await anvil.rpc("eth_sendRawTransaction", params);
          await anvil.rpc("anvil_setNonce", [from, toQuantity(n + 1)]);
          return hash;
        })();
      };
      const sent = await signer.sendTransaction({ to: OTHER, value: 3n });
      expect(sent.nonce).to.equal(n + 1);
      expect(await p1.getTransactionCount(from, "pending")).to.equal(n + 1);

      // process 2: takes the entry up (nobody waits for it), then sends the account's next call
      const { events, next, took } = await resumeThenSendNext(pk, p2, journal, OTHER);

      expect(next.nonce).to.equal(sent.nonce + 1);
      expect(took, "not held until its deadline").to.be.below(3_000);
      const replaced = events.filter((e) => e.type === "replaced" && e.nonce === sent.nonce);
      expect(replaced.map((e) => [e.reason, e.previous])).to.deep.equal([["stuck", sent.hash]]);
      const tx = (await p2.getTransaction(replaced[0].hash))!;
      expect([tx.nonce, tx.to, tx.value]).to.deep.equal([sent.nonce, OTHER, 3n]);
      // the call once, the next one once
      expect(await p2.getBalance(OTHER)).to.equal(before + 9n);
      expect(await p2.getTransactionCount(from, "latest")).to.equal(sent.nonce + 2);
    } finally {
      p1.destroy();
      p2.destroy();
    }
  });
});
