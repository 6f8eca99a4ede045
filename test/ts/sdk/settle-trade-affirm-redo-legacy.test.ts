/**
 * settleTradeSendKey of step 2 for a trade that an earlier release started: its affirmation sits
 * under the legacy key `settleTrade:<id>:affirm`. When that affirmation was mined reverted (a
 * reorg put the lock after it), this release sends the redo under `...:affirm:1`; a process
 * restarted while the redo is in flight must wait for the redo, not send the legacy key's call
 * afresh beside it (two affirmations in flight, the second paid for a revert).
 */
import { expect } from "chai";
import {
  MemoryJournal,
  legacySettleTradeKey,
  settleTradeKey,
  settleTradeSendKey,
  type JournalEntry,
  type JournalState,
} from "../../../packages/sdk/src/index.js";

describe("sdk: settleTradeSendKey of step 2 with a legacy affirmation and its redo", function () {
  const ID = "0x" + "ce".repeat(32);
  const scope = { chainId: 31337n, dvp: "0x5FbDB2315678afecb367f032d93F642f64180aa3" };
  const notMined = { receipt: async () => null };
  const entry = (key: string, state: JournalState, nonce: number, hash: string): JournalEntry => ({
    key,
    chainId: "31337",
    from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    request: { to: scope.dvp, data: "0x01", value: "0" },
    state,
    nonce,
    txs: [{ hash, at: 1 }],
    updatedAt: 1,
  });

  it("the legacy key's affirmation mined reverted and the redo sent: the redo's key, not the legacy one", async function () {
    const journal = new MemoryJournal();
    const legacy = legacySettleTradeKey(ID, "affirm");
    const redo = settleTradeKey(scope, ID, "affirm", 1);
    await journal.put(entry(legacy, "reverted", 7, "0x" + "11".repeat(32)));
    // before the redo: the legacy entry is still the one taken up
    expect(await settleTradeSendKey(journal, notMined, scope, ID, "affirm")).to.equal(legacy);
    await journal.put(entry(redo, "signed", 8, "0x" + "22".repeat(32)));
    expect(await settleTradeSendKey(journal, notMined, scope, ID, "affirm")).to.equal(redo);
  });
});
