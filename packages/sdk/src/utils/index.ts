export { parseAmount, type ParseAmountOptions } from "./amount.js";
export {
  MAX_REFERENCE_TEXT_BYTES,
  referenceText,
  toBankReference,
  type BankReferenceOptions,
} from "./reference.js";
export { toChainId, toRpcUrl } from "./rpc.js";
