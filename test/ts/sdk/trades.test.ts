/**
 * settleTrade against anvil (started here, on a free port): many trades of one buyer at once, a
 * client killed with SIGKILL right after sending at each of the seven steps and resumed in one
 * call with its file journal, reorgs of 1-3 blocks after a step.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, Transaction, Wallet, ZeroAddress } from "ethers";
import {
  AgentClient,
  BankClient,
  FileJournal,
  FirmClient,
  DeploymentMismatchError,
  settleTrade,
  settleTradeKey,
  type ProgressEvent,
  type Journal,
  type KessaiAddresses,
  type SettlementTerms,
} from "../../../packages/sdk/src/index.js";
import { SendAbortedError } from "../../../packages/sdk/src/errors/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { ref } from "./fixture.js";
import { TradeWatch } from "./trade-watch.js";
import {
  AGENT,
  BANK,
  DEPLOYER,
  SELLER,
  deploy,
  deployForTrades,
  key,
  oneUnitTerms,
  partiesOn,
  providerFor,
  secondDeployment,
  settleMinedFrom,
  CHILD_PARTIES,
} from "./anvil-trades.js";

const BUYERS = [5, 6, 7, 8];
/** How long the 100 concurrent trades may take before the test stops them and fails. */
const TRADES_MS = 40_000;

