import { writeFile } from "node:fs/promises";
import {
  CashLedgerClient,
  StLedgerClient,
  settleCrossLedgerTrades,
  toAddress,
  type CrossLedgerTradeResult,
  type TradeFileResult,
} from "@kessai/sdk";
import { str, type OptionSpecs } from "../args.js";
import type { Invocation } from "../context.js";
import { CliUsageError } from "../errors.js";
import { toJson, type Output } from "../output.js";
import { LEDGERS, ledger } from "./xledger.js";

/**
 * The flags of `kessai trades settle` for trades on two ledgers: every line of the file settles
 * on the one pair of ledgers they name (the chain IDs are the nodes').
 */
export const TWO_LEDGER_TRADE_OPTIONS: OptionSpecs = {
  ...LEDGERS,
  "st-ledger": {
    type: "string",
    arg: "ADDR",
    help: "two ledgers: CrossLedgerDelivery on the ST ledger (needs --cash-ledger, --cash-token, --verifier)",
  },
  "cash-ledger": { type: "string", arg: "ADDR", help: "two ledgers: CrossLedgerPayment" },
  "cash-token": { type: "string", arg: "ADDR", help: "two ledgers: DCJPY on the cash ledger" },
  verifier: { type: "string", arg: "ADDR", help: "two ledgers: the verifier the terms name" },
};

const FLAGS = ["st-ledger", "cash-ledger", "cash-token", "verifier"] as const;

/** Whether the command names two ledgers (any of their flags). */
export function namesTwoLedgers(inv: Invocation): boolean {
  return FLAGS.some((f) => str(inv.values, f) !== undefined);
}

const REPORT_COLUMNS = [
  "line",
  "venue",
  "tradeId",
  "id",
  "status",
  "stState",
  "cashState",
  "ledgerStatus",
  "gasUsed",
  "txs",
  "error",
  "errorMessage",
  "next",
] as const;

const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The two-ledger report as CSV (txs as `ledger:step:hash:gas` joined by spaces). */
export function twoLedgerReportCsv(results: CrossLedgerTradeResult[]): string {
  const rows = results.map((r) =>
    [
      String(r.line),
      r.venue,
      r.tradeId,
      r.id,
      r.status,
      r.stState,
      r.cashState,
      r.ledgerStatus,
      String(r.gasUsed),
      r.txs.map((t) => `${t.ledger}:${t.step}:${t.hash}:${t.gasUsed}`).join(" "),
      r.error?.name ?? "",
      r.error?.message ?? "",
      r.next ?? "",
    ]
      .map(cell)
      .join(","),
  );
  return [REPORT_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

/**
 * `kessai trades settle FILE --as SIDE --st-rpc URL --cash-rpc URL --st-ledger ADDR
 * --cash-ledger ADDR --cash-token ADDR --verifier ADDR`: this side's steps for every trade of the
 * file on two ledgers (`settleCrossLedgerTrades`). The seller signs on the ST ledger, the buyer
 * on the cash ledger; the other ledger is read.
 */
export async function settleTwoLedgerTrades(
  inv: Invocation,
  side: "seller" | "buyer",
  file: TradeFileResult,
  o: { concurrency?: number; wait?: number; reportFile?: string },
): Promise<Output> {
  const given = Object.fromEntries(FLAGS.map((f) => [f, str(inv.values, f)]));
  for (const f of FLAGS)
    if (given[f] === undefined || given[f] === "")
      throw new CliUsageError(`--${f}`, `two ledgers: --${f} ADDR is required`);
  const addr = (f: (typeof FLAGS)[number]) => toAddress(given[f], `--${f}`);
  const [stLedger, cashLedger, cashToken, verifier] = FLAGS.map(addr);
  const stInv = ledger(inv, "st");
  const cashInv = ledger(inv, "cash");
  const out = (line: string) => process.stdout.write(line + "\n");
  try {
    const signing = side === "seller" ? stInv : cashInv;
    const signer = await signing.requireSigner("trades settle");
    const st = await StLedgerClient.connect({
      runner: side === "seller" ? signer : await stInv.provider(),
      delivery: stLedger,
    });
    const cash = await CashLedgerClient.connect({
      runner: side === "buyer" ? signer : await cashInv.provider(),
      payment: cashLedger,
    });
    const me = (await signer.getAddress()).toLowerCase();
    const mine = file.trades.filter(
      (t) => (side === "seller" ? t.seller : t.buyer).toLowerCase() === me,
    );
    const others = file.trades.length - mine.length;
    if (inv.json)
      for (const e of file.errors)
        out(
          toJson(
            {
              type: "refusedLine",
              line: e.line,
              code: e.code,
              field: e.field,
              message: e.shortMessage,
            },
            0,
          ),
        );
    else for (const e of file.errors) process.stderr.write(`kessai: ${e.shortMessage}\n`);
    const started = Date.now();
    const res = await settleCrossLedgerTrades({
      as: side,
      ledgers: { st, cash, cashToken, verifier },
      trades: mine,
      ...(o.concurrency ? { concurrency: o.concurrency } : {}),
      ...(o.wait ? { waitMs: o.wait * 1000, pollMs: 1000 } : {}),
      onProgress: (p) => {
        if (inv.json) out(toJson({ type: "trade", done: p.done, total: p.total, ...p.result }, 0));
      },
    });
    if (o.reportFile)
      await writeFile(
        o.reportFile,
        /\.json$/i.test(o.reportFile)
          ? toJson({
              as: side,
              ledgers: { stLedger, cashLedger, cashToken, verifier },
              refusedLines: file.errors.map((e) => ({
                line: e.line,
                code: e.code,
                field: e.field,
                message: e.shortMessage,
              })),
              results: res.results,
            }) + "\n"
          : twoLedgerReportCsv(res.results),
      );
    const unsettled = mine.length - res.counts.settled;
    const summary = {
      as: side,
      ledgers: "two",
      trades: mine.length,
      otherSide: others,
      refusedLines: file.errors.length,
      counts: res.counts,
      seconds: (Date.now() - started) / 1000,
      ...(o.reportFile ? { report: o.reportFile } : {}),
    };
    if (inv.json) out(toJson({ type: "summary", ...summary }, 0));
    else {
      const counts = Object.entries(res.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
      out(
        [
          ...res.results
            .filter((r) => r.status !== "settled")
            .slice(0, 20)
            .map(
              (r) =>
                `line ${r.line} ${r.tradeId}: ${r.status} (ST ${r.stState}, cash ${r.cashState})${r.error ? ` (${r.error.name})` : ""}${r.next ? `: ${r.next}` : ""}`,
            ),
          ...(unsettled > 20 ? [`… and ${unsettled - 20} more (see --report)`] : []),
          `${mine.length} trade(s) as ${side} on two ledgers: ${counts || "none"}; ${file.errors.length} line(s) refused` +
            (others ? `; ${others} trade(s) of other firms skipped` : ""),
        ].join("\n"),
      );
    }
    const exitCode = unsettled > 0 || file.errors.length > 0 ? 1 : 0;
    return {
      json: summary,
      human: "",
      streamed: true,
      exitCode,
      ...(exitCode
        ? { errorLine: `${unsettled} trade(s) not settled, ${file.errors.length} line(s) refused` }
        : {}),
    };
  } finally {
    await stInv.close();
    await cashInv.close();
  }
}
