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

  it("two submits of one key: one transaction, the same hash to both", async function () {
    const { provider, to } = await suite.account(25, () => undefined);
    const signer = new Wallet(key(25), provider);
    const n0 = await provider.getTransactionCount(signer.address, "pending");
    const engine = new TxEngine(signer, { journal: new MemoryJournal() });
    const [a, b] = await Promise.all([
      engine.submit({ to, value: 3n }, { key: "twice" }),
      engine.submit({ to, value: 3n }, { key: "twice" }),
    ]);
    await engine.settled();
    expect(await provider.getBalance(to), "paid").to.equal(3n);
    expect(b.hash).to.equal(a.hash);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });

  it("a send and a submit of one key: one transaction", async function () {
    const { provider, to } = await suite.account(26, () => undefined);
    const signer = new Wallet(key(26), provider);
    const n0 = await provider.getTransactionCount(signer.address, "pending");
    const engine = new TxEngine(signer, { journal: new MemoryJournal() });
    const [sent, submitted] = await Promise.all([
      engine.send({ to, value: 4n }, { key: "both" }),
      engine.submit({ to, value: 4n }, { key: "both" }),
    ]);
    await engine.settled();
    expect(await provider.getBalance(to), "paid").to.equal(4n);
    expect(submitted.hash).to.equal(sent.hash);
    expect(await provider.getTransactionCount(signer.address, "latest")).to.equal(n0 + 1);
  });
});
