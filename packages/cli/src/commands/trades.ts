import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  FileJournal,
  FirmClient,
  connect,
  parseTradeFile,
  settleTrades,
  type Trade,
  type TradeFileResult,
  type TradeResult,
  TRADE_STATUSES,
} from "@kessai/sdk";
import { str } from "../args.js";
import type { Command } from "../command.js";
import { CliUsageError } from "../errors.js";
import type { Invocation } from "../context.js";
import { toJson } from "../output.js";
import {
  TWO_LEDGER_TRADE_OPTIONS,
  namesTwoLedgers,
  settleTwoLedgerTrades,
} from "./trades-xledger.js";
import {
  countFlag,
  reportColumns,
  csvTable,
  interruptedRow,
  lineErrors,
  rowHead,
  rowTail,
  runTradesCommand,
} from "./trades-run.js";

/** Reads FILE and validates it; the security tokens of the deployment when one is given. */
async function readTrades(inv: Invocation): Promise<TradeFileResult> {
  const file = inv.positionals[0];
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new CliUsageError(
      "FILE",
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      file,
    );
  }
  const format = str(inv.values, "format");
  if (format !== undefined && format !== "csv" && format !== "jsonl")
    throw new CliUsageError("--format", "--format must be csv or jsonl", format);
  const st = (await inv.addresses()).securityToken;
  return parseTradeFile(text, {
    ...(format ? { format } : {}),
    ...(st ? { securityTokens: [st] } : {}),
  });
}

export const tradesValidateCommand: Command = {
  path: ["trades", "validate"],
  summary: "check a trade file (CSV or JSON Lines): line-numbered errors, settlement IDs",
  usage: "FILE [--format csv|jsonl]",
  description:
    "Reads every line; prints each refused line with its number and reason, and the count of\n" +
    "good lines. With --deployment, a security token other than the deployment's is refused.\n" +
    "Exit 0 when every line is good, 1 when some line was refused. No network.",
  positionals: [1, 1],
  options: {
    format: { type: "string", arg: "FMT", help: "csv or jsonl (default: from the first line)" },
  },
  examples: [
    "kessai trades validate examples/trades/sample-day.csv --deployment kessai-deployment.json",
  ],
  async run(inv) {
    const r = await readTrades(inv);
    const json = {
      format: r.format,
      lines: r.lines,
      valid: r.trades.length,
      refused: r.errors.length,
      errors: lineErrors(r),
      trades: r.trades.map((t) => ({ line: t.line, venue: t.venue, tradeId: t.tradeId, id: t.id })),
    };
    const human = [
      ...r.errors.map((e) => e.shortMessage),
      `${r.trades.length} trade(s) valid, ${r.errors.length} line(s) refused (${r.format})`,
    ].join("\n");
    return {
      json,
      human,
      ...(r.errors.length ? { exitCode: 1, errorLine: `${r.errors.length} line(s) refused` } : {}),
    };
  },
};

const REPORT_COLUMNS = reportColumns(["chainState", "gasUsed", "txs"]);

/**
 * A report row: a trade's result, or for a trade whose result a run interrupted by SIGINT or
 * SIGTERM did not learn, `status: "pending"`, `chainState: "unknown"` and the error `Interrupted`.
 */
export type ReportRow = Omit<TradeResult, "chainState"> & {
  chainState: TradeResult["chainState"] | "unknown";
};

/** The row of a trade the interrupted run has no result for. */
function unfinished(t: Trade): ReportRow {
  return { ...interruptedRow(t, t.id), status: "pending", chainState: "unknown", txs: [] };
}

/** The per-trade report as CSV (one row per trade; txs as `step:hash:gas` joined by spaces). */
export function reportCsv(results: ReportRow[]): string {
  return csvTable(
    REPORT_COLUMNS,
    results.map((r) => [
      ...rowHead(r),
      r.chainState,
      String(r.gasUsed),
      r.txs.map((t) => `${t.step}:${t.hash}:${t.gasUsed}`).join(" "),
      ...rowTail(r),
    ]),
  );
}

