import { expect } from "chai";
import {
  CheckViolationError,
  CursorRegressionError,
  cursors,
  inbox,
  InvalidValueError,
  sql,
  type Store,
} from "../../../packages/storage/src/index.js";
import { describeBackends, expectError, hash } from "./backends.js";

describeBackends("inbox and cursors", (backend) => {
  let store: Store;
  let n = 0;
  /** A consumer of its own per test. */
  let consumer: string;
  beforeEach(() => (consumer = `consumer-${++n}`));

  before(async function () {
    this.timeout(20_000);
    store = await backend().fresh();
    await store.migrate([inbox.migrations, cursors.migrations]);
    await store.run(
      sql`CREATE TABLE t_credits (consumer TEXT NOT NULL, ref TEXT NOT NULL, amount TEXT NOT NULL)`,
    );
  });

  const event = (block: number, log: number, blockHash = hash(block)) => ({
    chainId: 31337,
    blockNumber: block,
    blockHash,
    txHash: hash(1_000_000 + block * 100 + log),
    logIndex: log,
  });

  /** What a consumer does per event: record it and, the first time only, credit. */
  const deliver = (e: ReturnType<typeof event>, ref: string) =>
    store.transaction(async (tx) => {
      const r = await inbox.record(tx, { consumer, event: e, payload: { ref, amount: 5n } });
      if (r.recorded) {
        await tx.run(
          sql`INSERT INTO t_credits (consumer, ref, amount) VALUES (${consumer}, ${ref}, '5')`,
        );
      }
      return r.recorded;
    });
  const credits = async () =>
    (
      await store.all<{ ref: string }>(
        sql`SELECT ref FROM t_credits WHERE consumer = ${consumer} ORDER BY ref`,
      )
    ).map((r) => r.ref);

  describe("inbox.record", function () {
    it("records an event once: a re-delivery reports 'already seen' and changes nothing", async function () {
      expect(await deliver(event(10, 0), "r1")).to.equal(true);
      expect(await deliver(event(10, 0), "r1")).to.equal(false);
      expect(
        await deliver(
          { ...event(10, 0), blockHash: hash(10).toUpperCase().replace("0X", "0x") },
          "r1",
        ),
      ).to.equal(false);
      expect(await credits()).to.deep.equal(["r1"]);
      expect(await inbox.has(store, { consumer, event: event(10, 0) })).to.equal(true);
      const [stored] = await inbox.list(store, { consumer, chainId: 31337 });
      expect(stored).to.deep.include({
        ...event(10, 0),
        consumer,
        payload: { ref: "r1", amount: 5n },
      });
    });

    it("keeps consumers apart: the same event is new to another consumer", async function () {
      await deliver(event(11, 0), "r1");
      const other = `${consumer}-other`;
      expect(
        (
          await store.transaction((tx) =>
            inbox.record(tx, { consumer: other, event: event(11, 0), payload: 1 }),
          )
        ).recorded,
      ).to.equal(true);
    });

    it("tells apart logs of one block by index and transaction", async function () {
      expect(await deliver(event(12, 0), "a")).to.equal(true);
      expect(await deliver(event(12, 1), "b")).to.equal(true);
      expect(await deliver({ ...event(12, 0), txHash: hash(7) }, "c")).to.equal(true);
      expect(await credits()).to.deep.equal(["a", "b", "c"]);
    });

    it("rolls back with the consumer's transaction: a crash before commit leaves the event new", async function () {
      await store
        .transaction(async (tx) => {
          await inbox.record(tx, { consumer, event: event(13, 0), payload: 1 });
          throw new Error("crash");
        })
        .catch(() => undefined);
      expect(await deliver(event(13, 0), "r")).to.equal(true);
    });

    it("refuses a malformed key with InvalidValueError naming the field, and SQL refuses one too", async function () {
      const bad = [
        [{ ...event(1, 0), blockHash: "0x12" }, "blockHash"],
        [{ ...event(1, 0), txHash: "12".repeat(32) }, "txHash"],
        [{ ...event(1, 0), chainId: 0 }, "chainId"],
        [{ ...event(1, 0), blockNumber: -1 }, "blockNumber"],
        [{ ...event(1, 0), logIndex: 1.5 }, "logIndex"],
      ] as const;
      for (const [e, field] of bad) {
        await expectError(
          store.transaction((tx) => inbox.record(tx, { consumer, event: e, payload: 1 })),
          InvalidValueError,
          {
            field,
          },
        );
      }
      await expectError(
        store.run(sql`INSERT INTO kessai_inbox (consumer, chain_id, block_number, block_hash, tx_hash, log_index, payload, received_at)
          VALUES (${consumer}, 1, 1, ${hash(1).toUpperCase()}, ${hash(2)}, 0, '1', ${new Date()})`),
        CheckViolationError,
        { constraint: "kessai_inbox__block_hash", table: "kessai_inbox" },
      );
    });
  });

  describe("reorgs", function () {
    it("removeBlock deletes and returns a reorged block's events; the new chain's are recorded afresh", async function () {
      await deliver(event(20, 0), "keep");
      await deliver(event(21, 0, hash(0xa21)), "old-1");
      await deliver(event(21, 1, hash(0xa21)), "old-2");
      expect(await inbox.blocks(store, { consumer, chainId: 31337, fromBlock: 20 })).to.deep.equal([
        { blockNumber: 20, blockHash: hash(20), events: 1 },
        { blockNumber: 21, blockHash: hash(0xa21), events: 2 },
      ]);
      const removed = await store.transaction(async (tx) => {
        const events = await inbox.removeBlock(tx, {
          consumer,
          chainId: 31337,
          blockHash: hash(0xa21),
        });
        // The consumer undoes their effects in the same transaction.
        for (const e of events) {
          await tx.run(
            sql`DELETE FROM t_credits WHERE consumer = ${consumer} AND ref = ${(e.payload as { ref: string }).ref}`,
          );
        }
        return events;
      });
      expect(removed.map((e) => [e.blockNumber, e.logIndex, e.payload])).to.deep.equal([
        [21, 0, { ref: "old-1", amount: 5n }],
        [21, 1, { ref: "old-2", amount: 5n }],
      ]);
      expect(await credits()).to.deep.equal(["keep"]);
      // The same log re-mined in the new block 21: new to the inbox.
      expect(await deliver(event(21, 0, hash(0xb21)), "old-1")).to.equal(true);
      expect(await credits()).to.deep.equal(["keep", "old-1"]);
    });

    it("removeFrom deletes every event from a height up, with the cursor rewound in the same transaction", async function () {
      for (const b of [30, 31, 32]) await deliver(event(b, 0), `r${b}`);
      await store.transaction((tx) =>
        cursors.advance(tx, { consumer, chainId: 31337, blockNumber: 32, blockHash: hash(32) }),
      );
      const removed = await store.transaction(async (tx) => {
        const events = await inbox.removeFrom(tx, { consumer, chainId: 31337, fromBlock: 31 });
        await cursors.rewind(tx, {
          consumer,
          chainId: 31337,
          blockNumber: 30,
          blockHash: hash(30),
        });
        return events;
      });
      expect(removed.map((e) => e.blockNumber)).to.deep.equal([31, 32]);
      expect(
        (await inbox.list(store, { consumer, chainId: 31337 })).map((e) => e.blockNumber),
      ).to.deep.equal([30]);
      expect((await cursors.get(store, { consumer, chainId: 31337 }))!.blockNumber).to.equal(30);
    });

    it("prune deletes events below a height and nothing else", async function () {
      for (const b of [40, 41, 42]) await deliver(event(b, 0), `r${b}`);
      expect(
        await store.transaction((tx) =>
          inbox.prune(tx, { consumer, chainId: 31337, belowBlock: 42 }),
        ),
      ).to.equal(2);
      expect(
        (await inbox.list(store, { consumer, chainId: 31337, fromBlock: 0, toBlock: 100 })).map(
          (e) => e.blockNumber,
        ),
      ).to.deep.equal([42]);
    });
  });

  describe("cursors", function () {
    const at = (block: number, blockHash = hash(block)) => ({
      consumer,
      chainId: 5,
      blockNumber: block,
      blockHash,
    });

    it("starts undefined, is created by the first advance and moves forward", async function () {
      expect(await cursors.get(store, { consumer, chainId: 5 })).to.equal(undefined);
      const now = new Date("2026-02-01T00:00:00.000Z");
      const c = await store.transaction((tx) => cursors.advance(tx, { ...at(100), now }));
      expect(c).to.deep.equal({
        consumer,
        chainId: 5,
        blockNumber: 100,
        blockHash: hash(100),
        updatedAt: now,
      });
      await store.transaction((tx) => cursors.advance(tx, at(105)));
      expect((await cursors.get(store, { consumer, chainId: 5 }))!.blockNumber).to.equal(105);
      expect((await cursors.list(store, { consumer })).map((x) => x.blockNumber)).to.deep.equal([
        105,
      ]);
    });

    it("treats the same block again as a no-op", async function () {
      const first = await store.transaction((tx) => cursors.advance(tx, at(7)));
      const again = await store.transaction((tx) =>
        cursors.advance(tx, { ...at(7), now: new Date(0) }),
      );
      expect(again).to.deep.equal(first);
    });

    it("refuses to go back or to switch blocks at the same height (CursorRegressionError): rewind instead", async function () {
      await store.transaction((tx) => cursors.advance(tx, at(50)));
      await expectError(
        store.transaction((tx) => cursors.advance(tx, at(49))),
        CursorRegressionError,
        {
          consumer,
          chainId: 5,
          current: { blockNumber: 50, blockHash: hash(50) },
          requested: { blockNumber: 49, blockHash: hash(49) },
        },
      );
      await expectError(
        store.transaction((tx) => cursors.advance(tx, at(50, hash(0xbad)))),
        CursorRegressionError,
      );
      await store.transaction((tx) => cursors.rewind(tx, at(48)));
      expect((await cursors.get(store, { consumer, chainId: 5 }))!.blockNumber).to.equal(48);
      await expectError(
        store.transaction((tx) => cursors.rewind(tx, at(60))),
        InvalidValueError,
        { field: "blockNumber" },
      );
    });

    it("moves with the inbox records of its block, or not at all", async function () {
      await store
        .transaction(async (tx) => {
          await inbox.record(tx, { consumer, event: { ...event(70, 0), chainId: 5 }, payload: 1 });
          await cursors.advance(tx, at(70));
          throw new Error("crash before commit");
        })
        .catch(() => undefined);
      expect(await cursors.get(store, { consumer, chainId: 5 })).to.equal(undefined);
      expect(await inbox.list(store, { consumer, chainId: 5 })).to.deep.equal([]);
    });

    it("CHECKs its columns in SQL", async function () {
      await expectError(
        store.run(sql`INSERT INTO kessai_cursors (consumer, chain_id, block_number, block_hash, updated_at)
          VALUES (${consumer}, 5, -1, ${hash(1)}, ${new Date()})`),
        CheckViolationError,
        { constraint: "kessai_cursors__block_number", table: "kessai_cursors" },
      );
    });
  });
});
