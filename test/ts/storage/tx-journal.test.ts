/**
 * The transaction engine's journal over the store (`txJournal`), on both back ends: the SDK's
 * `Journal` contract (upsert in call order, fresh copies, open entries by chain and sender,
 * durable across a reopen), its constraints, a key's newest attempt kept, and the engine itself
 * resuming over it after a restart against anvil. The PostgreSQL key lock
 * (`openPostgresKeyLock`): turns across sessions and within a process, abort, and a holder whose
 * session dies.
 */
import { expect } from "chai";
import { Wallet, JsonRpcProvider, ZeroAddress } from "ethers";
import {
  InvalidValueError,
  OPEN_TX_STATES,
  CheckViolationError,
  openPostgresKeyLock,
  sql,
  txJournal,
  txJournalMigrations,
  txJournalOpenCount,
  type Store,
} from "../../../packages/storage/src/index.js";
import {
  OPEN_JOURNAL_STATES,
  TxEngine,
  type Journal,
  type JournalEntry,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "../sdk/anvil.js";
import { nodeKey } from "../sdk/hardhat-node.js";
import { describeBackends, expectError, sharedPostgres } from "./backends.js";

const FROM = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

let seq = 0;
function entry(patch: Partial<JournalEntry> = {}): JournalEntry {
  return {
    key: `k${++seq}`,
    chainId: "31337",
    from: FROM,
    action: "bank.issue",
    request: { to: OTHER, data: "0x1234", value: "0", gasLimit: "60000" },
    state: "intent",
    txs: [],
    updatedAt: 1_700_000_000_000 + seq,
    ...patch,
  };
}

describe("transaction journal: the SDK's interface", function () {
  it("is the SDK's Journal, and both agree on the open states", function () {
    // Compile-time: the storage journal instantiated with the SDK's entry type is a Journal.
    const fits = (s: Store): Journal => txJournal<JournalEntry>(s);
    expect(fits).to.be.a("function");
    expect([...OPEN_TX_STATES]).to.deep.equal([...OPEN_JOURNAL_STATES]);
  });
});

describeBackends("transaction journal", (backend) => {
  let store: Store;
  let j: ReturnType<typeof txJournal<JournalEntry>>;
  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([txJournalMigrations]);
    j = txJournal<JournalEntry>(store);
  });

  it("puts and gets an entry as JSON, every read a fresh copy", async function () {
    const e = entry({
      state: "signed",
      nonce: 4,
      txs: [{ hash: `0x${"ab".repeat(32)}`, raw: "0xf86c", maxFeePerGas: "30", at: 5 }],
      firstBlock: 10,
    });
    await j.put(e);
    const a = await j.get(e.key);
    expect(a).to.deep.equal(e);
    a!.txs.push({ hash: "0x00", at: 0 });
    expect(await j.get(e.key)).to.deep.equal(e);
    expect(await j.get("no-such-key")).to.equal(undefined);
  });

  it("replaces an entry by key; concurrent puts take effect in call order", async function () {
    const e = entry();
    const states = ["intent", "signed", "mined", "confirmed"] as const;
    // Not awaited one by one: the engine never does that for one key, but the order must hold.
    await Promise.all(
      states.map((state, i) => j.put({ ...e, state, nonce: 1, updatedAt: e.updatedAt + i })),
    );
    expect(await j.get(e.key)).to.deep.include({ state: "confirmed", updatedAt: e.updatedAt + 3 });
    const row = await store.get(
      sql`SELECT state, sender FROM kessai_tx_journal WHERE key = ${e.key}`,
    );
    expect(row).to.deep.equal({ state: "confirmed", sender: FROM.toLowerCase() });
  });

  it("lists the open entries (signed, mined) of one chain and sender, in any case", async function () {
    const chain = "777";
    const mk = (state: JournalEntry["state"], patch: Partial<JournalEntry> = {}) =>
      entry({ chainId: chain, state, nonce: 1, ...patch });
    const open = [mk("signed"), mk("mined")];
    const closed = ["intent", "confirmed", "reverted", "replaced", "abandoned"].map((s) =>
      mk(s as JournalEntry["state"]),
    );
    const elsewhere = [mk("signed", { chainId: "778" }), mk("signed", { from: OTHER })];
    await Promise.all([...open, ...closed, ...elsewhere].map((e) => j.put(e)));
    const got = await j.open(chain, FROM.toLowerCase());
    expect(got.map((e) => e.key).sort()).to.deep.equal(open.map((e) => e.key).sort());
    expect(await j.open(chain, FROM.toUpperCase().replace("0X", "0x"))).to.have.length(2);
    // Closed again: no longer open.
    await j.put({ ...open[0]!, state: "confirmed" });
    expect((await j.open(chain, FROM)).map((e) => e.key)).to.deep.equal([open[1]!.key]);
    expect(await j.list({ chainId: chain, from: FROM })).to.have.length(1 + 1 + closed.length);
  });

  it("prunes closed entries older than a time, never an open one", async function () {
    const old = 1_000;
    const keep = [
      entry({ state: "signed", nonce: 1, updatedAt: old }),
      entry({ updatedAt: 5_000 }),
    ];
    const drop = [
      entry({ state: "confirmed", updatedAt: old }),
      entry({ state: "abandoned", updatedAt: old }),
    ];
    await Promise.all([...keep, ...drop].map((e) => j.put(e)));
    const before = await txJournalOpenCount(store);
    expect(await j.prune({ closedBefore: 2_000 })).to.equal(2);
    for (const e of keep) expect(await j.get(e.key)).to.deep.equal(e);
    for (const e of drop) expect(await j.get(e.key)).to.equal(undefined);
    expect(await txJournalOpenCount(store)).to.equal(before);
  });

  it("refuses an entry that is not one, naming the field; the table refuses it too", async function () {
    await expectError(j.put(entry({ from: "bank" })), InvalidValueError, { field: "from" });
    await expectError(j.put(entry({ chainId: "0x1" })), InvalidValueError, { field: "chainId" });
    await expectError(j.put(entry({ key: "" })), InvalidValueError, { field: "key" });
    await expectError(j.put(entry({ updatedAt: -1 })), InvalidValueError, { field: "updatedAt" });
    await expectError(
      store.run(sql`INSERT INTO kessai_tx_journal (key, chain_id, sender, state, entry, updated_at)
        VALUES ('x', '1', ${FROM}, 'signed', '{}', 0)`),
      CheckViolationError,
      { constraint: "kessai_tx_journal__sender" },
    );
    await expectError(
      store.run(sql`INSERT INTO kessai_tx_journal (key, chain_id, sender, state, entry, updated_at)
        VALUES ('x', '01', ${FROM.toLowerCase()}, 'signed', '{}', 0)`),
      CheckViolationError,
      { constraint: "kessai_tx_journal__chain_id" },
    );
  });

  it("keeps what was put across a reopen of the database", async function () {
    const url = await backend().newDatabase();
    const first = await backend().open(url);
    await first.migrate([txJournalMigrations]);
    const e = entry({ state: "signed", nonce: 9 });
    await txJournal<JournalEntry>(first).put(e);
    await first.close();
    const again = await backend().open(url);
    expect(await txJournal<JournalEntry>(again).get(e.key)).to.deep.equal(e);
    expect(await txJournal<JournalEntry>(again).open("31337", FROM)).to.deep.equal([e]);
  });

  describe("under the transaction engine, against anvil", function () {
    let anvil: Anvil;
    let provider: JsonRpcProvider;
    before(async function () {
      this.timeout(20_000);
      anvil = await startAnvil({ noMining: true });
      provider = new JsonRpcProvider(anvil.url, undefined, {
        staticNetwork: true,
        pollingInterval: 20,
        cacheTimeout: -1,
      });
    });
    after(async () => {
      provider?.destroy();
      await anvil?.stop();
    });

    const engineOn = (s: Store, account: number) =>
      new TxEngine(new Wallet(nodeKey(account), provider), {
        journal: txJournal<JournalEntry>(s),
        policy: { pollIntervalMs: 20 },
      });

    it("a restarted engine waits for what the first one sent under a key instead of sending again", async function () {
      this.timeout(30_000);
      const url = await backend().newDatabase();
      const s1 = await backend().open(url);
      await s1.migrate([txJournalMigrations]);
      const account = backend().dialect === "sqlite" ? 10 : 11;
      const first = engineOn(s1, account);
      const request = { to: ZeroAddress, data: "0x", value: 1n };
      const stop = new AbortController();
      const sent = first.send(request, { key: "pay:1", signal: stop.signal });
      // Wait until it is signed and journaled, then give up on it (as a stopped process would).
      for (
        let i = 0;
        i < 200 && (await txJournal<JournalEntry>(s1).get("pay:1"))?.state !== "signed";
        i++
      )
        await new Promise((r) => setTimeout(r, 10));
      stop.abort(new Error("shutting down"));
      await sent.then(
        () => expect.fail("resolved"),
        (e: Error) => expect(e.name).to.equal("SendAbortedError"),
      );
      // It stops once the broadcast is answered; its last state is written as it stops.
      for (let i = 0; i < 200 && first.inFlight("pay:1"); i++)
        await new Promise((r) => setTimeout(r, 10));
      await (first.journal as ReturnType<typeof txJournal<JournalEntry>>).flush();
      const left = (await txJournal<JournalEntry>(s1).get("pay:1"))!;
      expect(left.state).to.equal("abandoned");
      await s1.close();

      // A new process: another store on the same database, another engine.
      const s2 = await backend().open(url);
      const second = engineOn(s2, account);
      const again = second.send(request, { key: "pay:1" });
      await new Promise((r) => setTimeout(r, 100));
      await anvil.mine();
      const r = await again;
      expect(r.resumed).to.equal(true);
      expect(r.hashes).to.deep.equal([left.txs[0]!.hash]);
      expect(r.nonce).to.equal(left.nonce);
      expect(await provider.getTransactionCount(new Wallet(nodeKey(account)).address)).to.equal(
        left.nonce! + 1,
      );
      expect((await txJournal<JournalEntry>(s2).get("pay:1"))!.state).to.equal("confirmed");
    });
  });

  // A key's newest attempt (`JournalEntry.attempt`) is kept: a put of an older attempt (a stopped
  // send's late write, after a retry of its key wrote its own entry) changes nothing, whether it
  // is written alone or in one batch with the newer one; an equal or newer attempt replaces the
  // row as before.
  describe("attempts", function () {
    const put = (key: string, attempt: number | undefined, state: JournalEntry["state"]) =>
      j.put(entry({ key, ...(attempt === undefined ? {} : { attempt }), state, nonce: 0 }));

    it("a put of an older attempt changes nothing; an equal or newer one replaces", async function () {
      await put("a", undefined, "signed");
      await put("a", 1, "signed");
      await put("a", undefined, "abandoned"); // attempt 0, late
      expect((await j.get("a"))?.state).to.equal("signed");
      await put("a", 1, "confirmed");
      await put("a", 0, "abandoned");
      expect([(await j.get("a"))?.attempt, (await j.get("a"))?.state]).to.deep.equal([
        1,
        "confirmed",
      ]);
      const row = await store.get(sql`SELECT state FROM kessai_tx_journal WHERE key = ${"a"}`);
      expect(row).to.deep.equal({ state: "confirmed" });
      await put("a", 2, "intent");
      expect((await j.get("a"))?.state).to.equal("intent");
    });

    it("in one batch too: the newer attempt's row is kept whatever the order", async function () {
      await Promise.all([
        put("x", 0, "signed"), // written alone: the rest wait for it, in one batch
        put("b", 1, "signed"),
        put("b", 0, "abandoned"),
        put("c", 0, "signed"),
        put("c", 1, "mined"),
      ]);
      expect((await j.get("b"))?.state).to.equal("signed");
      expect((await j.get("c"))?.state).to.equal("mined");
    });
  });
});

