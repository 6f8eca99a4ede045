/** The pieces of the transaction engine that need no node: the journals and the fee bump. */
import { expect } from "chai";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ConfigurationError,
  FileJournal,
  MemoryJournal,
  bumpFees,
  pricedOut,
  type JournalEntry,
  type JournalState,
} from "../../../packages/sdk/src/index.js";

const A = "0x" + "a1".repeat(20);
const entry = (
  key: string,
  state: JournalState,
  extra: Partial<JournalEntry> = {},
): JournalEntry => ({
  key,
  chainId: "31337",
  from: A,
  request: { to: A, data: "0x", value: "0" },
  state,
  txs: [],
  updatedAt: Date.now(),
  ...extra,
});

describe("transaction journal", function () {
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "kessai-journal-unit-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("FileJournal", function () {
    it("keeps the last version of every entry across a reopen, and lists the open ones", async function () {
      const file = path.join(dir, "j.jsonl");
      const j = new FileJournal(file);
      await j.put(entry("a", "intent"));
      await j.put(entry("a", "signed", { nonce: 4, txs: [{ hash: "0x01", raw: "0x02", at: 1 }] }));
      await j.put(entry("b", "confirmed", { nonce: 3 }));
      await j.put(entry("c", "mined", { nonce: 5 }));
      await j.put(entry("d", "signed", { chainId: "1" }));
      await j.close();
      expect((await readFile(file, "utf8")).trim().split("\n")).to.have.length(5);
      const again = new FileJournal(file);
      expect((await again.get("a"))!.state).to.equal("signed");
      expect((await again.get("a"))!.txs[0].raw).to.equal("0x02");
      expect(await again.get("zz")).to.equal(undefined);
      const open = (await again.open("31337", A.toUpperCase().replace("0X", "0x"))).map(
        (e) => e.key,
      );
      expect(open.sort()).to.deep.equal(["a", "c"]);
      await again.close();
    });

    it("ignores and cuts a last line torn by a crash; refuses a damaged line elsewhere", async function () {
      const file = path.join(dir, "j.jsonl");
      const j = new FileJournal(file);
      await j.put(entry("a", "signed"));
      await j.close();
      await appendFile(file, '{"key":"b","state":"sig'); // the crash hit mid-write
      const torn = new FileJournal(file);
      expect(await torn.get("b")).to.equal(undefined);
      expect((await torn.get("a"))!.state).to.equal("signed");
      await torn.put(entry("c", "intent"));
      await torn.close();
      const lines = (await readFile(file, "utf8")).trim().split("\n");
      expect(lines.map((l) => (JSON.parse(l) as JournalEntry).key)).to.deep.equal(["a", "c"]);

      const bad = path.join(dir, "bad.jsonl");
      await writeFile(
        bad,
        `${JSON.stringify(entry("a", "signed"))}\nnot json\n${JSON.stringify(entry("b", "intent"))}\n`,
      );
      let caught: unknown;
      try {
        await new FileJournal(bad).get("a");
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ConfigurationError);
      expect((caught as Error).message).to.match(/line 2/);
    });

    it("writes concurrent puts in call order (one write and one flush for the batch)", async function () {
      const file = path.join(dir, "j.jsonl");
      const j = new FileJournal(file);
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => j.put(entry(`k${i % 20}`, "signed", { nonce: i }))),
      );
      await j.close();
      const lines = (await readFile(file, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as JournalEntry);
      expect(lines.map((l) => l.nonce)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
      const again = new FileJournal(file);
      expect((await again.get("k7"))!.nonce).to.equal(187);
      await again.close();
    });

    it("compacts to one line per entry, dropping old closed entries, keeping open ones", async function () {
      const file = path.join(dir, "j.jsonl");
      const j = new FileJournal(file);
      await j.put(entry("old", "confirmed", { updatedAt: 1_000 }));
      await j.put(entry("open", "signed", { updatedAt: 1_000 }));
      await j.put(entry("new", "intent"));
      await j.put(entry("new", "confirmed"));
      await j.compact({ closedBefore: 2_000 });
      await j.put(entry("later", "intent"));
      await j.close();
      const keys = (await readFile(file, "utf8"))
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as JournalEntry).key);
      expect(keys).to.deep.equal(["open", "new", "later"]);
    });
  });

  describe("MemoryJournal", function () {
    it("keeps every open entry and the last closed ones", async function () {
      const j = new MemoryJournal({ maxClosed: 2 });
      expect(j.durable).to.equal(false);
      await j.put(entry("o", "signed"));
      for (const k of ["c1", "c2", "c3"]) await j.put(entry(k, "confirmed"));
      expect(await j.get("c1")).to.equal(undefined);
      expect((await j.get("c3"))!.state).to.equal("confirmed");
      expect((await j.open("31337", A)).map((e) => e.key)).to.deep.equal(["o"]);
      // what get returns is a copy
      const got = (await j.get("o"))!;
      got.state = "abandoned";
      expect((await j.get("o"))!.state).to.equal("signed");
    });
  });
});