export const tradesSettleCommand: Command = {
  path: ["trades", "settle"],
  summary: "settle a day's trades, one side: lock (seller) or pay in bulk (buyer), with a report",
  usage:
    "FILE --as seller|buyer [--report out.csv|out.json] [--concurrency N] [--reclaim-expired] [--wait SECONDS] [--journal FILE]\n" +
    "       FILE --as seller|buyer --st-rpc URL --cash-rpc URL --st-ledger ADDR --cash-ledger ADDR --cash-token ADDR --verifier ADDR [--verifier-url URL [--self-relay-after SECONDS]] [--report FILE] [--concurrency N] [--wait SECONDS] [--journal FILE]",
  description:
    "Runs this side's steps for every good line of FILE (refused lines are listed and skipped).\n" +
    "Seller: locks every trade not yet on chain, redeems the DCJPY of every settled one. Buyer:\n" +
    "settles every open settlement in settleBatchPerItem batches after one DCJPY approval of the\n" +
    "total. Resumable: run it again after an interruption and each trade carries on from its\n" +
    "state on chain (with --journal FILE a transaction sent before a crash is waited for, never\n" +
    "sent again). --reclaim-expired: settlements past their deadline are reclaimed, and the buyer\n" +
    "redeems the DCJPY they would have used. --wait SECONDS: keep going until every trade is final\n" +
    "or the time is up. A progress bar on a terminal; with --json one JSON line per trade, then\n" +
    "a summary line. Exit 0 when every trade settled, 1 otherwise. Ctrl-C (SIGINT) or SIGTERM\n" +
    "stops it: the report so far is written, every trade without a result listed as unfinished\n" +
    "(error Interrupted), and it exits 130; run it again to carry on.\n" +
    "Two ledgers (--st-ledger and the flags with it): every line settles on that pair, the\n" +
    "security token on the ST ledger, DCJPY on the cash ledger, the verifier deciding. Seller:\n" +
    "locks on the ST ledger, then redeems on the cash ledger the DCJPY each settled trade paid it\n" +
    "(signed on both with the same key). Buyer: one DCJPY approval of the total, then an\n" +
    "instruction per trade on the cash ledger (signed there); refunds its undecided instructions\n" +
    "after the deadline. --verifier-url URL: once decided and not relayed within\n" +
    "--self-relay-after SECONDS (default 30), present the verifier's attestation yourself (buyer:\n" +
    "deliver, signed on the ST ledger; seller: return). The report gives each trade's state on\n" +
    "both ledgers. Ctrl-C, --journal\n" +
    "and the exit status as on one chain (one journal for both ledgers' transactions).",
  positionals: [1, 1],
  options: {
    as: { type: "string", arg: "SIDE", help: "seller or buyer (the signer's side of every trade)" },
    format: { type: "string", arg: "FMT", help: "csv or jsonl (default: from the first line)" },
    report: { type: "string", arg: "FILE", help: "write the per-trade report (.csv or .json)" },
    concurrency: { type: "string", arg: "N", help: "trades in flight at once (default 16)" },
    "batch-size": { type: "string", arg: "N", help: "buyer: settlements per batch (default 50)" },
    payment: { type: "string", arg: "HOW", help: "buyer: batch (default) or authorization" },
    "reclaim-expired": {
      type: "boolean",
      help: "reclaim expired settlements; buyer: redeem unused DCJPY",
    },
    wait: {
      type: "string",
      arg: "SECONDS",
      help: "keep going until every trade is final (default 0)",
    },
    journal: { type: "string", arg: "FILE", help: "durable journal of the transactions in flight" },
    ...TWO_LEDGER_TRADE_OPTIONS,
  },
  examples: [
    "kessai trades settle day.csv --as seller --key $SELLER_KEY --deployment d.json --report seller.csv",
    "kessai trades settle day.csv --as buyer --key $BUYER_KEY --deployment d.json --json --wait 600",
    "kessai trades settle day.csv --as seller --key $SELLER_KEY --st-rpc $ST --cash-rpc $CASH --st-ledger 0x… --cash-ledger 0x… --cash-token 0x… --verifier 0x…",
  ],
  async run(inv) {
    const side = str(inv.values, "as");
    if (side !== "seller" && side !== "buyer")
      throw new CliUsageError("--as", "--as must be seller or buyer", side);
    const reportFile = str(inv.values, "report");
    if (reportFile !== undefined && !/\.(csv|json)$/i.test(reportFile))
      throw new CliUsageError("--report", "--report must name a .csv or .json file", reportFile);
    const concurrency = countFlag(inv, "concurrency");
    const batchSize = countFlag(inv, "batch-size");
    const wait = countFlag(inv, "wait", 0);
    const payment = str(inv.values, "payment");
    if (payment !== undefined && payment !== "batch" && payment !== "authorization")
      throw new CliUsageError("--payment", "--payment must be batch or authorization", payment);
    if (namesTwoLedgers(inv)) {
      for (const f of ["batch-size", "payment", "reclaim-expired"])
        if (inv.values[f] !== undefined)
          throw new CliUsageError(`--${f}`, `--${f} is for trades on one chain, not two ledgers`);
      const file = await readTrades(inv);
      return settleTwoLedgerTrades(inv, side, file, {
        ...(concurrency ? { concurrency } : {}),
        ...(wait ? { wait } : {}),
        ...(reportFile ? { reportFile } : {}),
        ...(str(inv.values, "journal") ? { journal: str(inv.values, "journal") } : {}),
        ...(inv.values["self-relay-after"] !== undefined
          ? { selfRelayAfter: countFlag(inv, "self-relay-after", 0) }
          : {}),
      });
    }
    for (const f of ["verifier-url", "self-relay-after"])
      if (inv.values[f] !== undefined)
        throw new CliUsageError(`--${f}`, `--${f} is for trades on two ledgers, not one chain`);
    const file = await readTrades(inv);
    await inv.requireSigner("trades settle");
    const me = (await inv.signerAddress())!.toLowerCase();
    const mine = file.trades.filter(
      (t) => (side === "seller" ? t.seller : t.buyer).toLowerCase() === me,
    );
    const addresses = await inv.requireAddresses();
    const journalFile = str(inv.values, "journal");
    const ctx = await connect({
      runner: (await inv.signer())!,
      addresses: {
        securityToken: addresses.securityToken,
        depositToken: addresses.depositToken,
        dvp: addresses.dvp,
      },
      chainId: addresses.chainId,
      ...(journalFile
        ? { transactions: { journal: new FileJournal(path.resolve(journalFile)) } }
        : {}),
    });
    const firm = new FirmClient(ctx);
    return runTradesCommand<ReportRow>({
      inv,
      side,
      file,
      mine,
      ...(reportFile ? { reportFile } : {}),
      statuses: TRADE_STATUSES,
      csv: reportCsv,
      unfinished,
      settle: (signal, onProgress) =>
        settleTrades({
          as: side,
          firm,
          trades: mine,
          signal,
          onProgress,
          ...(concurrency ? { concurrency } : {}),
          ...(batchSize ? { batchSize } : {}),
          ...(payment ? { payment: payment as "batch" | "authorization" } : {}),
          ...(inv.values["reclaim-expired"] === true ? { reclaimExpired: true } : {}),
          ...(wait ? { waitMs: wait * 1000, pollMs: 1000 } : {}),
        }),
    });
  },
};

export const tradesCommands: Command[] = [tradesValidateCommand, tradesSettleCommand];
