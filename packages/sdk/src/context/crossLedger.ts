import {
  JsonRpcProvider,
  Wallet,
  getAddress,
  type ContractRunner,
  type Provider,
  type Signer,
} from "ethers";
import {
  CrossLedgerDelivery__factory,
  CrossLedgerPayment__factory,
  type CrossLedgerDelivery,
  type CrossLedgerPayment,
} from "../generated/contracts.js";
import { KessaiError } from "../errors/base.js";
import { ChainMismatchError, ConfigurationError } from "../errors/configuration.js";
import { LedgerContractError } from "../errors/crossLedger.js";
import { toKessaiError } from "../errors/decode.js";
import { InvalidParameterError } from "../errors/input.js";
import { NetworkError } from "../errors/transport.js";
import { QueuedSigner, withNonceQueue } from "../transactions/signer.js";
import type { SendOptions, TxEngineOptions } from "../transactions/types.js";
import { toChainId, toRpcUrl } from "../utils/rpc.js";
import { toAddress, toPrivateKey } from "../utils/validate.js";

/** How to reach one ledger: as {@link connect}'s options, without the single-chain addresses. */
export interface LedgerConnectOptions {
  /** An ethers Signer (sends transactions) or Provider (read-only). */
  runner?: ContractRunner;
  /** A JSON-RPC URL (`http:` or `https:`), used when no `runner` is given. */
  rpcUrl?: string;
  /** With `rpcUrl`: a private key to sign with (otherwise read-only). */
  privateKey?: string;
  /** The chain the contract is on; another chain throws {@link ChainMismatchError}. */
  chainId?: bigint | number;
  /** Confirmations to wait for per transaction (default 1). */
  confirmations?: number;
  /** Fixed gas limit for every transaction; skips estimation. */
  gasLimit?: bigint;
  /** The transaction engine's policy, journal and key lock (as {@link connect}'s). */
  transactions?: TxEngineOptions;
}

/** Options of {@link connectStLedger}. */
export interface StLedgerConnectOptions extends LedgerConnectOptions {
  /** The ST ledger's `CrossLedgerDelivery`. */
  delivery: string;
}

/** Options of {@link connectCashLedger}. */
export interface CashLedgerConnectOptions extends LedgerConnectOptions {
  /** The cash ledger's `CrossLedgerPayment`. */
  payment: string;
}

/** What both ledgers' contexts share: a provider, an optional queued signer, the chain. */
export interface LedgerContext {
  provider: Provider;
  /** The chain the node serves. */
  chainId: bigint;
  /** The signer in its account's nonce queue and transaction engine; undefined when read-only. */
  signer: QueuedSigner | undefined;
  /** Address of the signer, when there is one. */
  account: string | undefined;
  /** What contracts are connected with: the signer, else the provider. */
  runner: ContractRunner;
  confirmations: number;
  /** True when the context created its provider (from `rpcUrl`); `close()` destroys it. */
  ownsProvider?: boolean;
  /** Options of every transaction sent with this context (see `withSendOptions`). */
  sendOptions?: SendOptions;
}

/** The ST ledger of a two-ledger settlement: its `CrossLedgerDelivery`. */
export interface StLedgerContext extends LedgerContext {
  side: "st";
  /** The delivery contract (checksummed address: `delivery.target`). */
  delivery: CrossLedgerDelivery;
}

/** The cash ledger of a two-ledger settlement: its `CrossLedgerPayment`. */
export interface CashLedgerContext extends LedgerContext {
  side: "cash";
  /** The payment contract. */
  payment: CrossLedgerPayment;
}

function isSigner(r: ContractRunner): boolean {
  return typeof (r as { getAddress?: unknown }).getAddress === "function";
}

