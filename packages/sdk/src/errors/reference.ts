import { KessaiError, type KessaiErrorOptions } from "./base.js";

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
