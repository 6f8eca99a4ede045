/**
 * `StoreJournal` keeps a key's newest attempt (`JournalEntry.attempt`): the put of an older
 * attempt (a stopped send's late write, after a retry of its key put its own entry) changes
 * nothing; an equal or newer attempt replaces it.
 */
import { expect } from "chai";
import type { JournalEntry } from "@kessai/sdk";
import { buildingBlocks, openSqliteStore, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { StoreJournal } from "../../../packages/verifier/src/index.js";

const entry = (attempt: number | undefined, state: JournalEntry["state"]): JournalEntry => ({
  key: "cash:r",
  ...(attempt === undefined ? {} : { attempt }),
  chainId: "31339",
  from: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  request: { to: null, data: "0x", value: "0" },
  state,
  nonce: 3,
  txs: [],
  updatedAt: Date.now(),
});

describe("verifier: StoreJournal keeps a key's newest attempt", () => {
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

  it("the put of an older attempt changes nothing; an equal or newer one replaces", async () => {
    const j = new StoreJournal(store, "test.attempt");
    await j.put(entry(undefined, "signed"));
    await j.put(entry(1, "signed"));
    await j.put(entry(undefined, "abandoned")); // attempt 0, late
    expect((await j.get("cash:r"))?.state).to.equal("signed");
    await j.put(entry(1, "confirmed"));
    expect((await j.get("cash:r"))?.state).to.equal("confirmed");
    await j.put(entry(2, "intent"));
    await j.put(entry(1, "abandoned"));
    expect([(await j.get("cash:r"))?.attempt, (await j.get("cash:r"))?.state]).to.deep.equal([
      2,
      "intent",
    ]);
  });
});
