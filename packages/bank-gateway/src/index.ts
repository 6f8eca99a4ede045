/**
 * `@kessai/bank-gateway`: the bank's side of steps 3 and 7. See README.md.
 */
export { start, type StartOptions, type RunningGateway } from "./main.js";
export {
  parseConfig,
  ConfigSchema,
  ConfigError,
  type GatewayConfig,
  type GatewayConfigInput,
} from "./config.js";
export * from "./chain/port.js";
export {
  sdkDepositChain,
  toChainError,
  type SdkDepositChain,
  type SdkDepositChainOptions,
} from "./chain/sdk-adapter.js";
export * from "./client.js";
export * from "./domain/errors.js";
export * from "./domain/ledger.js";
export * from "./domain/lifecycle.js";
export * from "./domain/references.js";
export { parseAmount, LEDGER_MAX_AMOUNT } from "./domain/amounts.js";
export { gatewayMigrations } from "./store/schema.js";
export * as ledger from "./store/ledger.js";
export { insertFirm } from "./store/records.js";
export { reconcile, type ReconciliationReport, type Difference } from "./app/reconcile.js";
export { watchOnce, DeepReorgError, WATCH_CONSUMER, type WatchReport } from "./app/watcher.js";
export { runOutboxWorker, workOutbox, type WorkReport } from "./app/worker.js";
export type { GatewayContext, GatewaySettings, CrashPoint, Logger } from "./app/context.js";
export { buildHttp, openApiDocument, errorResponse } from "./http/server.js";
