/**
 * A process's first send journaled no `startBlock` (the engine had seen no head yet), so a look
 * for what used its nonce on a node without old state had only the bounded block scan. The head is
 * now read beside the first send's estimate: every send's entry has it, at the cost of one
 * `eth_getBlockByNumber` per engine (none for the sends after it). Against anvil, a node-managed
 * account (the engine reads no block of its own on that path) and a local key.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { MemoryJournal, TxEngine } from "../../../packages/sdk/src/index.js";
import { key } from "./gas-fixture.js";
import { nodeAccounts } from "./node-transit.js";

describe("sdk: a process's first send journals the head seen before it (anvil)", function () {
  this.timeout(30_000);
  const suite = nodeAccounts();

  for (const local of [false, true])
    it(`${local ? "a local key" : "a node-managed account"}: startBlock on the first send and the next, one block read`, async function () {
      const methods: string[] = [];
      const account = await suite.account(local ? 21 : 20, (req) => {
        methods.push(req.method);
        return undefined;
      });
      const { to, provider } = account;
      // (anvil's account 21 as a local key)
      const signer = local ? new Wallet(key(21), provider) : account.signer;
      await suite.anvil().mine();
      const before = await provider.getBlockNumber();
      methods.length = 0;
      const journal = new MemoryJournal();
      const engine = new TxEngine(signer, { journal });
      const first = await engine.send({ to, value: 1n }, { key: "first" });
      const second = await engine.send({ to, value: 2n }, { key: "second" });

      expect((await journal.get("first"))?.startBlock).to.equal(before);
      expect((await journal.get("second"))?.startBlock).to.be.at.least(before);
      expect(first.blockNumber).to.be.above(before);
      expect(second.blockNumber).to.be.above(first.blockNumber - 1);
      const blockReads = methods.filter(
        (m) => m === "eth_getBlockByNumber" || m === "eth_blockNumber",
      );
      // one of the engine's own, on the first send; a local key's populate (ethers) reads the
      // latest block for each send's fees besides
      expect(blockReads, "block reads").to.deep.equal(
        Array<string>(local ? 3 : 1).fill("eth_getBlockByNumber"),
      );
    });
});
