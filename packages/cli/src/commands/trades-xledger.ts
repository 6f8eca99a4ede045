import path from "node:path";
import {
  CashLedgerClient,
  FileJournal,
  StLedgerClient,
  crossLedgerTradeTerms,
  settleCrossLedgerTrades,
  toAddress,
  toRpcUrl,
  type CrossLedgerTradeResult,
  type Trade,
  type TradeFileResult,
  CROSS_LEDGER_TRADE_STATUSES,
} from "@kessai/sdk";
import { str, type OptionSpecs } from "../args.js";
import type { Invocation } from "../context.js";
import { CliUsageError } from "../errors.js";
import type { Output } from "../output.js";
import {
  csvTable,
  reportColumns,
  interruptedRow,
  rowHead,
  rowTail,
  runTradesCommand,
} from "./trades-run.js";
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
  "verifier-url": {
    type: "string",
    arg: "URL",
    help: "two ledgers: the verifier service; present its attestation when it does not relay",
  },
  "self-relay-after": {
    type: "string",
    arg: "SECONDS",
    help: "two ledgers, with --verifier-url: wait this long for the verifier's relay (default 30)",
  },
};

const FLAGS = ["st-ledger", "cash-ledger", "cash-token", "verifier"] as const;

/** Whether the command names two ledgers (any of their flags). */
export function namesTwoLedgers(inv: Invocation): boolean {
  return FLAGS.some((f) => str(inv.values, f) !== undefined);
}

const REPORT_COLUMNS = reportColumns(["stState", "cashState", "ledgerStatus", "gasUsed", "txs"]);

/**
 * A two-ledger report row: a trade's result, or for a trade whose result a run interrupted by
 * SIGINT or SIGTERM did not learn, `status: "pending"`, every state `unknown` and the error
 * `Interrupted`.
 */
export type TwoLedgerReportRow = Omit<CrossLedgerTradeResult, "ledgerStatus"> & {
  ledgerStatus: CrossLedgerTradeResult["ledgerStatus"] | "unknown";
};

/** The two-ledger report as CSV (txs as `ledger:step:hash:gas` joined by spaces). */
export function twoLedgerReportCsv(results: TwoLedgerReportRow[]): string {
  return csvTable(
    REPORT_COLUMNS,
    results.map((r) => [
      ...rowHead(r),
      r.stState,
      r.cashState,
      r.ledgerStatus,
      String(r.gasUsed),
      r.txs.map((t) => `${t.ledger}:${t.step}:${t.hash}:${t.gasUsed}`).join(" "),
      ...rowTail(r),
    ]),
  );
}

/**
 * `kessai trades settle FILE --as SIDE --st-rpc URL --cash-rpc URL --st-ledger ADDR
 * --cash-ledger ADDR --cash-token ADDR --verifier ADDR [--journal FILE]`: this side's steps for
 * every trade of the file on two ledgers (`settleCrossLedgerTrades`). The seller signs on the ST
 * ledger and redeems the DCJPY it was paid on the cash ledger, the buyer signs on the cash ledger
 * (and on the ST ledger with `--verifier-url`, to present the verifier's attestation itself). With `--journal FILE` the
 * transactions of both ledgers are journalled there: one sent before a crash is waited for, never
 * sent again.
 */
export async function settleTwoLedgerTrades(
  inv: Invocation,
  side: "seller" | "buyer",
  file: TradeFileResult,
  o: {
    concurrency?: number;
    wait?: number;
    reportFile?: string;
    journal?: string;
    selfRelayAfter?: number;
  },
): Promise<Output> {
  const given = Object.fromEntries(FLAGS.map((f) => [f, str(inv.values, f)]));
  for (const f of FLAGS)
    if (given[f] === undefined || given[f] === "")
      throw new CliUsageError(`--${f}`, `two ledgers: --${f} ADDR is required`);
  const addr = (f: (typeof FLAGS)[number]) => toAddress(given[f], `--${f}`);
  const [stLedger, cashLedger, cashToken, verifier] = FLAGS.map(addr);
  const stInv = ledger(inv, "st");
  const cashInv = ledger(inv, "cash");
  try {
    const verifierUrl = str(inv.values, "verifier-url");
    if (verifierUrl !== undefined) toRpcUrl(verifierUrl, "--verifier-url");
    // The seller signs on both ledgers (it locks, and redeems the DCJPY it was paid); the buyer
    // on the cash ledger, and on the ST ledger when it presents the verifier's attestation.
    const signs = { st: side === "seller" || verifierUrl !== undefined, cash: true };
    const stSigner = signs.st ? await stInv.requireSigner("trades settle") : undefined;
    const signer = await cashInv.requireSigner("trades settle");
    const transactions = o.journal
      ? { transactions: { journal: new FileJournal(path.resolve(o.journal)) } }
      : {};
    const st = await StLedgerClient.connect({
      runner: stSigner ?? (await stInv.provider()),
      delivery: stLedger,
      ...transactions,
    });
    const cash = await CashLedgerClient.connect({
      runner: signer,
      payment: cashLedger,
      ...transactions,
    });
    const me = (await signer.getAddress()).toLowerCase();
    const mine = file.trades.filter(
      (t) => (side === "seller" ? t.seller : t.buyer).toLowerCase() === me,
    );
    const ledgers = { st, cash, cashToken, verifier };
    const pair = {
      stChainId: st.ctx.chainId,
      stLedger,
      cashChainId: cash.ctx.chainId,
      cashLedger,
      cashToken,
      verifier,
    };
    return await runTradesCommand<TwoLedgerReportRow>({
      inv,
      side,
      file,
      mine,
      ...(o.reportFile ? { reportFile: o.reportFile } : {}),
      statuses: CROSS_LEDGER_TRADE_STATUSES,
      where: " on two ledgers",
      summary: { ledgers: "two" },
      report: { ledgers: { stLedger, cashLedger, cashToken, verifier } },
      csv: twoLedgerReportCsv,
      unfinished: (t: Trade) => ({
        ...interruptedRow(t, crossLedgerTradeTerms(t, pair).id),
        status: "pending",
        stState: "unknown",
        cashState: "unknown",
        ledgerStatus: "unknown",
        txs: [],
      }),
      detail: (r) => ` (ST ${r.stState}, cash ${r.cashState})`,
      settle: (signal, onProgress) =>
        settleCrossLedgerTrades({
          as: side,
          ledgers,
          trades: mine,
          signal,
          onProgress,
          ...(o.concurrency ? { concurrency: o.concurrency } : {}),
          ...(o.wait ? { waitMs: o.wait * 1000, pollMs: 1000 } : {}),
          ...(verifierUrl !== undefined ? { verifierUrl } : {}),
          ...(o.selfRelayAfter !== undefined ? { selfRelayAfterMs: o.selfRelayAfter * 1000 } : {}),
        }),
    });
  } finally {
    await stInv.close();
    await cashInv.close();
  }
}
