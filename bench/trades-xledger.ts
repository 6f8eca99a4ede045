/**
 * Trades on two ledgers (part of `bench/trades.mjs`): a day of N trades between one seller and one
 * buyer on two anvil nodes (the ST ledger 31338, the cash ledger 31339) with the verifier service
 * in process deciding and relaying, settled with `settleCrossLedgerTrades` (the seller's and the
 * buyer's runs at once: locks, one approval and an instruction per trade, the seller's
 * redemptions once delivered), beside the same transactions sent directly with ethers (every lock,
 * one approval, every instruction, then every redemption once the verifier has delivered). Rows:
 *
 * - `throughput.trades.xledger.raw.anvil.<n>` trades/s of the direct round;
 * - `throughput.trades.xledger.sdk.anvil.<n>` trades/s through settleCrossLedgerTrades (floor: the
 *   direct rate);
 * - `gas.trades.xledger.seller.per-trade`, `gas.trades.xledger.buyer.per-trade` each side's gas
 *   per trade (seller: lock + redemption; buyer: its share of the approval + its instruction).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AbiCoder, JsonRpcProvider, Wallet } from "ethers";
import {
  CashLedgerClient,
  StLedgerClient,
  crossLedgerTradeTerms,
  parseTradeFile,
  settleCrossLedgerTrades,
  tradeReference,
  type CrossLedgerTerms,
  type Trade,
} from "../packages/sdk/src/index.js";
import { nodeKey } from "../test/ts/sdk/hardhat-node.js";
// the ledgers, their parties' funds and terms, the terms' ABI type, the accounts
import {
  startTwoLedgers,
  fundTraders,
  ledgerPair,
  contractsOf,
  TERMS_TUPLE,
  BUYER,
  SELLER,
  VERIFIER,
  type TwoLedgers,
} from "../test/ts/verifier/two-nodes.js";
import { HEADER, addr, day } from "../test/ts/cli/trades-fixture.js";
import { startVerifierOn } from "../test/ts/cli/two-ledger-verifier.js";
import type { GatewayRow } from "./gateway.js";

const log = (m: string) => console.log(`bench trades (two ledgers): ${m}`);
let seq = 0;

function tradesFor(l: TwoLedgers, n: number): { trades: Trade[]; terms: CrossLedgerTerms[] } {
  const lines = Array.from({ length: n }, () => {
    const k = ++seq;
    return ["ODX", `XB-${k}`, day(0), day(1), l.addr.bond, addr(SELLER), addr(BUYER)]
      .concat([String(1 + (k % 9)), "10000", "", ""])
      .join(",");
  });
  const r = parseTradeFile([HEADER, ...lines].join("\n"));
  if (r.errors.length) throw r.errors[0];
  const pair = ledgerPair(l);
  return { trades: r.trades, terms: r.trades.map((t) => crossLedgerTradeTerms(t, pair)) };
}

/**
 * Sends `sends` 32 at a time, as the SDK's concurrency (a NonceManager numbers them as they are
 * called; all 1,000 at once make a node drop connections), then waits for every receipt.
 */
export async function all(sends: (() => Promise<{ wait(): Promise<unknown> }>)[]): Promise<void> {
  const sent: { wait(): Promise<unknown> }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < sends.length) sent.push(await sends[next++]());
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await Promise.all(sent.map((tx) => tx.wait()));
}

