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
