import { KessaiError, type KessaiErrorOptions } from "./base.js";

/** A deployment directory or address map could not be read or is incomplete. */
export class ConfigurationError extends KessaiError {
  override name = "ConfigurationError";
  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/**
 * The node serves another chain than the one expected (the `chainId` given to `connect`, or the
 * chain a deployment file was written for). Nothing was read from the contracts.
 */
export class ChainMismatchError extends ConfigurationError {
  override name = "ChainMismatchError";
  /** The chain the caller (or the deployment file) expects. */
  readonly expectedChainId: bigint;
  /** The chain the node reports (`eth_chainId`). */
  readonly chainId: bigint;
  /** Where the expected chain came from, e.g. a deployment file's path. */
  readonly source: string | undefined;
  constructor(
    expectedChainId: bigint,
    chainId: bigint,
    source?: string,
    options: KessaiErrorOptions = {},
  ) {
    super(
      `Expected chain ${expectedChainId}${source ? ` (from ${source})` : ""} but the node is on chain ${chainId}`,
      options,
    );
    this.expectedChainId = expectedChainId;
    this.chainId = chainId;
    this.source = source;
  }
}

/** The three contracts of a deployment, as `KessaiAddresses` names them. */
export type DeploymentContract = "securityToken" | "depositToken" | "dvp";

/** What an address turned out to hold when it is not the contract expected. */
export type FoundAtAddress = DeploymentContract | "noContract" | "otherContract";

const LABEL: Record<FoundAtAddress, string> = {
  securityToken: "a Kessai security token",
  depositToken: "DCJPY (a Kessai deposit token)",
  dvp: "the Kessai DVP",
  noContract: "no contract",
  otherContract: "a contract that is none of the three",
};

/**
 * An address of the deployment does not hold the contract it is given for: no code at all (wrong
 * chain, wrong or undeployed address), another Kessai contract (addresses swapped, e.g. the DVP
 * given as the security token), or some other contract. Found by `connect` with one identifying
 * read per contract (the security token's `investorRegistry()`, DCJPY's `totalIssued()`, the
 * DVP's ERC-165 `supportsInterface` for `IDeliveryVersusPayment`) before anything else is read.
 */
export class DeploymentAddressError extends ConfigurationError {
  override name = "DeploymentAddressError";
  /** Which address was wrong: `addresses.securityToken`, `addresses.depositToken` or `addresses.dvp`. */
  readonly field: string;
  /** The contract that was expected there. */
  readonly expected: DeploymentContract;
  /** The address given. */
  readonly address: string;
  /** What the address holds on this chain. */
  readonly found: FoundAtAddress;
  /** The chain it was looked up on. */
  readonly chainId: bigint;
  constructor(
    expected: DeploymentContract,
    address: string,
    found: FoundAtAddress,
    chainId: bigint,
    options: KessaiErrorOptions = {},
  ) {
    const swapped =
      found === "securityToken" || found === "depositToken" || found === "dvp"
        ? " (addresses swapped?)"
        : "";
    super(
      `addresses.${expected} ${address} is ${LABEL[found]} on chain ${chainId}, not ${LABEL[expected]}${swapped}`,
      options,
    );
    this.field = `addresses.${expected}`;
    this.expected = expected;
    this.address = address;
    this.found = found;
    this.chainId = chainId;
  }
}

/**
 * The DVP of the deployment does not list the security token or DCJPY given with it
 * (`isSecurityTokenListed` / `isCashTokenListed` is false): every new settlement with that token
 * would be refused. Usually a token of another deployment, or one the DVP admin delisted. Found
 * by `connect` in its identifying reads, before anything else is read.
 */
export class TokenNotListedError extends ConfigurationError {
  override name = "TokenNotListedError";
  /** Which address is not listed: `addresses.securityToken` or `addresses.depositToken`. */
  readonly field: string;
  /** The token given. */
  readonly address: string;
  /** The DVP that does not list it. */
  readonly dvp: string;
  /** The chain it was looked up on. */
  readonly chainId: bigint;
  constructor(
    token: "securityToken" | "depositToken",
    address: string,
    dvp: string,
    chainId: bigint,
    options: KessaiErrorOptions = {},
  ) {
    const what = token === "securityToken" ? "security token" : "cash token";
    super(
      `addresses.${token} ${address} is not a listed ${what} of the DVP ${dvp} on chain ${chainId}`,
      options,
    );
    this.field = `addresses.${token}`;
    this.address = address;
    this.dvp = dvp;
    this.chainId = chainId;
  }
}

/** What two clients of one workflow must share: the chain and the deployment's contracts. */
export type SharedDeploymentField = "chainId" | "addresses.dvp" | "addresses.depositToken";

/**
 * The clients given to one workflow (`settleTrade`) do not talk to the same deployment: one of
 * them is connected to another chain, another DVP or another DCJPY than the seller's client.
 * Thrown before anything is sent.
 */
export class DeploymentMismatchError extends ConfigurationError {
  override name = "DeploymentMismatchError";
  /** The client that differs, e.g. `buyer`, `bank` or `agent`. */
  readonly client: string;
  /** What differs. */
  readonly field: SharedDeploymentField;
  /** The seller's value (decimal chain ID, or checksummed address). */
  readonly expected: string;
  /** The client's value. */
  readonly actual: string;
  constructor(
    client: string,
    field: SharedDeploymentField,
    expected: string,
    actual: string,
    options: KessaiErrorOptions = {},
  ) {
    super(
      `The ${client} client's ${field} is ${actual}, not the seller's ${expected}: every party must use one deployment; nothing was sent`,
      options,
    );
    this.client = client;
    this.field = field;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A deployment file (the JSON `kessai deploy` writes, or an Ignition deployment) is missing,
 * unreadable, or has a missing or malformed field.
 */
export class DeploymentFileError extends ConfigurationError {
  override name = "DeploymentFileError";
  /** The file (or directory) read. */
  readonly file: string;
  /** The offending field (e.g. `chainId`, `dvp`), or undefined when the file itself is the problem. */
  readonly field: string | undefined;
  constructor(
    file: string,
    field: string | undefined,
    reason: string,
    options: KessaiErrorOptions = {},
  ) {
    super(`${file}: ${field ? `${field} ` : ""}${reason}`, options);
    this.file = file;
    this.field = field;
  }
}
