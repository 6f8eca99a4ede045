import { KessaiError, type KessaiErrorOptions } from "./base.js";

/**
 * `settleTrade` was given terms that differ from those of the settlement already on chain under
 * the same ID (its stored 28-byte commitment, `termsDigest`, is another). Thrown before any step,
 * so nothing is sent and no step is reported "skipped" for a settlement that is not this trade.
 */
export class SettlementTermsMismatchError extends KessaiError {
  override name = "SettlementTermsMismatchError";
  /** The settlement ID (lower-case bytes32 hex). */
  readonly id: string;
  /** The on-chain settlement's state name. */
  readonly state: string;
  /** The commitment of the terms given (`termsDigest(terms)`). */
  readonly expectedDigest: string;
  /** The commitment stored on chain. */
  readonly storedDigest: string;
  /**
   * Names of the terms fields that differ, when the on-chain terms could be read from the
   * `SettlementCreated` event; undefined otherwise.
   */
  readonly fields: string[] | undefined;
  constructor(
    id: string,
    state: string,
    expectedDigest: string,
    storedDigest: string,
    fields: string[] | undefined,
    options: KessaiErrorOptions = {},
  ) {
    super(
      `Settlement ${id} exists (${state}) with other terms than those given` +
        (fields?.length ? ` (${fields.join(", ")} differ)` : "") +
        "; a trade under this ID cannot be resumed with these terms",
      options,
    );
    this.id = id;
    this.state = state;
    this.expectedDigest = expectedDigest;
    this.storedDigest = storedDigest;
    this.fields = fields;
  }
}

/** Why {@link IneligibleTradeError} refused step 1. */
export type IneligibilityReason =
  | "securityTokenRefuses"
  | "buyerAccountNotOpen"
  | "buyerAccountFrozen"
  | "sellerAccountNotOpen"
  | "sellerAccountFrozen";

const WHY: Record<IneligibilityReason, (account: string) => string> = {
  securityTokenRefuses: () => "the security token would refuse the delivery to the buyer",
  buyerAccountNotOpen: (a) => `the buyer ${a} has no open DCJPY account, so it cannot pay`,
  buyerAccountFrozen: (a) => `the buyer ${a}'s DCJPY account is frozen, so it cannot pay`,
  sellerAccountNotOpen: (a) => `the seller ${a} has no open DCJPY account, so it cannot be paid`,
  sellerAccountFrozen: (a) => `the seller ${a}'s DCJPY account is frozen, so it cannot be paid`,
};

/**
 * Step 1 (`createSettlement`, the seller's step of `settleTrade`, `kessai settlement create`)
 * was refused before locking anything: the trade could not settle as things stand. The security
 * token's `canTransfer(seller, buyer, quantity)` reports a rule the delivery would break (the
 * buyer is not eligible, transfers are switched off or need the approval workflow, ...), or the
 * DCJPY account book says the buyer cannot pay or the seller cannot be paid (no open account, or
 * a frozen one). Pass `force: true` (CLI: `--force`) to lock anyway, e.g. when the buyer's
 * account is being opened.
 */
export class IneligibleTradeError extends KessaiError {
  override name = "IneligibleTradeError";
  /** The settlement ID. */
  readonly id: string;
  /** Why. */
  readonly reason: IneligibilityReason;
  /** The account concerned (for `securityTokenRefuses`, the one the token's error names). */
  readonly account: string;
  constructor(
    id: string,
    reason: IneligibilityReason,
    account: string,
    options: KessaiErrorOptions = {},
  ) {
    const inner = (options.cause as { shortMessage?: string } | undefined)?.shortMessage;
    super(
      `Settlement ${id} would not settle: ${WHY[reason](account)}` +
        (inner ? ` (${inner})` : "") +
        "; nothing was locked (force to lock anyway)",
      options,
    );
    this.id = id;
    this.reason = reason;
    this.account = account;
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
 * `settleTrade` was called for a settlement ID that another `settleTrade` call of this process is
 * carrying through its steps. Thrown before anything is sent; wait for the first call (it resumes
 * the trade by itself), or call again once it is over.
 */
export class SettlementInFlightError extends KessaiError {
  override name = "SettlementInFlightError";
  /** The settlement ID. */
  readonly id: string;
  constructor(id: string) {
    super(`Settlement ${id} is already being settled in this process; nothing was sent`);
    this.id = id;
  }
}

/**
 * `settleTrade` found, more times than it may redo them (`maxRedo`), that the chain no longer has
 * a step it had done (a reorg removed it). `step` is the last step found missing.
 */
export class SettlementReorgError extends KessaiError {
  override name = "SettlementReorgError";
  /** The settlement ID. */
  readonly id: string;
  /** The step (1-7) the chain no longer had. */
  readonly step: number;
  /** How many times steps were redone before giving up. */
  readonly redone: number;
  constructor(id: string, step: number, redone: number) {
    super(
      `Settlement ${id}: the chain lost step ${step} again after ${redone} redo(s) (reorgs); re-run settleTrade to carry on`,
    );
    this.id = id;
    this.step = step;
    this.redone = redone;
  }
}
