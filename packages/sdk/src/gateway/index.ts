/**
 * `@kessai/sdk/gateway`: the bank gateway's HTTP client, its types and its errors, without ethers
 * (fetch only). The same classes as the SDK's entry exports, so `instanceof` holds across both.
 */
export * from "./client.js";
export * from "./types.js";
export * from "../errors/gateway.js";
export { KessaiError, type KessaiErrorOptions } from "../errors/base.js";
export { InputError, InvalidAmountError } from "../errors/input.js";