/** The same transactions sent directly with ethers; seconds until every trade is redeemed. */
async function direct(l: TwoLedgers, terms: CrossLedgerTerms[]): Promise<number> {
  const seller = await contractsOf(l, SELLER);
  const buyer = await contractsOf(l, BUYER);
  const coder = AbiCoder.defaultAbiCoder();
  const started = performance.now();
  const total = terms.reduce((s, t) => s + t.amount, 0n);
  await Promise.all([
    all(
      terms.map(
        (t) => () =>
          seller.bond.lock(l.addr.delivery, t.quantity, coder.encode([TERMS_TUPLE], [t])),
      ),
    ),
    (async () => {
      await (await buyer.dcjpy.approve(l.addr.payment, total)).wait();
      await all(terms.map((t) => () => buyer.payment.instruct(t)));
    })(),
  ]);
  // the verifier pays and delivers; the seller redeems each trade once it is delivered
  const left = new Set(terms);
  while (left.size > 0) {
    const open = [...left];
    const states = await Promise.all(open.map((t) => seller.delivery.stateOf(t.id)));
    const ready = open.filter((_, i) => states[i] === 2n);
    for (const t of ready) left.delete(t);
    await all(
      ready.map((t) => () => seller.dcjpy.redeem(t.amount, tradeReference(t.id, "redemption"))),
    );
    if (left.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return (performance.now() - started) / 1000;
}

/** The two-ledger rows for a day of `n` trades (one round of each). */
export async function twoLedgerTradeRows(n: number): Promise<GatewayRow[]> {
  const l = await startTwoLedgers();
  const dir = await mkdtemp(path.join(os.tmpdir(), "kessai-trades-xl-bench-"));
  const service = await startVerifierOn(l, dir);
  const providers: JsonRpcProvider[] = [];
  const provider = (url: string) => {
    const p = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
    providers.push(p);
    return p;
  };
  try {
    await fundTraders(l, { units: 10n ** 9n, cash: 10n ** 15n, reference: "xl bench float" });

    log(`${n} trades, direct with ethers`);
    const rawS = await direct(l, tradesFor(l, n).terms);

    log(`${n} trades, settleCrossLedgerTrades: seller and buyer at once`);
    const policy = { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 600_000 };
    const party = async (i: number) => ({
      st: await StLedgerClient.connect({
        runner: new Wallet(nodeKey(i), provider(l.st.node.url)),
        delivery: l.addr.delivery,
        transactions: { policy },
      }),
      cash: await CashLedgerClient.connect({
        runner: new Wallet(nodeKey(i), provider(l.cash.node.url)),
        payment: l.addr.payment,
        transactions: { policy },
      }),
      cashToken: l.addr.dcjpy,
      verifier: addr(VERIFIER),
    });
    const [seller, buyer] = await Promise.all([party(SELLER), party(BUYER)]);
    const { trades } = tradesFor(l, n);
    const started = performance.now();
    const [s, b] = await Promise.all(
      (["seller", "buyer"] as const).map((as) =>
        settleCrossLedgerTrades({
          as,
          ledgers: as === "seller" ? seller : buyer,
          trades,
          concurrency: 32,
          waitMs: 600_000,
          pollMs: 100,
        }),
      ),
    );
    const sdkS = (performance.now() - started) / 1000;
    if (s.counts.settled !== n || b.counts.settled !== n)
      throw new Error(`not all settled: ${JSON.stringify([s.counts, b.counts])}`);
    const perTrade = (rs: typeof s.results) =>
      Math.round(Number(rs.reduce((x, r) => x + r.gasUsed, 0n)) / rs.length);
    log(
      `raw ${(n / rawS).toFixed(1)} trades/s, settleCrossLedgerTrades ${(n / sdkS).toFixed(1)} trades/s; gas/trade seller ${perTrade(s.results)}, buyer ${perTrade(b.results)}`,
    );
    return [
      {
        name: `throughput.trades.xledger.raw.anvil.${n}`,
        unit: "trades/s",
        value: Math.round((n / rawS) * 10) / 10,
        description: `${n} trades on two ledgers (two anvil nodes, the verifier service in process): every lock, one approval, every instruction, every redemption once delivered, sent directly with ethers`,
      },
      {
        name: `throughput.trades.xledger.sdk.anvil.${n}`,
        unit: "trades/s",
        value: Math.round((n / sdkS) * 10) / 10,
        description: `the same through settleCrossLedgerTrades (seller and buyer at once, until every trade is delivered and redeemed): batched reads of both ledgers, journal keys, per-trade report`,
        floorName: `throughput.trades.xledger.raw.anvil.${n}`,
      },
      {
        name: "gas.trades.xledger.seller.per-trade",
        unit: "gas",
        value: perTrade(s.results),
        description:
          "the seller's gas per two-ledger trade: its lock (ST ledger) and redemption (cash ledger)",
      },
      {
        name: "gas.trades.xledger.buyer.per-trade",
        unit: "gas",
        value: perTrade(b.results),
        description:
          "the buyer's gas per two-ledger trade: its share of one approval and its instruction (cash ledger)",
      },
    ];
  } finally {
    await service.close();
    for (const p of providers) p.destroy();
    await l.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
