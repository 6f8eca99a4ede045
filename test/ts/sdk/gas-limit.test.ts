/**
 * Gas limits of the transaction engine against anvil (no automine: the test decides what a block
 * holds): the policy's margin on estimates (never on a fixed limit), and a send mined out of gas
 * because another transaction changed the state its estimate read, sent again under the same key.
 *
 * The contract (gas-fixture.ts) costs 17,100 gas more when its slot 0 is written from zero, as
 * `DepositToken.issue` costs 109,338 gas when the DCJPY supply is zero and 92,238 when it is not.
 */
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { AbiCoder, JsonRpcProvider, Wallet, parseUnits } from "ethers";
import {
  DEFAULT_TX_POLICY,
  FileJournal,
  OutOfGasError,
  TransactionFailedError,
  TxEngine,
  UnknownContractError,
  type Journal,
  type TxEvent,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { FAST, INIT, RUNTIME, arg, key, mineUntil, nextEvent, providerFor } from "./gas-fixture.js";
import { expectError } from "./helpers.js";

/**
 * The same, then `revert 0xdeadbeef` unless `calldata[32:64]` is above the new count: a call that
 * succeeds when it is estimated and reverts once another call was counted.
 */
const CAPPED = "600035600055600154600101806001556020351160275763deadbeef60e01b60005260046000fd5b00";
const CAPPED_INIT = "0x6029600c60003960296000f3" + CAPPED;
const capped = (n: bigint, below: bigint) =>
  AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [n, below]);