/** The shared part of both connects: options, provider, signer, chain check. */
async function open(o: LedgerConnectOptions) {
  const expected = o.chainId === undefined ? undefined : toChainId(o.chainId, "chainId");
  let runner = o.runner;
  let created: JsonRpcProvider | undefined;
  if (!runner) {
    if (o.rpcUrl === undefined)
      throw new InvalidParameterError("runner", undefined, "or rpcUrl is required");
    const url = toRpcUrl(o.rpcUrl, "rpcUrl");
    const key = o.privateKey === undefined ? undefined : toPrivateKey(o.privateKey);
    created = new JsonRpcProvider(url, undefined, {
      staticNetwork: true,
      pollingInterval: 250,
      cacheTimeout: -1,
    });
    runner = key ? new Wallet(key, created) : created;
  }
  const signer = isSigner(runner)
    ? withNonceQueue(runner as Signer, {
        ...o.transactions,
        gasLimit: o.gasLimit,
        policy: { confirmations: o.confirmations, ...o.transactions?.policy },
      })
    : undefined;
  const provider = (signer ? signer.provider : (runner as Provider)) ?? runner.provider;
  if (!provider) throw new InvalidParameterError("runner", runner, "has no provider");
  return { expected, created, signer, provider, runner: (signer ?? provider) as ContractRunner };
}

/** Runs the identifying reads; a provider made here is destroyed on failure. */
async function identify<T>(
  created: JsonRpcProvider | undefined,
  action: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    created?.destroy();
    if (err instanceof KessaiError) throw err;
    const e = toKessaiError(err, { action });
    if (e instanceof NetworkError) throw e;
    throw new ConfigurationError(`Could not read the ledger (${action})`, { cause: e });
  }
}

/**
 * The shared part of both connects after {@link open}: the chain (`ChainMismatchError`), code at
 * `address`, and that it holds the `role` contract (`recognises` answers true), each failure a
 * {@link LedgerContractError}; then the fields both contexts carry.
 */
async function connectLedger<C>(
  options: LedgerConnectOptions,
  action: string,
  role: "delivery" | "payment",
  address: string,
  connect: (runner: ContractRunner) => C,
  recognises: (contract: C) => Promise<boolean>,
) {
  const o = await open(options);
  const contract = connect(o.runner);
  const { chainId, account } = await identify(o.created, action, async () => {
    const chainId = (await o.provider.getNetwork()).chainId;
    if (o.expected !== undefined && chainId !== o.expected)
      throw new ChainMismatchError(o.expected, chainId);
    if ((await o.provider.getCode(address)) === "0x")
      throw new LedgerContractError(role, address, "noContract", chainId);
    let ok = false;
    try {
      ok = await recognises(contract);
    } catch {
      ok = false;
    }
    if (!ok) throw new LedgerContractError(role, address, "otherContract", chainId);
    return { chainId, account: await o.signer?.getAddress() };
  });
  return {
    provider: o.provider,
    chainId,
    signer: o.signer,
    account,
    runner: o.runner,
    confirmations: options.confirmations ?? 1,
    ownsProvider: o.created !== undefined,
    contract,
  };
}

/**
 * Connects to the ST ledger of two-ledger settlements: its `CrossLedgerDelivery`. Checks, with
 * a typed error for each: the options (`InvalidParameterError` / `InvalidAddressError`, before
 * any request), the node (`NetworkError`), the chain with `chainId` ({@link ChainMismatchError}),
 * and that `delivery` holds a `CrossLedgerDelivery` (its ERC-5267 domain names it), else
 * {@link LedgerContractError}.
 */
export async function connectStLedger(options: StLedgerConnectOptions): Promise<StLedgerContext> {
  const address = toAddress(options?.delivery, "delivery");
  const { contract, ...base } = await connectLedger(
    options,
    "connectStLedger",
    "delivery",
    address,
    (runner) => CrossLedgerDelivery__factory.connect(address, runner),
    async (delivery) => {
      const d = await delivery.eip712Domain();
      return d.name === "Kessai CrossLedgerDelivery" && getAddress(d.verifyingContract) === address;
    },
  );
  return { side: "st", ...base, delivery: contract };
}

/**
 * Connects to the cash ledger of two-ledger settlements: its `CrossLedgerPayment`. The same
 * checks as {@link connectStLedger}; `payment` must answer `deliveryDomainSeparator`, which only
 * the payment contract has, else {@link LedgerContractError}.
 */
export async function connectCashLedger(
  options: CashLedgerConnectOptions,
): Promise<CashLedgerContext> {
  const address = toAddress(options?.payment, "payment");
  const { contract, ...base } = await connectLedger(
    options,
    "connectCashLedger",
    "payment",
    address,
    (runner) => CrossLedgerPayment__factory.connect(address, runner),
    async (payment) => {
      await payment.deliveryDomainSeparator(1n, address);
      return true;
    },
  );
  return { side: "cash", ...base, payment: contract };
}
