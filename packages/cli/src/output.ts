import { referenceText } from "@kessai/sdk";

/** What a command hands back: a JSON document and its human rendering. */
export interface Output {
  /** The document printed with --json. */
  json: unknown;
  /** Lines printed without --json. */
  human: string;
  /** Exit status (default 0). */
  exitCode?: number;
  /** With a non-zero exitCode: the one line printed on stderr as `kessai: <line>`. */
  errorLine?: string;
  /** The command already wrote its output (e.g. `watch`): print nothing more. */
  streamed?: boolean;
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === "bigint" ? v.toString() : v),
    indent === 0 ? undefined : indent,
  );
}

/** Progress lines on stderr, only when stderr is a terminal (stdout stays clean). */
export class Progress {
  private readonly tty: boolean;
  private active = false;
  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
    this.stream = stream;
  }
  private readonly stream: NodeJS.WriteStream;

  /** Shows `message…` while `fn` runs. */
  async run<T>(message: string, fn: () => Promise<T>): Promise<T> {
    this.show(`${message}…`);
    try {
      return await fn();
    } finally {
      this.clear();
    }
  }
  show(line: string): void {
    if (!this.tty) return;
    this.stream.write(`\r\x1b[K${line}`);
    this.active = true;
  }
  clear(): void {
    if (!this.tty || !this.active) return;
    this.stream.write("\r\x1b[K");
    this.active = false;
  }
}

/** Aligned `key: value` lines. */
export function kv(rows: [string, unknown][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${(k + ":").padEnd(width + 1)}${fmt(v)}`)
    .join("\n");
}

/** A value for human output. */
export function fmt(v: unknown): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null || v === undefined) return "-";
  if (typeof v === "object") return toJson(v, 0);
  return String(v);
}

/** A bytes32 shown as its text when it is a text reference (see `referenceText`), else as hex. */
export function bytes32Text(v: string): string {
  const s = referenceText(v);
  return s === undefined ? v : `${s} (${v})`;
}

/** A unix time with its ISO rendering. */
export function timeText(t: bigint | number): string {
  const n = Number(t);
  if (n === 0) return "0 (none)";
  const d = new Date(n * 1000);
  return Number.isNaN(d.getTime()) ? String(t) : `${t} (${d.toISOString()})`;
}

/** Fixed-width table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** The JSON of a mined transaction (no receipt). */
export function txJson(r: { hash: string; blockNumber: number; gasUsed: bigint }) {
  return { txHash: r.hash, blockNumber: r.blockNumber, gasUsed: r.gasUsed };
}

/** `(tx 0x…, block N, gas G)`. */
export function txText(r: { hash: string; blockNumber: number; gasUsed: bigint }): string {
  return `(tx ${r.hash}, block ${r.blockNumber}, gas ${r.gasUsed})`;
}
