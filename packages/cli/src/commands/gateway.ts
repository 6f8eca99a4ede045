import type { GatewayConfig } from "@kessai/bank-gateway";
import { GatewayClient, type GatewayAccount } from "@kessai/sdk";
import { str, type OptionSpecs, type Values } from "../args.js";
import type { Command } from "../command.js";
import { CliUsageError } from "../errors.js";
import { table } from "../output.js";
import { configFile, optionalPeer, put, runUntilSignal, whole } from "../service.js";

/** The gateway service, loaded when `gateway start` runs; its calls use the SDK's client. */
function gatewayPackage(): Promise<typeof import("@kessai/bank-gateway")> {
  return optionalPeer(
    "@kessai/bank-gateway",
    () => import("@kessai/bank-gateway"),
    "kessai gateway start needs the gateway service",
  );
}

/**
 * The gateway's configuration from the file (`--config` / KESSAI_GATEWAY_CONFIG), then the
 * environment, then the flags (each one wins over the one before), validated by the gateway's own
 * schema (`parseConfig`) before anything is opened. A bad value is a CliUsageError naming it.
 */
export async function gatewayConfigFrom(
  values: Values,
  env: NodeJS.ProcessEnv,
): Promise<GatewayConfig> {
  const { ConfigError, parseConfig } = await gatewayPackage();
  const flag = (n: string) => str(values, n);
  const file = flag("config") ?? env.KESSAI_GATEWAY_CONFIG;
  const config = configFile(file);
  const pick = (f: string, e: string) => flag(f) ?? env[e];
  put(config, ["database", "url"], pick("database", "KESSAI_GATEWAY_DATABASE"));
  put(config, ["chain", "rpcUrl"], pick("rpc", "KESSAI_RPC_URL"));
  put(
    config,
    ["chain", "chainId"],
    whole(pick("chain-id", "KESSAI_GATEWAY_CHAIN_ID"), "--chain-id"),
  );
  put(config, ["chain", "privateKey"], pick("key", "KESSAI_PRIVATE_KEY"));
  put(config, ["chain", "depositToken"], pick("deposit-token", "KESSAI_GATEWAY_DEPOSIT_TOKEN"));
  put(
    config,
    ["chain", "confirmations"],
    whole(pick("confirmations", "KESSAI_GATEWAY_CONFIRMATIONS"), "--confirmations"),
  );
  const hashes = values["operator-key-sha256"];
  const hashList = Array.isArray(hashes)
    ? hashes.map(String)
    : env.KESSAI_GATEWAY_OPERATOR_KEY_SHA256?.split(",").map((h) => h.trim());
  if (hashList !== undefined && hashList.length > 0)
    put(config, ["auth", "operatorKeySha256"], hashList);
  put(config, ["http", "host"], pick("http-host", "KESSAI_GATEWAY_HTTP_HOST"));
  put(
    config,
    ["http", "port"],
    whole(pick("http-port", "KESSAI_GATEWAY_HTTP_PORT"), "--http-port"),
  );
  put(config, ["log", "level"], pick("log-level", "KESSAI_GATEWAY_LOG_LEVEL"));
  try {
    return parseConfig(config);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new CliUsageError(e.field, `config ${e.field}: ${e.reason}`);
    throw e;
  }
}

