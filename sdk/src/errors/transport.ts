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

/**
 * A single-use DCJPY reference (a bank reference of an issuance, or a redemption reference) is
 * already recorded on chain for another account or amount than the operation expects, so the
 * operation can neither be done (the reference is spent) nor be treated as done (SDK-side check).
 */
export class ReferenceConflictError extends KessaiError {
  override name = "ReferenceConflictError";
  /** Which record the reference names. */
  readonly kind: "issuance" | "redemption";
  /** The reference (lower-case bytes32 hex). */
  readonly reference: string;
  /** Account recorded on chain under the reference. */
  readonly account: string;
  /** Amount recorded on chain under the reference. */
  readonly amount: bigint;
  /** Account the operation expected. */
  readonly expectedAccount: string;
  /** Amount the operation expected. */
  readonly expectedAmount: bigint;
  constructor(
    kind: "issuance" | "redemption",
    reference: string,
    recorded: { account: string; amount: bigint },
    expected: { account: string; amount: bigint },
    options: KessaiErrorOptions = {},
  ) {
    super(
      `${kind === "issuance" ? "Bank" : "Redemption"} reference ${reference} was used for ${recorded.amount} to ${recorded.account}, not ${expected.amount} to ${expected.account}`,
      options,
    );
    this.kind = kind;
    this.reference = reference;
    this.account = recorded.account;
    this.amount = recorded.amount;
    this.expectedAccount = expected.account;
    this.expectedAmount = expected.amount;
  }
}

/** A deployment directory or address map could not be read or is incomplete. */
export class ConfigurationError extends KessaiError {
  override name = "ConfigurationError";
  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
  }
}
