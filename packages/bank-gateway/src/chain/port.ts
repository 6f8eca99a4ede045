/**
 * The chain port: everything the gateway asks of DCJPY, in the gateway's words. The use cases
 * depend on this interface only; `sdk-adapter.ts` implements it over `@kessai/sdk` and its
 * transaction engine, and a test may implement it in memory for pure domain tests.
 *
 * Sends take a `key`, one per intended effect (`dcjpy.issue:<bank reference>`, ...): the adapter
 * gives it to the engine, whose journal (in the gateway's database) then makes the same key the
 * same transaction across restarts: a later send with it waits for the transaction sent before,
 * replaces it on its nonce if it was dropped, or puts it back if a reorg took it away, instead of
 * sending a second one. DCJPY itself refuses a reference twice, and the worker checks the chain's
 * record before sending: three locks on one door.
 */
/** A mined transaction the gateway sent. */
export interface ChainReceipt {
  txHash: string;
  blockNumber: number;
  /** This call waited for a transaction sent earlier under its key (before a restart, say). */
  resumed?: boolean;
  /** A reorg took one of the send's mined transactions away while it was watched. */
  reorged?: boolean;
}

/** Options of every send. */
export interface SendOptions {
  /** One per intended effect; the same key is the same transaction. */
  key: string;
  /** Stops waiting (the transaction may still be mined; a send with the same key waits for it). */
  signal?: AbortSignal;
  /** Milliseconds since the epoch after which the send stops waiting, as `signal` does. */
  deadline?: number;
}

/** Where an event was read from: its natural key in the inbox. */
export interface EventPosition {
  blockNumber: number;
  blockHash: string;
  txHash: string;
  logIndex: number;
}

export type DepositChainEvent =
  | ({ kind: "issued"; reference: string; account: string; amount: bigint } & EventPosition)
  | ({
      kind: "redeemed";
      reference: string;
      account: string;
      amount: bigint;
      operator: string;
    } & EventPosition)
  | ({
      kind: "issuanceRequested";
      requestId: bigint;
      account: string;
      amount: bigint;
      depositAccountRef: string;
    } & EventPosition);

/** An issuance or redemption as DCJPY records it under its reference. */
export interface ReferenceRecord {
  account: string;
  amount: bigint;
}

export type IssuanceRequestStatus = "none" | "pending" | "fulfilled" | "rejected" | "cancelled";

export interface IssuanceRequestRecord {
  account: string;
  status: IssuanceRequestStatus;
  amount: bigint;
  depositAccountRef: string;
  bankReference: string;
}

/**
 * A contract call reverted with `errorName` (a DCJPY custom error, or an OpenZeppelin one): the
 * chain refused the request as it stands. Whether retrying could help is the use case's call
 * (domain/lifecycle.ts PERMANENT_CHAIN_ERRORS).
 */
export class ChainRevertError extends Error {
  override name = "ChainRevertError";
  constructor(
    readonly errorName: string,
    readonly args: Record<string, unknown>,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/**
 * The node could not be reached or did not answer as expected, the send timed out or was stopped,
 * its nonce was taken: retry later (with the same key, which finds what was sent).
 */
export class ChainUnavailableError extends Error {
  override name = "ChainUnavailableError";
}

/** The send's key names another call already (a bug, never retried). */
export class ChainKeyConflictError extends Error {
  override name = "ChainKeyConflictError";
}

/** The DCJPY operations of the bank, and the reads the gateway needs. */
export interface DepositChain {
  /** The chain's ID. */
  chainId(): Promise<number>;
  /** DCJPY's address (lower-case). */
  tokenAddress(): string;
  /** The head block. */
  head(): Promise<{ number: number; hash: string }>;
  /** The hash of block `n`, or undefined when the chain is not that long. */
  blockHash(n: number): Promise<string | undefined>;

  /** Mints `amount` to `to` against the deposit-account debit `bankReference`. */
  issue(
    p: { to: string; amount: bigint; bankReference: string },
    o: SendOptions,
  ): Promise<ChainReceipt>;
  /** Fulfils on-chain issuance request `requestId` by minting against `bankReference`. */
  fulfilIssuanceRequest(
    p: { requestId: bigint; bankReference: string },
    o: SendOptions,
  ): Promise<ChainReceipt>;
  /** Rejects on-chain issuance request `requestId` with a reason code (bytes32). */
  rejectIssuanceRequest(
    p: { requestId: bigint; reason: string },
    o: SendOptions,
  ): Promise<ChainReceipt>;
  /** Burns `amount` of `account` on its instruction; the Redeemed event carries `redemptionRef`. */
  redeemFrom(
    p: { account: string; amount: bigint; redemptionRef: string },
    o: SendOptions,
  ): Promise<ChainReceipt>;
  /** Opens the DCJPY account of `account`, bound to `depositAccountRef`. */
  openAccount(
    p: { account: string; depositAccountRef: string },
    o: SendOptions,
  ): Promise<ChainReceipt>;
  /** Closes the (empty) DCJPY account of `account`. */
  closeAccount(p: { account: string }, o: SendOptions): Promise<ChainReceipt>;
  /** Freezes or unfreezes `account` as a whole. */
  setFrozen(p: { account: string; frozen: boolean }, o: SendOptions): Promise<ChainReceipt>;

  /** Issued, Redeemed and IssuanceRequested events of blocks `from`..`to`, in chain order. */
  events(from: number, to: number): Promise<DepositChainEvent[]>;
  /** DCJPY's total supply at block `blockNumber`. */
  totalSupply(blockNumber: number): Promise<bigint>;
  /** The issuance recorded under `bankReference` (at the head), or undefined. */
  issuanceOf(bankReference: string): Promise<ReferenceRecord | undefined>;
  /** The redemption recorded under `redemptionRef` (at the head), or undefined. */
  redemptionOf(redemptionRef: string): Promise<ReferenceRecord | undefined>;
  /** On-chain issuance request `requestId`. */
  issuanceRequest(requestId: bigint): Promise<IssuanceRequestRecord>;
  /** Whether `account` has an open DCJPY account, and the deposit account it is bound to. */
  account(
    account: string,
    blockNumber?: number,
  ): Promise<{ open: boolean; depositAccountRef: string | undefined; frozen: boolean }>;
  /** Units of `account` that may move now. */
  availableBalanceOf(account: string): Promise<bigint>;
  /** Stops every send in flight and waits until their journal records are written (optional). */
  close?(): Promise<void>;
}
