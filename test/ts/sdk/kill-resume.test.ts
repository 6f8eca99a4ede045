/**
 * settleTrade killed with SIGKILL and restarted from its file journal, against anvil (started
 * here, on a free port): the trade runs in a child process (the built SDK, as an application uses
 * it, every party's client journaling to one FileJournal), is killed at the named point, and a
 * new process (here: new provider, new clients, the journal read again from its file) carries it
 * through in one call. Covers what the in-process restart tests of trades.test.ts cover by
 * aborting: the agent revoked and granted again after step 5, a reorg that drops the lock but
 * keeps the issuance, and a restart with a client of another deployment. Every case checks that
 * each transaction went out once and that the balances moved once.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { tmpdir } from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, Transaction, Wallet, ZeroAddress } from "ethers";
import {
  BankClient,
  DeploymentMismatchError,
  FileJournal,
  FirmClient,
  settleTrade,
  settleTradeKey,
  type Journal,
  type KessaiAddresses,
  type ProgressEvent,
  type SettlementTerms,
} from "../../../packages/sdk/src/index.js";
import { startAnvil, type Anvil } from "./anvil.js";
import { ref } from "./fixture.js";
// the deployments, the parties' clients and terms; then the accounts
import {
  deployForTrades,
  secondDeployment,
  partiesOn,
  oneUnitTerms,
  providerFor,
  settleMinedFrom,
  CHILD_PARTIES,
  FAST,
  key,
  address,
  DEPLOYER,
  AGENT,
  BANK,
  SELLER,
} from "./anvil-trades.js";

const BUYERS = [5, 6, 7];

/**
 * The child: settleTrade with every party's client journaling to `file`, killed by the test at
 * the point `mode` names. It prints one line there and waits:
 * - `pending`: when step `step` starts, anvil's automine goes off; `sent <hash>` once the step's
 *   transaction is with the node (pending, not mined);
 * - `regrant`: when step 5 (the agent's approval) is done the first time, the DVP's admin revokes
 *   the agent's role and grants it again (the approval is withdrawn), automine goes off, and
 *   `sent <hash>` once the new approval is with the node;
 * - `done`: `done <hash>` once step `step` is done (its transaction mined), before step
 *   `step + 1` starts.
 */
const CHILD = `
const [sdkUrl, ethersUrl, url, configJson] = process.argv.slice(2);
const sdk = await import(sdkUrl);
const { Contract, JsonRpcProvider, Wallet, ZeroAddress } = await import(ethersUrl);
const { keys, addresses, terms: t, file, mode, step } = JSON.parse(configJson);
const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
${CHILD_PARTIES}
const forever = () => new Promise(() => {});
let approvals = 0;
await sdk.settleTrade({
  seller, buyer, bank, terms, ...(terms.agent === ZeroAddress ? {} : { agent }),
  onProgress: async (e) => {
    if (mode === "pending" && e.step === step && e.status === "started") {
      await provider.send("evm_setAutomine", [false]);
      armed = true;
    }
    if (mode === "regrant" && e.step === 5 && e.status === "done" && ++approvals === 1) {
      const dvp = new Contract(addresses.dvp, [
        "function SETTLEMENT_AGENT_ROLE() view returns (bytes32)",
        "function revokeRole(bytes32 role, address account)",
        "function grantRole(bytes32 role, address account)",
      ], new Wallet(keys.admin, provider));
      const role = await dvp.SETTLEMENT_AGENT_ROLE();
      await (await dvp.revokeRole(role, terms.agent)).wait();
      await (await dvp.grantRole(role, terms.agent)).wait();
      await provider.send("evm_setAutomine", [false]);
      armed = true;
    }
    if (mode === "done" && e.step === step && e.status === "done") {
      console.log("done " + e.txHash);
      await forever(); // killed here
    }
  },
});
console.log("finished");
`;

