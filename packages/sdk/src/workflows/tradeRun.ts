import type { TxResult } from "../context/send.js";
import { KessaiError } from "../errors/base.js";
import { ContractError } from "../errors/contract.js";
import { InvalidParameterError } from "../errors/input.js";
import { IneligibleTradeError, SettlementTermsMismatchError } from "../errors/settlement.js";
import { SendAbortedError } from "../errors/transaction.js";
import type { Trade } from "../settlement/tradeFile.js";
import { sleep } from "../utils/pool.js";

/**
 * The machinery `settleTrades` (one chain) and `settleCrossLedgerTrades` (two ledgers) share: the
 * checks of the trades and options, the passes until every trade is final, the progress reports,
 * the counts, and a trade's transactions and typed error.
 */

/** A trade's error in a report: the typed error's name, message and decoded arguments. */
export interface TradeErrorRecord {
  name: string;
  message: string;
  args?: Record<string, unknown>;
}

/** The fields every per-trade result of a bulk run has. */
export interface RunResult<S extends string, T extends { gasUsed: bigint }> {
  status: S | "pending" | "refused" | "failed";
  txs: T[];
  gasUsed: bigint;
  error?: TradeErrorRecord;
  next?: string;
}

/** One trade of a bulk run: its result so far, and whether its progress was reported. */
export interface RunItem<R> {
  trade: Trade;
  result: R;
  reported: boolean;
}

/** `v` (or `dflt` when undefined), checked to be a positive integer. */
export function positiveInteger(field: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidParameterError(field, n, "must be a positive integer");
  return n;
}

/**
 * Checks that every trade names `account` (the run's signer) on side `as` and that no two
 * trades share a settlement ID (`idOf`), naming the offending trade's index and line.
 */
export function checkTrades(
  trades: Trade[],
  as: "seller" | "buyer",
  account: string,
  idOf: (t: Trade, i: number) => string,
): string[] {
  const seen = new Map<string, number>();
  return trades.map((trade, i) => {
    const party = as === "seller" ? trade.seller : trade.buyer;
    if (party.toLowerCase() !== account.toLowerCase())
      throw new InvalidParameterError(
        `trades[${i}].${as}`,
        party,
        `is not this client's signer ${account} (line ${trade.line})`,
      );
    const id = idOf(trade, i);
    const first = seen.get(id);
    if (first !== undefined)
      throw new InvalidParameterError(
        `trades[${i}]`,
        trade.tradeId,
        `repeats settlement ${id} of line ${first} (line ${trade.line})`,
      );
    seen.set(id, trade.line);
    return id;
  });
}

/** Options of {@link runPasses}, as both bulk workflows take them. */
export interface PassOptions<R> {
  /** How long passes go on while trades are pending, in ms (default 0: one pass). */
  waitMs?: number;
  /** The wait between passes, in ms. */
  pollMs?: number;
  /** Stops the run (sends in flight end with `SendAbortedError`); run again to resume. */
  signal?: AbortSignal;
  /**
   * Called once per trade when its result for this run is known (pending trades last); an
   * exception it throws stops the run (run again to resume).
   */
  onProgress?: (p: { done: number; total: number; result: R }) => void | Promise<void>;
}

/**
 * Reports a trade's result once it is known for this run (anything but `pending`; with `force`,
 * a pending one too).
 */
export function progressReporter<R extends { status: string }>(
  items: RunItem<R>[],
  onProgress: PassOptions<R>["onProgress"],
): (it: RunItem<R>, force?: boolean) => Promise<void> {
  let done = 0;
  return async (it, force = false) => {
    if (it.reported || (!force && it.result.status === "pending")) return;
    it.reported = true;
    done++;
    await onProgress?.({ done, total: items.length, result: it.result });
  };
}

/**
 * Runs `pass` until no trade is `pending` or `waitMs` has passed (every `pollMs`, default 1000),
 * reporting each trade once its result is known, the still pending ones last; then counts the
 * results per status.
 */
export async function runPasses<S extends string, R extends { status: S }>(
  o: PassOptions<R> & { action: string; statuses: readonly S[] },
  items: RunItem<R>[],
  report: (it: RunItem<R>, force?: boolean) => Promise<void>,
  pass: () => Promise<void>,
): Promise<{ results: R[]; counts: Record<S, number> }> {
  const waitUntil = Date.now() + (o.waitMs ?? 0);
  for (;;) {
    checkAbort(o.signal, o.action);
    await pass();
    for (const it of items) await report(it);
    if (items.every((it) => it.result.status !== "pending") || Date.now() >= waitUntil) break;
    await sleep(o.pollMs ?? 1000, o.signal);
  }
  for (const it of items) await report(it, true);
  const results = items.map((it) => it.result);
  return { results, counts: countStatuses(o.statuses, results) };
}

