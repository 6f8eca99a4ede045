import { ZeroAddress, getAddress } from "ethers";
import { InputError, InvalidParameterError } from "../errors/input.js";
import { TradeLineError, type TradeLineErrorCode } from "../errors/trades.js";
import { toAddress } from "../utils/validate.js";
import { deriveSettlementId, normaliseTradeDate } from "./id.js";
import { buildTerms, type SettlementTerms } from "./terms.js";

/**
 * The fields of one executed trade in a trade file, in the CSV's default column order. Required
 * unless marked optional; `price` or `amount` (or both) must be given. Documented by
 * `docs/trade-file.schema.json` (one JSON Lines record) and `docs/trades.md`.
 */
export const TRADE_FIELDS = [
  "venue",
  "tradeId",
  "tradeDate",
  "settlementDate",
  "securityToken",
  "seller",
  "buyer",
  "quantity",
  "price",
  "amount",
  "agent",
] as const;
/** Name of one of the {@link TRADE_FIELDS}. */
export type TradeField = (typeof TRADE_FIELDS)[number];
const OPTIONAL: TradeField[] = ["price", "amount", "agent"];
const REQUIRED = TRADE_FIELDS.filter((f) => !OPTIONAL.includes(f));

/**
 * Where a trade's two legs settle, as the file says. `oneChain`: the line names no ledger, and
 * `settleTrades` settles it on the chain the client is connected to. The same lines settle on two
 * ledgers (the security leg on an ST ledger, the cash leg on a cash ledger) when the run names the
 * pair: `settleCrossLedgerTrades` derives each trade's two-ledger ID and terms from the line and
 * the pair (`crossLedgerTradeTerms`), so a file needs no ledger columns.
 */
export type TradeLedgerMode = "oneChain";

/** One trade of a file, validated and normalised. */
export interface Trade {
  /** 1-based line of the file the trade was read from (0 when built in code). */
  line: number;
  venue: string;
  tradeId: string;
  /** Trade date, `YYYY-MM-DD`. */
  tradeDate: string;
  /** Settlement date, `YYYY-MM-DD`: the settlement's deadline is the end of this day in Japan. */
  settlementDate: string;
  securityToken: string;
  seller: string;
  buyer: string;
  quantity: bigint;
  /** DCJPY base units per security-token unit, when the line gave it. */
  price?: bigint;
  /** DCJPY base units paid for the whole quantity. */
  amount: bigint;
  /** The settlement agent, or the zero address when none is named. */
  agent: string;
  /** The settlement deadline, unix seconds: see {@link settlementDeadline}. */
  deadline: bigint;
  /** The settlement ID both firms derive from the line: see {@link tradeSettlementId}. */
  id: string;
  ledger: TradeLedgerMode;
}

/** Options of {@link parseTradeFile}. */
export interface ParseTradeFileOptions {
  /** `csv` or `jsonl`. Default: `jsonl` when the first non-blank, non-comment line starts with `{`. */
  format?: "csv" | "jsonl";
  /**
   * The security tokens this deployment lists: a line naming another one is refused with
   * `unknownToken`. Omit to accept any address.
   */
  securityTokens?: string[];
}

/** What {@link parseTradeFile} returns: the good lines, and every refused one with its reason. */
export interface TradeFileResult {
  format: "csv" | "jsonl";
  trades: Trade[];
  errors: TradeLineError[];
  /** Non-blank, non-comment data lines read (header excluded). */
  lines: number;
}

/** Seconds from a date's 00:00 UTC to the end of that day in Japan (24:00 JST = 15:00 UTC). */
const JST_DAY_END = 15 * 3600;

/**
 * The deadline of a trade settling on `settlementDate`: the end of that day in Japan,
 * `settlementDate` 24:00 JST (= 15:00 UTC), as unix seconds. Both firms compute it the same way;
 * it goes into the terms the DVP commits to, so a counterpart that booked another settlement date
 * is refused with `SettlementTermsMismatchError` naming `deadline`.
 */
