import { parseUnixTime } from "@kessai/sdk";
import { CliUsageError } from "./errors.js";

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
  if (v === undefined || v === "") throw new CliUsageError(`--${name}`, `--${name} is required`);
  return v;
}

/** An optional option's value, parsed with `parse` (an SDK validator) under its flag's name. */
export function optional<T>(
  values: Values,
  name: string,
  parse: (value: string, field: string) => T,
): T | undefined {
  const v = str(values, name);
  return v === undefined ? undefined : parse(v, `--${name}`);
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

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A unix time in seconds, resolved when called: `+N[s|m|h|d]` relative to `now` (the later of
 * the wall clock and the latest block's time), else unix seconds or an ISO-8601 date-time such
 * as `2026-12-01T09:00:00+09:00`, parsed (and refused at once) by the SDK's `parseUnixTime`.
 */
export function parseTime(
  value: string,
  field: string,
  now: () => Promise<bigint>,
): () => Promise<bigint> {
  const rel = /^\+([0-9]+)([smhd]?)$/.exec(value);
  if (rel) {
    const secs = BigInt(rel[1]) * BigInt(UNITS[rel[2] || "s"]);
    return async () => (await now()) + secs;
  }
  const v = parseUnixTime(value, field);
  return async () => v;
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
