/**
 * The gateway process: `start(config)` validates the config, opens and migrates the database,
 * connects to the chain, and runs the HTTP API, the outbox worker and the chain watcher until
 * `stop()`. `node dist/main.js <config.json>` runs it from the command line (the CLI will expose
 * it as `kessai gateway start`).
 */
import { hostname } from "node:os";
import { pathToFileURL } from "node:url";
import { readFile } from "node:fs/promises";
import { JsonRpcProvider, Wallet } from "ethers";
import { pino, type Logger } from "pino";
import { buildingBlocks, openStore, type Store } from "@kessai/storage";
import type { CrashPoint, GatewayContext } from "./app/context.js";
import { ensureBankAccounts } from "./app/operator.js";
import { DeepReorgError, watchOnce } from "./app/watcher.js";
import { workOutbox } from "./app/worker.js";
import type { DepositChain } from "./chain/port.js";
import { sdkDepositChain } from "./chain/sdk-adapter.js";
import { parseConfig, type GatewayConfig } from "./config.js";
import { buildHttp } from "./http/server.js";
import { gatewayMigrations } from "./store/schema.js";

export interface StartOptions {
  /** A chain port to use instead of one over the SDK from `chain.rpcUrl` (tests). */
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
  /** One round of the outbox worker and one poll of the watcher (when loops are off). */
  tick(): Promise<void>;
  /** Stops the loops, the server and closes the database. */
  stop(): Promise<void>;
}

/** Starts the gateway. Throws ConfigError (naming the field) before touching anything. */
export async function start(input: unknown, o: StartOptions = {}): Promise<RunningGateway> {
  const config = parseConfig(input);
  const log =
    o.logger ??
    pino({ level: config.log.level, base: { service: "bank-gateway", pid: process.pid } });
  let provider: JsonRpcProvider | undefined;
  let chain = o.chain;
  if (!chain) {
    provider = new JsonRpcProvider(config.chain.rpcUrl, undefined, {
      staticNetwork: true,
      pollingInterval: 100,
    });
    const network = await provider.getNetwork();
    if (Number(network.chainId) !== config.chain.chainId) {
      provider.destroy();
      throw new Error(
        `chain.chainId is ${config.chain.chainId} but ${config.chain.rpcUrl} reports ${network.chainId}`,
      );
    }
    chain = await sdkDepositChain({
      signer: new Wallet(config.chain.privateKey, provider),
      depositToken: config.chain.depositToken,
    });
  }
  let store: Store;
  try {
    store = await openStore(config.database.url);
  } catch (e) {
    provider?.destroy();
    throw e;
  }
  await store.migrate([...buildingBlocks, gatewayMigrations]);
  const ctx: GatewayContext = {
    store,
    chain,
    chainId: await chain.chainId(),
    log,
    crashPoint: o.crashPoint,
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
  const tick = async () => {
    await workOutbox(ctx);
    try {
      await watchOnce(ctx);
    } catch (e) {
      if (e instanceof DeepReorgError) {
        if (!deepReorg) log.fatal({ err: e }, "watcher stopped");
        deepReorg = true;
        return;
      }
      throw e;
    }
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
            log.warn(
              {
                err: e instanceof Error ? { name: e.name, message: e.message } : String(e),
                loop: name,
              },
              "loop round failed; retrying",
            );
          }
          if (!busy) await new Promise((r) => setTimeout(r, everyMs));
        }
      })(),
    );
  if (o.loops !== false) {
    loop("outbox", config.worker.intervalMs, () => workOutbox(ctx));
    loop("watcher", config.chain.pollIntervalMs, async () => {
      if (deepReorg) return;
      try {
        await watchOnce(ctx);
      } catch (e) {
        if (e instanceof DeepReorgError) {
          log.fatal({ err: { name: e.name, message: e.message } }, "watcher stopped");
          deepReorg = true;
          return;
        }
        throw e;
      }
    });
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
  return {
    url,
    ctx,
    config,
    tick,
    async stop() {
      stopped = true;
      await app?.close();
      await Promise.all(loops);
      await store.close();
      provider?.destroy();
    },
  };
}

/** `node main.js <config.json>`: runs until SIGINT/SIGTERM; a bad config exits 2 naming the field. */
async function cli() {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: bank-gateway <config.json>");
    process.exit(2);
  }
  let running: RunningGateway;
  try {
    running = await start(JSON.parse(await readFile(file, "utf8")));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  }
  const shutdown = () => void running.stop().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) void cli();
