/**
 * The gateway process: `start(config)` validates the config, opens and migrates the database,
 * connects to the chain, and runs the HTTP API, the outbox worker and the chain watcher until
 * `stop()`. `cli.ts` runs it from a JSON file (`node dist/cli.js <config.json>`); the CLI will
 * expose it as `kessai gateway start`.
 */
import { hostname } from "node:os";
import { JsonRpcProvider, Wallet, type Signer } from "ethers";
import { pino, type Logger } from "pino";
import type { JournalEntry } from "@kessai/sdk";
import {
  DatabaseClock,
  buildingBlocks,
  openPostgresKeyLock,
  openStore,
  txJournal,
  txJournalMigrations,
  type PostgresKeyLock,
  type Store,
} from "@kessai/storage";
import { writeBatcher } from "./app/batcher.js";
import type { CrashPoint, GatewayContext } from "./app/context.js";
import { ensureBankAccounts } from "./app/operator.js";
import { DeepReorgError, watchOnce } from "./app/watcher.js";
import { runOutboxWorker, workOutbox } from "./app/worker.js";
import type { DepositChain } from "./chain/port.js";
import { sdkDepositChain } from "./chain/sdk-adapter.js";
import { GatewayClient } from "./client.js";
import { ConfigError, parseConfig, type GatewayConfig } from "./config.js";
import { buildHttp } from "./http/server.js";
import { gatewayMigrations } from "./store/schema.js";

export interface StartOptions {
  /**
   * The bank's signer (a KMS or HSM signer, a test's node account) instead of a wallet from
   * `chain.privateKey`; its provider must serve `chain.chainId`. The gateway still wraps it in the
   * SDK's transaction engine with its database's journal.
   */
  signer?: Signer;
  /** A chain port to use instead of the one over the SDK (tests of the use cases alone). */
  chain?: DepositChain;
  /** A pino logger (default: JSON lines on stdout at `log.level`). */
  logger?: Logger;
  /** Test hook: called at named points where a crash must lose and repeat nothing. */
  crashPoint?: (point: CrashPoint) => void;
  /** Run the HTTP API (default true). */
  http?: boolean;
  /** Run the outbox worker and the chain watcher loops (default true). */
  loops?: boolean;
}

export interface RunningGateway {
  /** The API's base URL, e.g. http://127.0.0.1:8080. */
  url: string | undefined;
  ctx: GatewayContext;
  config: GatewayConfig;
  /** A typed client of this gateway's API with `apiKey` (a firm's or an operator's key). */
  client(apiKey: string): GatewayClient;
  /** One round of the outbox worker and one poll of the watcher (when loops are off). */
  tick(): Promise<void>;
  /** Whether the watcher stopped on a reorg deeper than the confirmations. */
  deepReorg(): boolean;
  /**
   * Stops: the API, the loops, every send in flight (their transactions may still be mined; the
   * next start takes them up from the journal), then closes the database. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts the gateway: validates the config (a {@link ConfigError} naming the field, before
 * anything is touched), opens and migrates the database, connects to the chain through the SDK's
 * transaction engine with the journal in that database, and runs the HTTP API, the outbox worker
 * and the chain watcher until `stop()`. The CLI's `kessai gateway start` and the demo call this and
 * talk to the API with {@link GatewayClient}.
 */
export async function start(input: unknown, o: StartOptions = {}): Promise<RunningGateway> {
  const config = parseConfig(input);
  const postgres = !config.database.url.startsWith("sqlite:");
  if (config.chain.keyLock === "postgres" && !postgres)
    throw new ConfigError("chain.keyLock", "postgres needs a postgres:// database.url");
  if (!o.chain && !o.signer && config.chain.privateKey === undefined)
    throw new ConfigError("chain.privateKey", "required (or give start() a signer)");
  const log =
    o.logger ??
    pino({ level: config.log.level, base: { service: "bank-gateway", pid: process.pid } });
  const cleanup: (() => Promise<void> | void)[] = [];
  const undo = async () => {
    for (const f of cleanup.reverse()) await Promise.resolve(f()).catch(() => undefined);
  };
  try {
    const store = await openStore(config.database.url);
    cleanup.push(() => store.close());
    await store.migrate([...buildingBlocks, txJournalMigrations, gatewayMigrations]);
    let chain = o.chain;
    if (!chain) {
      let signer = o.signer;
      if (!signer) {
        // No request cache: ethers answers an identical request within 250 ms with the earlier
        // answer (stale nonces, receipts and records).
        const provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, {
          staticNetwork: true,
          pollingInterval: 100,
          cacheTimeout: -1,
        });
        cleanup.push(() => provider.destroy());
        signer = new Wallet(config.chain.privateKey!, provider);
      }
      const network = await signer.provider?.getNetwork();
      if (network === undefined) throw new ConfigError("chain", "the signer has no provider");
      if (Number(network.chainId) !== config.chain.chainId) {
        throw new ConfigError(
          "chain.chainId",
          `is ${config.chain.chainId} but the node reports ${network.chainId}`,
        );
      }
      let lock: PostgresKeyLock | undefined;
      if (config.chain.keyLock === "postgres") {
        lock = openPostgresKeyLock({ connectionString: config.database.url });
        cleanup.push(() => lock!.close());
      }
      const t = config.chain.transactions;
      chain = await sdkDepositChain({
        signer,
        depositToken: config.chain.depositToken,
        journal: txJournal<JournalEntry>(store),
        lock,
        policy: {
          confirmations: 1,
          timeoutMs: t.timeoutMs,
          feeBumpPercent: t.feeBumpPercent,
          bumpAfterBlocks: t.bumpAfterBlocks,
          bumpAfterMs: t.bumpAfterMs,
          ...(t.maxFeePerGas ? { maxFeePerGas: BigInt(t.maxFeePerGas) } : {}),
          ...(t.maxPriorityFeePerGas
            ? { maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas) }
            : {}),
        },
      });
    }
    const running = await run(config, store, chain, log, o);
    let stopped: Promise<void> | undefined;
    return {
      ...running,
      stop() {
        stopped ??= running.stop().finally(undo);
        return stopped;
      },
    };
  } catch (e) {
    await undo();
    throw e;
  }
}

