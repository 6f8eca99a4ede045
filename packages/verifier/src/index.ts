/**
 * `@kessai/verifier`: the two-ledger verifier (DeCurret DCP's step-5 role) and relayer. It
 * watches the ST ledger's `CrossLedgerDelivery` and the cash ledger's `CrossLedgerPayment`,
 * decides each settlement once, sends the decision to the cash ledger and carries the outcome to
 * the ST ledger, with its state in `@kessai/storage` (SQLite or PostgreSQL) and every
 * transaction through the SDK's transaction engine. See docs/two-ledger.md.
 */
export {
  Verifier,
  type CrashPoint,
  type HealthCheck,
  type HealthReport,
  type LedgerOptions,
  type PublishedAttestation,
  type SettlementView,
  type TickReport,
  type VerifierLogger,
  type VerifierOptions,
} from "./verifier.js";
export {
  buildHttp,
  listenHttp,
  type HttpOptions,
  type BadRequestBody,
  type NotFoundBody,
  type VerifierHttp,
} from "./http.js";
export {
  parseVerifierConfig,
  resyncFromConfig,
  startVerifier,
  verifierConfigSchema,
  type RunningVerifier,
  type VerifierConfig,
  type VerifierConfigInput,
} from "./config.js";
export { StoreJournal, TX_JOURNAL_NAMESPACE } from "./journal.js";
export { verifierMigrations } from "./schema.js";
export { VerifierConfigError, VerifierReorgError, VerifierResyncError } from "./errors.js";
export { resyncLedger, type ResyncArgs, type ResyncReport } from "./resync.js";
// The terms module is public as a whole: every name it exports is part of the API.
export * from "./terms.js";
