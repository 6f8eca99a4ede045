import { KessaiError, type KessaiErrorOptions } from "./base.js";
import { ConfigurationError } from "./configuration.js";

/** Which ledger of a two-ledger settlement: the ST ledger or the cash ledger. */
export type LedgerSide = "st" | "cash";

const LEDGER: Record<LedgerSide, string> = { st: "the ST ledger", cash: "the cash ledger" };

/**
 * A ledger already holds settlement `id` under other terms than those given (its stored 28-byte
 * commitment is another): the ID was taken (by a squatter, or for another trade). Thrown before
 * anything is sent; agree a new ID.
 */
export class CrossLedgerTermsConflictError extends KessaiError {
  override name = "CrossLedgerTermsConflictError";
  /** The settlement ID. */
  readonly id: string;
  /** The ledger that holds the other terms. */
  readonly ledger: LedgerSide;
  /** The record's state on that ledger (`Locked`, `Instructed`, …). */
  readonly state: string;
  constructor(id: string, ledger: LedgerSide, state: string, options: KessaiErrorOptions = {}) {
    super(
      `Settlement ${id} exists on ${LEDGER[ledger]} (${state}) with other terms than those given; nothing was sent`,
      options,
    );
    this.id = id;
    this.ledger = ledger;
    this.state = state;
  }
}

/**
 * A two-ledger step cannot proceed from the state a ledger shows (e.g. a settlement the issuer
 * ended on the ST ledger, the buyer's deadline passed before it instructed). Nothing was sent.
 */
export class CrossLedgerStateError extends KessaiError {
  override name = "CrossLedgerStateError";
  /** The settlement ID. */
  readonly id: string;
  /** The ledger whose state stops the step. */
  readonly ledger: LedgerSide;
  /** The record's state there. */
  readonly state: string;
  constructor(id: string, ledger: LedgerSide, state: string, reason: string) {
    super(`Settlement ${id} is ${state} on ${LEDGER[ledger]}: ${reason}; nothing was sent`);
    this.id = id;
    this.ledger = ledger;
    this.state = state;
  }
}

/**
 * `settleCrossLedger` waited `timeoutMs` for the settlement's outcome (the seller's lock, the
 * verifier's decision, the delivery or return) and it did not come. Nothing is lost: call again
 * with the same terms to carry on from what both ledgers show.
 */
export class CrossLedgerTimeoutError extends KessaiError {
  override name = "CrossLedgerTimeoutError";
  /** The settlement ID. */
  readonly id: string;
  /** What the workflow was waiting for. */
  readonly waitingFor: string;
  /** The state on the ST ledger when it gave up. */
  readonly stState: string;
  /** The state on the cash ledger when it gave up. */
  readonly cashState: string;
  constructor(
    id: string,
    waitingFor: string,
    timeoutMs: number,
    stState: string,
    cashState: string,
  ) {
    super(
      `Settlement ${id}: no ${waitingFor} within ${timeoutMs} ms (ST ledger ${stState}, cash ledger ${cashState}); call again to carry on`,
    );
    this.id = id;
    this.waitingFor = waitingFor;
    this.stState = stState;
    this.cashState = cashState;
  }
}

/**
 * The address given for a ledger's contract does not hold it: no code on that chain, or another
 * contract than `CrossLedgerDelivery` (ST ledger) / `CrossLedgerPayment` (cash ledger). Found by
 * `connectStLedger` / `connectCashLedger` with one identifying read, before anything else.
 */
export class LedgerContractError extends ConfigurationError {
  override name = "LedgerContractError";
  /** The option at fault: `delivery` or `payment`. */
  readonly field: "delivery" | "payment";
  /** The address given. */
  readonly address: string;
  /** What it holds: no contract, or another contract. */
  readonly found: "noContract" | "otherContract";
  /** The chain it was looked up on. */
  readonly chainId: bigint;
  constructor(
    field: "delivery" | "payment",
    address: string,
    found: "noContract" | "otherContract",
    chainId: bigint,
    options: KessaiErrorOptions = {},
  ) {
    const expected = field === "delivery" ? "CrossLedgerDelivery" : "CrossLedgerPayment";
    super(
      `${field} ${address} is ${found === "noContract" ? "no contract" : "another contract"} on chain ${chainId}, not a ${expected}`,
      options,
    );
    this.field = field;
    this.address = address;
    this.found = found;
    this.chainId = chainId;
  }
}

/**
 * The verifier service refused a request for the ST ledger's attestation: its HTTP status and
 * the typed body's `{ error, message }` (`bad_request` for an ID that is not 32 bytes of hex, a
 * 5xx when the service failed). Nothing was sent on either ledger.
 */
export class VerifierRequestError extends KessaiError {
  override name = "VerifierRequestError";
  /** The HTTP status. */
  readonly status: number;
  /** The body's `error` (`http_<status>` when the body has none). */
  readonly code: string;
  /** The body's `message`. */
  readonly reason: string;
  /** The URL asked. */
  readonly url: string;
  constructor(
    status: number,
    code: string,
    reason: string,
    url: string,
    options: KessaiErrorOptions = {},
  ) {
    super(`GET ${url}: ${status} ${code}: ${reason}`, options);
    this.status = status;
    this.code = code;
    this.reason = reason;
    this.url = url;
  }
}

/**
 * 404 from the verifier service: it has not signed the ST ledger's attestation of settlement `id`
 * (the cash ledger's outcome has not had its confirmations yet, the settlement is undecided, or it
 * is not this verifier's). Not an error of the caller's: ask again later
 * (`settleCrossLedger` does, with backoff). Nothing was sent.
 */
export class CrossLedgerAttestationNotReadyError extends VerifierRequestError {
  override name = "CrossLedgerAttestationNotReadyError";
  /** The settlement ID. */
  readonly id: string;
  constructor(id: string, reason: string, url: string) {
    super(404, "not_found", reason, url);
    this.id = id;
  }
}

/**
 * The verifier service gave no usable answer: unreachable, timed out, a body that is not its
 * JSON, or an attestation for another settlement, outcome or terms than those asked for. Nothing
 * was sent; asking again later may succeed.
 */
export class VerifierUnreachableError extends KessaiError {
  override name = "VerifierUnreachableError";
  /** The URL asked. */
  readonly url: string;
  constructor(url: string, reason: string, options: KessaiErrorOptions = {}) {
    super(`GET ${url}: ${reason}`, options);
    this.url = url;
  }
}
