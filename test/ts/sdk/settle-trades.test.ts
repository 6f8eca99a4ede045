/**
 * settleTrades against a `hardhat node` (started here, on a free port): a day's file with bad
 * lines, the seller's and the buyer's runs, typed per-trade failures with nothing moved, runs
 * interrupted at random points and run again (seeded), cut-off handling.
 */
import { expect } from "chai";
import { Wallet, type JsonRpcProvider } from "ethers";
import {
  BankClient,
  FirmClient,
  IssuerClient,
  parseTradeFile,
  settleTrades,
  tradeRefundReference,
  tradeReference,
  type KessaiAddresses,
  type SettleTradesResult,
  type Trade,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import { ref } from "./fixture.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "./hardhat-node.js";

const FAST: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  bumpAfterBlocks: 1_000,
  bumpAfterMs: 60_000,
  timeoutMs: 60_000,
};
// accounts: 0 deployer, 1 issuer, 2 bank, 3 agent, 4 seller, 5-6 buyers, 7 not registered
const [ISSUER, BANK, AGENT, SELLER, BUYER, BUYER2, OUTSIDER] = [1, 2, 3, 4, 5, 6, 7];
const addr = (i: number) => new Wallet(nodeKey(i)).address;

const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("settleTrades against a hardhat node", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let addresses: KessaiAddresses;
  let bank: BankClient;
  let issuer: IssuerClient;
  let seq = 0;

  before(async function () {
    node = await startHardhatNode();
    provider = rpcProvider(node.url);
    addresses = await deployOverRpc(provider, {
      deployer: 0,
      issuer: ISSUER,
      bank: BANK,
      agent: AGENT,
    });
    issuer = await IssuerClient.connect({
      runner: new Wallet(nodeKey(ISSUER), provider),
      addresses,
    });
    bank = await BankClient.connect({ runner: new Wallet(nodeKey(BANK), provider), addresses });
    const parties = [SELLER, BUYER, BUYER2].map(addr);
    await issuer.registerInvestors({
      investors: parties.map((account) => ({ account, investorRef: ref(account) })),
    });
    await bank.openDepositAccounts({
      accounts: [...parties, addr(OUTSIDER)],
      depositAccountRefs: [...parties, addr(OUTSIDER)].map((a) => ref(`deposit:${a}`)),
    });
    await issuer.issueSecurity({ to: addr(SELLER), value: 1_000_000n });
    await bank.issueDeposit({
      account: addr(BUYER),
      amount: 10n ** 15n,
      bankReference: ref("float-1"),
    });
  });
  after(async function () {
    provider?.destroy();
    await node?.stop();
  });

  const firm = (i: number) =>
    FirmClient.connect({
      runner: new Wallet(nodeKey(i), provider),
      addresses,
      transactions: { policy: FAST },
    });

  /** `n` good CSV rows between the seller and `buyer`, settling tomorrow. */
  function rows(n: number, buyer = BUYER, settle = day(1)): string[] {
    return Array.from({ length: n }, () => {
      const k = ++seq;
      return [
        "ODX",
        `T-${k}`,
        day(0),
        settle,
        addresses.securityToken,
        addr(SELLER),
        addr(buyer),
        String(1 + (k % 7)),
        "",
        String(1000 * (1 + (k % 7))),
        "",
      ].join(",");
    });
  }
  const parse = (lines: string[]) =>
    parseTradeFile([HEADER, ...lines].join("\n"), { securityTokens: [addresses.securityToken] });

  const balances = async () => ({
    sellerSt: await issuer.ctx.securityToken.balanceOf(addr(SELLER)),
    sellerLocked: await issuer.ctx.securityToken.lockedOf(addresses.dvp, addr(SELLER)),
    buyerSt: await issuer.ctx.securityToken.balanceOf(addr(BUYER)),
    buyerCash: await issuer.ctx.depositToken.balanceOf(addr(BUYER)),
    sellerCash: await issuer.ctx.depositToken.balanceOf(addr(SELLER)),
  });
  const sum = (ts: Trade[], f: "quantity" | "amount") => ts.reduce((s, t) => s + t[f], 0n);
  /** How many SettlementSettled events each ID has. */
  async function settledCounts(ids: string[]): Promise<Map<string, number>> {
    const dvp = issuer.ctx.dvp;
    const logs = await dvp.queryFilter(dvp.filters.SettlementSettled(), 0);
    const m = new Map(ids.map((id) => [id, 0]));
    for (const l of logs) {
      const id = (l.topics[1] ?? "").toLowerCase();
      if (m.has(id)) m.set(id, m.get(id)! + 1);
    }
    return m;
  }

  describe("when the file has every kind of bad line", function () {
    it("refuses each with its line number and settles the good lines, on both sides", async function () {
      const good = rows(6);
      const lines = [
        good[0],
        good[1].replace(addr(SELLER), ""), // missing seller
        good[2].replace(addr(BUYER), "0xdead"), // bad address
        good[3].replace(/,(\d+),,(\d+),$/, ",-3,,$2,"), // negative quantity
        good[0], // duplicate trade ID
        good[4].replace(addresses.securityToken, "0x2222222222222222222222222222222222222222"), // unknown token
        good[5],
      ];
      const file = parse(lines);
      expect(file.errors.map((e) => [e.line, e.code])).to.deep.equal([
        [3, "missingField"],
        [4, "badAddress"],
        [5, "badQuantity"],
        [6, "duplicateTradeId"],
        [7, "unknownToken"],
      ]);
      expect(file.trades.map((t) => t.line)).to.deep.equal([2, 8]);
      const before = await balances();
      const [seller, buyer] = await Promise.all([firm(SELLER), firm(BUYER)]);
      const s1 = await settleTrades({ as: "seller", firm: seller, trades: file.trades });
      expect(s1.counts.pending).to.equal(2);
      expect(s1.results.every((r) => r.txs.length === 1 && r.txs[0].step === "lock")).to.equal(
        true,
      );
      const b = await settleTrades({ as: "buyer", firm: buyer, trades: file.trades });
      expect(b.counts.settled).to.equal(2);
      expect(b.results[0].txs.map((t) => t.step)).to.deep.equal(["approve", "settleBatch"]);
      expect(b.results[0].txs[1].sharedBy).to.equal(2);
      const s2 = await settleTrades({ as: "seller", firm: seller, trades: file.trades });
      expect(s2.counts.settled).to.equal(2);
      expect(s2.results.map((r) => r.txs.map((t) => t.step))).to.deep.equal([
        ["redeem"],
        ["redeem"],
      ]);
      const after = await balances();
      const q = sum(file.trades, "quantity");
      const amt = sum(file.trades, "amount");
      expect(after.buyerSt - before.buyerSt).to.equal(q);
      expect(before.sellerSt - after.sellerSt).to.equal(q);
      expect(before.buyerCash - after.buyerCash).to.equal(amt);
      expect(after.sellerCash).to.equal(before.sellerCash); // paid, then redeemed
      expect(after.sellerLocked).to.equal(before.sellerLocked);
      for (const t of file.trades) {
        const r = await bank.ctx.depositToken.redemptionOf(tradeReference(t.id, "redemption"));
        expect(r.amount).to.equal(t.amount);
      }
      // a third run on either side sends nothing
      const [s3, b3] = [
        await settleTrades({ as: "seller", firm: seller, trades: file.trades }),
        await settleTrades({ as: "buyer", firm: buyer, trades: file.trades }),
      ];
      expect([...s3.results, ...b3.results].flatMap((r) => r.txs)).to.deep.equal([]);
    });
  });

  describe("when a trade cannot settle", function () {
    it("refuses the seller's lock for a buyer the token refuses (typed), locking nothing", async function () {
      const file = parse([...rows(1, OUTSIDER), ...rows(1)]);
      const seller = await firm(SELLER);
      const before = await balances();
      const res = await settleTrades({ as: "seller", firm: seller, trades: file.trades });
      const [bad, ok] = res.results;
      expect(bad.status).to.equal("refused");
      expect(bad.error?.name).to.equal("SecurityTokenIneligibleReceiver");
      expect(bad.next).to.match(/registered/);
      expect(bad.txs).to.deep.equal([]);
      expect(await issuer.ctx.dvp.stateOf(bad.id)).to.equal(0n);
      expect(ok.status).to.equal("pending");
      const after = await balances();
      expect(after.sellerLocked - before.sellerLocked).to.equal(file.trades[1].quantity);
    });

    it("fails the buyer's item it cannot pay with the token's error, settles the rest, moves nothing for it", async function () {
      const buyer2 = await firm(BUYER2);
      const file = parse(rows(3, BUYER2));
      await bank.issueDeposit({
        account: addr(BUYER2),
        amount: file.trades[0].amount + file.trades[1].amount,
        bankReference: ref(`b2-${seq}`),
      });
      const seller = await firm(SELLER);
      await settleTrades({ as: "seller", firm: seller, trades: file.trades });
      const res = await settleTrades({ as: "buyer", firm: buyer2, trades: file.trades });
      expect(res.results.map((r) => r.status)).to.deep.equal(["settled", "settled", "failed"]);
      const failed = res.results[2];
      expect(failed.error?.name).to.equal("DepositTokenInsufficientAvailableBalance");
      expect(failed.error?.args).to.deep.include({
        account: addr(BUYER2),
        needed: String(file.trades[2].amount),
      });
      expect(failed.next).to.match(/lacks DCJPY/);
      expect(await issuer.ctx.dvp.stateOf(failed.id)).to.equal(1n); // still Pending
      expect(await issuer.ctx.depositToken.balanceOf(addr(BUYER2))).to.equal(0n);
    });
  });

  describe("when runs are interrupted at random points and run again", function () {
    for (const seed of [7, 1234]) {
      it(`ends every trade settled exactly once (seed ${seed})`, async function () {
        const random = rng(seed);
        const file = parse(rows(24));
        const [seller, buyer] = await Promise.all([firm(SELLER), firm(BUYER)]);
        const before = await balances();
        let interrupted = 0;
        const runs: SettleTradesResult[] = [];
        for (let round = 0; round < 40; round++) {
          const as = round % 2 === 0 ? "seller" : "buyer";
          const ac = new AbortController();
          // most runs are stopped at a random point; some run to the end
          const stop = random() < 0.7;
          const timer = setTimeout(() => stop && ac.abort(), Math.floor(random() * 400));
          try {
            runs.push(
              await settleTrades({
                as,
                firm: as === "seller" ? seller : buyer,
                trades: file.trades,
                concurrency: 1 + Math.floor(random() * 8),
                batchSize: 1 + Math.floor(random() * 10),
                signal: ac.signal,
              }),
            );
          } catch (e) {
            expect((e as Error).name).to.equal("SendAbortedError");
            interrupted++;
          } finally {
            clearTimeout(timer);
          }
          const last = runs.at(-1);
          if (last?.as === "seller" && last.counts.settled === file.trades.length) break;
        }
        expect(interrupted).to.be.greaterThan(0);
        expect(runs.at(-1)!.counts.settled).to.equal(file.trades.length);
        const counts = await settledCounts(file.trades.map((t) => t.id));
        expect([...counts.values()].every((n) => n === 1)).to.equal(true);
        const after = await balances();
        expect(after.buyerSt - before.buyerSt).to.equal(sum(file.trades, "quantity"));
        expect(before.buyerCash - after.buyerCash).to.equal(sum(file.trades, "amount"));
        expect(after.sellerCash).to.equal(before.sellerCash);
        expect(after.sellerLocked).to.equal(before.sellerLocked);
      });
    }
  });

  describe("at the cut-off (--reclaim-expired)", function () {
    it("reclaims what did not settle by its deadline and the buyer redeems its unused DCJPY", async function () {
      const file = parse(rows(3));
      const [seller, buyer] = await Promise.all([firm(SELLER), firm(BUYER)]);
      await settleTrades({ as: "seller", firm: seller, trades: file.trades });
      const before = await balances();
      await provider.send("evm_increaseTime", [3 * 86_400]);
      await provider.send("evm_mine", []);
      const plain = await settleTrades({ as: "buyer", firm: buyer, trades: file.trades });
      expect(plain.results.map((r) => [r.status, r.error?.name])).to.deep.equal(
        file.trades.map(() => ["pending", "DvpDeadlinePassed"]),
      );
      expect(plain.results[0].next).to.match(/--reclaim-expired/);
      const res = await settleTrades({
        as: "buyer",
        firm: buyer,
        trades: file.trades,
        reclaimExpired: true,
      });
      expect(res.counts.expired).to.equal(3);
      expect(res.results[0].txs.map((t) => t.step)).to.deep.equal(["reclaim", "refund"]);
      const after = await balances();
      expect(before.sellerLocked - after.sellerLocked).to.equal(sum(file.trades, "quantity"));
      expect(before.buyerCash - after.buyerCash).to.equal(sum(file.trades, "amount"));
      for (const t of file.trades) {
        const r = await bank.ctx.depositToken.redemptionOf(tradeRefundReference(t.id));
        expect([r.account, r.amount]).to.deep.equal([addr(BUYER), t.amount]);
      }
      const s = await settleTrades({
        as: "seller",
        firm: seller,
        trades: file.trades,
        reclaimExpired: true,
      });
      expect(s.counts.expired).to.equal(3);
      expect(s.results.flatMap((r) => r.txs)).to.deep.equal([]);
    });
  });
});
