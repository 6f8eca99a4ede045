import { JsonRpcProvider, Wallet, type ContractRunner, type Provider, type Signer } from "ethers";
import {
  DeliveryVersusPayment__factory,
  DepositToken__factory,
  IShareToken__factory,
  IStraightBondToken__factory,
  InvestorRegistry__factory,
  SecurityToken__factory,
  type DeliveryVersusPayment,
  type DepositToken,
  type IShareToken,
  type IStraightBondToken,
  type InvestorRegistry,
  type SecurityToken,
} from "../generated/contracts.js";
import { KessaiError } from "../errors/base.js";
import { ChainMismatchError, ConfigurationError } from "../errors/configuration.js";
import { NetworkError } from "../errors/transport.js";
import { toKessaiError } from "../errors/decode.js";
import { InvalidParameterError } from "../errors/input.js";
import { identifyDeployment } from "./identify.js";
import { toAddress, toPrivateKey } from "../utils/validate.js";
import { QueuedSigner, withNonceQueue } from "../transactions/signer.js";
import { toChainId, toRpcUrl } from "../utils/rpc.js";
import type { SendOptions, TxEngineOptions } from "../transactions/types.js";

/** Addresses of one Kessai deployment. The investor register is read from the security token. */
export interface KessaiAddresses {
  securityToken: string;
  depositToken: string;
  dvp: string;
}

/** Options of {@link connect} and of every client's static `connect`. */
export interface ConnectOptions {
  /** An ethers Signer (sends transactions) or Provider (read-only). */
  runner?: ContractRunner;
  /** A JSON-RPC URL (`http:` or `https:`), used when no `runner` is given. */
  rpcUrl?: string;
  /** With `rpcUrl`: a private key to sign with (otherwise read-only). */
  privateKey?: string;
  addresses: KessaiAddresses;
  /**
   * The chain the addresses belong to. When given, connecting to a node on another chain throws
   * {@link ChainMismatchError} before anything else is read. `readDeployment` returns it.
   */
  chainId?: bigint | number;
  /** Confirmations to wait for per transaction (default 1). */
  confirmations?: number;
  /** Fixed gas limit for every transaction; skips estimation, so reverts surface after mining. */
  gasLimit?: bigint;
  /**
   * The transaction engine's policy (deadline, fee bumps and ceiling, polling), journal and key
   * lock. `confirmations` above is the policy's default confirmations.
   */
  transactions?: TxEngineOptions;
}

/** Everything an action needs: a provider, an optional queued signer and typed contracts. */
export interface KessaiContext {
  provider: Provider;
  /** The chain the node serves (checked against `ConnectOptions.chainId` when one was given). */
  chainId: bigint;
  /**
   * The signer, wrapped in its account's nonce queue and transaction engine (`signer.engine`);
   * undefined when read-only.
   */
  signer: QueuedSigner | undefined;
  /** Address of the signer, when there is one. */
  account: string | undefined;
  addresses: KessaiAddresses & { securityRegistry: string };
  confirmations: number;
  securityToken: SecurityToken;
  bondToken: IStraightBondToken;
  shareToken: IShareToken;
  depositToken: DepositToken;
  dvp: DeliveryVersusPayment;
  /** The issuer's investor register, which the security token consults. */
  securityRegistry: InvestorRegistry;
  /**
   * True when {@link connect} created the provider itself (from `rpcUrl`); the client's `close()`
   * then destroys it. False or absent when the caller passed a `runner` and owns its provider.
   */
  ownsProvider?: boolean;
  /** Options of every transaction sent with this context (see `withSendOptions`). */
  sendOptions?: SendOptions;
}

function isSigner(r: ContractRunner): r is Signer {
  return (
    typeof (r as Signer).getAddress === "function" &&
    typeof (r as Signer).signTypedData === "function"
  );
}

