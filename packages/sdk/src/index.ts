/**
 * @kessai/sdk — typed client for Kessai's DVP settlement of security tokens against DCJPY.
 * Contract types and error classes are generated from the compiled artifacts.
 */
export { connect } from "./context/connect.js";
export type { ConnectOptions, KessaiAddresses, KessaiContext } from "./context/connect.js";
export { addressesFromIgnition, parseDeployment, readDeployment } from "./context/deployment.js";
export type { DeploymentFile, IgnitionAddresses, KessaiDeployment } from "./context/deployment.js";
export { IssuerClient } from "./clients/issuer.js";
export { BankClient, type BankClientOptions } from "./clients/bank.js";
export { FirmClient } from "./clients/firm.js";
export { AgentClient } from "./clients/agent.js";
export { AuditorClient } from "./clients/auditor.js";
export { BaseClient } from "./clients/base.js";
export { StLedgerClient, CashLedgerClient } from "./clients/crossLedger.js";
export { connectStLedger, connectCashLedger } from "./context/crossLedger.js";
export type {
  CashLedgerConnectOptions,
  CashLedgerContext,
  LedgerConnectOptions,
  LedgerContext,
  StLedgerConnectOptions,
  StLedgerContext,
} from "./context/crossLedger.js";
export * from "./actions/index.js";
export * from "./errors/index.js";
export * from "./constants/enums.js";
export * from "./constants/deployment.js";
export * from "./settlement/id.js";
export * from "./settlement/terms.js";
export * from "./settlement/eip712.js";
export * from "./settlement/tradeFile.js";
export * from "./settlement/crossLedger.js";
export * from "./workflows/settleTrade.js";
export * from "./workflows/settleTrades.js";
export * from "./workflows/settleCrossLedger.js";
export * from "./workflows/settleCrossLedgerTrades.js";
export * from "./utils/index.js";
export { QueuedSigner, withNonceQueue, type QueuedSignerOptions } from "./transactions/signer.js";
export { withSendOptions, type SendContext } from "./context/send.js";
export { readDomain } from "./context/domain.js";
export * from "./transactions/index.js";
export * from "./gateway/client.js";
export * from "./gateway/types.js";
/**
 * TypeChain (ethers-v6) types and ABI-only factories of the Kessai contracts, generated from the
 * compiled artifacts, e.g. `contracts.DeliveryVersusPayment__factory.connect(address, runner)`.
 * They are not reproduced in these docs; see the contracts' NatSpec.
 */
export * as contracts from "./generated/contracts.js";
