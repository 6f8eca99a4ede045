/**
 * `StoreJournal` compares a put's attempt with the newest attempt this process put for the key,
 * kept in memory. The service removes rows itself (a void return's send: `journal.remove`, see
 * voidReturnForOtherTerms), and a later send of that key starts again at attempt 0 (no entry): its
 * puts were dropped against the attempt remembered for the removed row. The send then went out
 * with no row (resolved `put`s, nothing written): a crash, and the restarted service sends the
 * key again. A `get` (which the engine makes before each attempt) now takes the row's attempt.
 */
import { expect } from "chai";
import type { JournalEntry } from "@kessai/sdk";
import { buildingBlocks, journal, openSqliteStore, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { StoreJournal } from "../../../packages/verifier/src/index.js";

const NS = "test.attempt-removed";
const entry = (attempt: number | undefined, state: JournalEntry["state"]): JournalEntry => ({
  key: "st:r",
  ...(attempt === undefined ? {} : { attempt }),
  chainId: "31339",
  from: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  request: { to: null, data: "0x", value: "0" },
  state,
  ...(state === "intent" ? {} : { nonce: 3 }),
  txs: [],
  updatedAt: Date.now(),
});

describe("verifier: StoreJournal after the service removed a key's row", () => {
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

  it("a new send of the key (attempt 0) is written", async () => {
    const j = new StoreJournal(store, NS);
    await j.put(entry(1, "reverted")); // a retried send of the key, reverted
    await store.transaction((tx) => journal.remove(tx, { namespace: NS, id: "st:r" }));
    expect(await j.get("st:r"), "removed").to.equal(undefined);
    await j.put(entry(undefined, "intent")); // the key sent afresh
    await j.put(entry(undefined, "signed"));
    const row = await journal.get(store, { namespace: NS, id: "st:r" });
    expect(row?.state, "the row of the new send").to.equal("signed");
  });
});
