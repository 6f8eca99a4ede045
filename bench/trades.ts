/**
 * Trades from a market, end to end (`bench/trades.mjs`, run by `bench/cli.mjs`): a day of N
 * trades between one seller and one buyer against a `hardhat node` (started here on a free
 * port), settled with `settleTrades` (seller locks, buyer pays in `settleBatchPerItem` batches
 * after one approval, seller redeems), beside the same transactions sent directly with ethers
 * (a NonceManager per firm, everything of a phase sent at once). Rows (bench/results.json
 * format, with descriptions and floor names):
 *
 * - `throughput.trades.sdk.hardhat-node.<n>` trades/s (floor: `throughput.trades.raw…`, the
 *   ethers rate; target ≥ 0.9 × floor);
 * - `gas.trades.buyer.per-trade.<batch>` the buyer's gas per trade in bulk (its share of the
 *   approval and of the batch), floor `gas.dvp.settle` (target ≤ 0.6 × the single settle);
 * - `gas.trades.buyer.authorization.per-trade` one `settleWithAuthorization` per trade (the
 *   alternative the tool does not choose by default), `gas.trades.seller.per-trade` (lock + redeem);
 * - the two-ledger rows of `bench/trades-xledger.ts` (`--xledger N` trades, default the smallest
 *   size up to 100);
 * - `rpc.trades.sdk.hardhat-node.<n>` JSON-RPC requests per trade through settleTrades (seller,
 *   buyer, seller: reads, checks, sends, receipts), floor `rpc.trades.raw…` the same count for the
 *   direct ethers round; both counted on the one provider every firm shares (each call of a
 *   JSON-RPC batch counts as one request).
 */
import { writeFile } from "node:fs/promises";
import {
  JsonRpcProvider,
  NonceManager,
  Wallet,
  type JsonRpcPayload,
  type JsonRpcResult,
  type Provider,
} from "ethers";
import {
  FirmClient,
  contracts,
  encodeTerms,
  parseTradeFile,
  settleTrades,
  termsArg,
  tradeReference,
  tradeTerms,
  type KessaiAddresses,
  type SettleTradesResult,
  type Trade,
} from "../packages/sdk/src/index.js";
import { nodeKey, startHardhatNode } from "../test/ts/sdk/hardhat-node.js";
import { BUYER, HEADER, SELLER, addr, day, fundedFirms } from "../test/ts/cli/trades-fixture.js";
import type { GatewayRow } from "./gateway.js";
import { all, twoLedgerTradeRows } from "./trades-xledger.js";

const opts = JSON.parse(process.env.KESSAI_TRADES_BENCH_OPTIONS ?? "{}") as {
  n?: number[];
  out?: string;
  batch?: number;
  concurrency?: number;
  /** Rounds per size, in the order of `n` (the last one repeats for the sizes after it). */
  rounds?: number[];
  /** Trades on two ledgers (bench/trades-xledger.ts); 0 skips them. */
  xledger?: number;
};
const SIZES = opts.n ?? [1000];
const BATCH = opts.batch ?? 50;
const CONCURRENCY = opts.concurrency ?? 128;
const ROUNDS = opts.rounds ?? [2];
const roundsFor = (i: number) => ROUNDS[Math.min(i, ROUNDS.length - 1)];
const log = (m: string) => console.log(`bench trades: ${m}`);
let seq = 0;

/**
 * The bench's provider, counting JSON-RPC requests (each call of a batch counts as one): the
 * figure that does not move with the machine's load, where trades/s does.
 */
class CountingProvider extends JsonRpcProvider {
  requests = 0;
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    this.requests += Array.isArray(payload) ? payload.length : 1;
    return super._send(payload);
  }
}

function tradesFor(n: number, token: string): Trade[] {
  const lines = Array.from({ length: n }, () => {
    const k = ++seq;
    return [
      "ODX",
      `B-${k}`,
      day(0),
      day(1),
      token,
      addr(SELLER),
      addr(BUYER),
      String(1 + (k % 9)),
      "10000",
      "",
      "",
    ].join(",");
  });
  const r = parseTradeFile([HEADER, ...lines].join("\n"));
  if (r.errors.length) throw r.errors[0];
  return r.trades;
}