export function settlementDeadline(settlementDate: string): bigint {
  const d = normaliseTradeDate(settlementDate);
  const ms = Date.UTC(Math.floor(d / 10000), (Math.floor(d / 100) % 100) - 1, d % 100);
  return BigInt(ms / 1000 + JST_DAY_END);
}

/**
 * The settlement ID of a trade: `deriveSettlementId` (`kessai id derive`) over the venue, the trade
 * ID, the trade date, the two firms, the security token, the quantity and the amount:
 *
 *   id = keccak256(abi.encode(keccak256("kessai.settlement.v1"), venue, tradeId,
 *          uint32 YYYYMMDD, seller, buyer, securityToken, quantity, amount))
 *
 * The settlement date (the deadline) and the agent are not in the ID but in the terms, which the
 * DVP stores a commitment to: a counterpart that booked them differently meets the same ID with
 * other terms and is refused with `SettlementTermsMismatchError` naming the field, rather than
 * creating a second settlement for the same trade.
 */
export function tradeSettlementId(
  t: Pick<
    Trade,
    "venue" | "tradeId" | "tradeDate" | "seller" | "buyer" | "securityToken" | "quantity" | "amount"
  >,
): string {
  return deriveSettlementId(t).toLowerCase();
}

/** The DVP terms of a trade, paid in `cashToken` (the deployment's DCJPY). */
export function tradeTerms(t: Trade, cashToken: string): SettlementTerms {
  return buildTerms({
    id: t.id,
    seller: t.seller,
    buyer: t.buyer,
    securityToken: t.securityToken,
    quantity: t.quantity,
    cashToken,
    amount: t.amount,
    deadline: t.deadline,
    agent: t.agent,
  });
}

/** A record as read from a line: text values only (JSON strings, CSV cells). */
type RawTrade = Partial<Record<TradeField, unknown>>;

/**
 * Reads a trade file (CSV with a header line, or JSON Lines): one executed trade per line. Blank
 * lines and lines starting with `#` are ignored. Every line is checked on its own and the good
 * ones are returned even when others are refused; each refused line gives one
 * {@link TradeLineError} with its 1-based line number and the first problem found. A trade ID
 * repeated at the same venue is refused on every line after the first.
 *
 * Quantities, prices and amounts are integers in base units, written as digits (in JSON Lines,
 * as JSON strings: a JSON number loses precision above 2^53 and is refused). Dates are
 * `YYYY-MM-DD` or `YYYYMMDD`. Addresses are 0x + 40 hex digits (checksum checked when
 * mixed-case). Nothing is sent to any chain.
 */
