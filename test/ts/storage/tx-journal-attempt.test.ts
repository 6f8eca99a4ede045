/**
 * The store's transaction journal keeps a key's newest attempt (`JournalEntry.attempt`), on both
 * back ends: a put of an older attempt (a stopped send's late write, after a retry of its key
 * wrote its own entry) changes nothing, whether it is written alone or in one batch with the
 * newer one; an equal or newer attempt replaces the row as before.
 */
import { expect } from "chai";
import {
  sql,
  txJournal,
  txJournalMigrations,
  type Store,
} from "../../../packages/storage/src/index.js";
import type { JournalEntry } from "../../../packages/sdk/src/index.js";
import { describeBackends } from "./backends.js";

let seq = 0;
const entry = (
  key: string,
  attempt: number | undefined,
  state: JournalEntry["state"],
): JournalEntry => ({
  key,
  ...(attempt === undefined ? {} : { attempt }),
  chainId: "31337",
  from: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  request: { to: null, data: "0x", value: "0" },
  state,
  nonce: 0,
  txs: [],
  updatedAt: 1_700_000_000_000 + ++seq,
});

describeBackends("transaction journal: attempts", (backend) => {
  let store: Store;
  let j: ReturnType<typeof txJournal<JournalEntry>>;
  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([txJournalMigrations]);
    j = txJournal<JournalEntry>(store);
  });

  it("a put of an older attempt changes nothing; an equal or newer one replaces", async function () {
    await j.put(entry("a", undefined, "signed"));
    await j.put(entry("a", 1, "signed"));
    await j.put(entry("a", undefined, "abandoned")); // attempt 0, late
    expect((await j.get("a"))?.state).to.equal("signed");
    await j.put(entry("a", 1, "confirmed"));
    await j.put(entry("a", 0, "abandoned"));
    expect([(await j.get("a"))?.attempt, (await j.get("a"))?.state]).to.deep.equal([
      1,
      "confirmed",
    ]);
    const row = await store.get(sql`SELECT state FROM kessai_tx_journal WHERE key = ${"a"}`);
    expect(row).to.deep.equal({ state: "confirmed" });
    await j.put(entry("a", 2, "intent"));
    expect((await j.get("a"))?.state).to.equal("intent");
  });

  it("in one batch too: the newer attempt's row is kept whatever the order", async function () {
    await Promise.all([
      j.put(entry("x", 0, "signed")), // written alone: the rest wait for it, in one batch
      j.put(entry("b", 1, "signed")),
      j.put(entry("b", 0, "abandoned")),
      j.put(entry("c", 0, "signed")),
      j.put(entry("c", 1, "mined")),
    ]);
    expect((await j.get("b"))?.state).to.equal("signed");
    expect((await j.get("c"))?.state).to.equal("mined");
  });
});
