/**
 * A send without a key (a `QueuedSigner`'s `sendTransaction`) taken up by a restarted process,
 * nobody waiting for it, held by the node on the account's next nonce without being counted as
 * pending (anvil keeps such a transaction queued and mines nothing on the nonce until a new
 * transaction comes for it; made here with `anvil_setNonce`, as in nonce-not-pending.test.ts).
 * Like one priced out, it is never mined as it is and every later send of the account waits
 * behind its nonce: it is replaced by the same call on the same nonce, and the account's next
 * send is mined.
 */
import { expect } from "chai";
import { Wallet, toQuantity } from "ethers";
import { MemoryJournal, QueuedSigner } from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, durableOver, key, resumeThenSendNext } from "./gas-fixture.js";
import { FaultyProvider } from "./faults.js";

const OTHER = "0x000000000000000000000000000000000000dEaD";

describe("sdk: a send without a key, taken up after a restart, held on the next nonce but not counted pending (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;

  before(async function () {
    anvil = await startAnvil({ order: "fifo" });
  });
  after(async function () {
    await anvil?.stop();
  });

  it("is replaced on its nonce by the same call; the account's next send is mined", async function () {
    const journal = durableOver(new MemoryJournal());
    const [p1, p2] = [new FaultyProvider(anvil.url), new FaultyProvider(anvil.url)];
    try {
      const pk = key(14);
      const before = await p1.getBalance(OTHER);
      // process 1: one call mined, then the next goes on n + 1 above a gap at n; once the node
      // has it, the account's nonce is moved to n + 1: held on the next nonce, not counted
      const signer = new QueuedSigner(new Wallet(pk, p1), { journal, policy: FAST });
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