export function parseTradeFile(text: string, opts: ParseTradeFileOptions = {}): TradeFileResult {
  if (typeof text !== "string") throw new InvalidParameterError("text", text, "must be a string");
  const known = opts.securityTokens?.map((a) => getAddress(a));
  const lines = text.split(/\r?\n/);
  const data: [number, string][] = [];
  lines.forEach((l, i) => {
    if (l.trim() !== "" && !l.trimStart().startsWith("#")) data.push([i + 1, l]);
  });
  const format = opts.format ?? (data[0]?.[1].trimStart().startsWith("{") ? "jsonl" : "csv");
  const errors: TradeLineError[] = [];
  const trades: Trade[] = [];
  const seen = new Map<string, number>();
  let records: [number, RawTrade][] = [];
  if (format === "jsonl") {
    for (const [n, l] of data) {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        errors.push(new TradeLineError(n, "malformedLine", "line", l, "is not valid JSON"));
        continue;
      }
      if (!v || typeof v !== "object" || Array.isArray(v)) {
        errors.push(new TradeLineError(n, "malformedLine", "line", l, "is not a JSON object"));
        continue;
      }
      records.push([n, v as RawTrade]);
    }
  } else if (data.length > 0) {
    const [headerLine, header] = data[0];
    const cols = splitCsv(header).map((c) => c.trim());
    const unknown = cols.filter((c) => !(TRADE_FIELDS as readonly string[]).includes(c));
    const missing = REQUIRED.filter((f) => !cols.includes(f));
    const repeated = cols.filter((c, i) => cols.indexOf(c) !== i);
    if (
      unknown.length ||
      missing.length ||
      repeated.length ||
      !(cols.includes("price") || cols.includes("amount"))
    ) {
      const why = [
        missing.length ? `lacks ${missing.join(", ")}` : "",
        !(cols.includes("price") || cols.includes("amount")) ? "lacks price or amount" : "",
        unknown.length ? `has unknown column(s) ${unknown.join(", ")}` : "",
        repeated.length ? `repeats ${repeated.join(", ")}` : "",
      ].filter(Boolean);
      errors.push(new TradeLineError(headerLine, "badHeader", "header", header, why.join("; ")));
      return { format, trades, errors, lines: data.length - 1 };
    }
    records = [];
    for (const [n, l] of data.slice(1)) {
      const cells = splitCsv(l);
      if (cells === undefined || cells.length !== cols.length) {
        errors.push(
          new TradeLineError(
            n,
            "malformedLine",
            "line",
            l,
            `is not a CSV record of ${cols.length} fields`,
          ),
        );
        continue;
      }
      const rec: RawTrade = {};
      cols.forEach((c, i) => {
        if (cells[i] !== "") rec[c as TradeField] = cells[i];
      });
      records.push([n, rec]);
    }
  }
  for (const [n, rec] of records) {
    let trade: Trade;
    try {
      trade = readTrade(n, rec, known);
    } catch (e) {
      if (e instanceof TradeLineError) {
        errors.push(e);
        continue;
      }
      throw e;
    }
    const key = `${trade.venue}\u0000${trade.tradeId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push(
        new TradeLineError(
          n,
          "duplicateTradeId",
          "tradeId",
          trade.tradeId,
          `repeats the trade of line ${first} at venue ${JSON.stringify(trade.venue)}`,
        ),
      );
      continue;
    }
    seen.set(key, n);
    trades.push(trade);
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    format,
    trades,
    errors,
    lines: format === "csv" ? Math.max(0, data.length - 1) : data.length,
  };
}

/** Splits one CSV record (RFC 4180 quoting, `""` inside quotes); undefined when a quote is left open. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur === "") quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (quoted) return undefined as unknown as string[];
  out.push(cur);
  return out;
}

/** Validates one record; throws the line's first problem as a TradeLineError. */
function readTrade(n: number, rec: RawTrade, known: string[] | undefined): Trade {
  const fail = (code: TradeLineErrorCode, field: string, value: unknown, reason: string): never => {
    throw new TradeLineError(n, code, field, value, reason);
  };
  for (const k of Object.keys(rec))
    if (!(TRADE_FIELDS as readonly string[]).includes(k))
      fail("malformedLine", k, rec[k as TradeField], "is not a trade field");
  for (const f of REQUIRED)
    if (rec[f] === undefined || rec[f] === null || rec[f] === "")
      fail("missingField", f, undefined, "is missing");
  if ((rec.price ?? "") === "" && (rec.amount ?? "") === "")
    fail("missingField", "amount", undefined, "is missing (give amount or price)");
  const text = (f: TradeField): string => {
    const v = rec[f];
    if (typeof v !== "string")
      fail(
        f === "quantity"
          ? "badQuantity"
          : ["price", "amount"].includes(f)
            ? "badAmount"
            : "malformedLine",
        f,
        v,
        typeof v === "number"
          ? "must be a JSON string of digits, not a JSON number (numbers lose precision above 2^53)"
          : "must be a string",
      );
    return v as string;
  };
  const venue = text("venue");
  const tradeId = text("tradeId");
  const address = (f: TradeField, allowZero = false): string => {
    try {
      return toAddress(text(f), f, { allowZero });
    } catch (e) {
      if (e instanceof InputError)
        return fail(
          "badAddress",
          f,
          rec[f],
          e.shortMessage.replace(/^\S+ /, "").replace(/: .*$/, ""),
        );
      throw e;
    }
  };
  const seller = address("seller");
  const buyer = address("buyer");
  const securityToken = address("securityToken");
  const agent = rec.agent === undefined || rec.agent === "" ? ZeroAddress : address("agent", true);
  const integer = (f: "quantity" | "price" | "amount"): bigint => {
    const v = text(f);
    const code = f === "quantity" ? "badQuantity" : "badAmount";
    if (!/^-?[0-9]+(_[0-9]+)*$/.test(v.trim()))
      fail(code, f, v, "must be a positive integer in base units");
    const x = BigInt(v.trim().replace(/_/g, ""));
    if (x <= 0n) fail(code, f, v, x === 0n ? "must not be zero" : "must not be negative");
    if (x >= 1n << 256n) fail(code, f, v, "does not fit uint256");
    return x;
  };
  const quantity = integer("quantity");
  const price = rec.price === undefined || rec.price === "" ? undefined : integer("price");
  let amount = rec.amount === undefined || rec.amount === "" ? undefined : integer("amount");
  if (price !== undefined) {
    if (amount !== undefined && amount !== quantity * price)
      fail(
        "amountMismatch",
        "amount",
        rec.amount,
        `is not quantity × price (${quantity} × ${price} = ${quantity * price})`,
      );
    amount = quantity * price;
    if (amount >= 1n << 256n)
      fail("badAmount", "price", rec.price, "makes an amount above uint256");
  }
  const date = (f: "tradeDate" | "settlementDate"): string => {
    const v = text(f);
    let d: number;
    try {
      d = normaliseTradeDate(v);
    } catch {
      return fail("badDate", f, v, "is not a calendar date (YYYY-MM-DD or YYYYMMDD)");
    }
    return `${Math.floor(d / 10000)}-${String(Math.floor(d / 100) % 100).padStart(2, "0")}-${String(d % 100).padStart(2, "0")}`;
  };
  const tradeDate = date("tradeDate");
  const settlementDate = date("settlementDate");
  if (settlementDate < tradeDate)
    fail("badDate", "settlementDate", rec.settlementDate, `is before the trade date ${tradeDate}`);
  if (seller === buyer) fail("sameParty", "buyer", rec.buyer, "is the seller");
  if (agent === seller || agent === buyer)
    fail("sameParty", "agent", rec.agent, "must be neither the seller nor the buyer");
  if (known && !known.includes(securityToken))
    fail(
      "unknownToken",
      "securityToken",
      rec.securityToken,
      "is not a security token of this deployment",
    );
  const fields = {
    venue,
    tradeId,
    tradeDate,
    seller,
    buyer,
    securityToken,
    quantity,
    amount: amount!,
  };
  return {
    line: n,
    ...fields,
    settlementDate,
    ...(price !== undefined ? { price } : {}),
    agent,
    deadline: settlementDeadline(settlementDate),
    id: tradeSettlementId(fields),
    ledger: "oneChain",
  };
}

/** A trade as one JSON Lines record (amounts as strings), e.g. to write a file back. */
export function tradeRecord(t: Trade): Record<TradeField, string | undefined> {
  return {
    venue: t.venue,
    tradeId: t.tradeId,
    tradeDate: t.tradeDate,
    settlementDate: t.settlementDate,
    securityToken: t.securityToken,
    seller: t.seller,
    buyer: t.buyer,
    quantity: String(t.quantity),
    price: t.price === undefined ? undefined : String(t.price),
    amount: String(t.amount),
    agent: t.agent === ZeroAddress ? undefined : t.agent,
  };
}
