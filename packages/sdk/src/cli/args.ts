import { getAddress, ZeroAddress } from "ethers";

/** Bad command-line input: reported as one line, exit status 2, nothing sent. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Something asked for does not exist on chain (e.g. an unknown settlement): exit status 1. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/** One option, as `node:util` parseArgs takes it, plus its help text. */
export interface OptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  /** Shown in --help, e.g. `ADDR`. */
  arg?: string;
  help: string;
}
export type OptionSpecs = Record<string, OptionSpec>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  rpc: {
    type: "string",
    arg: "URL",
    help: "JSON-RPC endpoint (env KESSAI_RPC_URL; default http://127.0.0.1:8545)",
  },
  key: {
    type: "string",
    arg: "HEX",
    help: "private key to sign with (env KESSAI_PRIVATE_KEY)",
  },
  account: {
    type: "string",
    arg: "N",
    help: "sign with the node's unlocked account N (eth_accounts), e.g. against `hardhat node`",
  },
  deployment: {
    type: "string",
    arg: "FILE",
    help: "addresses: a JSON written by `kessai deploy`, or an Ignition deployed_addresses.json (or its folder) (env KESSAI_DEPLOYMENT)",
  },
  dvp: { type: "string", arg: "ADDR", help: "DVP address (overrides --deployment)" },
  "security-token": {
    type: "string",
    arg: "ADDR",
    help: "security token address (overrides --deployment)",
  },
  "deposit-token": {
    type: "string",
    arg: "ADDR",
    help: "DCJPY address (overrides --deployment)",
  },
  json: { type: "boolean", help: "print one JSON document on stdout (bigints as strings)" },
  help: { type: "boolean", short: "h", help: "show help" },
};

/** A string option's value (the last one when repeated), or undefined. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === "string" ? v : undefined;
}

/** A required string option. */
export function need(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/** Every value of a repeatable option (also splitting comma lists). */
export function list(values: Values, name: string): string[] {
  const v = values[name];
  const raw = Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
  return raw
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A checksummed, non-zero address (zero allowed with `allowZero`). */
export function parseAddress(value: string, field: string, opts: { allowZero?: boolean } = {}) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new UsageError(`${field} is not a valid address: ${JSON.stringify(value)}`);
  }
  let a: string;
  try {
    a = getAddress(value);
  } catch {
    throw new UsageError(`${field} has a bad checksum: ${JSON.stringify(value)}`);
  }
  if (a === ZeroAddress && !opts.allowZero)
    throw new UsageError(`${field} must not be the zero address`);
  return a;
}

/** A non-negative safe integer (block numbers, counts, account indexes). */
export function parseIndex(value: string, field: string): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${field} must be a non-negative integer: ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** A non-zero 32-byte hex settlement ID. */
export function parseId(value: string, field = "--id"): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value) || BigInt(value) === 0n) {
    throw new UsageError(
      `${field} must be a non-zero 32-byte hex string: ${JSON.stringify(value)}`,
    );
  }
  return value.toLowerCase();
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A unix time in seconds: an integer, `+N[s|m|h|d]` relative to `now` (the later of the wall
 * clock and the latest block's time), or an ISO-8601 date-time such as
 * `2026-12-01T09:00:00+09:00`.
 */
export function parseTime(value: string, field: string, now: () => Promise<bigint>) {
  const rel = /^\+([0-9]+)([smhd]?)$/.exec(value);
  if (rel) {
    const secs = BigInt(rel[1]) * BigInt(UNITS[rel[2] || "s"]);
    return async () => (await now()) + secs;
  }
  if (/^[0-9]+$/.test(value)) {
    const v = BigInt(value);
    if (v === 0n || v >= 1n << 64n) throw new UsageError(`${field} must be a uint64 unix time`);
    return async () => v;
  }
  const ms = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(ms)) {
    const v = BigInt(Math.floor(ms / 1000));
    return async () => v;
  }
  throw new UsageError(
    `${field} must be unix seconds, +N[s|m|h|d] or an ISO date-time: ${JSON.stringify(value)}`,
  );
}

/** Renders option specs for --help. */
export function describeOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : ""}--${name}${s.arg ? ` ${s.arg}` : ""}`;
    return [flag + (s.multiple ? " (repeatable)" : ""), s.help] as const;
  });
  const width = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  return rows
    .map(([f, h]) =>
      f.length + 2 > width ? `  ${f}\n  ${" ".repeat(width)}${h}` : `  ${f.padEnd(width)}${h}`,
    )
    .join("\n");
}
