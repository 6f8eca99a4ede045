/**
 * A stopped send's late journal write (its `abandoned`, a node-managed replacement answered after
 * the stop) could overwrite the entry of a retry of its key written meanwhile. Each send of a key
 * already in the journal is now its next attempt (`JournalEntry.attempt`, written when it takes
 * the entry up), and a journal ignores the put of an older attempt (compare-and-set on it): the
 * memory and file journals, and the engine against anvil with the stopped send's write delayed.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet } from "ethers";
import {
  FileJournal,
  MemoryJournal,
  SendTimeoutError,
  TxEngine,
  type Journal,
  type JournalEntry,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, key, providerFor } from "./gas-fixture.js";
import { outcome } from "./node-transit.js";

const entry = (attempt: number | undefined, state: JournalEntry["state"]): JournalEntry => ({
  key: "k",
  ...(attempt === undefined ? {} : { attempt }),
  chainId: "31337",
  from: "0x0000000000000000000000000000000000000001",
  request: { to: null, data: "0x", value: "0" },
  state,
  nonce: 0,
  txs: [],
  updatedAt: 1,
});

describe("sdk: a journal keeps a key's newest attempt", function () {
  this.timeout(30_000);
  let dir: string;
  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "kessai-attempt-"));
  });
  after(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ["memory", "file"] as const)
    it(`${kind}: the put of an older attempt changes nothing; a newer or equal one replaces`, async function () {
      const file = path.join(dir, "j.jsonl");
      const j = kind === "memory" ? new MemoryJournal() : new FileJournal(file);
      await j.put(entry(undefined, "signed"));
      await j.put(entry(1, "signed"));
      await j.put(entry(undefined, "abandoned")); // attempt 0, late
      expect((await j.get("k"))?.state).to.equal("signed");
      await j.put(entry(1, "confirmed"));
      expect([(await j.get("k"))?.attempt, (await j.get("k"))?.state]).to.deep.equal([
        1,
        "confirmed",
      ]);
      if (j instanceof FileJournal) {
        await j.close();
        const again = new FileJournal(file);
        expect((await again.get("k"))?.state, "read back").to.equal("confirmed");
        await again.close();
      }
    });

  describe("the engine (anvil, no automine)", function () {
    let anvil: Anvil;
    before(async function () {
      anvil = await startAnvil({ noMining: true });
    });
    after(async function () {
      await anvil?.stop();
    });

    it("a retry of the key is attempt 1; the stopped send's late abandoned write is not kept over it", async function () {
      const provider = providerFor(anvil.url);
      try {
        const store = new MemoryJournal();
        let late: Promise<void> | undefined;
        const journal: Journal = {
          get: (k) => store.get(k),
          open: (c, f) => store.open(c, f),
          put: (e) => {
            if (e.state !== "abandoned") return store.put(e);
            // the stopped send's last write reaches the journal after the retry's
            const copy = structuredClone(e);
            late = new Promise((r) => setTimeout(r, 400)).then(() => store.put(copy));
            return late;
          },
        };
        const wallet = new Wallet(key(33), provider);
        const engine = new TxEngine(wallet, { journal, policy: FAST });
        const to = Wallet.createRandom().address;
        const stopped = await outcome(
          engine.send({ to, value: 1n }, { key: "pay", deadline: Date.now() + 300 }),
        );
        expect(stopped).to.be.instanceOf(SendTimeoutError);
        const retried = engine.send({ to, value: 1n }, { key: "pay" });
        await new Promise((r) => setTimeout(r, 100));
        await anvil.mine();
        const r = await retried;
        await late;

        const kept = (await store.get("pay"))!;
        expect([kept.attempt, kept.state, kept.mined?.hash]).to.deep.equal([
          1,
          "confirmed",
          r.hash,
        ]);
        expect(await provider.getBalance(to)).to.equal(1n);
      } finally {
        provider.destroy();
      }
    });
  });
});