describe("fee bump of a replacement", function () {
  const gwei = 1_000_000_000n;
  const policy = { feeBumpPercent: 15 };
  const market = { baseFeePerGas: 1n * gwei, tip: 1n * gwei, gasPrice: 2n * gwei };

  it("raises both fees by the percentage, and at least to what the market asks", function () {
    const b = bumpFees(
      { maxFeePerGas: 10n * gwei, maxPriorityFeePerGas: 2n * gwei },
      market,
      policy,
    );
    expect(b).to.deep.equal({
      ok: true,
      fees: { maxFeePerGas: 11_500_000_000n, maxPriorityFeePerGas: 2_300_000_000n },
    });
    // A base fee that rose: twice the new base fee plus the tip.
    const spike = bumpFees(
      { maxFeePerGas: 3n * gwei, maxPriorityFeePerGas: 1n * gwei },
      { ...market, baseFeePerGas: 50n * gwei },
      policy,
    );
    expect(spike).to.deep.equal({
      ok: true,
      fees: { maxFeePerGas: 101_150_000_000n, maxPriorityFeePerGas: 1_150_000_000n },
    });
    // Never less than the 10 % nodes require, whatever the policy says.
    const low = bumpFees({ maxFeePerGas: 10n * gwei, maxPriorityFeePerGas: 2n * gwei }, market, {
      feeBumpPercent: 1,
    });
    expect(low).to.deep.equal({
      ok: true,
      fees: { maxFeePerGas: 11n * gwei, maxPriorityFeePerGas: 2_200_000_000n },
    });
  });

  it("caps at the ceiling, and fails when the capped fee no longer replaces or pays the base fee", function () {
    const capped = bumpFees(
      { maxFeePerGas: 10n * gwei, maxPriorityFeePerGas: 2n * gwei },
      { ...market, baseFeePerGas: 5n * gwei },
      { ...policy, maxFeePerGas: 11n * gwei },
    );
    expect(capped).to.deep.equal({
      ok: true,
      fees: { maxFeePerGas: 11n * gwei, maxPriorityFeePerGas: 2_300_000_000n },
    });
    const over = bumpFees(
      { maxFeePerGas: 10n * gwei, maxPriorityFeePerGas: 2n * gwei },
      { ...market, baseFeePerGas: 50n * gwei },
      { ...policy, maxFeePerGas: 20n * gwei },
    );
    expect(over).to.deep.equal({ ok: false, needed: 102_300_000_000n, ceiling: 20n * gwei });
    const tip = bumpFees({ maxFeePerGas: 10n * gwei, maxPriorityFeePerGas: 2n * gwei }, market, {
      ...policy,
      maxPriorityFeePerGas: 2n * gwei,
    });
    expect(tip).to.deep.equal({ ok: false, needed: 2_300_000_000n, ceiling: 2n * gwei });
  });

  it("a max fee (or gas price) below the base fee is priced out", function () {
    expect(pricedOut({ maxFeePerGas: 10n, maxPriorityFeePerGas: 1n }, 11n)).to.equal(true);
    expect(pricedOut({ maxFeePerGas: 10n, maxPriorityFeePerGas: 1n }, 10n)).to.equal(false);
    expect(pricedOut({ gasPrice: 5n }, 6n)).to.equal(true);
    expect(pricedOut({ gasPrice: 5n }, undefined)).to.equal(false);
  });

  it("bumps a legacy gas price the same way", function () {
    expect(bumpFees({ gasPrice: 10n * gwei }, market, policy)).to.deep.equal({
      ok: true,
      fees: { gasPrice: 11_500_000_000n },
    });
    expect(
      bumpFees({ gasPrice: 10n * gwei }, market, { ...policy, maxFeePerGas: 10n * gwei }),
    ).to.deep.equal({ ok: false, needed: 11_500_000_000n, ceiling: 10n * gwei });
  });
});
