/** Errors of the transport: the JSON-RPC endpoint could not be reached or the node refused a request. */
import { KessaiError, type KessaiErrorOptions } from "./base.js";

/** The JSON-RPC endpoint could not be reached, timed out or answered with a server error. */
export class NetworkError extends KessaiError {
  override name = "NetworkError";
  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/**
 * The node answered a JSON-RPC request with an error that is not about the contract: a block or
 * state it does not have (`-32602` "block out of range", `-32000` "header not found" / "missing
 * trie node"), a method it does not support, an internal error. Retrying later or against another
 * node may succeed; the call itself was not refused by a contract.
 */
export class NodeError extends NetworkError {
  override name = "NodeError";
  /** JSON-RPC error code, e.g. -32602. */
  readonly rpcCode: number | undefined;
  /** The node's message. */
  readonly rpcMessage: string;
  /** The JSON-RPC method, when known. */
  readonly method: string | undefined;
  constructor(
    rpcCode: number | undefined,
    rpcMessage: string,
    method: string | undefined,
    options: KessaiErrorOptions & { action?: string } = {},
  ) {
    super(
      `The node refused ${method ?? "a request"}${options.action ? ` during ${options.action}` : ""}: ${rpcMessage}${rpcCode === undefined ? "" : ` (${rpcCode})`}`,
      options,
    );
    this.rpcCode = rpcCode;
    this.rpcMessage = rpcMessage;
    this.method = method;
  }
}
