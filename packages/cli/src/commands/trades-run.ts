import { writeFile } from "node:fs/promises";
import { parseInteger, type Trade, type TradeFileResult } from "@kessai/sdk";
import { str } from "../args.js";
import type { Invocation } from "../context.js";
import { CliUsageError } from "../errors.js";
import { toJson, type Output } from "../output.js";

/**
 * What `kessai trades settle` does the same on one chain and on two ledgers: the refused lines,
 * the progress bar or JSON lines, Ctrl-C (the report so far, exit 130), the report file, the
 * summary and the exit status. Only the run itself and the report's columns differ.
 */

/** The fields every report row has, on one chain or two ledgers. */
export interface TradeRow {
  line: number;
  venue: string;
  tradeId: string;
  id: string;
  status: string;
  txs: { hash: string; gasUsed: bigint }[];
  gasUsed: bigint;
  error?: { name: string; message: string };
  next?: string;
}

/** A file's refused lines as report records. */
export const lineErrors = (r: TradeFileResult) =>
  r.errors.map((e) => ({ line: e.line, code: e.code, field: e.field, message: e.shortMessage }));

const csvCell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** A CSV table: the header line, then one line per row (cells quoted where needed). */
export function csvTable(columns: readonly string[], rows: string[][]): string {
  return [columns.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";
}

/** A report's CSV columns: the common ones around `middle` (this mode's states, gas, txs). */
export const reportColumns = (middle: string[]) => [
  "line",
  "venue",
  "tradeId",
  "id",
  "status",
  ...middle,
  "error",
  "errorMessage",
  "next",
];

/** A row's leading CSV cells (line, venue, tradeId, id, status). */
export const rowHead = (r: TradeRow) => [String(r.line), r.venue, r.tradeId, r.id, r.status];

/** A row's trailing CSV cells (error, errorMessage, next). */
export const rowTail = (r: TradeRow) => [r.error?.name ?? "", r.error?.message ?? "", r.next ?? ""];

/**
 * The common fields of the row of a trade an interrupted run has no result for: pending, the
 * error `Interrupted`, and what to do.
 */
export function interruptedRow(t: Trade, id: string): TradeRow {
  return {
    line: t.line,
    venue: t.venue,
    tradeId: t.tradeId,
    id,
    status: "pending",
    txs: [],
    gasUsed: 0n,
    error: {
      name: "Interrupted",
      message: "the run was interrupted before this trade's result was known",
    },
    next: "run again: each trade carries on from its state on chain (nothing is sent twice)",
  };
}

/** `--FLAG N` as an integer, at least `min` (default 1); undefined when not given. */
export function countFlag(inv: Invocation, flag: string, min = 1): number | undefined {
  const v = str(inv.values, flag);
  if (v === undefined) return undefined;
  const n = parseInteger(v, `--${flag}`);
  if (n < min) throw new CliUsageError(`--${flag}`, `--${flag} must be at least ${min}`, v);
  return n;
}

/** One side's run of `kessai trades settle`, as {@link runTradesCommand} drives it. */
export interface TradesRun<R extends TradeRow> {
  inv: Invocation;
  side: "seller" | "buyer";
  file: TradeFileResult;
  /** The trades of the file on this side (the signer's). */
  mine: Trade[];
  reportFile?: string;
  /** Every status, in the counts' order. */
  statuses: readonly string[];
  /** Words after "N trade(s) as SIDE" in the human summary (e.g. " on two ledgers"). */
  where?: string;
  /** Added to the summary (and the JSON report's head). */
  summary?: Record<string, unknown>;
  report?: Record<string, unknown>;
  /** The report as CSV. */
  csv: (rows: R[]) => string;
  /** The row of a trade the interrupted run has no result for. */
  unfinished: (t: Trade) => R;
  /** A row's details after its status in the human list (e.g. its states). */
  detail?: (r: R) => string;
  /** The run: stops (throwing) once `signal` aborts; reports each result through `onProgress`. */
  settle: (
    signal: AbortSignal,
    onProgress: (p: { done: number; total: number; result: R }) => void,
  ) => Promise<{ results: R[]; counts: Record<string, number> }>;
}

/**
 * Runs one side of `kessai trades settle`: lists the refused lines, shows a progress bar on a
 * terminal (or one JSON line per trade with `--json`), stops on Ctrl-C or SIGTERM with the report
 * so far (every trade without a result listed as unfinished) and exit 130, writes the report
 * (`.csv` or `.json`), prints the summary; exit 0 when every trade settled, 1 otherwise.
 */
export async function runTradesCommand<R extends TradeRow>(o: TradesRun<R>): Promise<Output> {
  const { inv, side, file, mine, reportFile } = o;
  const others = file.trades.length - mine.length;
  const out = (line: string) => process.stdout.write(line + "\n");
  if (inv.json) for (const e of lineErrors(file)) out(toJson({ type: "refusedLine", ...e }, 0));
  else for (const e of file.errors) process.stderr.write(`kessai: ${e.shortMessage}\n`);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const started = Date.now();
  const known = new Map<number, R>();
  let res: { results: R[]; counts: Record<string, number> };
  let interrupted = false;
  try {
    res = await o.settle(ac.signal, (p) => {
      known.set(p.result.line, p.result);
      if (inv.json) out(toJson({ type: "trade", done: p.done, total: p.total, ...p.result }, 0));
      else inv.progress.show(bar(p.done, p.total, started));
    });
  } catch (err) {
    if (!ac.signal.aborted) throw err;
    // Ctrl-C (or SIGTERM): the report so far, every trade without a result listed as unfinished
    interrupted = true;
    const results = mine.map((t) => known.get(t.line) ?? o.unfinished(t));
    const counts = Object.fromEntries(o.statuses.map((k) => [k, 0]));
    for (const r of results) counts[r.status]++;
    res = { results, counts };
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    inv.progress.clear();
  }
  if (reportFile) {
    const body = /\.json$/i.test(reportFile)
      ? toJson({ as: side, ...o.report, refusedLines: lineErrors(file), results: res.results }) +
        "\n"
      : o.csv(res.results);
    await writeFile(reportFile, body);
  }
  const unfinished = mine.length - known.size;
  const summary = {
    as: side,
    ...o.summary,
    trades: mine.length,
    otherSide: others,
    refusedLines: file.errors.length,
    counts: res.counts,
    seconds: (Date.now() - started) / 1000,
    ...(reportFile ? { report: reportFile } : {}),
    ...(interrupted ? { interrupted: true, unfinished } : {}),
  };
  const unsettled = mine.length - (res.counts.settled ?? 0);
  const exitCode = interrupted ? 130 : unsettled > 0 || file.errors.length > 0 ? 1 : 0;
  if (inv.json) out(toJson({ type: "summary", ...summary }, 0));
  else {
    const lines = res.results
      .filter((r) => r.status !== "settled")
      .slice(0, 20)
      .map(
        (r) =>
          `line ${r.line} ${r.tradeId}: ${r.status}${o.detail?.(r) ?? ""}${r.error ? ` (${r.error.name})` : ""}${r.next ? `: ${r.next}` : ""}`,
      );
    const counts = Object.entries(res.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    out(
      [
        ...lines,
        ...(unsettled > 20 ? [`… and ${unsettled - 20} more (see --report)`] : []),
        `${mine.length} trade(s) as ${side}${o.where ?? ""}: ${counts || "none"}; ${file.errors.length} line(s) refused` +
          (others ? `; ${others} trade(s) of other firms skipped` : "") +
          (interrupted ? `; interrupted, ${unfinished} trade(s) unfinished` : ""),
      ].join("\n"),
    );
  }
  return {
    json: summary,
    human: "",
    streamed: true,
    exitCode,
    ...(interrupted
      ? {
          errorLine: `interrupted: ${unfinished} trade(s) unfinished, ${unsettled} not settled; run again to carry on`,
        }
      : exitCode
        ? { errorLine: `${unsettled} trade(s) not settled, ${file.errors.length} line(s) refused` }
        : {}),
  };
}

function bar(done: number, total: number, started: number): string {
  const width = 30;
  const fill = total === 0 ? width : Math.round((done / total) * width);
  const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
  return `[${"#".repeat(fill)}${".".repeat(width - fill)}] ${done}/${total} ${rate.toFixed(1)} trades/s`;
}