export const gatewayStartCommand: Command = {
  path: ["gateway", "start"],
  summary: "run the bank gateway (deposit ledger, steps 3 and 7) until SIGINT or SIGTERM",
  usage:
    "[--config FILE] [--database URL] [--rpc URL --chain-id N --deposit-token ADDR --key HEX] [--operator-key-sha256 HEX]",
  description:
    "Serves the bank's deposit ledger over HTTP: firms request DCJPY issuance (step 3) and\n" +
    "redemption (step 7) against their deposit accounts, exactly once per bank reference\n" +
    "(packages/bank-gateway/README.md). The configuration is a JSON file, then KESSAI_GATEWAY_*\n" +
    "variables (and KESSAI_RPC_URL, KESSAI_PRIVATE_KEY), then flags, each winning over the one\n" +
    "before; it is validated by the gateway's schema before anything is opened. Logs JSON lines\n" +
    "(pino) on stdout.",
  options: {
    config: { type: "string", arg: "FILE", help: "JSON configuration (KESSAI_GATEWAY_CONFIG)" },
    database: {
      type: "string",
      arg: "URL",
      help: "sqlite:<file> or postgres://... (KESSAI_GATEWAY_DATABASE)",
    },
    "chain-id": {
      type: "string",
      arg: "N",
      help: "the chain ID the node must report (KESSAI_GATEWAY_CHAIN_ID)",
    },
    confirmations: {
      type: "string",
      arg: "N",
      help: "confirmations before a posting, default 2 (KESSAI_GATEWAY_CONFIRMATIONS)",
    },
    "operator-key-sha256": {
      type: "string",
      multiple: true,
      arg: "HEX",
      help: "SHA-256 of an operator key, repeatable (KESSAI_GATEWAY_OPERATOR_KEY_SHA256, comma-separated)",
    },
    "http-host": {
      type: "string",
      arg: "HOST",
      help: "default 127.0.0.1 (KESSAI_GATEWAY_HTTP_HOST)",
    },
    "http-port": { type: "string", arg: "PORT", help: "default 8080 (KESSAI_GATEWAY_HTTP_PORT)" },
    "log-level": {
      type: "string",
      arg: "LEVEL",
      help: "fatal|error|warn|info|debug|trace|silent, default info (KESSAI_GATEWAY_LOG_LEVEL)",
    },
  },
  examples: [
    "kessai gateway start --config gateway.json",
    'kessai gateway start --database sqlite:gateway.db --rpc http://127.0.0.1:8545 --chain-id 31337 \\\n      --deposit-token 0x… --key 0x… --operator-key-sha256 $(printf %s "$OPERATOR_KEY" | sha256sum | cut -c1-64)',
  ],
  async run(inv) {
    const config = await gatewayConfigFrom(inv.values, inv.env);
    await runUntilSignal(await (await gatewayPackage()).start(config));
    return { json: null, human: "", streamed: true };
  },
};

// ---- a firm's calls ---------------------------------------------------------------------------

const CLIENT_OPTIONS: OptionSpecs = {
  gateway: { type: "string", arg: "URL", help: "the gateway's URL (KESSAI_GATEWAY_URL)" },
  "api-key": {
    type: "string",
    arg: "KEY",
    help: "the firm's API key, kgw_… (KESSAI_GATEWAY_API_KEY)",
  },
};
const IDEMPOTENCY: OptionSpecs = {
  "idempotency-key": {
    type: "string",
    arg: "KEY",
    help: "run it once: the same key and request answer the same (default: a new key)",
  },
};

/** The client of the gateway named by --gateway / KESSAI_GATEWAY_URL with the firm's key. */
function client(values: Values, env: NodeJS.ProcessEnv): GatewayClient {
  const url = str(values, "gateway") ?? env.KESSAI_GATEWAY_URL;
  if (url === undefined)
    throw new CliUsageError("--gateway", "--gateway URL (or KESSAI_GATEWAY_URL) is required");
  if (!/^https?:\/\/[^\s]+$/.test(url))
    throw new CliUsageError("--gateway", `--gateway: not an http(s) URL: ${url}`, url);
  const apiKey = str(values, "api-key") ?? env.KESSAI_GATEWAY_API_KEY;
  if (apiKey === undefined)
    throw new CliUsageError("--api-key", "--api-key KEY (or KESSAI_GATEWAY_API_KEY) is required");
  return new GatewayClient({ url, apiKey });
}

function required(values: Values, name: string): string {
  const v = str(values, name);
  if (v === undefined) throw new CliUsageError(`--${name}`, `--${name} is required`);
  return v;
}

function balanceRow(a: GatewayAccount): string[] {
  const b = a.balances;
  return [
    a.id,
    a.status,
    String(b.posted),
    String(b.available),
    String(b.pendingDebits),
    String(b.pendingCredits),
  ];
}

export const gatewayIssueCommand: Command = {
  path: ["gateway", "issue"],
  summary: "step 3: ask the bank to hold yen on a deposit account and issue DCJPY for them",
  usage: "--account ID --amount YEN [--idempotency-key KEY] [--gateway URL --api-key KEY]",
  description:
    "Holds the amount on the firm's deposit account and issues DCJPY to the firm's address; the\n" +
    "hold is posted once the issuance has the gateway's confirmations. Prints the issuance (its\n" +
    "state is pending at first: see the gateway's GET /v1/issuances/<id>).",
  options: {
    ...CLIENT_OPTIONS,
    account: { type: "string", arg: "ID", help: "the deposit account to debit (dep_<firm>)" },
    amount: { type: "string", arg: "YEN", help: "whole yen" },
    ...IDEMPOTENCY,
  },
  examples: [
    "kessai gateway issue --account dep_firm-a --amount 300000 --idempotency-key order-42",
  ],
  async run(inv) {
    const account = required(inv.values, "account");
    const amount = required(inv.values, "amount");
    const i = await client(inv.values, inv.env).requestIssuance(
      { account, amount },
      { idempotencyKey: str(inv.values, "idempotency-key") },
    );
    return {
      json: i,
      human:
        `issuance ${i.id}: ${i.amount} yen from ${i.account} to ${i.to}, ${i.state}` +
        `${i.replayed ? " (replayed)" : ""}\nreference ${i.reference}`,
    };
  },
};

