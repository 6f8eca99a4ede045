import { InvalidParameterError } from "../errors/input.js";

/**
 * A JSON-RPC endpoint URL as `connect` and the `kessai` CLI accept it: an absolute `http:` or
 * `https:` URL (WebSocket endpoints need an ethers `WebSocketProvider` passed as `runner`).
 *
 * @param value The URL.
 * @param field Named in the error (e.g. `rpcUrl`, `--rpc`).
 * @returns The URL as given.
 * @throws {@link InvalidParameterError} for anything else (`not-a-url`, `localhost:8545`,
 * `ws://…`), before any request is made.
 */
export function toRpcUrl(value: string, field = "rpcUrl"): string {
  let url: URL | undefined;
  if (typeof value === "string") {
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new InvalidParameterError(field, value, "must be an http:// or https:// URL");
  }
  return value;
}

/**
 * A chain ID: a positive safe integer, as a `number` or a `bigint`.
 *
 * @param value The chain ID.
 * @param field Named in the error.
 * @returns The chain ID as a bigint (as ethers' `Network.chainId`).
 * @throws {@link InvalidParameterError} otherwise.
 */
export function toChainId(value: bigint | number, field = "chainId"): bigint {
  const ok =
    (typeof value === "bigint" && value > 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) ||
    (typeof value === "number" && Number.isSafeInteger(value) && value > 0);
  if (!ok) throw new InvalidParameterError(field, value, "must be a positive integer chain ID");
  return BigInt(value);
}
