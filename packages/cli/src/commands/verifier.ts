import type { VerifierConfig } from "@kessai/verifier";
import type { Command } from "../command.js";
import { CliUsageError } from "../errors.js";
import { configFile, optionalPeer, put, runUntilSignal, whole } from "../service.js";

/** The verifier service, loaded when `verifier start` runs. */
function verifierPackage(): Promise<typeof import("@kessai/verifier")> {
  return optionalPeer(
    "@kessai/verifier",
    () => import("@kessai/verifier"),
    "kessai verifier start needs the verifier service",
  );
}

/**
 * The configuration from the file (`--config` / KESSAI_VERIFIER_CONFIG), then the environment,
 * then the flags (each one wins over the one before), validated by the verifier's own schema.
 */
export async function verifierConfigFrom(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Promise<VerifierConfig> {
  const { VerifierConfigError, parseVerifierConfig } = await verifierPackage();
  const flag = (n: string) => (typeof values[n] === "string" ? (values[n] as string) : undefined);
  const file = flag("config") ?? env.KESSAI_VERIFIER_CONFIG;
  const config = configFile(file);
  const pick = (f: string, e: string) => flag(f) ?? env[e];
  put(config, ["database", "url"], pick("database", "KESSAI_VERIFIER_DATABASE"));
  put(config, ["st", "rpcUrl"], pick("st-rpc", "KESSAI_VERIFIER_ST_RPC"));
  put(config, ["st", "contract"], pick("st-contract", "KESSAI_VERIFIER_ST_CONTRACT"));
  put(config, ["cash", "rpcUrl"], pick("cash-rpc", "KESSAI_VERIFIER_CASH_RPC"));
  put(config, ["cash", "contract"], pick("cash-contract", "KESSAI_VERIFIER_CASH_CONTRACT"));
  put(config, ["privateKey"], pick("key", "KESSAI_PRIVATE_KEY"));
  put(
    config,
    ["confirmations"],
    whole(pick("confirmations", "KESSAI_VERIFIER_CONFIRMATIONS"), "--confirmations"),
  );
  put(config, ["http", "host"], pick("http-host", "KESSAI_VERIFIER_HTTP_HOST"));
  put(
    config,
    ["http", "port"],
    whole(pick("http-port", "KESSAI_VERIFIER_HTTP_PORT"), "--http-port"),
  );
  put(config, ["log", "level"], pick("log-level", "KESSAI_VERIFIER_LOG_LEVEL"));
  try {
    return parseVerifierConfig(config);
  } catch (e) {
    if (e instanceof VerifierConfigError) throw new CliUsageError(e.field, `config ${e.message}`);
    throw e;
  }
}

/** The options that name the database and the ledgers (shared by `start` and `resync`). */
const CONFIG_OPTIONS = {
  config: { type: "string", arg: "FILE", help: "JSON configuration (KESSAI_VERIFIER_CONFIG)" },
  database: {
    type: "string",
    arg: "URL",
    help: "sqlite:<file> or postgres://... (KESSAI_VERIFIER_DATABASE)",
  },
  "st-rpc": { type: "string", arg: "URL", help: "ST ledger node (KESSAI_VERIFIER_ST_RPC)" },
  "st-contract": {
    type: "string",
    arg: "ADDR",
    help: "CrossLedgerDelivery (KESSAI_VERIFIER_ST_CONTRACT)",
  },
  "cash-rpc": { type: "string", arg: "URL", help: "cash ledger node (KESSAI_VERIFIER_CASH_RPC)" },
  "cash-contract": {
    type: "string",
    arg: "ADDR",
    help: "CrossLedgerPayment (KESSAI_VERIFIER_CASH_CONTRACT)",
  },
  confirmations: {
    type: "string",
    arg: "N",
    help: "confirmations before acting, default 2 (KESSAI_VERIFIER_CONFIRMATIONS)",
  },
} satisfies Command["options"];

export const verifierStartCommand: Command = {
  path: ["verifier", "start"],
  summary: "run the two-ledger verifier and relayer until SIGINT or SIGTERM",
  usage:
    "[--config FILE] [--database URL] [--st-rpc URL --st-contract ADDR] [--cash-rpc URL --cash-contract ADDR] [--key HEX]",
  description:
    "Watches CrossLedgerDelivery on the ST ledger and CrossLedgerPayment on the cash ledger,\n" +
    "decides each settlement once and carries the outcome across (docs/two-ledger.md). The\n" +
    "configuration is a JSON file, then KESSAI_VERIFIER_* variables, then flags, each winning over\n" +
    "the one before; it is validated before anything is opened. Serves /healthz and /metrics\n" +
    "(default 127.0.0.1:9464) and logs JSON lines (pino) on stdout.",
  options: {
    ...CONFIG_OPTIONS,
    "http-host": {
      type: "string",
      arg: "HOST",
      help: "default 127.0.0.1 (KESSAI_VERIFIER_HTTP_HOST)",
    },
    "http-port": { type: "string", arg: "PORT", help: "default 9464 (KESSAI_VERIFIER_HTTP_PORT)" },
    "log-level": {
      type: "string",
      arg: "LEVEL",
      help: "fatal|error|warn|info|debug|trace|silent, default info (KESSAI_VERIFIER_LOG_LEVEL)",
    },
  },
  examples: [
    "kessai verifier start --config verifier.json",
    "kessai verifier start --database sqlite:verifier.db --st-rpc http://127.0.0.1:8545 \\\n      --st-contract 0x… --cash-rpc http://127.0.0.1:8546 --cash-contract 0x… --key 0x…",
  ],
  async run(inv) {
    const config = await verifierConfigFrom(inv.values, inv.env);
    const { startVerifier } = await verifierPackage();
    await runUntilSignal(await startVerifier(config));
    return { json: null, human: "", streamed: true };
  },
};

/** The refusal's field, as `--json` reports it: the flag to change, or the running service. */
const RESYNC_FIELDS = {
  service: "service",
  ledger: "--ledger",
  fromBlock: "--from-block",
} as const;

export const verifierResyncCommand: Command = {
  path: ["verifier", "resync"],
  summary: "after a reorg deeper than the confirmations, reconcile the verifier with a ledger",
  usage: "--ledger st|cash --from-block N [--config FILE] [--database URL] [--st-rpc URL] ...",
  description:
    "A reorg deeper than the confirmations halts the verifier (/healthz 503 naming the ledger,\n" +
    "kessai_verifier_reorg_halted{ledger} 1). With the service stopped, this drops what it recorded\n" +
    "from that ledger from block N on (N at or below the first block the reorg replaced), rebuilds\n" +
    "each touched settlement's view of that ledger from the older events, reopens the service's\n" +
    "own transactions the chain lost (sent again as signed, under the same key; held until the\n" +
    "lock or instruction is back when the reorg took that too) and puts the\n" +
    "touched settlements' work back in the queue; started again, the service reads the new blocks\n" +
    "and carries on (docs/two-ledger.md, Operations). Same configuration as `verifier start`.",
  options: {
    ...CONFIG_OPTIONS,
    ledger: { type: "string", arg: "st|cash", help: "the ledger the reorg hit" },
    "from-block": { type: "string", arg: "N", help: "the first block to read again" },
  },
  examples: ["kessai verifier resync --config verifier.json --ledger st --from-block 1204"],
  async run(inv) {
    const ledger = inv.values.ledger;
    if (ledger !== "st" && ledger !== "cash")
      throw new CliUsageError("--ledger", "give --ledger st or --ledger cash");
    const fromBlock = whole(inv.values["from-block"] as string | undefined, "--from-block");
    if (fromBlock === undefined) throw new CliUsageError("--from-block", "give --from-block N");
    const config = await verifierConfigFrom(inv.values, inv.env);
    const { VerifierResyncError, resyncFromConfig } = await verifierPackage();
    let r;
    try {
      r = await resyncFromConfig(config, ledger, fromBlock);
    } catch (e) {
      // nothing changed: a service is running on the database, or the ledger or the block asked
      // cannot be read again from
      if (e instanceof VerifierResyncError)
        throw new CliUsageError(RESYNC_FIELDS[e.field], e.message);
      throw e;
    }
    return {
      json: r,
      human: [
        `${ledger} ledger read again from block ${r.fromBlock}: ${r.eventsDropped} recorded events dropped, ` +
          `${r.settlements.length} settlements rebuilt, ${r.requeued} queue items put back, ` +
          `${r.withdrawn} withdrawn, ${r.reopened.length} transactions reopened` +
          (r.held.length > 0
            ? `, ${r.held.length} held until their lock or instruction is back`
            : ""),
        ...r.settlements.map((x) => `  ${x.id}: ${x.before} -> ${x.after}`),
      ].join("\n"),
    };
  },
};
