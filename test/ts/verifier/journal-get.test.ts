/**
 * `StoreJournal.get` waits for the pending puts of its own key only: it still sees a put of its
 * key that waits for the next group while another group commits, and its newest state when the
 * key was put in two groups in a row.
 */
import { expect } from "chai";
import type { JournalEntry } from "@kessai/sdk";
import { buildingBlocks, groupCommit, openSqliteStore, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { StoreJournal } from "../../../packages/verifier/src/index.js";

const entry = (key: string, state: JournalEntry["state"], nonce: number): JournalEntry => ({
  key,
  chainId: "31339",
  from: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  request: { to: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0", data: "0x", value: "0" },
  state,
  nonce,
  txs: [],
  updatedAt: Date.now(),
});

describe("verifier: StoreJournal.get and puts in flight", () => {
  let tmp: TempSqliteDir;
  let store: Store;

  before(async () => {
    tmp = await tempSqliteDir();
    store = await openSqliteStore({ filename: tmp.file() });
    await store.migrate([...buildingBlocks]);
  });

  after(async () => {
    await store?.close();
    await tmp?.remove();
  });

  it("sees the newest put of its key, made in the group after one that is committing", async () => {
    const commits = groupCommit(store);
    const j = new StoreJournal(store, "test.tx", undefined, commits);
    // A slow group under way (the service's other writes)...
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = commits.run(() => gate);
    // ...the key's first state joins the next group, its second the one after (or the same).
    const first = j.put(entry("cash:a", "signed", 7));
    const second = j.put(entry("cash:a", "mined", 7));
    const read = j.get("cash:a");
    setTimeout(() => release(), 50);
    expect((await read)?.state).to.equal("mined");
    await Promise.all([slow, first, second]);
    expect((await j.get("cash:a"))?.state).to.equal("mined");
    expect(await j.get("cash:none")).to.equal(undefined);
  });
});