describe("settleTrade against anvil", function () {
  this.timeout(60_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let seq = 0;

  before(async function () {
    anvil = await startAnvil({ order: "fifo" });
    provider = providerFor(anvil.url);
    ({ addresses } = await deployForTrades(provider, { buyers: BUYERS, units: 10_000n }));
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  /** The parties' clients on one provider, sharing `journal` when given. */
  const parties = (buyerIndex = BUYERS[0], journal?: Journal, p = provider) =>
    partiesOn(addresses, p, buyerIndex, journal);

  const newTerms = (buyer: string, agent = ZeroAddress) =>
    oneUnitTerms(provider, addresses, {
      id: ref(`trade-${++seq}-${Math.random()}`),
      buyer,
      amount: 1_000n + BigInt(seq),
      agent,
    });

  /** The 100 trades' watch, while they run: stopped after the test whatever happened. */
  let stopTrades: TradeWatch | undefined;
  afterEach(async function () {
    await stopTrades?.stop();
    stopTrades = undefined;
  });

  /** Mined transaction count of each account. */
  const counts = (indices: number[]) =>
    Promise.all(indices.map((i) => provider.getTransactionCount(new Wallet(key(i)).address)));

  it("settles 100 concurrent trades of 4 buyers that start with zero allowance", async function () {
    // (a provider of their own: nothing of these trades is left in the next tests' nonce queues)
    const own = providerFor(anvil.url);
    const clients = await Promise.all(BUYERS.map((b) => parties(b, undefined, own)));
    const { seller, bank } = clients[0];
    const buyers = clients.map((c) => c.buyer);
    for (const b of buyers)
      expect(await b.ctx.depositToken.allowance(b.address, addresses.dvp)).to.equal(0n);
    const before = await counts([SELLER, BANK, ...BUYERS]);
    // A transaction mined out of gas (estimated before another trade's settlement emptied the
    // balance it writes to) is sent again by the engine: one more of that account's, reported.
    const resent = [seller, bank, ...buyers].map(() => 0);
    let unstuck = 0;
    [seller, bank, ...buyers].forEach((c, i) =>
      c.ctx.signer!.engine.on((e) => {
        if (e.type === "resent") resent[i]++;
        // (bumpAfterMs is 60 s: a stuck one replaced here was held by the node, not counted)
        if (e.type === "replaced" && e.reason === "stuck") unstuck++;
      }),
    );
    const trades = await Promise.all(
      Array.from({ length: 100 }, (_, i) => newTerms(buyers[i % 4].address)),
    );
    // Normally 2-4 s (23 s at load 12): past TRADES_MS the trades are stopped and the test fails
    // naming what waited, well before mocha's timeout, and nothing of them runs on.
    const watch = (stopTrades = new TradeWatch(own, [
      { name: "seller", engine: seller.ctx.signer!.engine },
      { name: "bank", engine: bank.ctx.signer!.engine },
      ...buyers.map((b, i) => ({ name: `buyer ${i}`, engine: b.ctx.signer!.engine })),
    ]));
    const t0 = Date.now();
    const results = await watch.within(
      TRADES_MS,
      trades.map((terms, i) => ({
        id: terms.id,
        run: settleTrade({
          seller,
          buyer: buyers[i % 4],
          bank,
          terms,
          signal: watch.controller.signal,
          onProgress: watch.progress(terms.id),
        }),
      })),
    );
    const ms = Date.now() - t0;
    expect(results.map((r) => r.state)).to.deep.equal(trades.map(() => "Settled"));
    for (const t of trades) expect(await seller.ctx.dvp.stateOf(t.id)).to.equal(3n);
    // two transactions per trade for the seller (lock, redeem), two per trade for each buyer
    // (affirm, settle with authorization), one per trade for the bank: nothing else
    const after = await counts([SELLER, BANK, ...BUYERS]);
    expect(after.map((n, i) => n - before[i] - resent[i])).to.deep.equal([
      200, 100, 50, 50, 50, 50,
    ]);
    for (const b of buyers) {
      expect(await b.ctx.depositToken.allowance(b.address, addresses.dvp)).to.equal(0n);
      expect((await b.getDepositBalance({ account: b.address })).balance).to.equal(0n);
    }
    for (const c of clients) for (const x of Object.values(c)) x.close();
    const again = resent.reduce((a, b) => a + b, 0);
    this.test!.title += ` (${ms} ms, ${(100_000 / ms).toFixed(1)} trades/s, ${again} sent again out of gas, ${unstuck} replaced as not counted pending)`;
  });

  describe("a client killed right after sending, resumed in one call with its file journal", function () {
    /**
     * A child process that runs settleTrade with every party's client journaling to `journal`.
     * When step `step` starts it switches anvil's automine off, so that step's transaction stays
     * pending; it prints `sent <hash>` once the node has it (and is killed there).
     */
    const CHILD = `
const [sdkUrl, ethersUrl, url, keysJson, addressesJson, termsJson, file, step, auth] = process.argv.slice(2);
const sdk = await import(sdkUrl);
const { JsonRpcProvider, Wallet } = await import(ethersUrl);
const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
const keys = JSON.parse(keysJson);
const addresses = JSON.parse(addressesJson);
const t = JSON.parse(termsJson);
${CHILD_PARTIES}
await sdk.settleTrade({
  seller, buyer, bank, agent, terms, useAuthorization: auth === "1",
  onProgress: async (e) => {
    if (e.step === Number(step) && e.status === "started") {
      await provider.send("evm_setAutomine", [false]);
      armed = true;
    }
  },
});
console.log("finished");
`;

    async function runAndKill(dir: string, terms: SettlementTerms, step: number, auth: boolean) {
      const script = path.join(dir, "child.mjs");
      await writeFile(script, CHILD);
      const sdk = pathToFileURL(
        path.join(process.cwd(), "packages", "sdk", "dist", "index.js"),
      ).href;
      const ethers = pathToFileURL(
        path.join(process.cwd(), "node_modules", "ethers", "lib.esm", "index.js"),
      ).href;
      const journal = path.join(dir, "journal.jsonl");
      const keys = {
        seller: key(SELLER),
        buyer: key(BUYERS[1]),
        bank: key(BANK),
        agent: key(AGENT),
      };
      const plain = JSON.stringify(terms, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
      const child = spawn(
        process.execPath,
        [
          script,
          sdk,
          ethers,
          anvil.url,
          JSON.stringify(keys),
          JSON.stringify(addresses),
          plain,
          journal,
          String(step),
          auth ? "1" : "0",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_code, signal) => resolve(signal)),
      );
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      try {
        for await (const line of createInterface({ input: child.stdout })) {
          const [word, hash] = line.split(" ");
          if (word === "sent") {
            child.kill("SIGKILL"); // right after sending
            expect(await exited).to.equal("SIGKILL");
            return { hash, journal };
          }
        }
        throw new Error(`the child exited without sending: ${stderr.slice(0, 800)}`);
      } finally {
        clearTimeout(timer);
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
    }

    const cases: { step: number; auth: boolean }[] = [
      ...[1, 2, 3, 4, 5, 6, 7].map((step) => ({ step, auth: false })),
      { step: 6, auth: true },
    ];
    for (const { step, auth } of cases) {
      it(`after step ${step} (${auth ? "authorization" : "approval"}): waits for the pending transaction, sends nothing twice`, async function () {
        const dir = await mkdtemp(path.join(tmpdir(), "kessai-trade-"));
        const buyerIndex = BUYERS[1];
        const buyerAddress = new Wallet(key(buyerIndex)).address;
        const terms = await newTerms(buyerAddress, new Wallet(key(AGENT)).address);
        const before = await counts([SELLER, buyerIndex, BANK, AGENT]);
        let journal: FileJournal | undefined;
        try {
          const t0 = Date.now();
          const sent = await runAndKill(dir, terms, step, auth);
          const killedAfter = Date.now() - t0;
          // the step's transaction is pending: in the pool, not mined
          expect(await provider.getTransactionReceipt(sent.hash)).to.equal(null);
          expect(await provider.getTransaction(sent.hash)).to.not.equal(null);

          journal = new FileJournal(sent.journal);
          const c = await parties(buyerIndex, journal);
          // Nothing is mined until the resumed call reaches the step: it must find the
          // transaction pending, and wait for it.
          const t1 = Date.now();
          const r = await settleMinedFrom(anvil, step, { ...c, terms, useAuthorization: auth });
          const resumedIn = Date.now() - t1;
          expect(r.state).to.equal("Settled");
          const resumedStep = r.steps.find((s) => s.step === step)!;
          expect(resumedStep.status).to.equal("done");
          expect(resumedStep.txHash).to.equal(sent.hash);
          expect(resumedStep.resumed).to.equal(true);
          for (const s of r.steps.filter((x) => x.step < step))
            expect(s.status, `step ${s.step}`).to.equal("skipped");
          // seller: lock, redeem; buyer: affirm, approve (approval), settle; bank: issue; agent: approve
          const after = await counts([SELLER, buyerIndex, BANK, AGENT]);
          expect(after.map((n, i) => n - before[i])).to.deep.equal([2, auth ? 2 : 3, 1, 1]);
          for (const i of [SELLER, buyerIndex, BANK, AGENT])
            expect(
              await provider.getTransactionCount(new Wallet(key(i)).address, "pending"),
            ).to.equal(await provider.getTransactionCount(new Wallet(key(i)).address));
          const dt = c.seller.ctx.depositToken;
          const [issued, redeemed] = await Promise.all([
            dt.queryFilter(dt.filters.Issued(r.bankReference)),
            dt.queryFilter(dt.filters.Redeemed(r.redemptionRef)),
          ]);
          expect([issued.length, redeemed.length]).to.deep.equal([1, 1]);
          for (const x of Object.values(c)) x.close();
          this.test!.title += ` (killed ${killedAfter} ms after start; resumed in ${resumedIn} ms)`;
        } finally {
          await anvil.rpc("evm_setAutomine", [true]);
          await journal?.close();
          await rm(dir, { recursive: true, force: true });
        }
      });
    }
  });

  describe("a reorg that undoes a step", function () {
    const cases = [
      { step: 1, depth: 1 },
      { step: 2, depth: 2 },
      { step: 3, depth: 3 },
      { step: 5, depth: 1 },
      { step: 6, depth: 2 },
      { step: 7, depth: 3 },
    ];
    for (const { step, depth } of cases) {
      it(`after step ${step}, ${depth} block(s): reported, the lost steps redone once`, async function () {
        const buyerIndex = BUYERS[2];
        const c = await parties(buyerIndex);
        const terms = await newTerms(c.buyer.address, c.agent.address);
        const before = await counts([SELLER, buyerIndex, BANK, AGENT]);
        let reorged = false;
        const r = await settleTrade({
          ...c,
          terms,
          onProgress: async (e) => {
            if (!reorged && e.step === step && e.status === "done") {
              reorged = true;
              await anvil.rpc("anvil_reorg", [depth, []]);
            }
          },
        });
        expect(reorged).to.equal(true);
        expect(r.state).to.equal("Settled");
        expect(r.redone).to.be.greaterThan(0);
        expect(r.steps.filter((s) => s.status === "reorged").length).to.equal(r.redone);
        // the same transactions put back: one per step and party, nothing sent twice
        const after = await counts([SELLER, buyerIndex, BANK, AGENT]);
        expect(after.map((n, i) => n - before[i])).to.deep.equal([2, 2, 1, 1]);
        const dt = c.seller.ctx.depositToken;
        const dvp = c.seller.ctx.dvp;
        const [issued, redeemed, settled] = await Promise.all([
          dt.queryFilter(dt.filters.Issued(r.bankReference)),
          dt.queryFilter(dt.filters.Redeemed(r.redemptionRef)),
          dvp.queryFilter(dvp.filters.SettlementSettled(terms.id)),
        ]);
        expect([issued.length, redeemed.length, settled.length]).to.deep.equal([1, 1, 1]);
        for (const x of Object.values(c)) x.close();
      });
    }
  });
  describe("an outside event undoes a step whose transaction stays mined", function () {
    /** The DVP as its admin (the deployer): revokes and grants the agent's role. */
    const dvpAdmin = () =>
      new Contract(
        addresses.dvp,
        [
          "function SETTLEMENT_AGENT_ROLE() view returns (bytes32)",
          "function revokeRole(bytes32 role, address account)",
          "function grantRole(bytes32 role, address account)",
        ],
        new Wallet(key(DEPLOYER), provider),
      );
    async function revokeAndGrantAgent() {
      const dvp = dvpAdmin();
      const role = (await dvp.SETTLEMENT_AGENT_ROLE()) as string;
      const agent = new Wallet(key(AGENT)).address;
      await (await dvp.revokeRole(role, agent)).wait();
      await (await dvp.grantRole(role, agent)).wait();
    }
    const doneAt = (steps: ProgressEvent[], step: number) =>
      steps.filter((e) => e.step === step && e.status === "done");

    it("the agent revoked and granted again after step 5: approves again under a new key, settles", async function () {
      const buyerIndex = BUYERS[3];
      const c = await parties(buyerIndex);
      const terms = await newTerms(c.buyer.address, c.agent.address);
      const before = await counts([SELLER, buyerIndex, BANK, AGENT]);
      let undone = false;
      const r = await settleTrade({
        ...c,
        terms,
        onProgress: async (e) => {
          if (!undone && e.step === 5 && e.status === "done") {
            undone = true;
            await revokeAndGrantAgent();
          }
        },
      });
      expect(r.state).to.equal("Settled");
      expect(r.redone).to.equal(1);
      const reorged = r.steps.filter((s) => s.status === "reorged");
      expect(reorged.map((s) => [s.step, s.reason])).to.deep.equal([
        [5, "the agent's approval is no longer on chain"],
      ]);
      const approvals = doneAt(r.steps, 5);
      expect(approvals.length).to.equal(2);
      expect(approvals[1].txHash).to.not.equal(approvals[0].txHash);
      expect(approvals[1].resumed).to.equal(undefined);
      // one approval more for the agent, nothing else sent twice
      const after = await counts([SELLER, buyerIndex, BANK, AGENT]);
      expect(after.map((n, i) => n - before[i])).to.deep.equal([2, 2, 1, 2]);
      // the second approval went under attempt 1 of the step's key
      const scope = { chainId: c.agent.ctx.chainId, dvp: addresses.dvp };
      const journal = c.agent.ctx.signer!.engine.journal;
      expect(
        (await journal.get(settleTradeKey(scope, terms.id, "approve", 0)))?.mined?.hash,
      ).to.equal(approvals[0].txHash);
      expect(
        (await journal.get(settleTradeKey(scope, terms.id, "approve", 1)))?.mined?.hash,
      ).to.equal(approvals[1].txHash);
      for (const x of Object.values(c)) x.close();
    });

    it("the buyer's allowance spent after step 4 (useAuthorization: false): approves again, settles", async function () {
      const buyerIndex = BUYERS[3];
      const c = await parties(buyerIndex);
      const terms = await newTerms(c.buyer.address);
      const before = await counts([SELLER, buyerIndex, BANK]);
      let undone = false;
      const r = await settleTrade({
        ...c,
        terms,
        useAuthorization: false,
        onProgress: async (e) => {
          if (!undone && e.step === 4 && e.status === "done") {
            undone = true;
            await c.buyer.approveDeposit({ amount: 0n });
          }
        },
      });
      expect(r.state).to.equal("Settled");
      expect(r.redone).to.equal(1);
      expect(r.steps.filter((s) => s.status === "reorged").map((s) => s.step)).to.deep.equal([4]);
      const approvals = doneAt(r.steps, 4);
      expect(approvals.length).to.equal(2);
      expect(approvals[1].txHash).to.not.equal(approvals[0].txHash);
      // buyer: affirm, approve, approve(0) (the outside event), approve again, settle
      const after = await counts([SELLER, buyerIndex, BANK]);
      expect(after.map((n, i) => n - before[i])).to.deep.equal([2, 5, 1]);
      expect(await c.buyer.ctx.depositToken.allowance(c.buyer.address, addresses.dvp)).to.equal(0n);
      for (const x of Object.values(c)) x.close();
    });

    it("a restart finds the attempt it last sent: the pending new approval is waited for, not sent again", async function () {
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-attempt-"));
      const file = path.join(dir, "journal.jsonl");
      const buyerIndex = BUYERS[3];
      const first = new FileJournal(file, { fsync: false });
      const c = await parties(buyerIndex, first);
      const terms = await newTerms(c.buyer.address, c.agent.address);
      const before = await counts([SELLER, buyerIndex, BANK, AGENT]);
      const stop = new AbortController();
      let pending: string | undefined;
      const off = c.agent.ctx.signer!.engine.on((e) => {
        if (e.type === "submitted" && pending === undefined && stop.signal.aborted === false) {
          if (approvalsSeen === 1) {
            pending = e.hash;
            stop.abort(new Error("crash"));
          }
        }
      });
      let approvalsSeen = 0;
      let second: FileJournal | undefined;
      let p2: JsonRpcProvider | undefined;
      try {
        const err = await settleTrade({
          ...c,
          terms,
          signal: stop.signal,
          onProgress: async (e) => {
            if (e.step === 5 && e.status === "done" && ++approvalsSeen === 1) {
              await revokeAndGrantAgent();
              // the next approval stays pending
              await anvil.rpc("evm_setAutomine", [false]);
            }
          },
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(SendAbortedError);
        expect(pending).to.be.a("string");
        expect(await provider.getTransactionReceipt(pending!)).to.equal(null);
        off();
        for (const x of Object.values(c)) x.close();
        await first.close();

        // restarted: new provider, new clients, the journal read again from its file
        p2 = providerFor(anvil.url);
        second = new FileJournal(file, { fsync: false });
        const c2 = await parties(buyerIndex, second, p2);
        const r = await settleMinedFrom(anvil, 5, { ...c2, terms });
        expect(r.state).to.equal("Settled");
        const approval = doneAt(r.steps, 5);
        expect(approval.map((s) => [s.txHash, s.resumed])).to.deep.equal([[pending, true]]);
        // two approvals in all: the first, and the one sent before the crash
        const after = await counts([SELLER, buyerIndex, BANK, AGENT]);
        expect(after.map((n, i) => n - before[i])).to.deep.equal([2, 2, 1, 2]);
        for (const x of Object.values(c2)) x.close();
      } finally {
        off();
        await anvil.rpc("evm_setAutomine", [true]);
        await second?.close();
        await first.close();
        p2?.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("a reorg that drops the lock but keeps the issuance", function () {
    it("then a crash: the restart takes the derived reference as the trade's own, settles", async function () {
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-derived-"));
      const file = path.join(dir, "journal.jsonl");
      const buyerIndex = BUYERS[3];
      const first = new FileJournal(file, { fsync: false });
      const c = await parties(buyerIndex, first);
      const terms = await newTerms(c.buyer.address);
      const before = await counts([SELLER, buyerIndex, BANK]);
      let second: FileJournal | undefined;
      let p2: JsonRpcProvider | undefined;
      try {
        const start = await provider.getBlockNumber();
        // the process stops ("crashes") once step 3 is done
        const crash = new Error("crash");
        let issuance: string | undefined;
        const err = await settleTrade({
          ...c,
          terms,
          onProgress: (e) => {
            if (e.step === 3 && e.status === "done") {
              issuance = e.txHash;
              throw crash;
            }
          },
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.equal(crash);
        for (const x of Object.values(c)) x.close();
        await first.close();
        // steps 1 to 3 mined one block each; a 3-block reorg keeps only the issuance
        expect(await provider.getBlockNumber()).to.equal(start + 3);
        const raw = Transaction.from((await provider.getTransaction(issuance!))!).serialized;
        await anvil.rpc("anvil_reorg", [3, [[raw, 0]]]);
        expect(await c.seller.ctx.dvp.stateOf(terms.id)).to.equal(0n);
        expect((await provider.getTransactionReceipt(issuance!))?.status).to.equal(1);

        p2 = providerFor(anvil.url);
        second = new FileJournal(file, { fsync: false });
        const c2 = await parties(buyerIndex, second, p2);
        const r = await settleTrade({ ...c2, terms });
        expect(r.state).to.equal("Settled");
        expect(r.steps.find((s) => s.step === 3)?.status).to.equal("skipped");
        // the lock and the affirmation put back (the same signed transactions), one issuance
        const after = await counts([SELLER, buyerIndex, BANK]);
        expect(after.map((n, i) => n - before[i])).to.deep.equal([2, 2, 1]);
        const dt = c2.seller.ctx.depositToken;
        expect((await dt.queryFilter(dt.filters.Issued(r.bankReference))).length).to.equal(1);
        for (const x of Object.values(c2)) x.close();
      } finally {
        await second?.close();
        await first.close();
        p2?.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("every party on the seller's deployment", function () {
    it("refuses a client of another chain, DVP or DCJPY, naming it, before anything is sent", async function () {
      const other = await startAnvil({ chainId: 31_338 });
      const otherProvider = providerFor(other.url);
      try {
        // the same deployer and nonces: the same addresses on another chain
        const there = await deploy(otherProvider);
        expect(there).to.deep.equal(addresses);
        // a second deployment on this chain, its DCJPY also listed by the first DVP
        const second = await secondDeployment(provider, addresses);

        const c = await parties(BUYERS[0]);
        const terms = await newTerms(c.buyer.address, c.agent.address);
        const runner = (i: number, p: JsonRpcProvider) => new Wallet(key(i), p);
        const cases = [
          {
            name: "agent",
            field: "chainId",
            client: await AgentClient.connect({ runner: runner(AGENT, otherProvider), addresses }),
            expected: "31337",
            actual: "31338",
          },
          {
            name: "buyer",
            field: "addresses.dvp",
            client: await FirmClient.connect({
              runner: runner(BUYERS[0], provider),
              addresses: second,
            }),
            expected: addresses.dvp,
            actual: second.dvp,
          },
          {
            name: "bank",
            field: "addresses.depositToken",
            client: await BankClient.connect({
              runner: runner(BANK, provider),
              addresses: { ...addresses, depositToken: second.depositToken },
            }),
            expected: addresses.depositToken,
            actual: second.depositToken,
          },
        ];
        const all = [SELLER, BUYERS[0], BANK, AGENT];
        const onOther = () =>
          Promise.all(
            all.map((i) =>
              otherProvider.getTransactionCount(new Wallet(key(i)).address, "pending"),
            ),
          );
        const before = await counts(all);
        const beforeOther = await onOther();
        for (const k of cases) {
          const err = await settleTrade({ ...c, [k.name]: k.client, terms } as Parameters<
            typeof settleTrade
          >[0]).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, k.name).to.be.instanceOf(DeploymentMismatchError);
          const e = err as DeploymentMismatchError;
          expect([e.client, e.field, e.expected, e.actual]).to.deep.equal([
            k.name,
            k.field,
            k.expected,
            k.actual,
          ]);
          k.client.close();
        }
        // nothing sent: no nonce moved, on either chain, and no settlement
        expect(await counts(all)).to.deep.equal(before);
        expect(await onOther()).to.deep.equal(beforeOther);
        expect(await c.seller.ctx.dvp.stateOf(terms.id)).to.equal(0n);
        for (const x of Object.values(c)) x.close();
      } finally {
        otherProvider.destroy();
        await other.stop();
      }
    });
  });
});
