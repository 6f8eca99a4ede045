export { KessaiError, type KessaiErrorOptions } from "./base.js";
export {
  InputError,
  InvalidAddressError,
  InvalidAmountError,
  InvalidBatchError,
  InvalidDeadlineError,
  InvalidParameterError,
  InvalidReferenceError,
  InvalidSettlementIdError,
  InvalidTermsError,
  MissingSignerError,
  ReferenceTooLongError,
} from "./input.js";
export { NetworkError, NodeError } from "./transport.js";
export {
  FeeCeilingError,
  JournalConflictError,
  NonceError,
  OutOfGasError,
  SendAbortedError,
  SendInTransitError,
  SendInterruptedError,
  SendOutcomeUnknownError,
  SendTimeoutError,
  TransactionFailedError,
  TransactionReplacedError,
  type SendInterruption,
  type SendPhase,
} from "./transaction.js";
export {
  GatewayConflictError,
  GatewayForbiddenError,
  GatewayIdempotencyKeyReusedError,
  GatewayInvalidRequestError,
  GatewayNotConfiguredError,
  GatewayNotFoundError,
  GatewayRequestError,
  GatewayServerError,
  GatewayUnauthorizedError,
  GatewayUnreachableError,
  gatewayRequestError,
  type GatewayErrorCode,
} from "./gateway.js";
export { ReferenceConflictError, ReferenceUsedError } from "./reference.js";
export {
  IneligibleTradeError,
  SettlementInFlightError,
  SettlementReorgError,
  SettlementStateError,
  SettlementTermsMismatchError,
  type IneligibilityReason,
} from "./settlement.js";
export {
  CrossLedgerAttestationNotReadyError,
  CrossLedgerStateError,
  CrossLedgerTermsConflictError,
  CrossLedgerTimeoutError,
  LedgerContractError,
  VerifierRequestError,
  VerifierUnreachableError,
  type LedgerSide,
} from "./crossLedger.js";
export {
  ChainMismatchError,
  ConfigurationError,
  DeploymentAddressError,
  DeploymentMismatchError,
  TokenNotListedError,
  DeploymentFileError,
  type DeploymentContract,
  type SharedDeploymentField,
  type FoundAtAddress,
} from "./configuration.js";
export * from "./contract.js";
export { ERROR_MESSAGES, formatContractError } from "./messages.js";
export { roleName } from "./roles.js";
export {
  decodeRevertData,
  errorInterface,
  findRevertData,
  findRpcError,
  toKessaiError,
  toPlain,
  type RpcErrorInfo,
} from "./decode.js";
export * from "../generated/errors.js";
export { TradeLineError, type TradeLineErrorCode } from "./trades.js";
