/**
 * `StoreJournal.get` waits for the pending puts of its own key only: it still sees a put of its
 * key that waits for the next group while another group commits, and its newest state when the
 * key was put in two groups in a row.
 *
 * `StoreJournal` keeps a key's newest attempt (`JournalEntry.attempt`): the put of an older
 * attempt (a stopped send's late write, after a retry of its key put its own entry) changes
 * nothing; an equal or newer attempt replaces it.
 *
 * It compares a put's attempt with the newest attempt this process put for the key, kept in
 * memory. The service removes rows itself (a void return's send: `journal.remove`, see
 * voidReturnForOtherTerms), and a later send of that key starts again at attempt 0 (no entry): its
 * puts were dropped against the attempt remembered for the removed row. The send then went out
 * with no row (resolved `put`s, nothing written): a crash, and the restarted service sends the
 * key again. A `get` (which the engine makes before each attempt) now takes the row's attempt.
 */
import { expect } from "chai";
import type { JournalEntry } from "@kessai/sdk";
import { buildingBlocks, groupCommit, journal, openSqliteStore, type Store } from "@kessai/storage";
import { tempSqliteDir, type TempSqliteDir } from "../../../packages/storage/src/testing/index.js";
import { StoreJournal } from "../../../packages/verifier/src/index.js";

/** A send's entry for `key` in `state`; `over` wins (an `attempt` of undefined: attempt 0). */
const entry = (
  key: string,
  state: JournalEntry["state"],
  over: Partial<JournalEntry> = {},
): JournalEntry => ({
  key,
  chainId: "31339",
  from: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  request: { to: null, data: "0x", value: "0" },
  state,
  nonce: 3,
  txs: [],
  updatedAt: Date.now(),
  ...over,
});

/** An entry of `attempt` (undefined: attempt 0, no field), as the engine writes it. */
const attempted = (
  key: string,
  attempt: number | undefined,
  state: JournalEntry["state"],
): JournalEntry => {
  const e = entry(key, state, attempt === undefined ? {} : { attempt });
  if (state === "intent") delete e.nonce;
  return e;
};

describe("verifier: StoreJournal", () => {
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

  describe("get and puts in flight", () => {
    it("sees the newest put of its key, made in the group after one that is committing", async () => {
      const commits = groupCommit(store);
      const j = new StoreJournal(store, "test.tx", undefined, commits);
      const to = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
      const put = (state: JournalEntry["state"]) =>
        j.put(entry("cash:a", state, { nonce: 7, request: { to, data: "0x", value: "0" } }));
      // A slow group under way (the service's other writes)...
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = commits.run(() => gate);
      // ...the key's first state joins the next group, its second the one after (or the same).
      const first = put("signed");
      const second = put("mined");
      const read = j.get("cash:a");
      setTimeout(() => release(), 50);
      expect((await read)?.state).to.equal("mined");
      await Promise.all([slow, first, second]);
      expect((await j.get("cash:a"))?.state).to.equal("mined");
      expect(await j.get("cash:none")).to.equal(undefined);
    });
  });

  describe("keeps a key's newest attempt", () => {
    it("the put of an older attempt changes nothing; an equal or newer one replaces", async () => {
      const j = new StoreJournal(store, "test.attempt");
      const put = (attempt: number | undefined, state: JournalEntry["state"]) =>
        j.put(entry("cash:r", state, attempt === undefined ? {} : { attempt }));
      await put(undefined, "signed");
      await put(1, "signed");
      await put(undefined, "abandoned"); // attempt 0, late
      expect((await j.get("cash:r"))?.state).to.equal("signed");
      await put(1, "confirmed");
      expect((await j.get("cash:r"))?.state).to.equal("confirmed");
      await put(2, "intent");
      await put(1, "abandoned");
      expect([(await j.get("cash:r"))?.attempt, (await j.get("cash:r"))?.state]).to.deep.equal([
        2,
        "intent",
      ]);
    });
  });

  describe("after the service removed a key's row", () => {
    it("a new send of the key (attempt 0) is written", async () => {
      const NS = "test.attempt-removed";
      const j = new StoreJournal(store, NS);
      await j.put(attempted("st:r", 1, "reverted")); // a retried send of the key, reverted
      await store.transaction((tx) => journal.remove(tx, { namespace: NS, id: "st:r" }));
      expect(await j.get("st:r"), "removed").to.equal(undefined);
      await j.put(attempted("st:r", undefined, "intent")); // the key sent afresh
      await j.put(attempted("st:r", undefined, "signed"));
      const row = await journal.get(store, { namespace: NS, id: "st:r" });
      expect(row?.state, "the row of the new send").to.equal("signed");
    });
  });
});
