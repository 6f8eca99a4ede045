/**
 * The service's configuration as data (a JSON file, the environment, flags), validated by one
 * schema, and {@link startVerifier}, which runs the whole process from it: the database, both
 * ledgers, the loop, the HTTP endpoints and pino's JSON log lines. `kessai verifier start` calls
 * it; a library user may call {@link Verifier.open} directly instead.
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { pino, type Logger } from "pino";
import { z } from "zod";
import { buildingBlocks, openStore } from "@kessai/storage";
import { VerifierConfigError } from "./errors.js";
import { listenHttp, type VerifierHttp } from "./http.js";
import { resyncLedger, type ResyncReport } from "./resync.js";
import { verifierMigrations } from "./schema.js";
import { Verifier, type VerifierOptions } from "./verifier.js";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address");
const privateKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte private key");
const url = z.string().regex(/^(https?|wss?):\/\/\S+$/, "must be an http(s):// or ws(s):// URL");
const ledger = z.strictObject({
  rpcUrl: url,
  contract: address,
  /** First block to watch (default 0). */
  fromBlock: z.number().int().min(0).optional(),
});

/** The configuration of one service process. */
export const verifierConfigSchema = z.strictObject({
  /** `sqlite:<file>` or `postgres://...`. */
  database: z.strictObject({
    url: z
      .string()
      .regex(/^(sqlite:|postgres(ql)?:\/\/)\S+$/, "must be sqlite:<file> or postgres://..."),
  }),
  st: ledger,
  cash: ledger,
  /** Key of the account that sends on both ledgers and signs the orders and the attestations. */
  privateKey,
  confirmations: z.number().int().min(1).default(2),
  deadlineMarginSec: z.number().int().min(0).default(60),
  pollMs: z.number().int().min(10).default(1_000),
  /**
   * Lease of an outbox claim, ms: after a crash, the work the dead process had claimed is taken up
   * again once its lease ran out.
   */
  leaseMs: z.number().int().min(100).default(120_000),
  http: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65_535).default(9464),
    })
    .default({ host: "127.0.0.1", port: 9464 }),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .default({ level: "info" }),
});

export type VerifierConfig = z.output<typeof verifierConfigSchema>;
export type VerifierConfigInput = z.input<typeof verifierConfigSchema>;

/**
 * Validates a configuration; throws {@link VerifierConfigError} naming the first field at fault
 * (`st.rpcUrl: must be an http(s):// or ws(s):// URL`).
 */
export function parseVerifierConfig(input: unknown): VerifierConfig {
  const r = verifierConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = issue.path.map(String).join(".") || "config";
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const k = (issue as { keys?: string[] }).keys?.[0] ?? "?";
    field = [...issue.path.map(String), k].join(".");
    message = "unknown field";
  } else if (
    issue.code === "invalid_type" &&
    ((issue as { received?: unknown }).received === "undefined" ||
      /received undefined|^required$/i.test(issue.message))
  )
    message = "required";
  else if (issue.code === "too_small" || issue.code === "too_big") {
    const bound = (issue as { minimum?: unknown; maximum?: unknown })[
      issue.code === "too_small" ? "minimum" : "maximum"
    ];
    message = `must be ${issue.code === "too_small" ? ">=" : "<="} ${String(bound)}`;
  }
  throw new VerifierConfigError(field, message);
}

/** A running service: the loop, the endpoints and the log. */
export interface RunningVerifier {
  verifier: Verifier;
  http: VerifierHttp;
  log: Logger;
  /** Stops the loop and the endpoints, closes the database and the providers. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs the service from a configuration (validated first: a {@link VerifierConfigError} before
 * anything is opened). Log lines are pino's JSON, with `service: "verifier"` and the settlement
 * `id` on every line about one settlement.
 */
export async function startVerifier(
  input: unknown,
  o: { logger?: Logger; crashPoint?: VerifierOptions["crashPoint"] } = {},
): Promise<RunningVerifier> {
  const config = parseVerifierConfig(input);
  const log =
    o.logger ?? pino({ level: config.log.level, base: { service: "verifier", pid: process.pid } });
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const f of cleanup.reverse()) await Promise.resolve(f()).catch(() => undefined);
    cleanup.length = 0;
  };
  try {
    const store = await openStore(config.database.url);
    cleanup.push(() => store.close());
    const provider = (u: string) => {
      // The chain is detected once (and checked against the other ledger's by Verifier.open):
      // without `staticNetwork` every call first asks `eth_chainId` again, one more round trip.
      const p = new JsonRpcProvider(u, undefined, {
        pollingInterval: 250,
        cacheTimeout: -1,
        staticNetwork: true,
      });
      cleanup.push(() => p.destroy());
      return p;
    };
    const stProvider = provider(config.st.rpcUrl);
    const cashProvider = provider(config.cash.rpcUrl);
    const verifier = await Verifier.open({
      store,
      st: {
        sender: new Wallet(config.privateKey, stProvider),
        contract: config.st.contract,
        fromBlock: config.st.fromBlock,
      },
      cash: {
        sender: new Wallet(config.privateKey, cashProvider),
        contract: config.cash.contract,
        fromBlock: config.cash.fromBlock,
      },
      attester: new Wallet(config.privateKey),
      confirmations: config.confirmations,
      deadlineMarginSec: config.deadlineMarginSec,
      pollMs: config.pollMs,
      leaseMs: config.leaseMs,
      logger: log,
      crashPoint: o.crashPoint,
    });
    const http = await listenHttp(verifier, config.http);
    cleanup.push(() => http.close());
    verifier.start();
    cleanup.push(() => verifier.stop());
    log.info({ url: http.url, confirmations: config.confirmations }, "verifier started");
    return { verifier, http, log, stop: undo };
  } catch (e) {
    await undo();
    throw e;
  }
}

/**
 * `kessai verifier resync`: reconciles the service's view of one ledger with its chain from
 * `fromBlock`, after a reorg deeper than the confirmations halted it ({@link resyncLedger}; run
 * it with the service stopped). Opens the configuration's database and that ledger's node, and
 * closes both.
 */
export async function resyncFromConfig(
  input: unknown,
  ledger: "st" | "cash",
  fromBlock: number,
): Promise<ResyncReport> {
  const config = parseVerifierConfig(input);
  const store = await openStore(config.database.url);
  const provider = new JsonRpcProvider(config[ledger].rpcUrl, undefined, { cacheTimeout: -1 });
  try {
    await store.migrate([...buildingBlocks, verifierMigrations]);
    return await resyncLedger({ store, provider, ledger, fromBlock });
  } finally {
    provider.destroy();
    await store.close();
  }
}