/**
 * Connects to a Kessai deployment. Pass an ethers `runner` (a Signer to transact, a Provider to
 * read; e.g. one from Hardhat's `network.create()`), or an `rpcUrl` (plus `privateKey` to sign).
 * The issuer's investor register is read from the security token's `investorRegistry()`; DCJPY
 * keeps the bank's account book itself (the bank opens accounts with `BankClient.openDepositAccount`).
 *
 * Before returning it checks, in this order, and throws a typed error for each:
 * - the options: a malformed address, private key, `rpcUrl` (e.g. `not-a-url`) or `chainId`
 *   → {@link InvalidParameterError} / `InvalidAddressError`, before any request;
 * - the node: unreachable → {@link NetworkError};
 * - the chain: with `chainId`, another chain → {@link ChainMismatchError};
 * - the addresses: each must hold its contract (one identifying read each: the security
 *   token's `investorRegistry()`, DCJPY's `totalIssued()`, the DVP's ERC-165
 *   `supportsInterface`) → `DeploymentAddressError` naming the address, what it holds instead
 *   (no contract, another of the three, another contract) and the chain.
 *
 * A provider created from `rpcUrl` is destroyed on failure; on success, release it with the
 * client's `close()`.
 */
export async function connect(options: ConnectOptions): Promise<KessaiContext> {
  const addresses = {
    securityToken: toAddress(options.addresses?.securityToken, "addresses.securityToken"),
    depositToken: toAddress(options.addresses?.depositToken, "addresses.depositToken"),
    dvp: toAddress(options.addresses?.dvp, "addresses.dvp"),
  };
  const expectedChainId =
    options.chainId === undefined ? undefined : toChainId(options.chainId, "chainId");
  let runner = options.runner;
  let created: JsonRpcProvider | undefined;
  if (!runner) {
    if (options.rpcUrl === undefined)
      throw new InvalidParameterError("runner", undefined, "or rpcUrl is required");
    const rpcUrl = toRpcUrl(options.rpcUrl, "rpcUrl");
    const privateKey =
      options.privateKey === undefined ? undefined : toPrivateKey(options.privateKey);
    // No request cache: ethers answers an identical request made within 250 ms with the earlier
    // answer, which gives stale nonces, estimates and receipts.
    created = new JsonRpcProvider(rpcUrl, undefined, {
      staticNetwork: true,
      pollingInterval: 250,
      cacheTimeout: -1,
    });
    runner = privateKey ? new Wallet(privateKey, created) : created;
  }
  const signer = isSigner(runner)
    ? withNonceQueue(runner, {
        ...options.transactions,
        gasLimit: options.gasLimit,
        policy: { confirmations: options.confirmations, ...options.transactions?.policy },
      })
    : undefined;
  const provider = (signer ? signer.provider : (runner as Provider)) ?? runner.provider;
  if (!provider) throw new InvalidParameterError("runner", runner, "has no provider");
  const r: ContractRunner = signer ?? provider;

  const securityToken = SecurityToken__factory.connect(addresses.securityToken, r);
  let chainId: bigint, securityRegistry: string, account: string | undefined;
  try {
    chainId = (await provider.getNetwork()).chainId;
    if (expectedChainId !== undefined && chainId !== expectedChainId) {
      throw new ChainMismatchError(expectedChainId, chainId);
    }
    [securityRegistry, account] = await Promise.all([
      identifyDeployment(addresses, provider, chainId),
      signer?.getAddress(),
    ]);
  } catch (err) {
    // A provider made here would otherwise retry network detection forever and keep the
    // process alive.
    created?.destroy();
    if (err instanceof KessaiError) throw err;
    const e = toKessaiError(err, { action: "connect" });
    if (e instanceof NetworkError) throw e;
    throw new ConfigurationError("Could not read the deployment", { cause: e });
  }
  return {
    provider,
    chainId,
    signer,
    account,
    addresses: { ...addresses, securityRegistry },
    confirmations: options.confirmations ?? 1,
    securityToken,
    bondToken: IStraightBondToken__factory.connect(addresses.securityToken, r),
    shareToken: IShareToken__factory.connect(addresses.securityToken, r),
    depositToken: DepositToken__factory.connect(addresses.depositToken, r),
    dvp: DeliveryVersusPayment__factory.connect(addresses.dvp, r),
    securityRegistry: InvestorRegistry__factory.connect(securityRegistry, r),
    ownsProvider: created !== undefined,
  };
}
