/**
 * The transaction engine against anvil (a node the in-process tests do not use), with faults
 * injected: a deadline or an abort while a transaction is pending, a transaction dropped from
 * the mempool, a base-fee spike, reorgs of 1-3 blocks, a node restarted from a state dump, the
 * nonce counter falling behind or running ahead of the chain.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  HDNodeWallet,
  JsonRpcProvider,
  Mnemonic,
  Transaction,
  Wallet,
  parseEther,
  parseUnits,
  type TransactionRequest,
} from "ethers";
import {
  FileJournal,
  FileKeyLock,
  issueDeposit,
  getDepositBalance,
  withSendOptions,
  FeeCeilingError,
  FirmClient,
  IssuerClient,
  BankClient,
  DvpUnexpectedState,
  NodeError,
  SettlementState,
  TransactionFailedError,
  buildTerms,
  NonceError,
  SendAbortedError,
  SendTimeoutError,
  TxEngine,
  JournalConflictError,
  type TxEngineOptions,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, startRpcProxy, type Anvil, type RpcRequest } from "./anvil.js";
import { readCall } from "../../../packages/sdk/src/context/send.js";
import { ref } from "./fixture.js";
import { deployOverRpc } from "./hardhat-node.js";
import { expectError } from "./helpers.js";
import { mineUntil, nextEvent } from "./gas-fixture.js";

const MNEMONIC = "test test test test test test test test test test test junk";
const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

/** Fast looks at the chain, and no fee bump unless a test asks for one. */
const FAST: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  bumpAfterBlocks: 1_000,
  bumpAfterMs: 60_000,
  timeoutMs: 10_000,
};

/** A provider without ethers' request cache, polling fast. */
const providerFor = (url: string) =>
  new JsonRpcProvider(url, undefined, {
    staticNetwork: true,
    pollingInterval: 20,
    cacheTimeout: -1,
  });

/** Hashes of the account's transactions in anvil's mempool. */
async function poolOf(anvil: Anvil, account: string): Promise<string[]> {
  const content = await anvil.rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
    "txpool_content",
  );
  const mine = Object.entries(content.pending).find(
    ([a]) => a.toLowerCase() === account.toLowerCase(),
  );
  return mine ? Object.values(mine[1]).map((t) => t.hash) : [];
}

