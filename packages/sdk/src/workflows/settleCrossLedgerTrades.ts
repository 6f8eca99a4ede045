import { ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import * as a from "../actions/index.js";
import type { CashLedgerClient, StLedgerClient } from "../clients/crossLedger.js";
import { readBatch } from "../context/readBatch.js";
import { readCall, sendTx, withSendOptions, type TxResult } from "../context/send.js";
import { DepositToken__factory } from "../generated/contracts.js";
import { ContractError } from "../errors/contract.js";
import { CrossLedgerTermsConflictError } from "../errors/crossLedger.js";
import { InputError, InvalidParameterError } from "../errors/input.js";
import { IneligibleTradeError } from "../errors/settlement.js";
import {
  buildCrossLedgerTerms,
  crossLedgerTermsDigest,
  deriveCrossLedgerId,
  type CrossLedgerTerms,
} from "../settlement/crossLedger.js";
import type { Trade } from "../settlement/tradeFile.js";
import { pool } from "../utils/pool.js";
import { tradeReference } from "../utils/reference.js";
import { toRpcUrl } from "../utils/rpc.js";
import { toAddress } from "../utils/validate.js";
import {
  fetchAttestation,
  settleCrossLedgerKey,
  type SettleCrossLedgerParams,
} from "./settleCrossLedger.js";
import * as run from "./tradeRun.js";
import type { PassOptions, RunItem, TradeErrorRecord } from "./tradeRun.js";

/**
 * Where a two-ledger trade stands for the side that ran {@link settleCrossLedgerTrades}:
 *
 * - `settled`: delivered on the ST ledger (the cash ledger paid the seller);
 * - `returned`: the units went back to the seller on the ST ledger (the verifier refused, or the
 *   buyer never paid in time); the buyer's DCJPY, if it instructed, was refunded;
 * - `refunded` (buyer only): the buyer's DCJPY is back on the cash ledger; the units' return on
 *   the ST ledger is the seller's and the verifier's business;
 * - `terminated`: the ST issuer ended the settlement (`Failed`);
 * - `pending`: waiting for the other party, the verifier's decision or its relay (`next` says which);
 * - `refused`: this side sent nothing for it (a check or the ledgers refused it; `error`, `next`);
 * - `failed`: this side's transaction for it reverted or could not be sent (`error`, `next`).
 */
export type CrossLedgerTradeStatus =
  "settled" | "returned" | "refunded" | "terminated" | "pending" | "refused" | "failed";

/** A transaction this side sent for a two-ledger trade, and on which ledger. */
export interface CrossLedgerTradeTx {
  /**
   * `lock` (seller, ST), `approve` and `instruct` (buyer, cash), `refund` (buyer, cash),
   * `deliver` / `return` (the verifier's attestation presented by the buyer / seller, ST),
   * `redeem` (seller, cash: the DCJPY of a settled trade).
   */
  step: "lock" | "approve" | "instruct" | "refund" | "deliver" | "return" | "redeem";
  ledger: "st" | "cash";
  hash: string;
  /** Gas of the transaction; for the shared approval, this trade's share. */
  gasUsed: bigint;
  /** How many trades shared the transaction (1 when it was this trade's own). */
  sharedBy: number;
}

/** The outcome of one trade of {@link settleCrossLedgerTrades}: its state on both ledgers. */
export interface CrossLedgerTradeResult {
  line: number;
  venue: string;
  tradeId: string;
  /** The two-ledger settlement ID ({@link deriveCrossLedgerId}: the trade and both chain IDs). */
  id: string;
  status: CrossLedgerTradeStatus;
  /** `CrossLedgerDelivery`'s record on the ST ledger after the run (`None`, `Locked`, `Delivered`, …). */
  stState: string;
  /** `CrossLedgerPayment`'s record on the cash ledger after the run (`None`, `Instructed`, `Paid`, …). */
  cashState: string;
  /** The combined status both ledgers show (`getCrossLedgerStatus`). */
  ledgerStatus: a.CrossLedgerStatusName;
  txs: CrossLedgerTradeTx[];
  /** Sum of `txs[].gasUsed`. */
  gasUsed: bigint;
  /** Why the trade did not settle: the typed error (its class name). */
  error?: TradeErrorRecord;
  /** What the firm can do next, or what it waits for. */
  next?: string;
}

/** The pair of ledgers every trade of the file settles on, and what the terms name besides. */
export interface CrossLedgerTradeLedgers {
  /** The ST ledger (`CrossLedgerDelivery`); signed by the seller for the seller's side. */
  st: StLedgerClient;
  /** The cash ledger (`CrossLedgerPayment`); signed by the buyer for the buyer's side. */
  cash: CashLedgerClient;
  /** DCJPY on the cash ledger. */
  cashToken: string;
  /** The verifier named in every settlement (a `VERIFIER_ROLE` holder on both ledgers). */
  verifier: string;
}

/** Parameters of {@link settleCrossLedgerTrades}. */
export interface SettleCrossLedgerTradesParams extends PassOptions<CrossLedgerTradeResult> {
  as: "seller" | "buyer";
  ledgers: CrossLedgerTradeLedgers;
  trades: Trade[];
  /** Trades in flight at once. Default 16. */
  concurrency?: number;
  /** Buyer: after the deadline, refund an undecided instruction itself. Default true. */
  refundAfterDeadline?: boolean;
  /**
   * Seller: redeem the DCJPY each settled trade paid it on the cash ledger, under
   * `tradeReference(id, "redemption")` (step 7; the bank credits the deposit account when it sees
   * the redemption), as `settleTrades` does on one chain; a trade is `settled` for the seller once
   * delivered and redeemed. Needs a signer on `ledgers.cash` (the seller's). Default true.
   */
  redeem?: boolean;
  /**
   * The verifier service's HTTP endpoint: once the cash ledger has decided and the ST ledger still
   * shows `Locked` for `selfRelayAfterMs`, this side presents the verifier's attestation itself
   * instead of waiting for the verifier's relay (as {@link settleCrossLedger}'s `verifierUrl`):
   * the buyer `deliver`s a `Paid` outcome (needs a signer on `ledgers.st`), the seller
   * `returnToSeller`s a `Refunded` one. Not signed yet (404) or no answer: `next` says so and the
   * next pass asks again.
   */
  verifierUrl?: string;
  /** A fetch for the verifier's endpoint (default: the global one). */
  fetch?: SettleCrossLedgerParams["fetch"];
  /** How long a decided trade waits for the verifier's relay before this side relays (ms). Default 30,000. */
  selfRelayAfterMs?: number;
}

/** What {@link settleCrossLedgerTrades} resolves to: one result per trade, in the order given. */
export interface SettleCrossLedgerTradesResult {
  as: "seller" | "buyer";
  results: CrossLedgerTradeResult[];
  counts: Record<CrossLedgerTradeStatus, number>;
}

/** Every {@link CrossLedgerTradeStatus}, in the order the counts list them. */
export const CROSS_LEDGER_TRADE_STATUSES: readonly CrossLedgerTradeStatus[] = [
  "settled",
  "returned",
  "refunded",
  "terminated",
  "pending",
  "refused",
  "failed",
];

/** The two-ledger terms of a trade on a pair of ledgers: both firms build the same from the same line. */
export function crossLedgerTradeTerms(
  t: Trade,
  l: {
    stChainId: bigint;
    stLedger: string;
    cashChainId: bigint;
    cashLedger: string;
    cashToken: string;
    verifier: string;
  },
): CrossLedgerTerms {
  return buildCrossLedgerTerms({
    id: deriveCrossLedgerId({ ...t, stChainId: l.stChainId, cashChainId: l.cashChainId }),
    seller: t.seller,
    buyer: t.buyer,
    stChainId: l.stChainId,
    stLedger: l.stLedger,
    securityToken: t.securityToken,
    quantity: t.quantity,
    cashChainId: l.cashChainId,
    cashLedger: l.cashLedger,
    cashToken: l.cashToken,
    amount: t.amount,
    deadline: t.deadline,
    verifier: l.verifier,
  });
}

interface Item extends RunItem<CrossLedgerTradeResult> {
  terms: CrossLedgerTerms;
  deadlinePassed: boolean;
  /** When this run first saw the cash ledger's decision with the ST ledger still `Locked`. */
  decidedAt?: number;
  /** The cash ledger decided but still owes the transfer (the receiver's account refused it). */
  transferPending: boolean;
}

/**
 * Runs one side's steps for every trade of a file whose legs are on two ledgers: the security
 * token on the ST ledger (`CrossLedgerDelivery`), DCJPY on the cash ledger
 * (`CrossLedgerPayment`), the verifier deciding. Every line of the file settles on the one pair of
 * ledgers given in `ledgers` (the trade file itself is the one-chain file, unchanged): each trade's
 * terms are {@link crossLedgerTradeTerms}, its ID {@link deriveCrossLedgerId} over the line and
 * both chain IDs, so both firms derive the same settlement independently.
 *
 * - **Seller**: locks on the ST ledger every trade not yet there (step 1, `crossLedgerLock`: the
 *   token's `canTransfer` first, `IneligibleTradeError` refuses the trade and locks nothing).
 * - **Buyer**: for every trade the seller has locked, one DCJPY approval of the payment contract
 *   for the total (skipped when the allowance covers it), then `instruct` per trade (step 4);
 *   after the deadline it refunds its own undecided instructions (`refundAfterDeadline`).
 * - The verifier decides on the cash ledger and carries the outcome to the ST ledger (steps 5
 *   and 6); each result gives the state both ledgers show, with `next` saying what is awaited.
 *
 * Resumable from what the ledgers say, as `settleTrades`: run it again and each trade carries on
 * from its states; every transaction goes under the same journal key as {@link settleCrossLedger}'s
 * (`settleCrossLedger:<id>:lock`, `…:instruct`, `…:refund`), so the two never send a step twice
 * between them. Before anything is sent, every trade must name this side's signer
 * ({@link InvalidParameterError} naming the line), no two trades may share an ID, and the terms
 * must be valid two-ledger terms (the verifier neither party, …).
 */
export async function settleCrossLedgerTrades(
  p: SettleCrossLedgerTradesParams,
): Promise<SettleCrossLedgerTradesResult> {
  if (p?.as !== "seller" && p?.as !== "buyer")
    throw new InvalidParameterError("as", p?.as, 'must be "seller" or "buyer"');
  const { st, cash } = p.ledgers ?? ({} as CrossLedgerTradeLedgers);
  if (!st?.ctx || st.ctx.side !== "st")
    throw new InvalidParameterError("ledgers.st", st, "must be an StLedgerClient");
  if (!cash?.ctx || cash.ctx.side !== "cash")
    throw new InvalidParameterError("ledgers.cash", cash, "must be a CashLedgerClient");
  const mine = p.as === "seller" ? st.ctx : cash.ctx;
  const me = mine.account?.toLowerCase();
  if (!me)
    throw new InvalidParameterError(
      p.as === "seller" ? "ledgers.st" : "ledgers.cash",
      undefined,
      `must have a signer (the ${p.as} ${p.as === "seller" ? "locks on the ST" : "instructs on the cash"} ledger)`,
    );
  const concurrency = run.positiveInteger("concurrency", p.concurrency, 16);
  const redeem = p.as === "seller" && p.redeem !== false;
  if (redeem && cash.ctx.account?.toLowerCase() !== me)
    throw new InvalidParameterError(
      "ledgers.cash",
      cash.ctx.account,
      "must have the seller's signer (it redeems the DCJPY of each settled trade), or redeem: false",
    );
  if (p.verifierUrl !== undefined) toRpcUrl(p.verifierUrl, "verifierUrl");
  if (p.verifierUrl !== undefined && p.as === "buyer" && !st.ctx.account)
    throw new InvalidParameterError(
      "ledgers.st",
      undefined,
      "must have a signer with verifierUrl (the buyer presents the attestation on the ST ledger)",
    );
  const relayAfter = p.selfRelayAfterMs ?? 30_000;
  if (typeof relayAfter !== "number" || !(relayAfter >= 0))
    throw new InvalidParameterError("selfRelayAfterMs", relayAfter, "must be 0 or more ms");
  const pair = {
    stChainId: st.ctx.chainId,
    stLedger: a.ledgerAddress(st.ctx),
    cashChainId: cash.ctx.chainId,
    cashLedger: a.ledgerAddress(cash.ctx),
    cashToken: toAddress(p.ledgers.cashToken, "ledgers.cashToken"),
    verifier: toAddress(p.ledgers.verifier, "ledgers.verifier"),
  };
  if (pair.stChainId === pair.cashChainId)
    throw new InvalidParameterError(
      "ledgers.cash",
      pair.cashChainId,
      `is on the ST ledger's chain ${pair.stChainId}: two-ledger trades need two chains`,
    );
  const termsOf = p.trades.map((trade, i) => {
    try {
      return crossLedgerTradeTerms(trade, pair);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InvalidParameterError(
        `trades[${i}]`,
        trade.tradeId,
        `makes no two-ledger terms (line ${trade.line}): ${e.shortMessage}`,
      );
    }
  });
  run.checkTrades(p.trades, p.as, mine.account!, (_t, i) => termsOf[i].id);
  const items: Item[] = p.trades.map((trade, i) => ({
    trade,
    terms: termsOf[i],
    reported: false,
    deadlinePassed: false,
    transferPending: false,
    result: {
      line: trade.line,
      venue: trade.venue,
      tradeId: trade.tradeId,
      id: termsOf[i].id,
      status: "pending",
      stState: "None",
      cashState: "None",
      ledgerStatus: "none",
      txs: [],
      gasUsed: 0n,
    },
  }));
  const report = run.progressReporter(items, p.onProgress);
  const dcjpy = DepositToken__factory.connect(pair.cashToken, cash.ctx.runner);
  const keyed = <C extends typeof st.ctx | typeof cash.ctx>(
    ctx: C,
    id: string,
    step: "lock" | "instruct" | "refund" | "deliver" | "return" | "redeem",
  ): C =>
    withSendOptions(ctx, {
      key:
        step === "redeem"
          ? `settleCrossLedger:${id.toLowerCase()}:redeem`
          : settleCrossLedgerKey(id, step),
      ...(p.signal ? { signal: p.signal } : {}),
    });

  const { results, counts } = await run.runPasses(
    { ...p, action: "settleCrossLedgerTrades", statuses: CROSS_LEDGER_TRADE_STATUSES },
    items,
    report,
    async () => {
      const open = items.filter((it) => it.result.status === "pending");
      // one batched read per ledger for every open trade
      const statuses = await a.getCrossLedgerStatuses(st.ctx, cash.ctx, {
        terms: open.map((it) => it.terms),
      });
      open.forEach((it, i) => applyStatus(it, statuses[i]));
      if (p.verifierUrl !== undefined)
        await pool(
          open.filter((it) => it.result.status === "pending"),
          concurrency,
          selfRelay,
        );
      if (p.as === "seller") {
        const todo = open.filter(
          (it) => it.result.status === "pending" || (redeem && it.result.stState === "Delivered"),
        );
        const recorded = await redemptionsRecorded(
          todo.filter((it) => it.result.stState === "Delivered"),
        );
        await pool(todo, concurrency, async (it) => {
          await sellerStep(it, recorded.get(it));
          await report(it);
        });
      } else await buyerPass(open);
    },
  );
  return { as: p.as, results, counts };

  async function sellerStep(it: Item, recorded: boolean | undefined): Promise<void> {
    const r = it.result;
    if (r.stState === "Delivered" && redeem) {
      // Redeem only DCJPY the cash ledger has paid: with the transfer still owed, a redemption
      // would spend the seller's other DCJPY under this trade's reference.
      if (!it.transferPending) return redeemPaid(it, recorded);
      r.next =
        "the cash ledger still owes the payment (the seller's DCJPY account refused it): once it can receive, anyone calls completeTransfer; the next run redeems";
      return;
    }
    if (r.stState !== "None") return;
    if (r.cashState === "Paid" || r.cashState === "Refunded") {
      // The verifier refunded an instruction that found no lock: a lock now would stay locked.
      return run.refuseResult(
        r,
        "CrossLedgerStateError",
        `the cash ledger already shows ${r.cashState}; nothing was locked`,
        "agree a new trade with the buyer (a new trade line)",
      );
    }
    if (it.deadlinePassed) {
      return run.refuseResult(
        r,
        "DeadlinePassed",
        `the settlement date ${it.trade.settlementDate} has passed (deadline ${it.terms.deadline}); nothing was locked`,
        "agree a new settlement date with the buyer (a new trade line)",
      );
    }
    try {
      const tx = await a.crossLedgerLock(keyed(st.ctx, it.terms.id, "lock"), { terms: it.terms });
      addTx(it, "lock", "st", tx, 1);
      r.stState = "Locked";
      r.ledgerStatus = r.cashState === "Instructed" ? "awaitingDecision" : "locked";
      r.next = "wait for the buyer's instruction on the cash ledger";
    } catch (e) {
      fail(it, e instanceof IneligibleTradeError ? "refused" : "failed", e);
    }
  }

  async function buyerPass(open: Item[]): Promise<void> {
    const toInstruct: Item[] = [];
    const toRefund: Item[] = [];
    for (const it of open) {
      const r = it.result;
      if (r.status !== "pending") continue;
      if (r.cashState === "Instructed") {
        if (it.deadlinePassed && (p.refundAfterDeadline ?? true)) toRefund.push(it);
      } else if (r.cashState === "None" && r.stState === "None") {
        if (it.deadlinePassed) {
          run.refuseResult(
            r,
            "DeadlinePassed",
            `the settlement date ${it.trade.settlementDate} has passed and the seller never locked`,
            "agree a new settlement date with the seller (a new trade line)",
          );
        }
      } else if (r.cashState === "None" && r.stState === "Locked") {
        if (it.deadlinePassed) {
          run.refuseResult(
            r,
            "DeadlinePassed",
            `the deadline ${it.terms.deadline} passed on the cash ledger before the buyer instructed`,
            "nothing was paid: the verifier returns the units to the seller; agree a new trade",
          );
        } else toInstruct.push(it);
      }
    }
    if (toInstruct.length > 0 && (await approveTotal(toInstruct)))
      await pool(toInstruct, concurrency, async (it) => {
        try {
          const tx = await a.crossLedgerInstruct(keyed(cash.ctx, it.terms.id, "instruct"), {
            terms: it.terms,
            approve: false,
          });
          addTx(it, "instruct", "cash", tx, 1);
          it.result.cashState = "Instructed";
          it.result.ledgerStatus = "awaitingDecision";
          it.result.next = "wait for the verifier's decision";
        } catch (e) {
          fail(it, "failed", e);
        }
        await report(it);
      });
    await pool(toRefund, concurrency, async (it) => {
      try {
        const tx = await a.crossLedgerRefund(keyed(cash.ctx, it.terms.id, "refund"), {
          terms: it.terms,
        });
        addTx(it, "refund", "cash", tx, 1);
      } catch (e) {
        // Another party decided first (a pay mined at the deadline, anyone's refund, possibly in
        // the same block, where a replay cannot type the revert): the ledgers show it. A
        // failure that is not the ledger's refusal, the instruction still undecided, is this
        // trade's failure.
        await readStatus(it, st, cash);
        if (!(e instanceof ContractError) && it.result.cashState === "Instructed")
          fail(it, "failed", e);
        return report(it);
      }
      await readStatus(it, st, cash);
      await report(it);
    });
  }

  /**
   * Whether each delivered trade's redemption is recorded on the cash token, in one batched read
   * (a trade the batch could not read is left out: {@link redeemPaid} reads it on its own).
   */
  async function redemptionsRecorded(list: Item[]): Promise<Map<Item, boolean>> {
    const out = new Map<Item, boolean>();
    if (!redeem || list.length === 0) return out;
    const answers = await readBatch(
      cash.ctx,
      pair.cashToken,
      list.map((it) =>
        dcjpy.interface.encodeFunctionData("redemptionOf", [
          tradeReference(it.terms.id, "redemption"),
        ]),
      ),
      { answerBytes: 96 },
    );
    list.forEach((it, i) => {
      const ans = answers?.[i];
      if (ans?.ok)
        out.set(
          it,
          dcjpy.interface.decodeFunctionResult("redemptionOf", ans.data)[0].account !== ZeroAddress,
        );
    });
    return out;
  }

  /**
   * Step 7 for the seller: redeems the DCJPY a settled trade paid it, under
   * `tradeReference(id, "redemption")`, unless the cash token shows that redemption recorded.
   */
  async function redeemPaid(it: Item, recorded: boolean | undefined): Promise<void> {
    const ref = tradeReference(it.terms.id, "redemption");
    const done =
      recorded ??
      (await readCall("cashToken.redemptionOf", () => dcjpy.redemptionOf(ref))).account !==
        ZeroAddress;
    if (!done)
      try {
        const tx = await sendTx(keyed(cash.ctx, it.terms.id, "redeem"), "cash.redeem", dcjpy, () =>
          dcjpy.redeem.populateTransaction(it.terms.amount, ref),
        );
        addTx(it, "redeem", "cash", tx, 1);
      } catch (e) {
        return fail(it, "failed", e, "settled; the DCJPY redemption failed: run again");
      }
    it.result.status = "settled";
    it.result.next = undefined;
  }

  /**
   * Presents the verifier's attestation of a decided trade the verifier has not carried to the ST
   * ledger within `selfRelayAfterMs`: the buyer's delivery of a `Paid` outcome, the seller's
   * return of a `Refunded` one.
   */
  async function selfRelay(it: Item): Promise<void> {
    const r = it.result;
    const name = r.cashState === "Paid" ? "deliver" : "return";
    const mine = p.as === "buyer" ? r.cashState === "Paid" : r.cashState === "Refunded";
    if (r.stState !== "Locked" || !mine) return;
    it.decidedAt ??= Date.now();
    if (Date.now() - it.decidedAt < relayAfter) return;
    const found = await fetchAttestation(p, it.terms);
    if (typeof found === "string" || found.outcome !== r.cashState) {
      r.next = `waiting for ${typeof found === "string" ? found : `the verifier's attestation (it serves ${found.outcome}, the cash ledger shows ${r.cashState})`}`;
      return;
    }
    let error: unknown;
    try {
      const args = { terms: it.terms, attestation: found.attestation };
      const tx =
        name === "deliver"
          ? await a.crossLedgerDeliver(keyed(st.ctx, it.terms.id, name), args)
          : await a.crossLedgerReturnToSeller(keyed(st.ctx, it.terms.id, name), args);
      addTx(it, name, "st", tx, 1);
    } catch (e) {
      error = e;
    }
    // The verifier's relay may have come first (in the same block, a replay cannot type the
    // revert): what the ST ledger shows decides, not the error.
    await readStatus(it, st, cash);
    if (error === undefined || r.stState !== "Locked") return;
    if (!(error instanceof ContractError)) return fail(it, "failed", error);
    r.next = `the ST ledger refused the ${name} for now (${error.shortMessage}): the next pass tries again`;
  }

  /** One approval of the payment contract for the total to instruct; false when it failed. */
  async function approveTotal(list: Item[]): Promise<boolean> {
    const total = list.reduce((s, it) => s + it.terms.amount, 0n);
    const allowance = await readCall("cashToken.allowance", () =>
      dcjpy.allowance(cash.ctx.account!, pair.cashLedger),
    );
    if (allowance >= total) return true;
    try {
      // The allowance found is part of the key: a run that finds it short again (spent or
      // overwritten since) approves anew instead of resuming an approval already confirmed.
      const key = `settleTrades:xledger:approve:${keccak256(toUtf8Bytes(`${list.map((it) => it.terms.id).join(",")}:${total}:${allowance}`))}`;
      const tx = await sendTx(
        withSendOptions(cash.ctx, { key, ...(p.signal ? { signal: p.signal } : {}) }),
        "cash.approve",
        dcjpy,
        () => dcjpy.approve.populateTransaction(pair.cashLedger, total),
      );
      for (const it of list) addTx(it, "approve", "cash", tx, list.length);
      return true;
    } catch (e) {
      for (const it of list) fail(it, "failed", e);
      return false;
    }
  }

  /** Reads both ledgers for one trade and sets its result from what they show. */
  async function readStatus(it: Item, stc: StLedgerClient, cashc: CashLedgerClient) {
    applyStatus(it, await a.getCrossLedgerStatus(stc.ctx, cashc.ctx, { terms: it.terms }));
  }

  /** Sets a trade's result from what both ledgers show. */
  function applyStatus(it: Item, s: a.CrossLedgerStatus): void {
    const r = it.result;
    r.stState = s.st.state;
    r.cashState = s.cash.state;
    r.ledgerStatus = s.status;
    it.deadlinePassed = s.deadlinePassed === true;
    it.transferPending = s.cash.transferPending === true;
    if (s.status === "mismatch") {
      const expected = crossLedgerTermsDigest(it.terms).toLowerCase();
      const ledger = s.st.state !== "None" && s.st.termsDigest !== expected ? "st" : "cash";
      const e = new CrossLedgerTermsConflictError(
        it.terms.id,
        ledger,
        ledger === "st" ? s.st.state : s.cash.state,
      );
      fail(it, "refused", e);
      r.next =
        "the counterpart booked this trade with other terms (settlement date, verifier, ledgers): reconcile the trade line with it";
      return;
    }
    if (s.final) {
      r.status =
        s.status === "delivered" ? "settled" : s.status === "returned" ? "returned" : "terminated";
      r.error = undefined;
      r.next = undefined;
      return;
    }
    if (p.as === "buyer" && s.cash.state === "Refunded" && !s.cash.transferPending) {
      r.status = "refunded";
      r.next = undefined;
      return;
    }
    r.next = waitingFor(s, p.as);
  }
}

/** What a pending two-ledger trade waits for, as both ledgers show it. */
function waitingFor(s: a.CrossLedgerStatus, as: "seller" | "buyer"): string {
  if (s.cash.transferPending)
    return "the cash ledger owes a transfer DCJPY refused (account frozen, DCJPY paused): anyone completes it once allowed";
  if (s.st.state === "None")
    return as === "seller" ? "lock on the ST ledger" : "wait for the seller to lock";
  if (s.cash.state === "None")
    return s.deadlinePassed
      ? "not instructed by the deadline: wait for the verifier to return the units"
      : "wait for the buyer's instruction on the cash ledger";
  if (s.cash.state === "Instructed")
    return s.deadlinePassed
      ? "undecided at the deadline: the buyer (or anyone) refunds"
      : "wait for the verifier's decision";
  if (s.cash.state === "Paid")
    return "paid: wait for the delivery on the ST ledger (the verifier's relay)";
  return "refunded: wait for the return of the units on the ST ledger (the verifier's relay)";
}

function addTx(
  it: Item,
  step: CrossLedgerTradeTx["step"],
  ledger: "st" | "cash",
  tx: TxResult,
  sharedBy: number,
): void {
  run.recordTx(it.result, { step, ledger }, tx, sharedBy);
}

function fail(it: Item, status: "refused" | "failed", e: unknown, next?: string): void {
  run.failResult(it.result, status, e, next);
}
