/** Typed errors of the verifier service. */

/** Something in the service's configuration is wrong (unknown chain, no contract, ...). */
export class VerifierConfigError extends Error {
  override name = "VerifierConfigError";
  /** The configuration field at fault, e.g. `st.delivery`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/**
 * The block the service last processed on a ledger is no longer on that chain: a reorg deeper
 * than the configured confirmations. The service stops watching that ledger until an operator
 * looks (events of blocks it acted on may be gone).
 */
export class VerifierReorgError extends Error {
  override name = "VerifierReorgError";
  constructor(
    readonly ledger: "st" | "cash",
    readonly blockNumber: number,
    readonly expectedHash: string,
    readonly actualHash: string | undefined,
  ) {
    super(
      `${ledger} ledger: block ${blockNumber} is now ${actualHash ?? "missing"}, the service processed ${expectedHash} (a reorg deeper than the confirmations)`,
    );
  }
}

/**
 * `kessai verifier resync` cannot reconcile the service's view of a ledger: a service is running
 * on the database (`field` "service"), nothing was recorded from that ledger yet ("ledger"), or
 * not from the block asked (a block above what was processed, one the node does not have, or an
 * older recorded block changed too: "fromBlock"); nothing was changed.
 */
export class VerifierResyncError extends Error {
  override name = "VerifierResyncError";
  constructor(
    readonly ledger: "st" | "cash",
    reason: string,
    /** What to change before resyncing again (the CLI reports it as the refusal's field). */
    readonly field: "service" | "ledger" | "fromBlock" = "fromBlock",
  ) {
    super(`${ledger} ledger: ${reason}`);
  }
}
