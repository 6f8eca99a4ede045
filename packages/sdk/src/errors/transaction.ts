import { KessaiError, type KessaiErrorOptions } from "./base.js";

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

/**
 * A transaction was mined and ran out of gas: it used its whole gas limit and reverted without
 * revert data, undoing everything it did. The engine sends a call whose limit it estimated again
 * (policy `outOfGasResends`); this error means the limit was the caller's (never raised by the
 * engine), or the resends ran out too.
 */
export class OutOfGasError extends TransactionFailedError {
  override name = "OutOfGasError";
  /** The gas limit of the transaction, all of it used. */
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  constructor(
    shortMessage: string,
    hash: string,
    gasLimit: bigint,
    gasUsed: bigint,
    options: KessaiErrorOptions = {},
  ) {
    super(shortMessage, hash, options);
    this.gasLimit = gasLimit;
    this.gasUsed = gasUsed;
  }
}

/** How far a send got before it stopped: what the caller can expect of the chain afterwards. */
export type SendPhase =
  /** Nothing was signed: no nonce used, nothing can be mined. */
  | "not-sent"
  /** Signed and broadcast (or about to be): it may still be mined. */
  | "pending"
  /** Mined, but fewer confirmations than asked for: a reorg may still undo it. */
  | "mined";

/** Where an interrupted send stands: set on {@link SendInterruptedError} and its subclasses. */
export interface SendInterruption {
  /** SDK action, e.g. `firm.settle`. */
  action: string | undefined;
  /** Journal key of the send. */
  key: string | undefined;
  /** The nonce, once allocated. */
  nonce: number | undefined;
  /** Hashes of every transaction signed for this send (original first, then replacements). */
  hashes: string[];
  phase: SendPhase;
}

/**
 * A send stopped before it had an outcome: its deadline passed or its caller aborted it. The
 * engine stops watching, bumping and re-broadcasting it at once and never resumes on its own; a
 * transaction already broadcast (`phase` "pending" or "mined") may still be mined, so check the
 * chain (or send again with the same journal key, which waits for it instead of sending twice).
 */
export class SendInterruptedError extends KessaiError implements SendInterruption {
  override name = "SendInterruptedError";
  readonly action: string | undefined;
  readonly key: string | undefined;
  readonly nonce: number | undefined;
  readonly hashes: string[];
  readonly phase: SendPhase;
  constructor(shortMessage: string, at: SendInterruption, options: KessaiErrorOptions = {}) {
    super(shortMessage, {
      ...options,
      metaMessages: [
        `Phase:    ${at.phase}`,
        ...(at.nonce === undefined ? [] : [`Nonce:    ${at.nonce}`]),
        ...at.hashes.map((h) => `Tx:       ${h}`),
        ...(at.key === undefined ? [] : [`Key:      ${at.key}`]),
      ],
    });
    this.action = at.action;
    this.key = at.key;
    this.nonce = at.nonce;
    this.hashes = at.hashes;
    this.phase = at.phase;
  }
}

/** The send's deadline passed before it had the confirmations it needed. */
export class SendTimeoutError extends SendInterruptedError {
  override name = "SendTimeoutError";
  /** The deadline, in milliseconds since the epoch. */
  readonly deadline: number;
  constructor(at: SendInterruption, deadline: number, options: KessaiErrorOptions = {}) {
    super(
      `${at.action ?? "Transaction"} timed out (${at.phase}) at ${new Date(deadline).toISOString()}`,
      at,
      options,
    );
    this.deadline = deadline;
  }
}

/** The caller's `AbortSignal` aborted the send. */
export class SendAbortedError extends SendInterruptedError {
  override name = "SendAbortedError";
  constructor(at: SendInterruption, options: KessaiErrorOptions = {}) {
    super(`${at.action ?? "Transaction"} was aborted (${at.phase})`, at, options);
  }
}

/**
 * A node-managed account's transaction request (`TxEngine.submit`, a `QueuedSigner`'s
 * `sendTransaction`) failed in transit (connection reset, timeout, `-32002 request timed out`)
 * before the node answered, so there is no transaction to return, and the node may have taken it.
 * Its nonce (`nonce`) stays held, not handed to the next send: it is cancelled with a zero-value
 * self-transfer unless the node holds a transaction on it, which may then be mined. Check the
 * account's transaction on `nonce` before sending the call again, or retry with the same key: the
 * retry sends nothing while the nonce is watched (this error again), then returns the transaction
 * mined on it with the call, or, the nonce cancelled, sends the call afresh.
 */
