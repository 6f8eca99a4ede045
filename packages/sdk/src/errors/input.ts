import { KessaiError, type KessaiErrorOptions } from "./base.js";

/**
 * A parameter was refused before anything was sent to the chain. Never wraps a chain error: when
 * one of these is thrown, no transaction was signed or broadcast.
 */
export class InputError extends KessaiError {
  override name = "InputError";
  /** Name of the offending parameter, e.g. `terms.seller`. */
  readonly field: string;
  /** The value that was refused. */
  readonly value: unknown;
  constructor(
    field: string,
    value: unknown,
    shortMessage: string,
    options: KessaiErrorOptions = {},
  ) {
    super(shortMessage, options);
    this.field = field;
    this.value = value;
  }
}

/** `field reason: value`, without the value when there is none. */
function refusal(field: string, reason: string, value: unknown): string {
  return value === undefined ? `${field} ${reason}` : `${field} ${reason}: ${show(value)}`;
}

function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The constructor of an {@link InputError} class whose message is `field reason: value`. */
type RefusalErrorClass = new (field: string, value: unknown, reason?: string) => InputError;

/**
 * An {@link InputError} class named `errorName` whose message is `field reason: value` (the value
 * left out when there is none), with `defaultReason` unless a reason is given: the one shape of
 * the classes below.
 */
function refusalError(errorName: string, defaultReason: string): RefusalErrorClass {
  return class extends InputError {
    override name = errorName;
    constructor(field: string, value: unknown, reason = defaultReason) {
      super(field, value, refusal(field, reason, value));
    }
  };
}

/** Not a valid 20-byte address, or the zero address where an account is required. */
export class InvalidAddressError extends refusalError(
  "InvalidAddressError",
  "is not a valid address",
) {}

/** Not a non-negative integer amount (or zero where a positive amount is required). */
export class InvalidAmountError extends refusalError(
  "InvalidAmountError",
  "must be a positive integer",
) {}

/** Not a 32-byte hex settlement ID, or the zero ID. */
export class InvalidSettlementIdError extends refusalError(
  "InvalidSettlementIdError",
  "must be a non-zero 32-byte hex string",
) {}

/**
 * A reference (bank, redemption, deposit-account or investor reference, reason code) that is
 * neither 32 bytes of hex nor a printable NFC text of 1 to 31 UTF-8 bytes, or is zero where it
 * must not be
 * (see `toBankReference`).
 */
export class InvalidReferenceError extends refusalError(
  "InvalidReferenceError",
  "must be a non-zero 32-byte hex string",
) {}

/**
 * A text reference longer than 31 UTF-8 bytes. It is refused rather than truncated or hashed, so
 * that one text always names one reference; hash a long identifier yourself (e.g. `id(text)`)
 * and pass the hash as hex if that is the convention agreed with the bank.
 */
export class ReferenceTooLongError extends InvalidReferenceError {
  override name = "ReferenceTooLongError";
  /** Length of the text in UTF-8 bytes. */
  readonly byteLength: number;
  constructor(field: string, value: string, byteLength: number) {
    super(field, value, `is ${byteLength} UTF-8 bytes long; a text reference has at most 31`);
    this.byteLength = byteLength;
  }
}

/** A deadline that is not a unix time in the future (or does not fit in uint64). */
export class InvalidDeadlineError extends refusalError(
  "InvalidDeadlineError",
  "must be a future unix time (seconds)",
) {}

/** Settlement terms that are inconsistent (same seller and buyer, agent is a party, ...). */
export class InvalidTermsError extends refusalError("InvalidTermsError", "are inconsistent") {}

/** Arrays of a batch call differ in length, or a batch is empty. */
export class InvalidBatchError extends InputError {
  override name = "InvalidBatchError";
  constructor(field: string, value: unknown, reason: string) {
    super(field, value, `${field} ${reason}`);
  }
}

/** Any other malformed parameter (bytes, strings, options). */
export class InvalidParameterError extends refusalError("InvalidParameterError", "is not valid") {}

/** The client has no signer but the action sends a transaction. */
export class MissingSignerError extends InputError {
  override name = "MissingSignerError";
  constructor(action: string) {
    super(
      "runner",
      undefined,
      `${action} sends a transaction and needs a signer; connect with one`,
    );
  }
}
