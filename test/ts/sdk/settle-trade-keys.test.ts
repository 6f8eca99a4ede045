/**
 * settleTrade's journal keys, without a chain: the key names the chain and the DVP, an entry an
 * earlier release wrote under `settleTrade:<id>:<step>` is still taken up, and the steps an
 * outside event can undo (4 and 5) get a key per attempt.
 *
 * Step 2 of a trade that an earlier release started: its affirmation sits under the legacy key
 * `settleTrade:<id>:affirm`. When that affirmation was mined reverted (a reorg put the lock after
 * it), this release sends the redo under `...:affirm:1`; a process restarted while the redo is in
 * flight must wait for the redo, not send the legacy key's call afresh beside it (two
 * affirmations in flight, the second paid for a revert).
 */
import { expect } from "chai";
import type { TransactionReceipt } from "ethers";
import {
  MemoryJournal,
  legacySettleTradeKey,
  settleTradeKey,
  settleTradeSendKey,
  type JournalEntry,
  type JournalState,
} from "../../../packages/sdk/src/index.js";

const ID = "0x" + "ab".repeat(32);
const DVP = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const OTHER_DVP = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const scope = { chainId: 31337n, dvp: DVP };

/** A journal entry holding one transaction, in `state` (mined as `hash` when confirmed). */
function entry(
  key: string,
  state: JournalState,
  hash: string,
  chainId = "31337",
  nonce = 7,
): JournalEntry {
  return {
    key,
    chainId,
    from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    request: { to: DVP, data: "0x01", value: "0" },
    state,
    nonce,
    txs: [{ hash, at: 1 }],
    ...(state === "confirmed"
      ? { mined: { hash, blockNumber: 5, blockHash: "0x05", status: 1 } }
      : {}),
    updatedAt: 1,
  };
}

/** A chain reader that knows the receipts of `mined` (everything else: not mined, or reorged out). */
const reader = (...mined: string[]) => ({
  receipt: async (hash: string) =>
    mined.includes(hash) ? ({ hash, status: 1 } as unknown as TransactionReceipt) : null,
});