/** The same transactions as settleTrades, sent directly with ethers. Returns seconds. */
async function direct(provider: Provider, a: KessaiAddresses, trades: Trade[]): Promise<number> {
  const seller = new NonceManager(new Wallet(nodeKey(SELLER), provider));
  const buyer = new NonceManager(new Wallet(nodeKey(BUYER), provider));
  const st = contracts.SecurityToken__factory.connect(a.securityToken, seller);
  const dtSeller = contracts.DepositToken__factory.connect(a.depositToken, seller);
  const dtBuyer = contracts.DepositToken__factory.connect(a.depositToken, buyer);
  const dvp = contracts.DeliveryVersusPayment__factory.connect(a.dvp, buyer);
  const terms = trades.map((t) => tradeTerms(t, a.depositToken));
  const started = performance.now();
  await all(terms.map((t) => () => st.lock(a.dvp, t.quantity, encodeTerms(t))));
  const total = terms.reduce((s, t) => s + t.amount, 0n);
  await (await dtBuyer.approve(a.dvp, total)).wait();
  const batches = [];
  for (let i = 0; i < terms.length; i += BATCH)
    batches.push(terms.slice(i, i + BATCH).map(termsArg));
  await all(batches.map((b) => () => dvp.settleBatchPerItem(b)));
  await all(terms.map((t) => () => dtSeller.redeem(t.amount, tradeReference(t.id, "redemption"))));
  return (performance.now() - started) / 1000;
}

