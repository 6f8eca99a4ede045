/**
 * A send without a key (a `QueuedSigner`'s `sendTransaction`) taken up by a restarted process,
 * nobody waiting for it, priced out by a base-fee spike (anvil, no automine). It can never be mined
 * as it is, and every later send of the account waits behind its nonce: it is replaced by the same
 * call on the same nonce (only one of the two can be mined), never sent on another nonce.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, parseUnits } from "ethers";
import { MemoryJournal, QueuedSigner } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, durableOver, key, providerFor, resumeThenSendNext } from "./gas-fixture.js";

const OTHER = "0x000000000000000000000000000000000000bEEF";
const gwei = (n: string) => parseUnits(n, "gwei");

describe("sdk: a send without a key, taken up after a restart, priced out (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  const providers: JsonRpcProvider[] = [];

  before(async function () {
    anvil = await startAnvil({ noMining: true, order: "fees", baseFee: gwei("1") });
  });
  /** Mines every 40 ms until `p` settles, each block's base fee held at 20 gwei. */
  async function mineHigh<T>(p: Promise<T>): Promise<T> {
    let over = false;
    const done = p.finally(() => (over = true));
    while (!over) {
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 40))]);
      if (over) break;
      await anvil.rpc("anvil_setNextBlockBaseFeePerGas", [`0x${gwei("20").toString(16)}`]);
      await anvil.mine();
    }
    return done;
  }
  after(async function () {
    for (const p of providers) p.destroy();
    await anvil?.stop();
  });

  it("replaced on its nonce by the same call; the account's next send is mined, the call once", async function () {
    const store = new MemoryJournal();
    const journal = durableOver(store);
    const [p1, p2] = [providerFor(anvil.url), providerFor(anvil.url)];
    providers.push(p1, p2);
    const pk = key(30);
    const before = await p1.getBalance(OTHER);
    // process 1: sent with fees just above today's base fee, then gone
    const sent = await new QueuedSigner(new Wallet(pk, p1), {
      journal,
      policy: FAST,
    }).sendTransaction({
      to: OTHER,
      value: 3n,
      maxFeePerGas: gwei("1.5"),
      maxPriorityFeePerGas: gwei("0.1"),
    });
    // the base fee jumps above its max fee: it stays in the pool, never mined as it is
    await anvil.rpc("anvil_setNextBlockBaseFeePerGas", [`0x${gwei("20").toString(16)}`]);
    await anvil.mine();
    expect(await p1.getTransactionCount(sent.from, "latest")).to.equal(sent.nonce);

    // process 2: takes the entry up (nobody waits for it), then sends the account's next call
    const { events, next, took } = await resumeThenSendNext(pk, p2, journal, OTHER, mineHigh);

    expect(next.nonce).to.equal(sent.nonce + 1);
    expect(took, "not held until its deadline").to.be.below(3_000);
    const replaced = events.filter((e) => e.type === "replaced" && e.nonce === sent.nonce);
    expect(replaced).to.have.length(1);
    expect(replaced[0].reason).to.equal("priced-out");
    expect(replaced[0].previous).to.equal(sent.hash);
    const mined = (await p2.getTransactionReceipt(replaced[0].hash))!;
    expect(mined.status).to.equal(1);
    const tx = (await p2.getTransaction(replaced[0].hash))!;
    expect([tx.nonce, tx.to, tx.value]).to.deep.equal([sent.nonce, OTHER, 3n]);
    // the call once, the next one once, nothing else of the account
    expect(await p2.getBalance(OTHER)).to.equal(before + 8n);
    expect(await p2.getTransactionCount(sent.from, "latest")).to.equal(sent.nonce + 2);
  });
});