export class SendInTransitError extends SendInterruptedError {
  override name = "SendInTransitError";
  constructor(at: SendInterruption, options: KessaiErrorOptions = {}) {
    super(
      `${at.action ?? "Transaction"} request failed in transit; nonce ${at.nonce} is held`,
      at,
      options,
    );
  }
}

/**
 * A send's nonce was used, by none of the transactions the engine knows for it, and the engine
 * could not find the transaction that used it: the node cannot look it up by sender and nonce,
 * serves no state of the blocks where the account's count passed it, and the send's first
 * possible block is farther back than `replacementScanBlocks` (or unknown, an entry of an older
 * version), or pruned. That transaction may be the send's own (a replacement, or a node-managed
 * request whose answer was lost), so the send is not reported replaced: sending the call again
 * may execute it twice. The journal entry is kept (state `abandoned`): a send with the same key
 * looks again instead of sending. Find the account's transaction on `nonce` (an explorer, an
 * archive node) before sending the call under another key.
 */
export class SendOutcomeUnknownError extends SendInterruptedError {
  override name = "SendOutcomeUnknownError";
  readonly account: string;
  constructor(at: SendInterruption, account: string, options: KessaiErrorOptions = {}) {
    super(
      `${at.action ?? "Transaction"}: nonce ${at.nonce} of ${account} was used by a transaction the engine could not find; it may be this send's own`,
      at,
      options,
    );
    this.account = account;
  }
}

/**
 * A transaction had to be replaced (dropped, priced out, or stuck) but the fee it needs exceeds
 * the policy's ceiling. The last transaction signed may still be mined if fees fall: `hashes`
 * names them all, and a send with the same journal key waits for them.
 */
export class FeeCeilingError extends SendInterruptedError {
  override name = "FeeCeilingError";
  /** The fee per gas the replacement needs (max fee, or gas price on a legacy chain). */
  readonly needed: bigint;
  /** The policy's ceiling. */
  readonly ceiling: bigint;
  constructor(
    at: SendInterruption,
    needed: bigint,
    ceiling: bigint,
    options: KessaiErrorOptions = {},
  ) {
    super(
      `${at.action ?? "Transaction"} needs a fee of ${needed} wei per gas, above the ceiling of ${ceiling}`,
      at,
      options,
    );
    this.needed = needed;
    this.ceiling = ceiling;
  }
}

/**
 * The nonce of a send was used by a transaction the engine did not sign for it: another process
 * or wallet with the same key sent something else with that nonce (`reason` "replaced"), or a
 * zero-value self-transfer cancelled it ("cancelled"). The send's own transaction can no longer
 * be mined. (A replacement with the same call and a higher fee is not an error: the send
 * resolves with it.)
 */
export class TransactionReplacedError extends KessaiError {
  override name = "TransactionReplacedError";
  readonly reason: "replaced" | "cancelled";
  readonly account: string;
  readonly nonce: number;
  /** The send's own transactions. */
  readonly hashes: string[];
  /** The transaction that used the nonce, when the engine found it. */
  readonly replacement: string | undefined;
  constructor(
    reason: "replaced" | "cancelled",
    account: string,
    nonce: number,
    hashes: string[],
    replacement: string | undefined,
    options: KessaiErrorOptions & { action?: string } = {},
  ) {
    super(
      `${options.action ?? "Transaction"}: nonce ${nonce} of ${account} was used by ${
        replacement ? `another transaction (${replacement})` : "another transaction"
      }${reason === "cancelled" ? ", a cancellation" : ""}`,
      options,
    );
    this.reason = reason;
    this.account = account;
    this.nonce = nonce;
    this.hashes = hashes;
    this.replacement = replacement;
  }
}

/**
 * A journal key was reused for a different transaction (another account, chain, target or
 * call data): the journal refuses to answer one send with another's outcome.
 */
export class JournalConflictError extends KessaiError {
  override name = "JournalConflictError";
  readonly key: string;
  constructor(key: string, reason: string, options: KessaiErrorOptions = {}) {
    super(`Journal key ${key} already names another transaction: ${reason}`, options);
    this.key = key;
  }
}