describe("PostgreSQL key lock", function () {
  let url: string;
  const locks: ReturnType<typeof openPostgresKeyLock>[] = [];
  const lock = () => {
    const l = openPostgresKeyLock({ connectionString: url, pollMs: 5 });
    locks.push(l);
    return l;
  };
  before(async function () {
    this.timeout(60_000);
    url = await (await sharedPostgres()).createDatabase();
  });
  after(async () => Promise.all(locks.map((l) => l.close())));

  const settledWithin = async (p: Promise<unknown>, ms: number) =>
    Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);

  it("lets one session at a time hold an account; another waits, then takes it", async function () {
    const a = lock();
    const b = lock();
    const releaseA = await a.acquire(FROM);
    expect(a.held()).to.deep.equal([FROM.toLowerCase()]);
    const waiting = b.acquire(FROM.toLowerCase());
    expect(await settledWithin(waiting, 100)).to.equal(false);
    // Another account is free meanwhile.
    const releaseOther = await b.acquire(OTHER);
    await releaseOther();
    await releaseA();
    const releaseB = await waiting;
    expect(b.held()).to.deep.equal([FROM.toLowerCase()]);
    expect(a.held()).to.deep.equal([]);
    await releaseB();
    await releaseB(); // idempotent
  });

  it("keeps two callers of one process apart (session locks alone are re-entrant)", async function () {
    const a = lock();
    const r1 = await a.acquire(FROM);
    const second = a.acquire(FROM);
    expect(await settledWithin(second, 100)).to.equal(false);
    await r1();
    const r2 = await second;
    await r2();
  });

  it("stops waiting when the signal aborts, holding nothing", async function () {
    const a = lock();
    const b = lock();
    const r = await a.acquire(FROM);
    const stop = new AbortController();
    const waiting = b.acquire(FROM, stop.signal);
    setTimeout(() => stop.abort(new Error("gave up")), 30);
    await waiting.then(
      () => expect.fail("acquired"),
      (e: Error) => expect(e.message).to.equal("gave up"),
    );
    expect(b.held()).to.deep.equal([]);
    await r();
    await (
      await b.acquire(FROM)
    )();
  });

  it("frees the lock of a holder whose session dies", async function () {
    const a = lock();
    const b = lock();
    await a.acquire(FROM);
    const waiting = b.acquire(FROM);
    expect(await settledWithin(waiting, 50)).to.equal(false);
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Every session holding an advisory lock but the waiter's: the holder's.
      await admin.query(`SELECT pg_terminate_backend(l.pid) FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()`);
    } finally {
      await admin.end();
    }
    const release = await waiting;
    await release();
  });
});
