/**
 * A transaction sent through the signer interface (`QueuedSigner.sendTransaction`, no key) with a
 * durable journal, whose app waited with ethers' own `tx.wait()`, is taken up by a restarted
 * process (anvil, no automine). Nobody waits for it there and no key can join it: it is watched and
 * its outcome journaled, but nothing is sent in its place (no replacement when it is stuck, no
 * resend when it ran out of gas) until a caller waits for it (`engine.wait(hash)`).
 *
 * The contract is gas-fixture.ts's: writing its slot 0 from zero costs 17,100 gas more.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";
import {
  MemoryJournal,
  QueuedSigner,
  TxEngine,
  type TxEvent,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import {
  FAST,
  INIT,
  arg,
  durableOver,
  key,
  mineUntil,
  nextEvent,
  providerFor,
} from "./gas-fixture.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";
/** A stuck transaction is replaced after this long (when something may be sent in its place). */
const POLICY = { ...FAST, bumpAfterMs: 200 };

describe("sdk: a signer-interface send taken up after a restart, nobody waiting for it (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let other: Wallet;
  let target: string;
  let seq = 45;
  const providers: JsonRpcProvider[] = [];

  before(async function () {
    anvil = await startAnvil({ noMining: true, order: "fees" });
    provider = providerFor(anvil.url);
    other = new Wallet(key(49), provider);
    const tx = await other.sendTransaction({ data: INIT, gasLimit: 200_000n });
    await anvil.mine();
    target = (await provider.getTransactionReceipt(tx.hash))!.contractAddress!;
  });
  after(async function () {
    for (const p of [provider, ...providers]) p.destroy();
    await anvil?.stop();
  });

  /**
   * Process 1 submits `tx` through a `QueuedSigner` with a durable journal and is gone; process 2
   * (its own provider) starts on the same journal and takes the entry up. Its events are listed.
   */
  async function submitThenRestart(tx: { to: string; data?: string; value?: bigint }) {
    const store = new MemoryJournal();
    const journal = durableOver(store);
    const [p1, p2] = [providerFor(anvil.url), providerFor(anvil.url)];
    providers.push(p1, p2);
    const pk = key(seq++);
    const sent = await new QueuedSigner(new Wallet(pk, p1), {
      journal,
      policy: POLICY,
    }).sendTransaction(tx);
    const engine = new TxEngine(new Wallet(pk, p2), { journal, policy: POLICY });
    const events: TxEvent[] = [];
    engine.on((e) => events.push(e));
    await engine.resumeOpen();
    const [entry] = await engine.openEntries();
    expect(entry.unkeyed, "the engine made its key up").to.equal(true);
    return { sent, engine, events, store, key: entry.key };
  }

  it("stuck: not replaced while nobody waits; replaced once a caller waits for it", async function () {
    const { sent, engine, events } = await submitThenRestart({ to: OTHER, value: 1n });
    await new Promise((r) => setTimeout(r, 5 * POLICY.bumpAfterMs));
    expect(
      events.map((e) => e.type),
      "events while nobody waits",
    ).to.not.include("replaced");

    const replaced = nextEvent(engine, "replaced");
    const waited = engine.wait(sent.hash);
    const { hash } = await replaced;
    const r = await mineUntil(anvil, waited);
    expect(r.hashes).to.deep.equal([sent.hash, hash]);
    expect(r.nonce).to.equal(sent.nonce);
  });

  it("mined out of gas: its outcome journaled, the call not sent again", async function () {
    // slot 0 is non-zero when the call is estimated; set to zero ahead of it in its block
    const ahead = { to: target, gasLimit: 100_000n, maxFeePerGas: parseUnits("100", "gwei") };
    await other.sendTransaction({ ...ahead, data: arg(5n) });
    await anvil.mine();
    const calls = BigInt(await provider.getStorage(target, 1));
    const {
      sent,
      engine,
      events,
      store,
      key: k,
    } = await submitThenRestart({
      to: target,
      data: arg(1n),
    });
    await other.sendTransaction({
      ...ahead,
      data: arg(0n),
      maxPriorityFeePerGas: parseUnits("50", "gwei"),
    });
    await mineUntil(anvil, engine.settled());

    const receipt = (await provider.getTransactionReceipt(sent.hash))!;
    expect(receipt.status, "ran out of gas").to.equal(0);
    expect(events.map((e) => e.type)).to.not.include("resent");
    expect((await store.get(k))?.state).to.equal("reverted");
    expect(await provider.getTransactionCount(sent.from, "latest")).to.equal(sent.nonce + 1);
    // (slot 1 counts the calls that succeeded: the one ahead of it, not this one)
    const after = BigInt(await provider.getStorage(target, 1));
    expect(after, "the call not done again").to.equal(calls + 1n);
  });
});