describe("gas limits of the transaction engine (anvil)", function () {
  this.timeout(30_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let dir: string;
  let accountSeq = 30;
  /** The account that changes the contract's state ahead of a send (a higher tip: mined first). */
  let other: Wallet;
  let target: string;

  const fresh = () => new Wallet(key(accountSeq++), provider);
  const engineFor = (wallet: Wallet, policy: TxPolicy = {}, journal?: Journal) =>
    new TxEngine(wallet, { policy: { ...FAST, ...policy }, ...(journal ? { journal } : {}) });
  const slot = async (n: number) => BigInt(await provider.getStorage(target, n));
  /** Sets slot 0 from `other`, mined in the next block before anything with a lower tip. */
  const setAhead = async (value: bigint, to = target, data = arg(value)) => {
    const tx = await other.sendTransaction({
      to,
      data,
      gasLimit: 100_000n,
      maxPriorityFeePerGas: parseUnits("50", "gwei"),
      maxFeePerGas: parseUnits("100", "gwei"),
    });
    return tx.hash;
  };
  const setNow = async (value: bigint, to = target, data = arg(value)) => {
    const hash = await setAhead(value, to, data);
    await anvil.mine();
    expect((await provider.getTransactionReceipt(hash))!.status).to.equal(1);
  };

  const deploy = async (init: string, runtime: string) => {
    const tx = await other.sendTransaction({ data: init, gasLimit: 200_000n });
    await anvil.mine();
    const address = (await provider.getTransactionReceipt(tx.hash))!.contractAddress!;
    expect(await provider.getCode(address)).to.equal("0x" + runtime);
    return address;
  };

  before(async function () {
    anvil = await startAnvil({ noMining: true, order: "fees" });
    provider = providerFor(anvil.url);
    dir = await mkdtemp(path.join(tmpdir(), "kessai-gas-"));
    other = new Wallet(key(29), provider);
    target = await deploy(INIT, RUNTIME);
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe("the margin", function () {
    it("adds gasMarginPercent (default 25) to the node's estimate", async function () {
      await setNow(5n);
      const wallet = fresh();
      const request = { to: target, data: arg(6n) };
      const estimate = await provider.estimateGas({ ...request, from: wallet.address });
      const r = await mineUntil(anvil, engineFor(wallet).send(request));
      const tx = (await provider.getTransaction(r.hash))!;
      expect(DEFAULT_TX_POLICY.gasMarginPercent).to.equal(25);
      expect(tx.gasLimit).to.equal((estimate * 125n + 99n) / 100n);

      const bareWallet = fresh();
      const bareRequest = { to: target, data: arg(7n) };
      const bareEstimate = await provider.estimateGas({ ...bareRequest, from: bareWallet.address });
      // per send, like every field of the policy
      const bare = await mineUntil(
        anvil,
        engineFor(bareWallet).send(bareRequest, { gasMarginPercent: 0 }),
      );
      expect((await provider.getTransaction(bare.hash))!.gasLimit).to.equal(bareEstimate);
      // the same work uses the same gas, whatever the limit
      expect(bare.gasUsed).to.equal(r.gasUsed);
      this.test!.title += ` (estimate ${estimate}, limit ${tx.gasLimit})`;
    });

    it("never adds it to a gas limit the caller fixed", async function () {
      const wallet = fresh();
      const r = await mineUntil(
        anvil,
        engineFor(wallet, { gasMarginPercent: 50 }).send({
          to: target,
          data: arg(7n),
          gasLimit: 90_000n,
        }),
      );
      expect((await provider.getTransaction(r.hash))!.gasLimit).to.equal(90_000n);
      const fixedByEngine = new TxEngine(fresh(), { policy: FAST, gasLimit: 80_000n });
      const r2 = await mineUntil(anvil, fixedByEngine.send({ to: target, data: arg(8n) }));
      expect((await provider.getTransaction(r2.hash))!.gasLimit).to.equal(80_000n);
    });

    it("caps it at the block gas limit of the latest block seen", async function () {
      const block = (await provider.getBlock("latest"))!;
      const wallet = fresh();
      const engine = engineFor(wallet, { gasMarginPercent: 1_000_000 });
      await engine.heads.current(); // a head seen: its gas limit is the cap
      const r = await mineUntil(anvil, engine.send({ to: target, data: arg(9n) }));
      // and at the per-transaction cap of EIP-7825 (16,777,216), below anvil's 30,000,000
      const cap = block.gasLimit < 16_777_216n ? block.gasLimit : 16_777_216n;
      expect((await provider.getTransaction(r.hash))!.gasLimit).to.equal(cap);
    });
  });

  describe("a send mined out of gas", function () {
    /**
     * Sends `set(1)` while slot 0 is 5 (estimated cheap), then `other` sets it to 0 with a
     * higher tip before the block is mined: the send runs out of gas in that block.
     */
    async function outOfGasSetup(engine: TxEngine, key?: string) {
      await setNow(5n);
      const calls = await slot(1);
      const submitted = nextEvent(engine, "submitted");
      const sending = engine.send({ to: target, data: arg(1n) }, key ? { key } : {});
      // the outcome may come while the block is inspected below: handled, and awaited later
      sending.catch(() => undefined);
      const first = await submitted;
      const ahead = await setAhead(0n);
      await anvil.mine();
      const block = (await provider.getBlock("latest"))!;
      expect(block.transactions).to.deep.equal([ahead, first.hash]);
      const oog = (await provider.getTransactionReceipt(first.hash))!;
      const firstTx = (await provider.getTransaction(first.hash))!;
      expect(oog.status).to.equal(0);
      expect(oog.gasUsed).to.equal(firstTx.gasLimit);
      return { sending, first, firstTx, calls };
    }

    it("is sent again once with a larger limit under the same key; nothing done twice; the journal points at the mined one", async function () {
      const wallet = fresh();
      const journal = new FileJournal(path.join(dir, "resend.jsonl"));
      const engine = engineFor(wallet, {}, journal);
      const n0 = await provider.getTransactionCount(wallet.address);
      const seen: TxEvent[] = [];
      engine.on((e) => seen.push(e));
      const { sending, first, firstTx, calls } = await outOfGasSetup(engine, "oog-1");
      const r = await mineUntil(anvil, sending);

      expect(r.hashes).to.deep.equal([first.hash, r.hash]);
      expect(r.nonce).to.equal(n0 + 1);
      expect(r.receipt.status).to.equal(1);
      const resent = seen.filter((e) => e.type === "resent");
      expect(resent).to.have.length(1);
      expect(resent[0]).to.include({ hash: r.hash, previous: first.hash, reason: "out-of-gas" });
      const tx = (await provider.getTransaction(r.hash))!;
      expect(resent[0].gasLimit).to.equal(tx.gasLimit);
      expect(tx.gasLimit >= (firstTx.gasLimit * 3n) / 2n).to.equal(true);
      expect(tx.data).to.equal(firstTx.data);
      expect(seen.map((e) => e.type)).to.deep.equal([
        "submitted",
        "mined",
        "resent",
        "mined",
        "confirmed",
      ]);
      // exactly one extra transaction; the call took effect once (other's call + this one)
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
      expect(await slot(0)).to.equal(1n);
      expect(await slot(1)).to.equal(calls + 2n);
      await journal.close();
      const reader = new FileJournal(path.join(dir, "resend.jsonl"));
      const entry = (await reader.get("oog-1"))!;
      await reader.close();
      expect(entry.state).to.equal("confirmed");
      expect(entry.nonce).to.equal(n0 + 1);
      expect(entry.txs.map((t) => t.hash)).to.deep.equal([r.hash]);
      expect(entry.mined?.hash).to.equal(r.hash);
      expect(entry.outOfGas).to.deep.equal([first.hash]);
      expect(entry.request.gasLimit).to.equal(tx.gasLimit.toString());
      this.test!.title += ` (limit ${firstTx.gasLimit} → ${tx.gasLimit}, used ${r.gasUsed})`;
    });

    it("with outOfGasResends 0 raises OutOfGasError and sends nothing more", async function () {
      const wallet = fresh();
      const engine = engineFor(wallet, { outOfGasResends: 0 });
      const n0 = await provider.getTransactionCount(wallet.address);
      const { sending, first, firstTx, calls } = await outOfGasSetup(engine);
      const err = await expectError(mineUntil(anvil, sending), OutOfGasError);
      expect(err).to.be.instanceOf(TransactionFailedError);
      expect(err.hash).to.equal(first.hash);
      expect(err.gasLimit).to.equal(firstTx.gasLimit);
      expect(err.gasUsed).to.equal(firstTx.gasLimit);
      await anvil.mine();
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(await slot(0)).to.equal(0n);
      expect(await slot(1)).to.equal(calls + 1n);
    });

    it("with a gas limit the caller fixed raises OutOfGasError, never sent again", async function () {
      await setNow(0n);
      const wallet = fresh();
      const engine = engineFor(wallet);
      const n0 = await provider.getTransactionCount(wallet.address);
      const calls = await slot(1);
      const seen: TxEvent[] = [];
      const err = await expectError(
        mineUntil(
          anvil,
          engine.send(
            { to: target, data: arg(3n), gasLimit: 30_000n },
            { onEvent: (e) => seen.push(e) },
          ),
        ),
        OutOfGasError,
      );
      expect(err.gasLimit).to.equal(30_000n);
      expect(err.gasUsed).to.equal(30_000n);
      expect(seen.map((e) => e.type)).to.deep.equal(["submitted", "mined", "reverted"]);
      await anvil.mine();
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(await slot(0)).to.equal(0n);
      expect(await slot(1)).to.equal(calls);
    });

    it("a fresh estimate that now reverts gives the contract's error, nothing more sent", async function () {
      const cappedAt = await deploy(CAPPED_INIT, CAPPED);
      const MAX = 2n ** 255n;
      await setNow(5n, cappedAt, capped(5n, MAX));
      const calls = BigInt(await provider.getStorage(cappedAt, 1));
      const wallet = fresh();
      const engine = engineFor(wallet);
      const n0 = await provider.getTransactionCount(wallet.address);
      const seen: TxEvent[] = [];
      const submitted = nextEvent(engine, "submitted");
      // succeeds while the count is `calls`: the next call makes it calls + 1 < calls + 2
      const sending = engine.send(
        { to: cappedAt, data: capped(1n, calls + 2n) },
        { key: "oog-reverts", onEvent: (e) => seen.push(e) },
      );
      const first = await submitted;
      await setAhead(0n, cappedAt, capped(0n, MAX));
      const err = await expectError(mineUntil(anvil, sending), UnknownContractError);
      expect(err.data).to.equal("0xdeadbeef");
      const oog = (await provider.getTransactionReceipt(first.hash))!;
      expect(oog.status).to.equal(0);
      expect(oog.gasUsed).to.equal((await provider.getTransaction(first.hash))!.gasLimit);
      expect(seen.map((e) => e.type)).to.deep.equal(["submitted", "mined", "reverted"]);
      await anvil.mine();
      expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 1);
      expect(BigInt(await provider.getStorage(cappedAt, 1))).to.equal(calls + 1n);
      const entry = (await engine.journal.get("oog-reverts"))!;
      expect(entry.state).to.equal("reverted");
      expect(entry.nonce).to.equal(n0);
      expect(entry.outOfGas).to.deep.equal([first.hash]);
    });

    it("a process stopped after the resend resumes by waiting for it, without a third transaction", async function () {
      const wallet = fresh();
      const file = path.join(dir, "restart.jsonl");
      const journal = new FileJournal(file);
      const engine = engineFor(wallet, {}, journal);
      const n0 = await provider.getTransactionCount(wallet.address);
      const stop = new AbortController();
      const sent = nextEvent(engine, "resent");
      await setNow(5n);
      const calls = await slot(1);
      const submitted = nextEvent(engine, "submitted");
      const sending = engine
        .send({ to: target, data: arg(1n) }, { key: "oog-restart", signal: stop.signal })
        .catch((e: unknown) => e);
      const first = await submitted;
      await setAhead(0n);
      await anvil.mine();
      const resent = await sent;
      stop.abort(); // the process is gone: its resend is pending, nobody watches it
      await sending;
      await journal.close();

      // A new process (its own provider, engine and journal reader) sends the same key.
      const p2 = providerFor(anvil.url);
      const journal2 = new FileJournal(file);
      try {
        const engine2 = new TxEngine(new Wallet(wallet.privateKey, p2), {
          policy: FAST,
          journal: journal2,
        });
        const r = await mineUntil(
          anvil,
          engine2.send({ to: target, data: arg(1n) }, { key: "oog-restart" }),
        );
        expect(r.resumed).to.equal(true);
        expect(r.hash).to.equal(resent.hash);
        expect(r.hashes).to.deep.equal([first.hash, resent.hash]);
        expect(await provider.getTransactionCount(wallet.address)).to.equal(n0 + 2);
        expect(await slot(0)).to.equal(1n);
        expect(await slot(1)).to.equal(calls + 2n);
      } finally {
        await journal2.close();
        p2.destroy();
      }
    });
  });
});
