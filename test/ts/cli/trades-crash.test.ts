/**
 * `kessai trades settle` killed with SIGKILL at random points (seeded) and run again until it
 * finishes, with a file journal (--journal): the seller locks, the buyer pays in batches, the
 * seller redeems, each phase killed over and over. Afterwards every trade is settled and
 * redeemed exactly once, no firm sent a transaction twice or one that reverted, and every
 * balance is exact. Against a `hardhat node` started here on a free port.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import {
  contracts,
  settlementStateName,
  tradeReference,
  type KessaiAddresses,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { nodeKey, type HardhatNode } from "../sdk/hardhat-node.js";
import {
  BUYER,
  CLI,
  SELLER,
  addr,
  blockNumber,
  rng,
  oneChainDay,
  type OneChainDay,
} from "./trades-fixture.js";

const SEED = 0x16b;
const N = 24;
const BATCH = 4;
const ST_ISSUED = 100_000n;
const DCJPY_ISSUED = 10n ** 12n;

interface Run {
  code: number | null;
  killed: boolean;
  out: string;
  err: string;
}

/**
 * Runs the CLI; with `killAfter`, SIGKILLs it once the chain has grown by that many blocks
 * (the node mines one block per transaction) plus `jitterMs`, unless it has exited by then.
 */
function runCli(
  argv: string[],
  provider: JsonRpcProvider,
  kill?: { afterBlocks: number; jitterMs: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let exited = false;
    let killed = false;
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      exited = true;
      resolve({ code, killed, out, err });
    });
    if (!kill) return;
    void (async () => {
      const start = await blockNumber(provider);
      while (!exited) {
        if ((await blockNumber(provider)) >= start + kill.afterBlocks) {
          await new Promise((r) => setTimeout(r, kill.jitterMs));
          if (!exited) {
            killed = true;
            child.kill("SIGKILL");
          }
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })().catch(reject);
  });
}

