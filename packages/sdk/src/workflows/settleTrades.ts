import { ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import * as a from "../actions/index.js";
import type { FirmClient } from "../clients/firm.js";
import type { KessaiContext } from "../context/connect.js";
import { readBatch } from "../context/readBatch.js";
import { latestBlockTime, readCall, withSendOptions, type TxResult } from "../context/send.js";
import { settlementStateName, type SettlementStateName } from "../constants/enums.js";
import { InvalidParameterError } from "../errors/input.js";
import { IneligibleTradeError, SettlementTermsMismatchError } from "../errors/settlement.js";
import { pool } from "../utils/pool.js";
import { tradeReference } from "../utils/reference.js";
import { termsDigest, type SettlementTerms } from "../settlement/terms.js";
import { tradeTerms, type Trade } from "../settlement/tradeFile.js";
import { settleTradeKey } from "./settleTrade.js";
import {
  checkTrades,
  errorOf,
  failResult,
  positiveInteger,
  progressReporter,
  recordTx,
  refuseResult,
  runPasses,
  type RunItem,
  type TradeErrorRecord,
} from "./tradeRun.js";

export { errorOf, nextAction, type TradeErrorRecord } from "./tradeRun.js";

/**
 * Where a trade stands for the side that ran {@link settleTrades}, after the run:
 *
 * - `settled`: both legs moved (the seller has also redeemed its DCJPY, unless `redeem: false`);
 * - `pending`: waiting for the counterparty (the seller to lock, the buyer to settle) or the agent;
 * - `expired`, `cancelled`, `rejected`, `terminated`: the settlement ended without settling
 *   (the DVP's Expired, Cancelled, Rejected, Failed);
 * - `refused`: this side sent nothing for it, because a check or the contract refused it
 *   (`error` says why, `next` what to do);
 * - `failed`: this side's transaction for it reverted or could not be sent (`error`, `next`).
 *
 * `settled`, `expired`, `cancelled`, `rejected` and `terminated` are final on chain.
 */
export type TradeStatus =
  | "settled"
  | "pending"
  | "expired"
  | "cancelled"
  | "rejected"
  | "terminated"
  | "refused"
  | "failed";

/** A transaction this side sent (or found sent) for a trade. */
export interface TradeTx {
  /** `lock`, `redeem`, `reclaim`, `refund`, `settle` (one trade), `settleBatch` (shared). */
  step: "lock" | "redeem" | "reclaim" | "refund" | "settle" | "settleBatch" | "approve";
  hash: string;
  /** Gas of the transaction; for a batch or the shared approval, this trade's share. */
  gasUsed: bigint;
  /** How many trades shared the transaction (1 when it was this trade's own). */
  sharedBy: number;
}

/** The outcome of one trade of {@link settleTrades}. */
export interface TradeResult {
  line: number;
  venue: string;
  tradeId: string;
  id: string;
  status: TradeStatus;
  /** The settlement's state on chain after the run (`None` when it was never created). */
  chainState: SettlementStateName;
  txs: TradeTx[];
  /** Sum of `txs[].gasUsed`. */
  gasUsed: bigint;
  /** Why the trade did not settle: the typed error (its class name, e.g. `SecurityTokenIneligibleReceiver`). */
  error?: TradeErrorRecord;
  /** What the firm can do next. */
  next?: string;
}

/** Reported to {@link SettleTradesParams.onProgress} each time a trade's result is known. */
export interface TradesProgress {
  done: number;
  total: number;
  result: TradeResult;
}

/** Parameters of {@link settleTrades}. */
export interface SettleTradesParams {
  /** This side of every trade: the client's signer must be the seller (or buyer) of each. */
  as: "seller" | "buyer";
  /** The firm's client (its signer sends this side's transactions). */
  firm: FirmClient;
  trades: Trade[];
  /** Trades in flight at once (reads and sends through the nonce queue). Default 16. */
  concurrency?: number;
  /**
   * How the buyer pays. `batch` (default): one DCJPY approval of the total, then
   * `settleBatchPerItem` over `batchSize` settlements at a time (an item that cannot settle
   * reverts alone and is reported; an item already settled is skipped by the contract, so a
   * batch sent twice settles nothing twice). `authorization`: one `settleWithAuthorization` per
   * trade, signed for exactly that settlement.
   */
  payment?: "batch" | "authorization";
  /** Settlements per `settleBatchPerItem`. Default 50. */
  batchSize?: number;
  /** Seller: redeem the DCJPY of each settled trade (reference `tradeReference(id, "redemption")`). Default true. */
  redeem?: boolean;
  /**
   * Cut-off handling. Seller: reclaim every open settlement whose deadline has passed (it
   * becomes Expired and the units come back). Buyer: the same reclaim (anyone may call it), then
   * redeem the DCJPY the trades that did not settle would have used, one redemption per trade
   * under {@link tradeRefundReference} (the bank credits the deposit account when it sees the
   * redemption; no call to the bank is needed).
   */
  reclaimExpired?: boolean;
  /**
   * Keep going until every trade is final or `waitMs` has passed, looking again every `pollMs`
   * (default 1000): the seller waits for the buyer to settle (and redeems), the buyer for the
   * seller to lock. Default 0: one pass.
   */
  waitMs?: number;
  pollMs?: number;
  /** Stops the run (sends in flight end with `SendAbortedError`); run again to resume. */
  signal?: AbortSignal;
  /**
   * Called once per trade when its result for this run is known (pending trades last); an
   * exception it throws stops the run (run again to resume).
   */
  onProgress?: (p: TradesProgress) => void | Promise<void>;
}

/** What {@link settleTrades} resolves to: one result per trade, in the order given. */
export interface SettleTradesResult {
  as: "seller" | "buyer";
  results: TradeResult[];
  /** Count per status. */
  counts: Record<TradeStatus, number>;
}

/** The reference under which a buyer redeems the DCJPY of a trade that did not settle. */
export function tradeRefundReference(id: string): string {
  return keccak256(toUtf8Bytes(`kessai:refund:${id.toLowerCase()}`));
}

const FINAL: TradeStatus[] = ["settled", "expired", "cancelled", "rejected", "terminated"];
/** Every {@link TradeStatus}, in the order the counts list them. */
export const TRADE_STATUSES: readonly TradeStatus[] = [
  "settled",
  "pending",
  "expired",
  "cancelled",
  "rejected",
  "terminated",
  "refused",
  "failed",
];
const CHAIN_FINAL: Partial<Record<SettlementStateName, TradeStatus>> = {
  Expired: "expired",
  Cancelled: "cancelled",
  Rejected: "rejected",
  Failed: "terminated",
};

const TERMS_FIELDS = ["seller", "buyer", "quantity", "amount", "deadline", "agent"] as const;

/** Journal key of a buyer's batch: the batch's settlement IDs, in order. */
function batchKey(ids: string[]): string {
  return `settleTrades:batch:${keccak256(toUtf8Bytes(ids.join(",")))}`;
}

interface Item extends RunItem<TradeResult> {
  terms: SettlementTerms;
}

/**
 * Runs one side's steps for every trade of a file, resumable from what the chain says: run it
 * again after an interruption and each trade carries on from its state on chain; nothing is done
 * twice (every transaction is sent under a journal key per trade and step, as
 * {@link settleTrade}'s: `settleTrade:<id>:lock`, `…:redeem`; with a durable journal a
 * transaction sent before a crash is waited for, not sent again).
 *
 * - **Seller**: locks every trade not yet on chain (step 1, `createSettlement`: the
 *   eligibility checks first, `IneligibleTradeError` refuses the trade and locks nothing), at most
 *   `concurrency` at once through the account's nonce queue; redeems the DCJPY of every trade
 *   that has settled (step 7).
 * - **Buyer**: settles every open settlement (steps 2 and 4-6 in one: a buyer settling its own
 *   pending settlement affirms it) in bulk, see `payment`. It needs the DCJPY (step 3, the
 *   bank's): an item the buyer cannot pay fails alone with the token's error.
 * - Each trade's result gives its status, the transactions with their gas (a batch's gas shared
 *   evenly), and for a trade that did not settle the typed error and what to do next.
 *
 * Before anything is sent, every trade must name this client's signer on this side and this
 * deployment's security token ({@link InvalidParameterError} otherwise). Only trades whose two
 * legs are on this chain (`ledger: "oneChain"`) are settled here; the same trade file settles on
 * two ledgers with `settleCrossLedgerTrades` (the run names the pair of ledgers).
 */
export async function settleTrades(p: SettleTradesParams): Promise<SettleTradesResult> {
  if (p.as !== "seller" && p.as !== "buyer")
    throw new InvalidParameterError("as", p.as, 'must be "seller" or "buyer"');
  const ctx = p.firm.ctx;
  const me = ctx.account?.toLowerCase();
  if (!me) throw new InvalidParameterError("firm", undefined, "must have a signer");
  const concurrency = positiveInteger("concurrency", p.concurrency, 16);
  const batchSize = positiveInteger("batchSize", p.batchSize, 50);
  checkTrades(p.trades, p.as, ctx.account!, (trade, i) => {
    if (trade.ledger !== "oneChain")
      throw new InvalidParameterError(`trades[${i}].ledger`, trade.ledger, "is not supported");
    return trade.id;
  });
  const items: Item[] = p.trades.map((trade) => ({
    trade,
    terms: tradeTerms(trade, ctx.addresses.depositToken),
    reported: false,
    result: {
      line: trade.line,
      venue: trade.venue,
      tradeId: trade.tradeId,
      id: trade.id,
      status: "pending",
      chainState: "None",
      txs: [],
      gasUsed: 0n,
    },
  }));
  const bad = items.find((it) => it.terms.securityToken !== ctx.addresses.securityToken);
  if (bad)
    throw new InvalidParameterError(
      `trades[${items.indexOf(bad)}].securityToken`,
      bad.trade.securityToken,
      `is not this deployment's security token ${ctx.addresses.securityToken}`,
    );

  const report = progressReporter(items, p.onProgress);
  const scope = { chainId: ctx.chainId, dvp: ctx.addresses.dvp };
  const keyed = (id: string, step: string): KessaiContext =>
    withSendOptions(ctx, {
      key: step.startsWith("settleTrades:") ? step : settleTradeKey(scope, id, step as "lock"),
      ...(p.signal ? { signal: p.signal } : {}),
    });
  const run: Run = { p, ctx, keyed, concurrency, batchSize, report };

  const { results, counts } = await runPasses(
    { ...p, action: "settleTrades", statuses: TRADE_STATUSES },
    items,
    report,
    async () => {
      const now = await latestBlockTime(ctx);
      await readStates(run, items);
      if (p.as === "seller") await sellerPass(run, items, now);
      else await buyerPass(run, items, now);
    },
  );
  return { as: p.as, results, counts };
}

/** The fields of the DVP's `settlementOf` record read here. */
interface SettlementRecord {
  state: bigint | number;
  termsDigest: string;
}

interface Run {
  p: SettleTradesParams;
  ctx: KessaiContext;
  keyed: (id: string, step: string) => KessaiContext;
  concurrency: number;
  batchSize: number;
  /** Reports a trade once its result for this run is known (as soon as its work is done). */
  report: (it: Item) => Promise<void>;
}

/**
 * Reads every non-final trade's settlement record (state and terms commitment): in batches of
 * `settlementOf` calls at the latest block (one `eth_call` per 93, see {@link readBatch}); a
 * record the batch could not read (or every one, on a node that does not run the batch) is read
 * on its own, with the usual typed errors.
 */
async function readStates(r: Run, items: Item[]): Promise<void> {
  const open = items.filter(
    (it) =>
      !FINAL.includes(it.result.status) &&
      it.result.status !== "refused" &&
      it.result.status !== "failed",
  );
  const dvp = r.ctx.dvp;
  const answers = await readBatch(
    r.ctx,
    r.ctx.addresses.dvp,
    open.map((it) => dvp.interface.encodeFunctionData("settlementOf", [it.terms.id])),
    { answerBytes: 160 },
  );
  const batched = new Map<Item, SettlementRecord>();
  open.forEach((it, i) => {
    const ans = answers?.[i];
    if (ans?.ok)
      batched.set(
        it,
        dvp.interface.decodeFunctionResult("settlementOf", ans.data)[0] as SettlementRecord,
      );
  });
  await pool(open, r.concurrency, async (it) => {
    const rec =
      batched.get(it) ??
      (await readCall("dvp.settlementOf", () => r.ctx.dvp.settlementOf(it.terms.id)));
    const state = settlementStateName(rec.state);
    it.result.chainState = state;
    if (state !== "None") {
      const expected = termsDigest(it.terms).toLowerCase();
      const stored = String(rec.termsDigest).toLowerCase();
      if (expected !== stored) {
        let fields: string[] | undefined;
        try {
          const onChain = (await a.getSettlement(r.ctx, { id: it.terms.id })).terms;
          if (onChain)
            fields = TERMS_FIELDS.filter((f) => String(onChain[f]) !== String(it.terms[f]));
        } catch {
          fields = undefined; // the mismatch itself is established by the stored commitment
        }
        const e = new SettlementTermsMismatchError(it.terms.id, state, expected, stored, fields);
        fail(it, "refused", e);
        return;
      }
    }
    const final = CHAIN_FINAL[state];
    if (final) it.result.status = final;
  });
}

/**
 * Checks every trade the seller is about to lock, as `createSettlement` would (see
 * {@link a.tradeIneligibility}), once per distinct seller, buyer, quantity and cash token, all
 * before the first lock: trades that share those fields get the same answer, read once.
 */
async function eligibility(r: Run, toLock: Item[]): Promise<Map<Item, a.TradeIneligibility>> {
  const byKey = new Map<string, Item[]>();
  for (const it of toLock) {
    const t = it.terms;
    const key = [t.cashToken, t.seller, t.buyer, t.quantity].join(":").toLowerCase();
    const same = byKey.get(key);
    if (same) same.push(it);
    else byKey.set(key, [it]);
  }
  const out = new Map<Item, a.TradeIneligibility>();
  await pool([...byKey.values()], r.concurrency, async (same) => {
    const finding = await a.tradeIneligibility(r.ctx, same[0].terms);
    if (finding) for (const it of same) out.set(it, finding);
  });
  return out;
}

/**
 * Whether each settled trade's DVP redemption is recorded under its reference, read in batches
 * (undefined for a trade the batch could not read: it is read on its own).
 */
async function redemptionsRecorded(r: Run, settled: Item[]): Promise<Map<Item, boolean>> {
  const dt = r.ctx.depositToken;
  const answers = await readBatch(
    r.ctx,
    r.ctx.addresses.depositToken,
    settled.map((it) =>
      dt.interface.encodeFunctionData("redemptionOf", [tradeReference(it.terms.id, "redemption")]),
    ),
    { answerBytes: 96 },
  );
  const out = new Map<Item, boolean>();
  settled.forEach((it, i) => {
    const ans = answers?.[i];
    if (!ans?.ok) return;
    const rec = dt.interface.decodeFunctionResult("redemptionOf", ans.data)[0] as {
      account: string;
    };
    out.set(it, rec.account !== ZeroAddress);
  });
  return out;
}

async function sellerPass(r: Run, items: Item[], now: bigint): Promise<void> {
  const { p, ctx } = r;
  const todo = items.filter(
    (it) =>
      it.result.status === "pending" ||
      (FINAL.includes(it.result.status) && it.result.chainState === "Settled"),
  );
  const toLock = todo.filter((it) => it.result.chainState === "None" && it.terms.deadline > now);
  const refusals = await eligibility(r, toLock);
  const redeemed =
    p.redeem === false
      ? new Map<Item, boolean>()
      : await redemptionsRecorded(
          r,
          todo.filter((it) => it.result.chainState === "Settled"),
        );
  await pool(todo, r.concurrency, async (it) => {
    await sellerStep(it);
    await r.report(it);
  });

  async function sellerStep(it: Item): Promise<void> {
    const s = it.result.chainState;
    const t = it.terms;
    if (s === "None") {
      if (t.deadline <= now) {
        return refuseResult(
          it.result,
          "DeadlinePassed",
          `the settlement date ${it.trade.settlementDate} has passed (deadline ${t.deadline}, block time ${now}); nothing was locked`,
          "agree a new settlement date with the buyer (a new trade line)",
        );
      }
      const finding = refusals.get(it);
      if (finding) {
        const e = new IneligibleTradeError(t.id, finding.reason, finding.account, {
          cause: finding.cause,
        });
        return fail(it, "refused", e);
      }
      try {
        // checked above (eligibility), as createSettlement would have: it checks the deadline
        const tx = await a.createSettlement(r.keyed(t.id, "lock"), { terms: t, force: true });
        addTx(it, "lock", tx, 1);
        it.result.chainState = "Pending";
      } catch (e) {
        return fail(it, e instanceof IneligibleTradeError ? "refused" : "failed", e);
      }
      return;
    }
    if (s === "Pending" || s === "Affirmed") {
      if (t.deadline < now) return expire(r, it, now);
      it.result.next = "wait for the buyer to settle";
      return;
    }
    if (s === "Settled") {
      if (p.redeem !== false) {
        const ref = tradeReference(t.id, "redemption");
        const used =
          redeemed.get(it) ??
          (await a.getReferenceRecord(ctx, { kind: "redemption", reference: ref })) !== undefined;
        if (!used) {
          try {
            const tx = await a.redeemDeposit(r.keyed(t.id, "redeem"), {
              amount: t.amount,
              redemptionRef: ref,
            });
            addTx(it, "redeem", tx, 1);
          } catch (e) {
            return fail(it, "failed", e, "settled; the DCJPY redemption failed: run again");
          }
        }
      }
      it.result.status = "settled";
      it.result.next = undefined;
    }
  }
}

/** An open settlement past its deadline: reclaim it when asked, else say so. */
async function expire(r: Run, it: Item, now: bigint): Promise<void> {
  if (!r.p.reclaimExpired) {
    it.result.status = "pending";
    it.result.next = `the deadline passed (block time ${now}): run again with --reclaim-expired`;
    it.result.error = {
      name: "DvpDeadlinePassed",
      message: `deadline ${it.terms.deadline} passed at block time ${now}`,
    };
    return;
  }
  try {
    const tx = await a.reclaimSettlement(r.keyed(it.terms.id, "reclaim"), { terms: it.terms });
    addTx(it, "reclaim", tx, 1);
    it.result.chainState = "Expired";
    it.result.status = "expired";
    it.result.error = undefined;
    it.result.next = undefined;
  } catch (e) {
    fail(it, "failed", e);
  }
}

async function buyerPass(r: Run, items: Item[], now: bigint): Promise<void> {
  const { p, ctx } = r;
  const payable: Item[] = [];
  for (const it of items) {
    if (it.result.status !== "pending") continue;
    const s = it.result.chainState;
    const t = it.terms;
    if (s === "Settled") {
      it.result.status = "settled";
      it.result.next = undefined;
      it.result.error = undefined;
    } else if (s === "None") {
      if (t.deadline <= now) {
        refuseResult(
          it.result,
          "DeadlinePassed",
          `the settlement date ${it.trade.settlementDate} has passed and the seller never locked`,
          "agree a new settlement date with the seller (a new trade line)",
        );
      } else it.result.next = "wait for the seller to lock";
    } else if (t.deadline < now) await expire(r, it, now);
    else payable.push(it);
  }
  if (payable.length > 0) {
    if ((p.payment ?? "batch") === "authorization") {
      await pool(payable, r.concurrency, async (it) => {
        try {
          const tx = await a.settleSettlement(r.keyed(it.terms.id, "settle"), {
            terms: it.terms,
            authorization: true,
          });
          addTx(it, "settle", tx, 1);
          it.result.chainState = "Settled";
          it.result.status = "settled";
        } catch (e) {
          fail(it, "failed", e);
        }
      });
    } else await payInBatches(r, payable);
  }
  if (p.reclaimExpired) {
    await pool(
      items.filter(
        (it) =>
          ["expired", "cancelled", "rejected", "terminated"].includes(it.result.status) &&
          it.result.chainState !== "None",
      ),
      r.concurrency,
      async (it) => {
        const ref = tradeRefundReference(it.terms.id);
        const used = await a.getReferenceRecord(ctx, { kind: "redemption", reference: ref });
        if (used) return;
        try {
          const tx = await a.redeemDeposit(r.keyed(it.terms.id, "refund"), {
            amount: it.terms.amount,
            redemptionRef: ref,
          });
          addTx(it, "refund", tx, 1);
        } catch (e) {
          it.result.error = errorOf(e);
          it.result.next =
            "the refund of the unused DCJPY failed (see error): run again, or redeem with `kessai dcjpy redeem`";
        }
      },
    );
  }
}

/**
 * The buyer pays: one approval of the DVP for the whole total (skipped when the allowance
 * covers it), then `settleBatchPerItem` per `batchSize` trades, up to `concurrency` batches in
 * flight through the nonce queue.
 */
async function payInBatches(r: Run, payable: Item[]): Promise<void> {
  const { ctx } = r;
  const total = payable.reduce((s, it) => s + it.terms.amount, 0n);
  const allowance = await readCall("deposit.allowance", () =>
    ctx.depositToken.allowance(ctx.account!, ctx.addresses.dvp),
  );
  if (allowance < total) {
    try {
      const tx = await a.approveDeposit(
        withSendOptions(ctx, {
          key: `settleTrades:approve:${keccak256(toUtf8Bytes(payable.map((it) => it.terms.id).join(",")))}`,
          ...(r.p.signal ? { signal: r.p.signal } : {}),
        }),
        { amount: total },
      );
      for (const it of payable) addTx(it, "approve", tx, payable.length);
    } catch (e) {
      for (const it of payable) fail(it, "failed", e);
      return;
    }
  }
  const batches: Item[][] = [];
  for (let i = 0; i < payable.length; i += r.batchSize)
    batches.push(payable.slice(i, i + r.batchSize));
  await pool(batches, Math.max(1, Math.ceil(r.concurrency / 4)), async (batch) => {
    const ids = batch.map((it) => it.terms.id);
    try {
      const res = await a.settleBatch(r.keyed(ids[0], batchKey(ids)), {
        terms: batch.map((it) => it.terms),
        mode: "perItem",
      });
      batch.forEach((it, i) => {
        addTx(it, "settleBatch", res, batch.length);
        const item = res.items[i];
        if (item.status === "settled") {
          it.result.status = "settled";
          it.result.chainState = "Settled";
          it.result.error = undefined;
          it.result.next = undefined;
        } else if (item.status === "attemptFailed") fail(it, "failed", item.error);
        // skipped: no longer open (settled or ended meanwhile): the next read tells which
      });
      for (const it of batch) await r.report(it);
    } catch (e) {
      for (const it of batch) fail(it, "failed", e);
    }
  });
  // skipped items: read again
  const again = payable.filter((it) => it.result.status === "pending");
  await pool(again, r.concurrency, async (it) => {
    const state = settlementStateName(
      await readCall("dvp.stateOf", () => ctx.dvp.stateOf(it.terms.id)),
    );
    it.result.chainState = state;
    if (state === "Settled") it.result.status = "settled";
    else if (CHAIN_FINAL[state]) it.result.status = CHAIN_FINAL[state]!;
  });
}

function addTx(it: Item, step: TradeTx["step"], tx: TxResult, sharedBy: number): void {
  recordTx(it.result, { step }, tx, sharedBy);
}

function fail(it: Item, status: "refused" | "failed", e: unknown, next?: string): void {
  failResult(it.result, status, e, next);
}
