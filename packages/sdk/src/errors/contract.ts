import { KessaiError } from "./base.js";
import { formatContractError } from "./messages.js";

/** Where a contract error happened. */
export interface ContractErrorOptions {
  /** The ethers error it was decoded from. */
  cause?: unknown;
  /** The raw revert data. */
  data?: string;
  /** Address of the contract called. */
  contractAddress?: string;
  /** SDK action or contract function that failed, e.g. `firm.settle`. */
  action?: string;
  /** Sender of the call, when known. */
  sender?: string;
  /** Hash of the mined transaction, for reverts after mining. */
  txHash?: string;
  /**
   * How a mined revert was decoded: `trace` (the node traced the transaction in its block),
   * `replay` (the block's earlier transactions replayed before it, `eth_simulateV1`) or
   * `parent-block` (an `eth_call` in the parent block's state, without the block's earlier
   * transactions: see {@link ContractError.approximate}).
   */
  decodedBy?: "trace" | "replay" | "parent-block";
}

/**
 * A contract call reverted. Every custom error in the contracts' ABIs has its own generated
 * subclass (see `generated/errors.ts`) whose `args` are typed and decoded; `Error(string)` and
 * `Panic(uint256)` map to {@link ContractRevertedError} and {@link ContractPanicError}; an
 * undecodable revert to {@link UnknownContractError}.
 */
export class ContractError<TArgs extends object = Record<string, unknown>> extends KessaiError {
  override name = "ContractError";
  /** Solidity error name, e.g. `SecurityTokenInsufficientUnlockedBalance`. */
  readonly errorName: string;
  /** Canonical signature, e.g. `SecurityTokenPaused()`. */
  readonly signature: string;
  /** 4-byte selector. */
  readonly selector: string;
  /** Decoded arguments, by parameter name. */
  readonly args: TArgs;
  /** Raw revert data. */
  readonly data: string | undefined;
  readonly contractAddress: string | undefined;
  readonly action: string | undefined;
  readonly sender: string | undefined;
  readonly txHash: string | undefined;
  /** How a mined revert was decoded (undefined for a revert seen before mining). */
  readonly decodedBy: "trace" | "replay" | "parent-block" | undefined;
  /**
   * True when a mined revert was decoded by a call in the parent block's state, which does not
   * include the transactions mined before it in its block: the error is the one the call would
   * raise there, not necessarily the one the transaction raised.
   */
  readonly approximate: boolean;

  constructor(
    errorName: string,
    signature: string,
    selector: string,
    args: TArgs,
    options: ContractErrorOptions = {},
    shortMessage?: string,
  ) {
    const meta: string[] = [];
    if (options.action) meta.push(`Action:   ${options.action}`);
    if (options.contractAddress) meta.push(`Contract: ${options.contractAddress}`);
    if (options.sender) meta.push(`Sender:   ${options.sender}`);
    if (options.txHash) meta.push(`Tx:       ${options.txHash}`);
    if (options.decodedBy === "parent-block")
      meta.push("Decoded:  approximately, by a call in the parent block's state");
    super(
      shortMessage ??
        formatContractError(errorName, args as Record<string, unknown>, Object.keys(args)),
      { cause: options.cause, metaMessages: meta, details: signature },
    );
    this.errorName = errorName;
    this.signature = signature;
    this.selector = selector;
    this.args = args;
    this.data = options.data;
    this.contractAddress = options.contractAddress;
    this.action = options.action;
    this.sender = options.sender;
    this.txHash = options.txHash;
    this.decodedBy = options.decodedBy;
    this.approximate = options.decodedBy === "parent-block";
  }
}

/** `revert("reason")` / `require(cond, "reason")`. */
export class ContractRevertedError extends ContractError<{ readonly reason: string }> {
  override name = "ContractRevertedError";
  constructor(reason: string, options: ContractErrorOptions = {}) {
    super("Error", "Error(string)", "0x08c379a0", { reason }, options, `Reverted: ${reason}`);
  }
}

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division or modulo by zero",
  0x21: "invalid enum value",
  0x22: "invalid storage byte array",
  0x31: "pop on empty array",
  0x32: "array index out of bounds",
  0x41: "out of memory",
  0x51: "call to an uninitialised function",
};

/** A Solidity panic (`Panic(uint256)`): assertion, overflow, bad index, ... */
export class ContractPanicError extends ContractError<{ readonly code: bigint }> {
  override name = "ContractPanicError";
  constructor(code: bigint, options: ContractErrorOptions = {}) {
    super(
      "Panic",
      "Panic(uint256)",
      "0x4e487b71",
      { code },
      options,
      `Panic 0x${code.toString(16)}: ${PANICS[Number(code)] ?? "unknown panic"}`,
    );
  }
}

/** A revert whose data matches no known error (or a revert without data). */
export class UnknownContractError extends ContractError<{ readonly data: string }> {
  override name = "UnknownContractError";
  constructor(data: string, options: ContractErrorOptions = {}) {
    super(
      "Unknown",
      "",
      data.slice(0, 10),
      { data },
      options,
      data === "0x" || data === ""
        ? "The call reverted without a reason"
        : `The call reverted with unknown error data ${data.slice(0, 10)}`,
    );
  }
}
