/**
 * The gateway's configuration: one zod schema for all of it, checked before the process touches a
 * database or a chain. A bad value stops the start with {@link ConfigError}, naming the field.
 */
import { z } from "zod";

const hex = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);

export const ConfigSchema = z.strictObject({
  database: z.strictObject({
    url: z.string().regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, "sqlite:<file> or postgres://…"),
  }),
  http: z
    .strictObject({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  chain: z.strictObject({
    rpcUrl: z.url({ protocol: /^https?$/ }),
    /** The chain ID the node must report (a wrong node stops the start). */
    chainId: z.number().int().positive(),
    /**
     * The bank's key: REGISTRAR, ISSUER, REDEEMER and FREEZER roles on DCJPY. Required unless
     * `start` is given a signer (a KMS or HSM signer, a test's).
     */
    privateKey: z.string().regex(hex(32), "a 0x-prefixed 32-byte hex key").optional(),
    depositToken: z.string().regex(hex(20), "a 0x-prefixed 20-byte address"),
    confirmations: z.number().int().min(0).max(1000).default(2),
    startBlock: z.number().int().min(0).default(0),
    maxBlockRange: z.number().int().min(1).max(100_000).default(2_000),
    pollIntervalMs: z.number().int().min(10).max(600_000).default(1_000),
    /**
     * The transaction engine's policy for the bank's sends (see docs/transactions.md). Each send
     * also stops before its outbox lease ends; a later attempt with the same key takes it up.
     */
    transactions: z
      .strictObject({
        /** How long a transaction taken up from the journal at start is watched, ms. */
        timeoutMs: z.number().int().min(1_000).default(300_000),
        feeBumpPercent: z.number().int().min(10).max(1_000).default(15),
        bumpAfterBlocks: z.number().int().min(1).max(10_000).default(3),
        bumpAfterMs: z.number().int().min(100).default(60_000),
        /** Ceiling of a replacement's max fee per gas, in wei (decimal). */
        maxFeePerGas: z
          .string()
          .regex(/^[1-9][0-9]{0,30}$/, "wei as a decimal integer")
          .optional(),
        /** Ceiling of a replacement's priority fee per gas, in wei (decimal). */
        maxPriorityFeePerGas: z
          .string()
          .regex(/^[0-9]{1,31}$/, "wei as a decimal integer")
          .optional(),
      })
      .prefault({}),
    /**
     * `postgres`: take the bank key's lock (a PostgreSQL advisory lock) before sending, so several
     * gateway processes on one key and one database take turns with nonces. Needs a PostgreSQL
     * database.
     */
    keyLock: z.enum(["none", "postgres"]).default("none"),
  }),
  auth: z.strictObject({
    /** SHA-256 (hex) of each operator key. */
    operatorKeySha256: z
      .array(z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits"))
      .min(1),
  }),
  limits: z
    .strictObject({
      /** Largest amount of one request, in yen (decimal string). */
      maxAmount: z
        .string()
        .regex(/^[1-9][0-9]{0,17}$/, "a positive integer below 10^18")
        .default("1000000000000000"),
    })
    .prefault({}),
  worker: z
    .strictObject({
      id: z.string().min(1).max(200).optional(),
      intervalMs: z.number().int().min(5).max(600_000).default(200),
      leaseMs: z.number().int().min(1_000).default(60_000),
      batch: z.number().int().min(1).max(1_000).default(16),
      maxAttempts: z.number().int().min(1).max(10_000).default(20),
      backoff: z
        .strictObject({
          initialDelayMs: z.number().int().min(0).default(500),
          multiplier: z.number().min(1).default(2),
          maxDelayMs: z.number().int().min(0).default(60_000),
          jitter: z.number().min(0).max(1).default(0.2),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    })
    .prefault({}),
});

export type GatewayConfig = z.output<typeof ConfigSchema>;
export type GatewayConfigInput = z.input<typeof ConfigSchema>;

/** A configuration value that does not fit; `field` is its path, e.g. `chain.confirmations`. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid configuration: ${field}: ${reason}`);
  }
}

/** Validates `input` (parsed JSON, or an object) and fills the defaults. */
export function parseConfig(input: unknown): GatewayConfig {
  const r = ConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    path = [...issue.path.map(String), (issue as { keys: string[] }).keys[0]].join(".");
    throw new ConfigError(path, "unknown setting");
  }
  // zod says "Invalid input: expected object, received undefined" for a missing setting
  const missing = issue.code === "invalid_type" && /received undefined$/.test(issue.message);
  throw new ConfigError(path || "(root)", missing ? "required" : issue.message);
}