async function main() {
  const node = await startHardhatNode();
  const provider = new CountingProvider(node.url, undefined, {
    staticNetwork: true,
    pollingInterval: 20,
  });
  const rows: GatewayRow[] = [];
  try {
    const { addresses } = await fundedFirms(provider, {
      stIssued: 10n ** 9n,
      dcjpyIssued: 10n ** 15n,
    });
    const policy = {
      pollIntervalMs: 20,
      stallCheckMs: 200,
      bumpAfterBlocks: 1_000,
      bumpAfterMs: 600_000,
      timeoutMs: 600_000,
    };
    const firm = (i: number) =>
      FirmClient.connect({
        runner: new Wallet(nodeKey(i), provider),
        addresses,
        transactions: { policy },
      });
    const [seller, buyer] = await Promise.all([firm(SELLER), firm(BUYER)]);

    for (const [i, n] of SIZES.entries()) {
      // alternating rounds, direct then the tool, each on fresh trades of the same shapes; the
      // best round of each counts (the machine is shared: one slow round says little)
      let rawS = Infinity;
      let sdkS = Infinity;
      let rawRequests = 0;
      let sdkRequests = 0;
      let s1!: SettleTradesResult, b!: SettleTradesResult, s2!: SettleTradesResult;
      const sizeStarted = performance.now();
      for (let round = 1; round <= roundsFor(i); round++) {
        log(`${n} trades, direct with ethers (round ${round})`);
        let counted = provider.requests;
        rawS = Math.min(
          rawS,
          await direct(provider, addresses, tradesFor(n, addresses.securityToken)),
        );
        rawRequests = provider.requests - counted;
        log(`${n} trades, settleTrades: seller, buyer, seller (round ${round})`);
        const trades = tradesFor(n, addresses.securityToken);
        counted = provider.requests;
        const started = performance.now();
        s1 = await settleTrades({ as: "seller", firm: seller, trades, concurrency: CONCURRENCY });
        b = await settleTrades({
          as: "buyer",
          firm: buyer,
          trades,
          concurrency: CONCURRENCY,
          batchSize: BATCH,
        });
        s2 = await settleTrades({ as: "seller", firm: seller, trades, concurrency: CONCURRENCY });
        sdkS = Math.min(sdkS, (performance.now() - started) / 1000);
        sdkRequests = provider.requests - counted;
      }
      if (s2.counts.settled !== n || b.counts.settled !== n)
        throw new Error(`not all settled: ${JSON.stringify(s2.counts)}`);
      rows.push({
        name: `throughput.trades.raw.hardhat-node.${n}`,
        unit: "trades/s",
        value: Math.round((n / rawS) * 10) / 10,
        description: `${n} trades, one seller and one buyer, hardhat node: every lock, one approval, settleBatchPerItem of ${BATCH}, every redemption, sent directly with ethers (NonceManager)`,
      });
      rows.push({
        name: `throughput.trades.sdk.hardhat-node.${n}`,
        unit: "trades/s",
        value: Math.round((n / sdkS) * 10) / 10,
        description: `the same through settleTrades (seller, buyer, seller again): reads of every state, eligibility checks before each lock, journal keys, per-trade report`,
        floorName: `throughput.trades.raw.hardhat-node.${n}`,
      });
      const perTrade = (rs: typeof b.results) =>
        Math.round(Number(rs.reduce((x, r) => x + r.gasUsed, 0n)) / rs.length);
      // gas per trade does not depend on the day's size: one row each, from the first size
      if (i === 0) {
        rows.push({
          name: `gas.trades.buyer.per-trade.${BATCH}`,
          unit: "gas",
          value: perTrade(b.results),
          description: `the buyer's gas per trade in bulk: its share of one DCJPY approval and of settleBatchPerItem over ${BATCH} trades (${n} trades)`,
          floorName: "gas.dvp.settle",
        });
        rows.push({
          name: "gas.trades.seller.per-trade",
          unit: "gas",
          value: Math.round(
            Number([...s1.results, ...s2.results].reduce((x, r) => x + r.gasUsed, 0n)) / n,
          ),
          description: "the seller's gas per trade: its lock (step 1) and its redemption (step 7)",
          floorName: "gas.dvp.step1",
        });
      }
      rows.push({
        name: `rpc.trades.raw.hardhat-node.${n}`,
        unit: "requests/trade",
        value: Math.round((rawRequests / n) * 100) / 100,
        description: `JSON-RPC requests per trade of the direct ethers round (${n} trades: sends, nonces, receipts), counted on the bench's provider`,
      });
      rows.push({
        name: `rpc.trades.sdk.hardhat-node.${n}`,
        unit: "requests/trade",
        value: Math.round((sdkRequests / n) * 100) / 100,
        description: `JSON-RPC requests per trade through settleTrades (${n} trades; seller, buyer, seller: batched state reads, checks, sends, receipts)`,
        floorName: `rpc.trades.raw.hardhat-node.${n}`,
      });
      log(
        `raw ${(n / rawS).toFixed(1)} trades/s, settleTrades ${(n / sdkS).toFixed(1)} trades/s, buyer ${perTrade(b.results)} gas/trade; requests/trade raw ${(rawRequests / n).toFixed(2)}, settleTrades ${(sdkRequests / n).toFixed(2)}; ${n} trades took ${((performance.now() - sizeStarted) / 1000).toFixed(0)} s in all (${roundsFor(i)} round(s) of each)`,
      );
    }
    // the alternative payment, per trade with a transfer authorization (measured, not chosen)
    const few = tradesFor(20, addresses.securityToken);
    await settleTrades({ as: "seller", firm: seller, trades: few });
    const auth = await settleTrades({
      as: "buyer",
      firm: buyer,
      trades: few,
      payment: "authorization",
    });
    rows.push({
      name: "gas.trades.buyer.authorization.per-trade",
      unit: "gas",
      value: Math.round(Number(auth.results.reduce((x, r) => x + r.gasUsed, 0n)) / few.length),
      description:
        "the buyer paying each trade with its own settleWithAuthorization (payment: authorization), 20 trades",
      floorName: "gas.dvp.settle",
    });
  } finally {
    provider.destroy();
    await node.stop();
  }
  const xledger = opts.xledger ?? Math.min(100, SIZES[0]);
  if (xledger > 0) rows.push(...(await twoLedgerTradeRows(xledger)));
  const out = opts.out ?? "bench/results.trades.json";
  await writeFile(out, JSON.stringify({ rows }, null, 2) + "\n");
  log(`rows written to ${out}`);
}

await main();