describe("kessai trades settle, killed with SIGKILL and run again", function () {
  this.timeout(600_000);
  let dir: string;
  let day1: OneChainDay;
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let trades: Trade[];
  let file: string;
  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "kessai-trades-crash-"));
    day1 = await oneChainDay(dir, {
      n: N,
      prefix: "K-",
      stIssued: ST_ISSUED,
      dcjpyIssued: DCJPY_ISSUED,
    });
    ({ node, provider, addresses, trades, file } = day1);
    expect(trades).to.have.length(N);
  });
  after(async function () {
    await day1?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("settles and redeems every trade exactly once; balances exact", async function () {
    const random = rng(SEED);
    const firstBlock = (await blockNumber(provider)) + 1;
    const common = [
      "--rpc",
      node.url,
      "--dvp",
      addresses.dvp,
      "--security-token",
      addresses.securityToken,
      "--deposit-token",
      addresses.depositToken,
      "--concurrency",
      "8",
      "--json",
    ];
    /**
     * One side's phase: killed after a seeded number of its transactions (below `txs`, the
     * phase's count), run again, until a run ends by itself; at most 6 kills, then a last run.
     */
    const phase = async (as: "seller" | "buyer", txs: number, journal: string) => {
      const argv = [
        "trades",
        "settle",
        file,
        "--as",
        as,
        "--key",
        nodeKey(as === "seller" ? SELLER : BUYER),
        "--journal",
        path.join(dir, journal),
        "--batch-size",
        String(BATCH),
        ...common,
      ];
      let kills = 0;
      for (;;) {
        const kill =
          kills < 6
            ? {
                afterBlocks: 1 + Math.floor(random() * Math.max(1, txs - 1)),
                jitterMs: Math.floor(random() * 40),
              }
            : undefined;
        const r = await runCli(argv, provider, kill);
        if (!r.killed) return { run: r, kills };
        kills++;
      }
    };

    // the seller locks: every trade then waits for the buyer (exit 1)
    const s1 = await phase("seller", N, "seller.journal");
    expect(s1.run.code, s1.run.err).to.equal(1);
    const lockedSummary = JSON.parse(s1.run.out.trim().split("\n").at(-1)!);
    expect(lockedSummary).to.deep.include({ type: "summary", trades: N });
    expect(lockedSummary.counts.pending).to.equal(N);
    // the buyer pays in batches
    const b = await phase("buyer", 1 + Math.ceil(N / BATCH), "buyer.journal");
    expect(b.run.code, b.run.err).to.equal(0);
    // the seller redeems
    const s2 = await phase("seller", N, "seller.journal");
    expect(s2.run.code, s2.run.err).to.equal(0);
    expect(JSON.parse(s2.run.out.trim().split("\n").at(-1)!).counts.settled).to.equal(N);
    expect(s1.kills + b.kills + s2.kills, "some runs were killed").to.be.greaterThan(0);

    // every transaction the two firms sent, from the chain
    const dvp = contracts.DeliveryVersusPayment__factory.connect(addresses.dvp, provider);
    const st = contracts.SecurityToken__factory.connect(addresses.securityToken, provider);
    const dt = contracts.DepositToken__factory.connect(addresses.depositToken, provider);
    const last = await blockNumber(provider);
    const sent: { from: string; to: string; selector: string; data: string; ok: boolean }[] = [];
    for (let n = firstBlock; n <= last; n++) {
      const block = await provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        const receipt = await provider.getTransactionReceipt(tx.hash);
        sent.push({
          from: tx.from,
          to: tx.to!,
          selector: tx.data.slice(0, 10),
          data: tx.data,
          ok: receipt!.status === 1,
        });
      }
    }
    expect(
      sent.filter((t) => !t.ok),
      "reverted transactions",
    ).to.deep.equal([]);
    const lockSel = st.interface.getFunction("lock")!.selector;
    const redeemSel = dt.interface.getFunction("redeem")!.selector;
    const batchSel = dvp.interface.getFunction("settleBatchPerItem")!.selector;
    const approveSel = dt.interface.getFunction("approve")!.selector;
    const seller = sent.filter((t) => t.from === addr(SELLER));
    const buyer = sent.filter((t) => t.from === addr(BUYER));
    // the seller: one lock and one redemption per trade, nothing else
    expect(seller.filter((t) => t.selector === lockSel)).to.have.length(N);
    expect(seller.filter((t) => t.selector === redeemSel)).to.have.length(N);
    expect(seller).to.have.length(2 * N);
    for (const t of trades) {
      const idWord = t.id.slice(2).toLowerCase();
      expect(
        seller.filter((x) => x.selector === lockSel && x.data.toLowerCase().includes(idWord)),
        `lock of ${t.tradeId}`,
      ).to.have.length(1);
      const redemption = tradeReference(t.id, "redemption").slice(2).toLowerCase();
      expect(
        seller.filter((x) => x.selector === redeemSel && x.data.toLowerCase().includes(redemption)),
        `redemption of ${t.tradeId}`,
      ).to.have.length(1);
    }
    // the buyer: approvals and batches only, each trade settled by exactly one event
    expect(buyer.every((t) => t.selector === batchSel || t.selector === approveSel)).to.equal(true);
    const settled = await dvp.queryFilter(dvp.filters.SettlementSettled(), firstBlock, last);
    const ids = settled.map((e) => e.args.id.toLowerCase()).sort();
    expect(ids).to.deep.equal(trades.map((t) => t.id.toLowerCase()).sort());
    for (const t of trades)
      expect(settlementStateName(await dvp.stateOf(t.id))).to.equal("Settled");

    // balances, exact
    const q = trades.reduce((x, t) => x + t.quantity, 0n);
    const amount = trades.reduce((x, t) => x + t.amount, 0n);
    expect(await st.balanceOf(addr(SELLER))).to.equal(ST_ISSUED - q);
    expect(await st.lockedOf(addresses.dvp, addr(SELLER))).to.equal(0n);
    expect(await st.balanceOf(addr(BUYER))).to.equal(q);
    expect(await dt.balanceOf(addr(BUYER))).to.equal(DCJPY_ISSUED - amount);
    expect(await dt.balanceOf(addr(SELLER))).to.equal(0n);
    expect(await dt.totalSupply()).to.equal(DCJPY_ISSUED - amount);
  });
});