async function run(
  config: GatewayConfig,
  store: Store,
  chain: DepositChain,
  log: Logger,
  o: StartOptions,
): Promise<RunningGateway> {
  const stopping = new AbortController();
  // The outbox's times on the database's clock, its offset read now and by the worker's rounds.
  const clock = new DatabaseClock();
  await clock.sync(store);
  const ctx: GatewayContext = {
    store,
    chain,
    chainId: await chain.chainId(),
    log,
    crashPoint: o.crashPoint,
    signal: stopping.signal,
    writes: writeBatcher(store),
    clock,
    settings: {
      confirmations: config.chain.confirmations,
      startBlock: config.chain.startBlock,
      maxBlockRange: config.chain.maxBlockRange,
      maxAmount: BigInt(config.limits.maxAmount),
      worker: {
        id: config.worker.id ?? `${hostname()}:${process.pid}`,
        leaseMs: config.worker.leaseMs,
        batch: config.worker.batch,
        maxAttempts: config.worker.maxAttempts,
        backoff: config.worker.backoff,
      },
    },
  };
  await ensureBankAccounts(ctx);

  let deepReorg = false;
  const watch = async () => {
    if (deepReorg) return;
    try {
      await watchOnce(ctx);
    } catch (e) {
      if (e instanceof DeepReorgError) {
        log.fatal(
          { err: { name: e.name, message: e.message }, blockNumber: e.blockNumber },
          "watcher stopped",
        );
        deepReorg = true;
        return;
      }
      throw e;
    }
  };
  /** Ticks in progress (tests drive them): stop() lets them finish before the store closes. */
  const ticking = new Set<Promise<void>>();
  const tick = () => {
    const t = (async () => {
      await workOutbox(ctx);
      await watch();
    })();
    ticking.add(t);
    const done = () => ticking.delete(t);
    t.then(done, done);
    return t;
  };

  let stopped = false;
  const loops: Promise<void>[] = [];
  const loop = (name: string, everyMs: number, fn: () => Promise<unknown>) =>
    loops.push(
      (async () => {
        while (!stopped) {
          let busy = false;
          try {
            const r = await fn();
            busy =
              typeof r === "object" &&
              r !== null &&
              "claimed" in r &&
              (r as { claimed: number }).claimed > 0;
          } catch (e) {
            if (stopped) break;
            log.warn(
              {
                err: e instanceof Error ? { name: e.name, message: e.message } : String(e),
                loop: name,
              },
              "loop round failed; retrying",
            );
          }
          if (!busy && !stopped) await sleep(everyMs, stopping.signal);
        }
      })(),
    );
  if (o.loops !== false) {
    // Claims continuously: up to `batch` sends in flight, a new claim as soon as one is recorded.
    loops.push(
      runOutboxWorker(ctx, {
        intervalMs: config.worker.intervalMs,
        stopped: () => stopped,
        sleep: (ms) => sleep(ms, stopping.signal),
        onError: (e) => {
          if (stopped) return;
          log.warn(
            {
              err: e instanceof Error ? { name: e.name, message: e.message } : String(e),
              loop: "outbox",
            },
            "outbox round failed; retrying",
          );
        },
      }),
    );
    loop("watcher", config.chain.pollIntervalMs, watch);
  }

  let url: string | undefined;
  const app =
    o.http === false
      ? undefined
      : await buildHttp(ctx, {
          operatorKeyHashes: config.auth.operatorKeySha256,
          logger: log,
          deepReorg: () => deepReorg,
        });
  if (app) {
    await app.listen({ host: config.http.host, port: config.http.port });
    const addr = app.server.address();
    url = typeof addr === "object" && addr ? `http://${config.http.host}:${addr.port}` : undefined;
    log.info({ url }, "bank gateway listening");
  }
  let stoppedOnce: Promise<void> | undefined;
  return {
    url,
    ctx,
    config,
    client: (apiKey) => {
      if (!url) throw new Error("the gateway runs without its HTTP API");
      return new GatewayClient({ url, apiKey });
    },
    tick,
    deepReorg: () => deepReorg,
    stop() {
      stoppedOnce ??= (async () => {
        stopped = true;
        await app?.close();
        stopping.abort(new Error("the gateway is stopping"));
        await Promise.all(loops);
        await Promise.allSettled([...ticking]);
        await ctx.writes?.flush();
        await chain.close?.();
      })();
      return stoppedOnce;
    },
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(() => {
      signal.removeEventListener("abort", done);
      resolve();
    }, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener("abort", done, { once: true });
  });