describe("settleTrade killed with SIGKILL, restarted from its file journal (anvil)", function () {
  this.timeout(90_000);
  let anvil: Anvil;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  /** A second deployment on the same chain, its DCJPY also listed by the first DVP. */
  let second: KessaiAddresses;
  let seq = 0;

  before(async function () {
    anvil = await startAnvil({ order: "fifo" });
    provider = providerFor(anvil.url);
    const { issuer, bank } = ({ addresses } = await deployForTrades(provider, {
      buyers: BUYERS,
      units: 1_000n,
    }));
    second = await secondDeployment(provider, addresses);
    issuer.close();
    bank.close();
  });
  after(async function () {
    provider?.destroy();
    await anvil?.stop();
  });

  /** The parties' clients on `p`, journaling to `journal`. */
  const parties = (buyerIndex: number, journal: Journal, p: JsonRpcProvider) =>
    partiesOn(addresses, p, buyerIndex, journal);
  const closeAll = (c: Record<string, { close(): void }>) => {
    for (const x of Object.values(c)) x.close();
  };

  const newTerms = (buyer: string, agent = ZeroAddress) =>
    oneUnitTerms(provider, addresses, {
      id: ref(`kill-${++seq}-${Math.random()}`),
      buyer,
      amount: 1_000n + BigInt(seq),
      agent,
    });

  /** Mined transaction counts of the accounts, and pending = mined (nothing left in the pool). */
  const counts = (indices: number[]) =>
    Promise.all(indices.map((i) => provider.getTransactionCount(address(i))));
  const pendingCounts = (indices: number[]) =>
    Promise.all(indices.map((i) => provider.getTransactionCount(address(i), "pending")));

  /** What a trade moves: the ST units of seller and buyer, their DCJPY, DCJPY in circulation. */
  async function books(terms: SettlementTerms) {
    const abi = [
      "function balanceOf(address) view returns (uint256)",
      "function totalSupply() view returns (uint256)",
    ];
    const st = new Contract(addresses.securityToken, abi, provider);
    const dt = new Contract(addresses.depositToken, abi, provider);
    const [stSeller, stBuyer, cashSeller, cashBuyer, supply] = (await Promise.all([
      st.balanceOf(terms.seller),
      st.balanceOf(terms.buyer),
      dt.balanceOf(terms.seller),
      dt.balanceOf(terms.buyer),
      dt.totalSupply(),
    ])) as bigint[];
    return { stSeller, stBuyer, cashSeller, cashBuyer, supply };
  }

  /**
   * After the restarted call: the trade settled once (one SettlementSettled, one Issued under its
   * bank reference, one Redeemed under its redemption reference), the units moved once, and the
   * DCJPY issued for it was paid to the seller and redeemed (nobody's DCJPY changed).
   */
  async function expectSettledOnce(
    terms: SettlementTerms,
    r: { bankReference: string; redemptionRef: string },
    before: Awaited<ReturnType<typeof books>>,
  ) {
    const seller = await FirmClient.connect({
      runner: new Wallet(key(SELLER), provider),
      addresses,
    });
    try {
      const dt = seller.ctx.depositToken;
      const dvp = seller.ctx.dvp;
      expect(await dvp.stateOf(terms.id)).to.equal(3n);
      const [issued, redeemed, settled] = await Promise.all([
        dt.queryFilter(dt.filters.Issued(r.bankReference)),
        dt.queryFilter(dt.filters.Redeemed(r.redemptionRef)),
        dvp.queryFilter(dvp.filters.SettlementSettled(terms.id)),
      ]);
      expect([issued.length, redeemed.length, settled.length]).to.deep.equal([1, 1, 1]);
      expect(await books(terms)).to.deep.equal({
        ...before,
        stSeller: before.stSeller - terms.quantity,
        stBuyer: before.stBuyer + terms.quantity,
      });
    } finally {
      seller.close();
    }
  }

  /**
   * Runs the child on `terms` with journal file `file` until it prints its line (`sent <hash>`
   * or `done <hash>`), then kills it with SIGKILL; resolves to the hash.
   */
  async function runAndKill(
    dir: string,
    file: string,
    terms: SettlementTerms,
    buyerIndex: number,
    mode: "pending" | "regrant" | "done",
    step: number,
  ): Promise<{ word: string; hash: string }> {
    const script = path.join(dir, "child.mjs");
    await writeFile(script, CHILD);
    const sdk = pathToFileURL(path.join(process.cwd(), "packages", "sdk", "dist", "index.js")).href;
    const ethers = pathToFileURL(
      path.join(process.cwd(), "node_modules", "ethers", "lib.esm", "index.js"),
    ).href;
    const config = JSON.stringify(
      {
        keys: {
          seller: key(SELLER),
          buyer: key(buyerIndex),
          bank: key(BANK),
          agent: key(AGENT),
          admin: key(DEPLOYER),
        },
        addresses,
        terms,
        file,
        mode,
        step,
      },
      (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v),
    );
    const child = spawn(process.execPath, [script, sdk, ethers, anvil.url, config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    try {
      for await (const line of createInterface({ input: child.stdout })) {
        const [word, hash] = line.split(" ");
        if (word === "sent" || word === "done") {
          child.kill("SIGKILL");
          expect(await exited).to.equal("SIGKILL");
          return { word, hash };
        }
      }
      throw new Error(`the child exited before its kill point: ${stderr.slice(0, 800)}`);
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }

  /** A temporary folder with a journal file, removed after `fn`; automine back on. */
  async function inTmp(fn: (dir: string, file: string) => Promise<void>) {
    const dir = await mkdtemp(path.join(tmpdir(), "kessai-kill-"));
    try {
      await fn(dir, path.join(dir, "journal.jsonl"));
    } finally {
      await anvil.rpc("evm_setAutomine", [true]);
      await rm(dir, { recursive: true, force: true });
    }
  }

  const doneAt = (steps: ProgressEvent[], step: number) =>
    steps.filter((e) => e.step === step && e.status === "done");

  it("the agent revoked and granted again after step 5, killed with the new approval pending: the restart waits for it", async function () {
    await inTmp(async (dir, file) => {
      const buyerIndex = BUYERS[0];
      const terms = await newTerms(address(buyerIndex), address(AGENT));
      const all = [SELLER, buyerIndex, BANK, AGENT];
      const before = await counts(all);
      const booksBefore = await books(terms);
      const sent = await runAndKill(dir, file, terms, buyerIndex, "regrant", 5);
      // the new approval is with the node, not mined; the first one is mined
      expect(await provider.getTransactionReceipt(sent.hash)).to.equal(null);
      expect(await provider.getTransaction(sent.hash)).to.not.equal(null);

      const p2 = providerFor(anvil.url);
      const journal = new FileJournal(file);
      const c = await parties(buyerIndex, journal, p2);
      try {
        const scope = { chainId: c.agent.ctx.chainId, dvp: addresses.dvp };
        const first = await journal.get(settleTradeKey(scope, terms.id, "approve", 0));
        expect(first?.state).to.equal("confirmed");
        expect(
          (await journal.get(settleTradeKey(scope, terms.id, "approve", 1)))?.txs[0].hash,
        ).to.equal(sent.hash);
        // nothing is mined until the restarted call reaches step 5: it must find the new
        // approval pending and wait for it
        const r = await settleMinedFrom(anvil, 5, { ...c, terms });
        expect(r.state).to.equal("Settled");
        expect(doneAt(r.steps, 5).map((s) => [s.txHash, s.resumed])).to.deep.equal([
          [sent.hash, true],
        ]);
        for (const s of r.steps.filter((x) => x.step < 5))
          expect(s.status, `step ${s.step}`).to.equal("skipped");
        // seller: lock, redeem; buyer: affirm, settle; bank: issue; agent: the first approval
        // and the one sent before the kill; nothing left in the pool
        expect((await counts(all)).map((n, i) => n - before[i])).to.deep.equal([2, 2, 1, 2]);
        expect(await pendingCounts(all)).to.deep.equal(await counts(all));
        expect(
          (await journal.get(settleTradeKey(scope, terms.id, "approve", 1)))?.mined?.hash,
        ).to.equal(sent.hash);
        await expectSettledOnce(terms, r, booksBefore);
      } finally {
        closeAll(c);
        await journal.close();
        p2.destroy();
      }
    });
  });

  it("killed once step 3 is done, a reorg then drops the lock and keeps the issuance: the restart takes the derived reference as the trade's own", async function () {
    await inTmp(async (dir, file) => {
      const buyerIndex = BUYERS[1];
      const terms = await newTerms(address(buyerIndex));
      const all = [SELLER, buyerIndex, BANK];
      const before = await counts(all);
      const booksBefore = await books(terms);
      const start = await provider.getBlockNumber();
      const issued = await runAndKill(dir, file, terms, buyerIndex, "done", 3);
      // steps 1 to 3 mined one block each; a 3-block reorg keeps only the issuance
      expect(await provider.getBlockNumber()).to.equal(start + 3);
      const raw = Transaction.from((await provider.getTransaction(issued.hash))!).serialized;
      await anvil.rpc("anvil_reorg", [3, [[raw, 0]]]);
      const seller = await FirmClient.connect({
        runner: new Wallet(key(SELLER), provider),
        addresses,
      });
      expect(await seller.ctx.dvp.stateOf(terms.id)).to.equal(0n);
      seller.close();
      expect((await provider.getTransactionReceipt(issued.hash))?.status).to.equal(1);

      const p2 = providerFor(anvil.url);
      const journal = new FileJournal(file);
      const c = await parties(buyerIndex, journal, p2);
      try {
        const r = await settleTrade({ ...c, terms });
        expect(r.state).to.equal("Settled");
        expect(r.steps.find((s) => s.step === 3)?.status).to.equal("skipped");
        // the lock and the affirmation put back: the same signed transactions
        const scope = { chainId: c.seller.ctx.chainId, dvp: addresses.dvp };
        for (const [step, name] of [
          [1, "lock"],
          [2, "affirm"],
        ] as const) {
          const entry = await journal.get(settleTradeKey(scope, terms.id, name));
          expect(entry?.txs.length, name).to.equal(1);
          expect(doneAt(r.steps, step).map((s) => s.txHash)).to.deep.equal([entry!.txs[0].hash]);
        }
        expect((await counts(all)).map((n, i) => n - before[i])).to.deep.equal([2, 2, 1]);
        expect(await pendingCounts(all)).to.deep.equal(await counts(all));
        await expectSettledOnce(terms, r, booksBefore);
      } finally {
        closeAll(c);
        await journal.close();
        p2.destroy();
      }
    });
  });

  it("killed with step 2 pending, restarted with a client of another deployment: refused before anything is sent, then resumed", async function () {
    await inTmp(async (dir, file) => {
      const buyerIndex = BUYERS[2];
      const terms = await newTerms(address(buyerIndex));
      const all = [SELLER, buyerIndex, BANK];
      const before = await counts(all);
      const booksBefore = await books(terms);
      const sent = await runAndKill(dir, file, terms, buyerIndex, "pending", 2);
      expect(await provider.getTransactionReceipt(sent.hash)).to.equal(null);
      const pendingBefore = await pendingCounts(all);
      const journalBefore = await readFile(file, "utf8");

      // the restart, with the bank's client on the other deployment's DCJPY
      const p2 = providerFor(anvil.url);
      const journal = new FileJournal(file);
      const c = await parties(buyerIndex, journal, p2);
      const wrongBank = await BankClient.connect({
        runner: new Wallet(key(BANK), p2),
        addresses: { ...addresses, depositToken: second.depositToken },
        transactions: { policy: FAST, journal },
      });
      try {
        const err = await settleTrade({ ...c, bank: wrongBank, terms }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(DeploymentMismatchError);
        const e = err as DeploymentMismatchError;
        expect([e.client, e.field, e.expected, e.actual]).to.deep.equal([
          "bank",
          "addresses.depositToken",
          addresses.depositToken,
          second.depositToken,
        ]);
        // nothing sent, nothing journaled; the affirmation still pending
        expect(await pendingCounts(all)).to.deep.equal(pendingBefore);
        expect(await readFile(file, "utf8")).to.equal(journalBefore);
        expect(await provider.getTransactionReceipt(sent.hash)).to.equal(null);

        const r = await settleMinedFrom(anvil, 2, { ...c, terms });
        expect(r.state).to.equal("Settled");
        expect(doneAt(r.steps, 2).map((s) => [s.txHash, s.resumed])).to.deep.equal([
          [sent.hash, true],
        ]);
        expect((await counts(all)).map((n, i) => n - before[i])).to.deep.equal([2, 2, 1]);
        expect(await pendingCounts(all)).to.deep.equal(await counts(all));
        await expectSettledOnce(terms, r, booksBefore);
      } finally {
        wrongBank.close();
        closeAll(c);
        await journal.close();
        p2.destroy();
      }
    });
  });
});
