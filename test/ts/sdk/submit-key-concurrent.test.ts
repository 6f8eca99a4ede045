/**
 * `submit` with a key looks for the key first (the watched send, or its journal entry), but two
 * calls of the same key made together both found nothing and both sent the call: `send` waits for
 * a key another call is starting (`starting`), `submit` did not, nor did a `send` wait for a
 * `submit` of its key. The call was paid twice, on two nonces. Against anvil, a local key.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import { key } from "./gas-fixture.js";
import { nodeAccounts } from "./node-transit.js";

describe("sdk: submit and send of one key made together (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  /**
   * Account `i` on the node with an engine (its local key, a fresh journal); `paidOnce(value, a,
   * b)` waits for the engine to settle and checks that the two calls, answered with hashes `a` and
   * `b`, made one transaction of `value`.
   */
  async function engineOf(i: number) {
    const { provider, to } = await suite.account(i, () => undefined);
    const signer = new Wallet(key(i), provider);
    const n0 = await provider.getTransactionCount(signer.address, "pending");
    const engine = new TxEngine(signer, { journal: new MemoryJournal() });
    const paidOnce = async (value: bigint, a: string, b: string) => {
      await engine.settled();
      expect(await provider.getBalance(to), "paid").to.equal(value);
      expect(b).to.equal(a);
      expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
    };
    return { engine, to, paidOnce };
  }

  it("two submits of one key: one transaction, the same hash to both", async function () {
    const { engine, to, paidOnce } = await engineOf(25);
    const [a, b] = await Promise.all([
      engine.submit({ to, value: 3n }, { key: "twice" }),
      engine.submit({ to, value: 3n }, { key: "twice" }),
    ]);
    await paidOnce(3n, a.hash, b.hash);
  });

  it("a send and a submit of one key: one transaction", async function () {
    const { engine, to, paidOnce } = await engineOf(26);
    const [sent, submitted] = await Promise.all([
      engine.send({ to, value: 4n }, { key: "both" }),
      engine.submit({ to, value: 4n }, { key: "both" }),
    ]);
    await paidOnce(4n, sent.hash, submitted.hash);
  });
});
