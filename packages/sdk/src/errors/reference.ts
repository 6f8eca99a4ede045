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

/**
 * `settleTrade` was given a reference (a bank reference of an issuance, or a redemption
 * reference) that already belongs to another trade: it is recorded on chain before this trade
 * could have used it (an issuance before the settlement exists, a redemption before it settled),
 * or another trade in this process holds it. Thrown before anything is sent: give the trade its
 * own reference, or let `settleTrade` derive one from the settlement ID (`tradeReference`).
 */
export class ReferenceUsedError extends KessaiError {
  override name = "ReferenceUsedError";
  /** Which record the reference names. */
  readonly kind: "issuance" | "redemption";
  /** The reference (lower-case bytes32 hex). */
  readonly reference: string;
  /** The settlement ID of the trade that was refused. */
  readonly id: string;
  /** The settlement ID of the trade in this process that holds the reference, if that is why. */
  readonly heldBy: string | undefined;
  constructor(
    kind: "issuance" | "redemption",
    reference: string,
    id: string,
    why: string,
    heldBy?: string,
    options: KessaiErrorOptions = {},
  ) {
    super(
      `${kind === "issuance" ? "Bank" : "Redemption"} reference ${reference} of settlement ${id} ${why}; nothing was sent`,
      options,
    );
    this.kind = kind;
    this.reference = reference;
    this.id = id;
    this.heldBy = heldBy;
  }
}