describe("transaction lifecycle against anvil", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let accountSeq = 5;

  /** A fresh account (funded by anvil) and its engine. */
  function engineFor(options: TxEngineOptions = {}, p = provider) {
    const wallet = new Wallet(key(accountSeq++), p);
    return {
      wallet,
      engine: new TxEngine(wallet, { ...options, policy: { ...FAST, ...options.policy } }),
    };
  }
  const recipient = () => Wallet.createRandom().address;
  const rawOf = (hash: string) => anvil.rpc<string>("eth_getRawTransactionByHash", [hash]);

  before(async function () {
    anvil = await startAnvil({ noMining: true });
    provider = providerFor(anvil.url);
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  describe("deadline and abort", function () {
    it("gives up at its deadline, stops replacing, and the same key then waits for that transaction", async function () {
      const { wallet, engine } = engineFor({
        policy: { timeoutMs: 400, bumpAfterMs: 100, bumpAfterBlocks: 1 },
      });
      const to = recipient();
      const seen: TxEvent[] = [];
      engine.on((e) => seen.push(e));
      const n0 = await provider.getTransactionCount(wallet.address);
      const t0 = Date.now();
      const err = await expectError(
        engine.send({ to, value: 1n }, { key: "deadline-1" }),
        SendTimeoutError,
      );
      const elapsed = Date.now() - t0;
      expect(elapsed).to.be.within(400, 2_000);
      expect(err.phase).to.equal("pending");
      expect(err.nonce).to.equal(n0);
      expect(err.hashes.length).to.be.at.least(1);
      // Stuck after 100 ms: the engine replaces it until the deadline. Every replacement it
      // announced is one of the error's hashes, in order; the deadline may also fall between
      // journaling a replacement and the node's answer to its broadcast, which leaves one hash
      // never announced.
      const replaced = seen.filter((e) => e.type === "replaced").map((e) => e.hash);
      expect(err.hashes.slice(1, 1 + replaced.length)).to.deep.equal(replaced);
      expect(err.hashes.length - 1 - replaced.length).to.be.within(0, 1);

      // Nothing happens after the deadline: no replacement, no re-broadcast.
      const after = seen.length;
      await new Promise((r) => setTimeout(r, 500));
      expect(seen.slice(after).map((e) => e.type)).to.deep.equal([]);
      expect(seen.at(-1)!.type).to.equal("abandoned");
      const pool = await poolOf(anvil, wallet.address);
      expect(pool).to.have.length(1);
      expect(err.hashes).to.include(pool[0]);

      // Sent again with the same key: it waits for what is pending, sends nothing new.
      const r = await mineUntil(anvil, engine.send({ to, value: 1n }, { key: "deadline-1" }));
      expect(r.resumed).to.equal(true);
      expect(r.hash).to.equal(pool[0]);
      expect(r.nonce).to.equal(n0);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(await provider.getBalance(to)).to.equal(1n);
      this.test!.title += ` (gave up after ${elapsed} ms)`;
    });

    it("an aborted send: before signing nothing is sent; while pending it stops at once", async function () {
      const { wallet, engine } = engineFor();
      const n0 = await provider.getTransactionCount(wallet.address, "pending");
      const before = new AbortController();
      before.abort();
      const e1 = await expectError(
        engine.send({ to: recipient(), value: 1n }, { signal: before.signal }),
        SendAbortedError,
      );
      expect(e1.phase).to.equal("not-sent");
      expect(e1.hashes).to.deep.equal([]);
      expect(await provider.getTransactionCount(wallet.address, "pending")).to.equal(n0);

      const ctl = new AbortController();
      const submitted = nextEvent(engine, "submitted");
      const sending = engine.send({ to: recipient(), value: 1n }, { signal: ctl.signal });
      const ev = await submitted;
      const t0 = Date.now();
      ctl.abort();
      const e2 = await expectError(sending, SendAbortedError);
      const stopped = Date.now() - t0;
      expect(stopped).to.be.below(100);
      expect(e2.phase).to.equal("pending");
      expect(e2.hashes).to.deep.equal([ev.hash]);
      // The account carries on: the next send takes the next nonce and both are mined.
      const r = await mineUntil(anvil, engine.send({ to: recipient(), value: 1n }));
      expect(r.nonce).to.equal(n0 + 1);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
      this.test!.title += ` (stopped ${stopped} ms after the abort)`;
    });
  });

  describe("dropped and priced-out transactions", function () {
    it("replaces a dropped transaction on the same nonce with a fee bump", async function () {
      const { wallet, engine } = engineFor();
      const to = recipient();
      const n0 = await provider.getTransactionCount(wallet.address);
      const submitted = nextEvent(engine, "submitted");
      const replaced = nextEvent(engine, "replaced");
      const t0 = Date.now();
      const sending = engine.send({ to, value: 5n });
      const first = await submitted;
      const original = Transaction.from(await rawOf(first.hash));
      await anvil.rpc("anvil_dropTransaction", [first.hash]);
      const rep = await replaced;
      const detected = Date.now() - t0;
      expect(rep.reason).to.equal("dropped");
      expect(rep.previous).to.equal(first.hash);
      const r = await mineUntil(anvil, sending);
      expect(r.hash).to.equal(rep.hash);
      expect(r.hashes).to.deep.equal([first.hash, rep.hash]);
      expect(r.nonce).to.equal(n0);
      const a = (await provider.getTransaction(rep.hash))!;
      expect(a.nonce).to.equal(n0);
      // At least +15 % on both fees.
      expect(a.maxFeePerGas! * 100n >= original.maxFeePerGas! * 115n).to.equal(true);
      expect(a.maxPriorityFeePerGas! * 100n >= original.maxPriorityFeePerGas! * 115n).to.equal(
        true,
      );
      expect(rep.fees).to.deep.equal({
        maxFeePerGas: a.maxFeePerGas,
        maxPriorityFeePerGas: a.maxPriorityFeePerGas,
      });
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(await provider.getBalance(to)).to.equal(5n);
      this.test!.title += ` (replaced ${detected} ms after sending)`;
    });

    it("replaces a transaction priced out by a base-fee spike, above the new base fee", async function () {
      const { wallet, engine } = engineFor();
      const to = recipient();
      const submitted = nextEvent(engine, "submitted");
      const replaced = nextEvent(engine, "replaced");
      const sending = engine.send({ to, value: 7n });
      const first = await submitted;
      const firstTx = Transaction.from(await rawOf(first.hash));
      const spike = firstTx.maxFeePerGas! * 10n;
      await anvil.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + spike.toString(16)]);
      await anvil.mine(); // the spiked block cannot include it
      expect(await provider.getTransactionReceipt(first.hash)).to.equal(null);
      const rep = await replaced;
      expect(rep.fees!.maxFeePerGas! >= spike).to.equal(true);
      const r = await mineUntil(anvil, sending);
      expect(r.hash).to.equal(rep.hash);
      expect(await provider.getBalance(to)).to.equal(7n);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(firstTx.nonce + 1);
    });

    it("stops with FeeCeilingError when the replacement would cost more than the ceiling", async function () {
      const gwei = parseUnits("1", "gwei");
      // A base fee of its own: the one the test before left (its spike, decaying 12.5 % a block)
      // would give the first transaction a max fee above the spike below, and it would be mined.
      await anvil.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + gwei.toString(16)]);
      await anvil.mine();
      const { wallet, engine } = engineFor({ policy: { maxFeePerGas: 20n * gwei } });
      const submitted = nextEvent(engine, "submitted");
      const sending = engine.send({ to: recipient(), value: 1n });
      const first = await submitted;
      await anvil.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + (50n * gwei).toString(16)]);
      await anvil.mine();
      const err = await expectError(sending, FeeCeilingError, { ceiling: 20n * gwei });
      expect(err.needed > 20n * gwei).to.equal(true);
      expect(err.hashes).to.deep.equal([first.hash]);
      expect(err.phase).to.equal("pending");
      // Back to normal fees for the next tests; the account's next send reuses the nonce.
      await anvil.rpc("anvil_setNextBlockBaseFeePerGas", ["0x" + gwei.toString(16)]);
      await anvil.mine();
      const r = await mineUntil(anvil, engine.send({ to: recipient(), value: 1n }));
      expect(r.nonce).to.equal(Transaction.from(await rawOf(r.hash)).nonce);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(r.nonce + 1);
    });
  });

  describe("nonce queue and the chain", function () {
    it("steps back when the chain's count falls behind (a given-up transaction was dropped)", async function () {
      const { wallet, engine } = engineFor();
      const n0 = await provider.getTransactionCount(wallet.address);
      const submitted = nextEvent(engine, "submitted");
      const gaveUp = expectError(
        engine.send({ to: recipient(), value: 1n }, { timeoutMs: 200 }),
        SendTimeoutError,
      );
      const first = await submitted;
      await gaveUp;
      await anvil.rpc("anvil_dropTransaction", [first.hash]);
      // Without the re-sync the next send would take n0 + 1 and wait forever behind the gap.
      const r = await mineUntil(anvil, engine.send({ to: recipient(), value: 1n }));
      expect(r.nonce).to.equal(n0);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
    });

    it("fills a missing lower nonce that nothing watches when a send waits behind it", async function () {
      const { wallet, engine } = engineFor({ policy: { bumpAfterMs: 300 } });
      const n0 = await provider.getTransactionCount(wallet.address);
      const lost = recipient();
      const first = nextEvent(engine, "submitted");
      await expectError(
        engine.send({ to: lost, value: 1n }, { timeoutMs: 150 }),
        SendTimeoutError,
        { nonce: n0 },
      );
      const given = await first;
      // The next send takes n0 + 1 (n0 is still in the mempool) ...
      const second = nextEvent(engine, "submitted");
      const sending = engine.send({ to: recipient(), value: 1n });
      await second;
      // ... then n0 is dropped: the send waits behind a gap nothing of this process watches.
      await anvil.rpc("anvil_dropTransaction", [given.hash]);
      const t0 = Date.now();
      const r = await mineUntil(anvil, sending);
      expect(r.nonce).to.equal(n0 + 1);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
      const block = (await provider.getBlock(r.blockNumber, true))!;
      const filler = block.prefetchedTransactions.find(
        (t) => t.from === wallet.address && t.nonce === n0,
      )!;
      expect(filler.to).to.equal(wallet.address); // a zero-value self-transfer
      expect(filler.value).to.equal(0n);
      expect(filler.data).to.equal("0x");
      expect(await provider.getBalance(lost)).to.equal(0n);
      this.test!.title += ` (filled and mined ${Date.now() - t0} ms after the drop)`;
    });

    it("re-syncs when the chain runs ahead (another sender on the key), and names it when it persists", async function () {
      const { wallet, engine } = engineFor();
      const r0 = await mineUntil(anvil, engine.send({ to: recipient(), value: 1n }));
      // "Another process": its own provider and engine on the same key, two transactions.
      const other = providerFor(anvil.url);
      try {
        const twin = new TxEngine(new Wallet(wallet.privateKey, other), { policy: FAST });
        await mineUntil(anvil, twin.send({ to: recipient(), value: 1n }));
        await mineUntil(anvil, twin.send({ to: recipient(), value: 1n }));
      } finally {
        other.destroy();
      }
      const r = await mineUntil(anvil, engine.send({ to: recipient(), value: 1n }));
      expect(r.nonce).to.equal(r0.nonce + 3);

      // A node that always says "nonce too low": one re-sync and retry, then a typed error.
      let broadcasts = 0;
      const proxy = await startRpcProxy(anvil.url, (req) => {
        if (req.method !== "eth_sendRawTransaction") return undefined;
        broadcasts++;
        return { code: -32003, message: "nonce too low" };
      });
      const p = providerFor(proxy.url);
      try {
        const stubborn = new TxEngine(new Wallet(wallet.privateKey, p), { policy: FAST });
        const err = await expectError(stubborn.send({ to: recipient(), value: 1n }), NonceError, {
          account: wallet.address,
        });
        expect(err.details).to.match(/another process or wallet/);
        expect(broadcasts).to.equal(2);
      } finally {
        p.destroy();
        await proxy.close();
      }
    });
  });

  describe("several processes on one key", function () {
    it("take turns with a shared key lock: every send goes through, nonces in a row", async function () {
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-locks-"));
      const pk = key(accountSeq++);
      const account = new Wallet(pk).address;
      // Two "processes": each its own provider, hence its own nonce queue and counter.
      const providers = [providerFor(anvil.url), providerFor(anvil.url)];
      let broadcasts = 0;
      for (const p of providers) {
        void p.on("debug", (e: { action: string; payload?: unknown }) => {
          if (e.action !== "sendRpcPayload") return;
          for (const q of [e.payload].flat() as { method: string }[])
            if (q.method === "eth_sendRawTransaction") broadcasts++;
        });
      }
      try {
        await anvil.rpc("evm_setAutomine", [true]);
        const lock = new FileKeyLock(dir);
        const [a, b] = providers.map(
          (p) => new TxEngine(new Wallet(pk, p), { lock, policy: FAST }),
        );
        const n0 = await provider.getTransactionCount(account);
        const t0 = Date.now();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? a : b).send({ to: recipient(), value: 1n }),
          ),
        );
        const ms = Date.now() - t0;
        expect(results.map((r) => r.nonce).sort((x, y) => x - y)).to.deep.equal(
          Array.from({ length: 20 }, (_, i) => n0 + i),
        );
        expect(await provider.getTransactionCount(account)).to.equal(n0 + 20);
        // Each process started from the chain's count: no broadcast was refused and retried.
        expect(broadcasts).to.equal(20);
        await new Promise((r) => setTimeout(r, 20));
        // Released once both are idle.
        const release = await lock.acquire(account, AbortSignal.timeout(1_000));
        await release();
        this.test!.title += ` (20 sends in ${ms} ms)`;
      } finally {
        await anvil.rpc("evm_setAutomine", [false]);
        for (const p of providers) p.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("journal keys in one process", function () {
    it("two sends with one key share one transaction; another call under that key is refused", async function () {
      const { wallet, engine } = engineFor();
      const to = recipient();
      const n0 = await provider.getTransactionCount(wallet.address);
      const req: TransactionRequest = { to, value: 3n };
      const [a, b] = await mineUntil(
        anvil,
        Promise.all([engine.send(req, { key: "twice" }), engine.send(req, { key: "twice" })]),
      );
      expect(a.hash).to.equal(b.hash);
      expect([a.resumed, b.resumed].sort()).to.deep.equal([false, true]);
      const c = await engine.send(req, { key: "twice" });
      expect(c.hash).to.equal(a.hash);
      expect(c.resumed).to.equal(true);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(await provider.getBalance(to)).to.equal(3n);
      await expectError(engine.send({ to, value: 4n }, { key: "twice" }), JournalConflictError, {
        key: "twice",
      });
    });
  });

  describe("reorgs", function () {
    for (const depth of [1, 2, 3]) {
      it(`detects a ${depth}-block reorg that undoes a mined transaction and re-broadcasts it`, async function () {
        const { wallet, engine } = engineFor({ policy: { confirmations: 4 } });
        for (let i = 0; i < 4; i++) await anvil.mine();
        const to = recipient();
        const n0 = await provider.getTransactionCount(wallet.address);
        const events: TxEvent[] = [];
        const [submitted, mined, rebroadcast] = [
          nextEvent(engine, "submitted"),
          nextEvent(engine, "mined"),
          nextEvent(engine, "rebroadcast"),
        ];
        const sending = engine.send({ to, value: 9n }, { onEvent: (e) => events.push(e) });
        await submitted;
        await anvil.mine(); // mined in this block
        const first = await mined;
        // Undo it: its block and the ones mined above it, `depth` blocks in all.
        for (let i = 1; i < depth; i++) await anvil.mine();
        const t0 = Date.now();
        await anvil.rpc("anvil_reorg", [depth, []]);
        await rebroadcast;
        const noticed = Date.now() - t0;
        const r = await mineUntil(anvil, sending);
        const types = events.map((e) => e.type);
        expect(types).to.deep.equal([
          "submitted",
          "mined",
          "reorged",
          "rebroadcast",
          "mined",
          "confirmed",
        ]);
        expect(r.reorged).to.equal(true);
        expect(r.hashes).to.deep.equal([first.hash]); // the same signed transaction
        expect(r.hash).to.equal(first.hash);
        expect(events[2].blockHash).to.equal(first.blockHash);
        expect(r.receipt.blockHash).to.not.equal(first.blockHash);
        expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
        expect(await provider.getBalance(to)).to.equal(9n);
        const head = await provider.getBlockNumber();
        expect(head - r.blockNumber + 1).to.be.at.least(4);
        this.test!.title += ` (put back ${noticed} ms after the reorg)`;
      });
    }

    it("re-checks a finished send by its key: a later reorg is reported and the transaction put back", async function () {
      const { wallet, engine } = engineFor();
      const to = recipient();
      const req = { to, value: 11n };
      const submitted = nextEvent(engine, "submitted");
      const sending = engine.send(req, { key: "recheck" });
      await submitted;
      expect(engine.inFlight("recheck")).to.equal(true);
      await anvil.mine();
      const done = await sending;
      expect(done.reorged).to.equal(false);
      expect(engine.inFlight("recheck")).to.equal(false);
      // Already confirmed (one block): a reorg afterwards is only seen by looking again.
      await anvil.rpc("anvil_reorg", [1, []]);
      expect(await provider.getTransactionReceipt(done.hash)).to.equal(null);
      const again = await mineUntil(anvil, engine.send(req, { key: "recheck" }));
      expect(again.resumed).to.equal(true);
      expect(again.reorged).to.equal(true);
      expect(again.hash).to.equal(done.hash);
      expect(again.events.map((e) => e.type)).to.deep.equal([
        "resumed",
        "reorged",
        "rebroadcast",
        "mined",
        "confirmed",
      ]);
      expect(await provider.getBalance(to)).to.equal(11n);
      expect(await provider.getTransactionCount(wallet.address)).to.equal(done.nonce + 1);
      // Nothing moved: a second look reports nothing.
      const third = await engine.send(req, { key: "recheck" });
      expect(third.reorged).to.equal(false);
      expect(third.receipt.blockHash).to.equal(again.receipt.blockHash);
    });

    it("follows a transaction that a reorg moved to another block, without re-broadcasting", async function () {
      const { engine } = engineFor({ policy: { confirmations: 3 } });
      const events: TxEvent[] = [];
      const [submitted, mined] = [nextEvent(engine, "submitted"), nextEvent(engine, "mined")];
      const sending = engine.send(
        { to: recipient(), value: 2n },
        { onEvent: (e) => events.push(e) },
      );
      await submitted;
      await anvil.mine();
      const first = await mined;
      const moved = new Promise<void>((resolve) => {
        const off = engine.on((e) => {
          if (e.type === "mined" && e.blockHash !== first.blockHash) {
            off();
            resolve();
          }
        });
      });
      await anvil.rpc("anvil_reorg", [1, [[await rawOf(first.hash), 0]]]);
      await moved;
      const r = await mineUntil(anvil, sending);
      expect(events.map((e) => e.type)).to.deep.equal([
        "submitted",
        "mined",
        "reorged",
        "mined",
        "confirmed",
      ]);
      expect(r.reorged).to.equal(true);
      expect(r.hash).to.equal(first.hash);
      expect(r.receipt.blockHash).to.not.equal(first.blockHash);
    });
  });

  describe("node restarted from a state dump", function () {
    it("a transaction the restarted node lost is replaced on its nonce, once", async function () {
      this.timeout(60_000);
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-anvil-state-"));
      const node = await startAnvil({ noMining: true });
      const p = providerFor(node.url);
      let restarted: Anvil | undefined;
      try {
        const wallet = new Wallet(key(40), p);
        const engine = new TxEngine(wallet, { policy: FAST });
        await node.mine();
        const to = recipient();
        const submitted = nextEvent(engine, "submitted");
        const events: TxEvent[] = [];
        const sending = engine.send(
          { to, value: parseEther("1") },
          { onEvent: (e) => events.push(e) },
        );
        const first = await submitted;
        const state = path.join(dir, "state.json");
        await node.dumpState(state);
        await node.stop(); // the mempool goes with it
        const t0 = Date.now();
        restarted = await startAnvil({ port: node.port, loadState: state });
        const r = await sending; // automine after the restart
        expect(r.nonce).to.equal(0);
        // The restarted node does not have it and its nonce is unused: dropped, replaced.
        const replaced = events.filter((e) => e.type === "replaced");
        expect(replaced.map((e) => e.reason)).to.deep.equal(["dropped"]);
        expect(r.hashes).to.deep.equal([first.hash, replaced[0].hash]);
        expect(r.hash).to.equal(replaced[0].hash);
        expect(await p.getTransactionCount(wallet.address)).to.equal(1);
        expect(await p.getBalance(to)).to.equal(parseEther("1"));
        this.test!.title += ` (mined ${Date.now() - t0} ms after the restart)`;
      } finally {
        p.destroy();
        await node.stop();
        await restarted?.stop();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("Kessai on anvil: typed errors survive mining, keyed actions", function () {
    let chain: Anvil;
    let p: JsonRpcProvider;
    let addresses: Awaited<ReturnType<typeof deployOverRpc>>;
    let seller: FirmClient;
    let tradeSeq = 0;
    const sellerKey = key(4);

    before(async function () {
      chain = await startAnvil({ order: "fifo" });
      p = providerFor(chain.url);
      addresses = await deployOverRpc(p, { deployer: 0, issuer: 1, bank: 2, agent: 3 });
      const issuer = await IssuerClient.connect({ runner: new Wallet(key(1), p), addresses });
      const bank = await BankClient.connect({ runner: new Wallet(key(2), p), addresses });
      seller = await FirmClient.connect({
        runner: new Wallet(sellerKey, p),
        addresses,
        transactions: { policy: FAST },
      });
      const buyers = [5, 6, 7, 8, 9].map((i) => new Wallet(key(i)).address);
      await issuer.registerInvestors({
        investors: [seller.address, ...buyers].map((account) => ({
          account,
          investorRef: ref(account),
        })),
      });
      await bank.openDepositAccounts({
        accounts: [seller.address, ...buyers],
        depositAccountRefs: [seller.address, ...buyers].map((a) => ref(`deposit:${a}`)),
      });
      await issuer.issueSecurity({ to: seller.address, value: 100n });
    });
    after(async function () {
      p?.destroy();
      await chain?.stop();
    });

    /**
     * In one block: the seller cancels a pending settlement, then the buyer (connected through
     * `url`) affirms it. The affirmation has a fixed gas limit, as if estimated before the
     * cancellation was sent (anvil estimates against its pending block), and reverts in the
     * block, after the cancellation. Returns the buyer's rejection.
     */
    async function affirmAfterCancel(buyerIndex: number, url = chain.url) {
      const bp = providerFor(url);
      try {
        const buyer = await FirmClient.connect({
          runner: new Wallet(key(buyerIndex), bp),
          addresses,
          gasLimit: 200_000n,
          transactions: { policy: FAST },
        });
        const now = BigInt((await p.getBlock("latest"))!.timestamp);
        const terms = buildTerms({
          id: ref(`race-${++tradeSeq}`),
          seller: seller.address,
          buyer: buyer.address,
          securityToken: addresses.securityToken,
          quantity: 1n,
          cashToken: addresses.depositToken,
          amount: 100n,
          deadline: now + 3600n,
        });
        await seller.createSettlement({ terms });
        await chain.rpc("evm_setAutomine", [false]);
        try {
          const cancelSent = nextEvent(seller.ctx.signer!.engine, "submitted");
          const cancelling = seller.cancelSettlement({ terms });
          await cancelSent;
          const affirmSent = nextEvent(buyer.ctx.signer!.engine, "submitted");
          const affirming = buyer.affirmSettlement({ terms }).then(
            () => undefined,
            (e: unknown) => e,
          );
          const sent = await affirmSent;
          await chain.mine();
          const [cancelled, error] = await Promise.all([cancelling, affirming]);
          const [a, b] = await Promise.all([
            p.getTransactionReceipt(cancelled.hash),
            p.getTransactionReceipt(sent.hash),
          ]);
          expect(b!.blockNumber).to.equal(a!.blockNumber); // one block,
          expect(b!.index).to.equal(a!.index + 1); // the affirmation right after
          expect(b!.status).to.equal(0);
          return { error, terms, hash: sent.hash };
        } finally {
          await chain.rpc("evm_setAutomine", [true]);
        }
      } finally {
        bp.destroy();
      }
    }

    /** A proxy in front of the node that does not know these methods. */
    const without = (...methods: string[]) =>
      startRpcProxy(chain.url, (req: RpcRequest) =>
        methods.includes(req.method)
          ? { code: -32601, message: `the method ${req.method} does not exist/is not available` }
          : undefined,
      );

    it("decodes the revert of the second of two transactions in one block at its own position (trace)", async function () {
      const t0 = Date.now();
      const { error, terms, hash } = await affirmAfterCancel(5);
      const e = await expectError(Promise.reject(error), DvpUnexpectedState, {
        id: terms.id,
        current: BigInt(SettlementState.Cancelled),
      });
      expect(e.txHash).to.equal(hash);
      expect(e.decodedBy).to.equal("trace");
      expect(e.approximate).to.equal(false);
      this.test!.title += ` (${Date.now() - t0} ms)`;
    });

    it("replays the block's earlier transactions when the node cannot trace (eth_simulateV1)", async function () {
      const proxy = await without("debug_traceTransaction");
      try {
        const { error, terms } = await affirmAfterCancel(6, proxy.url);
        const e = await expectError(Promise.reject(error), DvpUnexpectedState, {
          id: terms.id,
          current: BigInt(SettlementState.Cancelled),
        });
        expect(e.decodedBy).to.equal("replay");
        expect(e.approximate).to.equal(false);
        expect(proxy.seen).to.include("eth_simulateV1");
      } finally {
        await proxy.close();
      }
    });

    it("never reports a made-up error: in the parent block's state the call succeeds", async function () {
      const proxy = await without("debug_traceTransaction", "eth_simulateV1");
      try {
        const { error, hash } = await affirmAfterCancel(7, proxy.url);
        const e = await expectError(Promise.reject(error), TransactionFailedError, { hash });
        expect(e.shortMessage).to.match(/succeeds in the parent block's state/);
      } finally {
        await proxy.close();
      }
    });

    it("flags a revert decoded in the parent block's state as approximate", async function () {
      const proxy = await without("debug_traceTransaction", "eth_simulateV1");
      const bp = providerFor(proxy.url);
      try {
        // A fixed gas limit skips estimation: the affirmation of an unknown settlement is mined.
        const blind = await FirmClient.connect({
          runner: new Wallet(key(8), bp),
          addresses,
          gasLimit: 200_000n,
          transactions: { policy: FAST },
        });
        const now = BigInt((await p.getBlock("latest"))!.timestamp);
        const terms = buildTerms({
          id: ref("never-created"),
          seller: seller.address,
          buyer: blind.address,
          securityToken: addresses.securityToken,
          quantity: 1n,
          cashToken: addresses.depositToken,
          amount: 100n,
          deadline: now + 3600n,
        });
        const e = await expectError(blind.affirmSettlement({ terms }), DvpUnexpectedState, {
          id: terms.id,
          current: BigInt(SettlementState.None),
        });
        expect(e.decodedBy).to.equal("parent-block");
        expect(e.approximate).to.equal(true);
        expect(e.message).to.match(/approximately/);
      } finally {
        bp.destroy();
        await proxy.close();
      }
    });

    it("a node error while decoding is a NodeError cause, never a contract error", async function () {
      // The node has no trace, no simulation, and answers calls at past blocks with -32602.
      const proxy = await startRpcProxy(chain.url, (req: RpcRequest) => {
        if (req.method === "debug_traceTransaction" || req.method === "eth_simulateV1")
          return { code: -32601, message: "method not found" };
        if (req.method === "eth_call" && req.params[1] !== "latest" && req.params[1] !== "pending")
          return {
            code: -32602,
            message: "BlockOutOfRangeError: block height is 1 but requested was 2",
          };
        return undefined;
      });
      try {
        const { error, hash } = await affirmAfterCancel(9, proxy.url);
        const e = await expectError(Promise.reject(error), TransactionFailedError, { hash });
        expect(e.cause).to.be.instanceOf(NodeError);
        expect((e.cause as NodeError).rpcCode).to.equal(-32602);
      } finally {
        await proxy.close();
      }
    });

    it("a -32602 'block out of range' from the node is a NodeError, not a contract error", async function () {
      const head = await p.getBlockNumber();
      const e = await expectError(
        readCall("dvp.stateOf", () => seller.ctx.dvp.stateOf(ref("x"), { blockTag: head + 1_000 })),
        NodeError,
        { rpcCode: -32602, method: "eth_call" },
      );
      expect(e.rpcMessage).to.match(/OutOfRange|out of range/i);
      expect(e.shortMessage).to.match(/dvp.stateOf/);
    });

    it("connect() creates its provider without ethers' request cache (no stale nonce)", async function () {
      const bank = await BankClient.connect({ rpcUrl: chain.url, privateKey: key(2), addresses });
      try {
        const cp = bank.ctx.provider as JsonRpcProvider;
        expect(cp._getOption("cacheTimeout")).to.equal(-1);
        const before = await cp.getTransactionCount(bank.address, "pending");
        await bank.issueDeposit({
          account: seller.address,
          amount: 1n,
          bankReference: ref("cache"),
        });
        // Within 250 ms of the first read: a cached answer would repeat it.
        expect(await cp.getTransactionCount(bank.address, "pending")).to.equal(before + 1);
      } finally {
        bank.close();
      }
    });

    it("an action sent twice with one key (withSendOptions) issues once; an aborted one sends nothing", async function () {
      const bank = await BankClient.connect({
        runner: new Wallet(key(2), p),
        addresses,
        transactions: { policy: FAST },
      });
      const account = new Wallet(key(9)).address;
      const before = await getDepositBalance(bank.ctx, { account });
      const n0 = await p.getTransactionCount(bank.address);
      const params = { account, amount: 250n, bankReference: ref("keyed-issue") };
      const keyed = withSendOptions(bank.ctx, { key: `issue:${params.bankReference}` });
      // Without the key the second would revert with DepositTokenIssuanceReferenceUsed.
      const [a, b] = await Promise.all([issueDeposit(keyed, params), issueDeposit(keyed, params)]);
      expect(a.hash).to.equal(b.hash);
      expect(a.key).to.equal(`issue:${params.bankReference}`);
      expect((await getDepositBalance(bank.ctx, { account })).balance).to.equal(
        before.balance + 250n,
      );
      expect(await p.getTransactionCount(bank.address)).to.equal(n0 + 1);

      const aborted = withSendOptions(bank.ctx, { signal: AbortSignal.abort() });
      const e = await expectError(
        issueDeposit(aborted, { ...params, bankReference: ref("never") }),
        SendAbortedError,
        { action: "bank.issue", phase: "not-sent" },
      );
      expect(e.hashes).to.deep.equal([]);
      expect(await p.getTransactionCount(bank.address, "pending")).to.equal(n0 + 1);
    });
  });

  describe("a process killed right after sending, with a file journal", function () {
    /**
     * A child process that sends `value` wei to `to` with `key` through an engine journaling to
     * `journal`, prints `sent <hash>` once the node accepted it, or (`before-broadcast`) prints
     * `signed <hash>` once the signed transaction is in the journal and stops there, before the
     * broadcast. It uses the built SDK (sdk/dist), as an application would.
     */
    const CHILD = `
const [sdk, ethers, url, pk, file, mode, to, value, key] = process.argv.slice(2);
const { TxEngine, FileJournal } = await import(sdk);
const { JsonRpcProvider, Wallet } = await import(ethers);
const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
const journal = new FileJournal(file);
const put = journal.put.bind(journal);
if (mode === "before-broadcast") {
  journal.put = async (e) => {
    await put(e);
    if (e.state === "signed" && e.txs.length > 0) {
      console.log("signed " + e.txs[0].hash);
      await new Promise(() => {}); // never broadcast: killed here
    }
  };
}
const engine = new TxEngine(new Wallet(pk, provider), { journal, policy: { pollIntervalMs: 20 } });
engine.on((e) => { if (e.type === "submitted") console.log("sent " + e.hash); });
await engine.send({ to, value: BigInt(value) }, { key });
console.log("done");
`;

    /** Runs the child until it prints `sent`/`signed`, then kills it with SIGKILL. */
    async function sendAndKill(dir: string, pk: string, mode: string, to: string, k: string) {
      const script = path.join(dir, "child.mjs");
      await writeFile(script, CHILD);
      const sdk = pathToFileURL(
        path.join(process.cwd(), "packages", "sdk", "dist", "index.js"),
      ).href;
      const ethers = pathToFileURL(
        path.join(process.cwd(), "node_modules", "ethers", "lib.esm", "index.js"),
      ).href;
      const journal = path.join(dir, "journal.jsonl");
      const child = spawn(
        process.execPath,
        [script, sdk, ethers, anvil.url, pk, journal, mode, to, "1000", k],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_code, signal) => resolve(signal)),
      );
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      try {
        for await (const line of createInterface({ input: child.stdout })) {
          const [word, hash] = line.split(" ");
          if (word === "sent" || word === "signed") {
            child.kill("SIGKILL"); // right after sending (or signing)
            expect(await exited).to.equal("SIGKILL");
            return { word, hash, journal };
          }
        }
        throw new Error(`the child exited without sending: ${stderr.slice(0, 500)}`);
      } finally {
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    }

    for (const mode of ["after-broadcast", "before-broadcast"] as const) {
      it(`resumes in one call what it had sent (${mode}): nothing is sent twice`, async function () {
        const dir = await mkdtemp(path.join(tmpdir(), "kessai-journal-"));
        try {
          const pk = key(accountSeq++);
          const account = new Wallet(pk).address;
          const to = recipient();
          const n0 = await provider.getTransactionCount(account);
          const t0 = Date.now();
          const sent = await sendAndKill(dir, pk, mode, to, `pay-${mode}`);
          const killedAfter = Date.now() - t0;
          expect(sent.word).to.equal(mode === "after-broadcast" ? "sent" : "signed");
          // The node has it only if the broadcast happened before the kill.
          expect(await poolOf(anvil, account)).to.deep.equal(
            mode === "after-broadcast" ? [sent.hash] : [],
          );
          const lines = (await readFile(sent.journal, "utf8")).trim().split("\n");
          expect(JSON.parse(lines.at(-1)!).state).to.equal("signed");

          // A new process: the same journal, the same send, one call.
          const journal = new FileJournal(sent.journal);
          const engine = new TxEngine(new Wallet(pk, provider), { journal, policy: FAST });
          const events: TxEvent[] = [];
          const t1 = Date.now();
          const r = await mineUntil(
            anvil,
            engine.send(
              { to, value: 1000n },
              { key: `pay-${mode}`, onEvent: (e) => events.push(e) },
            ),
          );
          const resumedIn = Date.now() - t1;
          await journal.close();
          expect(r.resumed).to.equal(true);
          expect(r.hash).to.equal(sent.hash);
          expect(r.hashes).to.deep.equal([sent.hash]);
          expect(events.map((e) => e.type)).to.include("resumed");
          if (mode === "before-broadcast")
            expect(events.find((e) => e.type === "rebroadcast")?.reason).to.equal("resumed");
          expect(await provider.getTransactionCount(account)).to.equal(n0 + 1);
          expect(await provider.getBalance(to)).to.equal(1000n);
          const reread = new FileJournal(sent.journal);
          const entry = await reread.get(`pay-${mode}`);
          await reread.close();
          expect(entry!.state).to.equal("confirmed");
          expect(entry!.mined!.hash).to.equal(sent.hash);
          this.test!.title += ` (killed ${killedAfter} ms after start; resumed in ${resumedIn} ms)`;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    }

    it("on start, a process with the journal takes up what it had sent by itself", async function () {
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-journal-"));
      try {
        const pk = key(accountSeq++);
        const account = new Wallet(pk).address;
        const to = recipient();
        const n0 = await provider.getTransactionCount(account);
        const sent = await sendAndKill(dir, pk, "before-broadcast", to, "pay-on-start");
        const journal = new FileJournal(sent.journal);
        const engine = new TxEngine(new Wallet(pk, provider), { journal, policy: FAST });
        expect((await engine.openEntries()).map((e) => e.key)).to.deep.equal(["pay-on-start"]);
        await engine.resumeOpen(); // what every send does first
        await mineUntil(anvil, engine.settled());
        expect((await journal.get("pay-on-start"))!.state).to.equal("confirmed");
        expect(await engine.openEntries()).to.deep.equal([]);
        // A later send with the key answers from the journal: nothing new is sent.
        const r = await engine.send({ to, value: 1000n }, { key: "pay-on-start" });
        expect(r.hash).to.equal(sent.hash);
        expect(r.resumed).to.equal(true);
        // A new send of this account takes the next nonce.
        const next = await mineUntil(anvil, engine.send({ to, value: 1n }));
        expect(next.nonce).to.equal(n0 + 1);
        expect(await provider.getTransactionCount(account)).to.equal(n0 + 2);
        expect(await provider.getBalance(to)).to.equal(1001n);
        await journal.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