/** The count of results per status, every status listed (zero when none). */
export function countStatuses<S extends string>(
  statuses: readonly S[],
  results: { status: S }[],
): Record<S, number> {
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<S, number>;
  for (const r of results) counts[r.status]++;
  return counts;
}

/** Adds a transaction to a trade's result; for a shared one, this trade's share of its gas. */
export function recordTx<T extends { hash: string; gasUsed: bigint; sharedBy: number }>(
  r: { txs: T[]; gasUsed: bigint },
  fields: Omit<T, "hash" | "gasUsed" | "sharedBy">,
  tx: TxResult,
  sharedBy: number,
): void {
  const gasUsed = sharedBy === 1 ? tx.gasUsed : tx.gasUsed / BigInt(sharedBy);
  r.txs.push({ ...fields, hash: tx.hash, gasUsed, sharedBy } as T);
  r.gasUsed += gasUsed;
}

/**
 * Marks a trade refused or failed with the typed error and what to do next; an aborted send is
 * thrown on (the run stops, to be run again).
 */
export function failResult(
  r: { status: string; error?: TradeErrorRecord; next?: string },
  status: "refused" | "failed",
  e: unknown,
  next?: string,
): void {
  if (e instanceof SendAbortedError) throw e;
  r.status = status;
  r.error = errorOf(e);
  r.next = next ?? nextAction(r.error.name, e);
}

/** Marks a trade refused for a reason found before sending (no typed error behind it). */
export function refuseResult(
  r: { status: string; error?: TradeErrorRecord; next?: string },
  name: string,
  message: string,
  next: string,
): void {
  r.status = "refused";
  r.error = { name, message };
  r.next = next;
}

/** Throws `SendAbortedError` (phase `not-sent`) once `signal` has aborted. */
export function checkAbort(signal: AbortSignal | undefined, action: string): void {
  if (signal?.aborted)
    throw new SendAbortedError({
      action,
      key: undefined,
      nonce: undefined,
      hashes: [],
      phase: "not-sent",
    });
}

/** The typed error as a plain record: the contract error's name and decoded arguments. */
export function errorOf(e: unknown): TradeErrorRecord {
  if (e instanceof ContractError) {
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries((e as ContractError<object>).args ?? {}))
      args[k] = typeof v === "bigint" ? v.toString() : v;
    return { name: e.errorName, message: e.shortMessage, args };
  }
  if (e instanceof IneligibleTradeError)
    return {
      name: e.cause instanceof ContractError ? e.cause.errorName : e.name,
      message: e.shortMessage,
      args: { reason: e.reason, account: e.account },
    };
  if (e instanceof KessaiError) return { name: e.name, message: e.shortMessage };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: "Error", message: String(e) };
}

/** What a firm can do about a trade refused with the error named `name`. */
export function nextAction(name: string, e?: unknown): string {
  if (e instanceof SettlementTermsMismatchError)
    return "the counterpart booked this trade with other terms (settlement date, agent): reconcile the trade line with it";
  if (/IneligibleReceiver/.test(name))
    return "the buyer is not eligible to receive the security: it must be registered (or reinstated) with the issuer; run again after";
  if (/IneligibleSender/.test(name))
    return "the seller is not eligible to send the security: check its registration with the issuer; run again after";
  if (/SecurityTokenInsufficientUnlockedBalance/.test(name))
    return "the seller lacks unlocked units: deliver them to its account, then run again";
  if (/Paused/.test(name)) return "the token or the DVP is paused: run again once it is unpaused";
  if (/AccountFrozen|AccountNotOpen|InvalidAccount/.test(name))
    return "a DCJPY account is not open or is frozen: ask the bank, then run again";
  if (/DepositTokenInsufficientAvailableBalance|ERC20InsufficientBalance/.test(name))
    return "the buyer lacks DCJPY: obtain it from the bank (kessai dcjpy request-issuance), then run again";
  if (/ERC20InsufficientAllowance/.test(name))
    return "the DVP's DCJPY allowance is short: run again (the approval is renewed)";
  if (/DvpAgentApproval/.test(name))
    return "the named agent has not approved (or its approval was revoked): ask it to approve, then run again";
  if (/DvpDeadlinePassed|Deadline/.test(name))
    return "the deadline has passed: run with --reclaim-expired and agree a new trade";
  if (/TransactionFailed|SendTimeout|Network|Node/.test(name))
    return "the transaction did not go through: run again (nothing is sent twice)";
  return "see the error, fix its cause and run again (nothing is sent twice)";
}