export const gatewayRedeemCommand: Command = {
  path: ["gateway", "redeem"],
  summary: "step 7: ask the bank to burn the firm's DCJPY and credit its deposit account",
  usage: "--amount YEN [--idempotency-key KEY] [--gateway URL --api-key KEY]",
  options: {
    ...CLIENT_OPTIONS,
    amount: { type: "string", arg: "YEN", help: "whole yen" },
    ...IDEMPOTENCY,
  },
  examples: ["kessai gateway redeem --amount 20000 --idempotency-key order-43"],
  async run(inv) {
    const amount = required(inv.values, "amount");
    const r = await client(inv.values, inv.env).requestRedemption(
      { amount },
      { idempotencyKey: str(inv.values, "idempotency-key") },
    );
    return {
      json: r,
      human:
        `redemption ${r.id}: ${r.amount} yen from ${r.from}, ${r.state}` +
        `${r.replayed ? " (replayed)" : ""}\nreference ${r.reference}`,
    };
  },
};

export const gatewayBalanceCommand: Command = {
  path: ["gateway", "balance"],
  summary: "the firm's deposit accounts and their balances on the bank's ledger",
  usage: "[ACCOUNT] [--gateway URL --api-key KEY]",
  positionals: [0, 1],
  options: { ...CLIENT_OPTIONS },
  examples: ["kessai gateway balance", "kessai gateway balance dep_firm-a --json"],
  async run(inv) {
    const c = client(inv.values, inv.env);
    const id = inv.positionals[0];
    const accounts = id === undefined ? await c.listAccounts() : [await c.getAccount(id)];
    return {
      json: id === undefined ? accounts : accounts[0],
      human: table(
        ["ACCOUNT", "STATUS", "POSTED", "AVAILABLE", "HELD", "INCOMING"],
        accounts.map(balanceRow),
      ),
    };
  },
};

export const gatewayStatementCommand: Command = {
  path: ["gateway", "statement"],
  summary: "an account's statement on the bank's ledger, oldest first",
  usage: "ACCOUNT [--limit N] [--cursor C] [--gateway URL --api-key KEY]",
  description:
    "One page of the statement (amounts signed from the account's side: + credit, − debit);\n" +
    "the next page's cursor is printed last (`nextCursor` with --json).",
  positionals: [1, 1],
  options: {
    ...CLIENT_OPTIONS,
    limit: { type: "string", arg: "N", help: "lines per page, 1 to 1000 (default 100)" },
    cursor: { type: "string", arg: "C", help: "the cursor a previous page printed" },
  },
  examples: ["kessai gateway statement dep_firm-a --limit 20"],
  async run(inv) {
    const limit = whole(str(inv.values, "limit"), "--limit");
    if (limit !== undefined && (limit < 1 || limit > 1000))
      throw new CliUsageError("--limit", "--limit: must be 1 to 1000", limit);
    const s = await client(inv.values, inv.env).getStatement(inv.positionals[0]!, {
      limit,
      cursor: str(inv.values, "cursor"),
    });
    const lines = s.lines.map((l) => [
      String(l.transferId),
      l.createdAt,
      l.kind,
      (l.amount > 0n ? "+" : "") + String(l.amount),
      l.counterparty,
      l.reference ?? "",
    ]);
    return {
      json: s,
      human:
        (lines.length
          ? table(["ID", "TIME", "KIND", "AMOUNT", "COUNTERPARTY", "REFERENCE"], lines)
          : `no lines in ${s.account}`) +
        (s.nextCursor ? `\nnext page: --cursor ${s.nextCursor}` : ""),
    };
  },
};

export const gatewayCommands: Command[] = [
  gatewayStartCommand,
  gatewayIssueCommand,
  gatewayRedeemCommand,
  gatewayBalanceCommand,
  gatewayStatementCommand,
];
