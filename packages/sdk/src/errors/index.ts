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
export {
  ConfigurationError,
  FeeCeilingError,
  JournalConflictError,
  NetworkError,
  NodeError,
  NonceError,
  ReferenceConflictError,
  SendAbortedError,
  SendInterruptedError,
  SendTimeoutError,
  SettlementStateError,
  TransactionFailedError,
  TransactionReplacedError,
  type SendInterruption,
  type SendPhase,
} from "./transport.js";
export {
  IneligibleTradeError,
  SettlementTermsMismatchError,
  type IneligibilityReason,
} from "./settlement.js";
export {
  ChainMismatchError,
  DeploymentAddressError,
  DeploymentFileError,
  type DeploymentContract,
  type FoundAtAddress,
} from "./configuration.js";
export {
  ContractError,
  ContractPanicError,
  ContractRevertedError,
  UnknownContractError,
  type ContractErrorOptions,
} from "./contract.js";
export { ERROR_MESSAGES, formatContractError } from "./messages.js";
export { roleName } from "./roles.js";
export {
  decodeRevertData,
  errorInterface,
  findRevertData,
  findRpcError,
  toKessaiError,
  type RpcErrorInfo,
} from "./decode.js";
export * from "../generated/errors.js";
