export { parseAmount, type ParseAmountOptions } from "./amount.js";
export { parseInteger, parseUnixTime } from "./parse.js";
export {
  toAddress,
  toAmount,
  toDeadline,
  toPrivateKey,
  toSettlementId,
  type AmountLike,
} from "./validate.js";
export {
  MAX_REFERENCE_TEXT_BYTES,
  referenceText,
  toBankReference,
  tradeReference,
  type BankReferenceOptions,
} from "./reference.js";
export { toChainId, toRpcUrl } from "./rpc.js";
