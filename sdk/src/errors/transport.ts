import { KessaiError, type KessaiErrorOptions } from "./base.js";

/** The JSON-RPC endpoint could not be reached, timed out or answered with a server error. */
export class NetworkError extends KessaiError {
  override name = "NetworkError";
  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** The node refused the transaction's nonce (too low, already used, replacement underpriced). */
export class NonceError extends KessaiError {
  override name = "NonceError";
  readonly account: string;
  readonly nonce: number | undefined;
  constructor(account: string, nonce: number | undefined, options: KessaiErrorOptions = {}) {
    super(`Nonce ${nonce ?? "?"} of ${account} was refused by the node`, options);
    this.account = account;
    this.nonce = nonce;
  }
}

/**
 * A transaction could not be sent or was mined without success, and no contract error explains
 * it (out of gas, dropped, replaced, insufficient funds for gas, ...).
 */
export class TransactionFailedError extends KessaiError {
  override name = "TransactionFailedError";
  readonly hash: string | undefined;
  constructor(shortMessage: string, hash: string | undefined, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
    this.hash = hash;
  }
}

/** A settlement is in a state the requested operation cannot proceed from (SDK-side check). */
export class SettlementStateError extends KessaiError {
  override name = "SettlementStateError";
  readonly id: string;
  readonly state: string;
  constructor(id: string, state: string, shortMessage: string) {
    super(shortMessage);
    this.id = id;
    this.state = state;
  }
}

/** A deployment directory or address map could not be read or is incomplete. */
export class ConfigurationError extends KessaiError {
  override name = "ConfigurationError";
  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
  }
}