describe("settleTrade journal keys", function () {
  it("name the chain, the DVP, the settlement and the step (and the attempt for steps 4 and 5)", function () {
    const dvp = DVP.toLowerCase();
    expect(settleTradeKey(scope, ID.toUpperCase().replace("0X", "0x"), "lock")).to.equal(
      `settleTrade:31337:${dvp}:${ID}:lock`,
    );
    expect(settleTradeKey({ chainId: "1", dvp: DVP }, ID, "settle")).to.equal(
      `settleTrade:1:${dvp}:${ID}:settle`,
    );
    expect(settleTradeKey(scope, ID, "approve")).to.equal(
      `settleTrade:31337:${dvp}:${ID}:approve:0`,
    );
    expect(settleTradeKey(scope, ID, "authorise", 2)).to.equal(
      `settleTrade:31337:${dvp}:${ID}:authorise:2`,
    );
    // one trade ID on two DVPs, or two chains: two keys
    expect(settleTradeKey({ chainId: 31337n, dvp: OTHER_DVP }, ID, "lock")).to.not.equal(
      settleTradeKey(scope, ID, "lock"),
    );
    expect(settleTradeKey({ chainId: 1n, dvp: DVP }, ID, "lock")).to.not.equal(
      settleTradeKey(scope, ID, "lock"),
    );
  });

  it("take up an entry an earlier release wrote under settleTrade:<id>:<step>", async function () {
    const j = new MemoryJournal();
    await j.put(entry(legacySettleTradeKey(ID, "issue"), "signed", "0xa1"));
    expect(await settleTradeSendKey(j, reader(), scope, ID, "issue")).to.equal(
      legacySettleTradeKey(ID, "issue"),
    );
    // a legacy entry of another chain, or one that never held a transaction, is not this send's
    await j.put(entry(legacySettleTradeKey(ID, "lock"), "signed", "0xa2", "1"));
    expect(await settleTradeSendKey(j, reader(), scope, ID, "lock")).to.equal(
      settleTradeKey(scope, ID, "lock"),
    );
    await j.put({ ...entry(legacySettleTradeKey(ID, "affirm"), "intent", "0xa3"), txs: [] });
    expect(await settleTradeSendKey(j, reader(), scope, ID, "affirm")).to.equal(
      settleTradeKey(scope, ID, "affirm"),
    );
    // nothing journaled: the new key
    expect(await settleTradeSendKey(j, reader(), scope, ID, "redeem")).to.equal(
      settleTradeKey(scope, ID, "redeem"),
    );
  });

  it("steps 4 and 5: the same attempt while its transaction is pending or reorged out, the next once it is mined and undone", async function () {
    const j = new MemoryJournal();
    const k = (n: number) => settleTradeKey(scope, ID, "approve", n);
    expect(await settleTradeSendKey(j, reader(), scope, ID, "approve")).to.equal(k(0));
    for (const state of ["signed", "mined", "abandoned", "reverted", "replaced"] as const) {
      await j.put(entry(k(0), state, "0xb0"));
      expect(await settleTradeSendKey(j, reader("0xb0"), scope, ID, "approve"), state).to.equal(
        k(0),
      );
    }
    await j.put(entry(k(0), "confirmed", "0xb0"));
    // confirmed, then removed by a reorg: the same signed transaction goes back under its key
    expect(await settleTradeSendKey(j, reader(), scope, ID, "approve")).to.equal(k(0));
    // confirmed and still mined while the step is not done (the agent revoked): a new attempt
    expect(await settleTradeSendKey(j, reader("0xb0"), scope, ID, "approve")).to.equal(k(1));
    // a restart finds the attempt it last sent, pending
    await j.put(entry(k(1), "signed", "0xb1"));
    expect(await settleTradeSendKey(j, reader("0xb0"), scope, ID, "approve")).to.equal(k(1));
    await j.put(entry(k(1), "confirmed", "0xb1"));
    expect(await settleTradeSendKey(j, reader("0xb0", "0xb1"), scope, ID, "approve")).to.equal(
      k(2),
    );
    // a legacy entry counts as the attempt before 0
    const l = new MemoryJournal();
    await l.put(entry(legacySettleTradeKey(ID, "authorise"), "confirmed", "0xc0"));
    expect(await settleTradeSendKey(l, reader(), scope, ID, "authorise")).to.equal(
      legacySettleTradeKey(ID, "authorise"),
    );
    expect(await settleTradeSendKey(l, reader("0xc0"), scope, ID, "authorise")).to.equal(
      settleTradeKey(scope, ID, "authorise", 0),
    );
    // the other steps never go past their one key
    await j.put(entry(settleTradeKey(scope, ID, "settle"), "confirmed", "0xd0"));
    expect(await settleTradeSendKey(j, reader("0xd0"), scope, ID, "settle")).to.equal(
      settleTradeKey(scope, ID, "settle"),
    );
  });

  it("step 2, the legacy key's affirmation mined reverted and the redo sent: the redo's key, not the legacy one", async function () {
    const id = "0x" + "ce".repeat(32);
    const journal = new MemoryJournal();
    const legacy = legacySettleTradeKey(id, "affirm");
    const redo = settleTradeKey(scope, id, "affirm", 1);
    await journal.put(entry(legacy, "reverted", "0x" + "11".repeat(32), "31337", 7));
    // before the redo: the legacy entry is still the one taken up
    expect(await settleTradeSendKey(journal, reader(), scope, id, "affirm")).to.equal(legacy);
    await journal.put(entry(redo, "signed", "0x" + "22".repeat(32), "31337", 8));
    expect(await settleTradeSendKey(journal, reader(), scope, id, "affirm")).to.equal(redo);
  });
});
