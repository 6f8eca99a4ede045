import { JsonRpcProvider, Network, Wallet, type Signer } from "ethers";
import {
  ChainMismatchError,
  NetworkError,
  connect,
  parseInteger,
  readDeployment,
  toAddress,
  toPrivateKey,
  toRpcUrl,
  type KessaiContext,
} from "@kessai/sdk";
import { optional, str, type Values } from "./args.js";
import { CliUsageError } from "./errors.js";
import { Progress } from "./output.js";

export const DEFAULT_RPC = "http://127.0.0.1:8545";

/** Addresses of a deployment as the CLI knows them. */
export interface CliAddresses {
  securityToken?: string;
  depositToken?: string;
  dvp?: string;
  securityRegistry?: string;
  /** First block of the deployment, when the file records it (speeds up event scans). */
  blockNumber?: number;
  /** Chain the file was written for, when it records it. */
  chainId?: bigint;
  source?: string;
}

/** Where a run writes: stdout and stderr of the process, or a caller's buffers. */
export interface Streams {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The process's own stdout and stderr. */
export const PROCESS_STREAMS: Streams = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** One run of one command: its parsed flags and lazy access to the chain. */
export class Invocation {
  readonly values: Values;
  readonly positionals: string[];
  readonly env: NodeJS.ProcessEnv;
  /** Where the command writes what it streams (watch's events, create's note on stderr). */
  readonly io: Streams;
  readonly progress = new Progress();
  private provider_: Promise<JsonRpcProvider> | undefined;
  private addresses_: Promise<CliAddresses> | undefined;
  private chain_: Promise<KessaiContext> | undefined;
  private signer_: Promise<Signer | undefined> | undefined;

  constructor(
    values: Values,
    positionals: string[],
    env: NodeJS.ProcessEnv = process.env,
    io: Streams = PROCESS_STREAMS,
  ) {
    this.values = values;
    this.positionals = positionals;
    this.env = env;
    this.io = io;
  }

  get json(): boolean {
    return this.values.json === true;
  }

  get rpcUrl(): string {
    return str(this.values, "rpc") ?? this.env.KESSAI_RPC_URL ?? DEFAULT_RPC;
  }

  /** The endpoint, validated by the SDK's `toRpcUrl` (a bad URL is bad input: exit 2). */
  checkedRpcUrl(): string {
    const field =
      str(this.values, "rpc") !== undefined
        ? "--rpc"
        : this.env.KESSAI_RPC_URL !== undefined
          ? "KESSAI_RPC_URL"
          : "rpc";
    return toRpcUrl(this.rpcUrl, field);
  }

  /** Validates the signer flags without touching the network. */
  signerChoice(): { key: string } | { account: number } | undefined {
    const key = str(this.values, "key");
    const account = str(this.values, "account");
    if (key !== undefined && account !== undefined)
      throw new CliUsageError("--account", "give either --key or --account, not both");
    if (account !== undefined) return { account: parseInteger(account, "--account") };
    const k = key ?? this.env.KESSAI_PRIVATE_KEY;
    if (k === undefined || k === "") return undefined;
    return { key: toPrivateKey(k, key !== undefined ? "--key" : "KESSAI_PRIVATE_KEY") };
  }

  /** A provider whose network is probed once (a clear error instead of ethers' retry loop). */
  provider(): Promise<JsonRpcProvider> {
    this.provider_ ??= (async () => {
      const url = this.checkedRpcUrl();
      let chainId: bigint;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { result?: string; error?: { message?: string } };
        if (!body.result) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
        chainId = BigInt(body.result);
      } catch (err) {
        const c = (err as { cause?: { code?: string; message?: string } }).cause;
        const cause = c?.code ?? c?.message;
        throw new NetworkError(
          `cannot reach the JSON-RPC endpoint ${url}${cause ? ` (${cause})` : err instanceof Error ? ` (${err.message})` : ""}`,
          { cause: err },
        );
      }
      return new JsonRpcProvider(url, Network.from(chainId), {
        staticNetwork: Network.from(chainId),
        pollingInterval: 250,
      });
    })();
    return this.provider_;
  }

  async chainId(): Promise<bigint> {
    return (await (await this.provider()).getNetwork()).chainId;
  }

  /** The signer from --key / KESSAI_PRIVATE_KEY / --account, or undefined (read-only). */
  signer(): Promise<Signer | undefined> {
    this.signer_ ??= (async () => {
      const choice = this.signerChoice();
      if (!choice) return undefined;
      const provider = await this.provider();
      if ("key" in choice) return new Wallet(choice.key, provider);
      const accounts = (await provider.send("eth_accounts", [])) as string[];
      if (choice.account >= accounts.length) {
        throw new CliUsageError(
          "--account",
          `--account ${choice.account}: the node has ${accounts.length} unlocked account(s)`,
          choice.account,
        );
      }
      return provider.getSigner(accounts[choice.account]);
    })();
    return this.signer_;
  }

  /** The signer, or a usage error naming what needs it. */
  async requireSigner(what: string): Promise<Signer> {
    const s = await this.signer();
    if (!s) {
      throw new CliUsageError(
        "--key",
        `${what} sends a transaction: pass --key, KESSAI_PRIVATE_KEY or --account`,
      );
    }
    return s;
  }

  /** The signer's address, if any, without requiring one. */
  async signerAddress(): Promise<string | undefined> {
    return (await this.signer())?.getAddress();
  }

  /** Addresses from --deployment / KESSAI_DEPLOYMENT and the address flags (no network). */
  addresses(): Promise<CliAddresses> {
    this.addresses_ ??= (async () => {
      const file = str(this.values, "deployment") ?? this.env.KESSAI_DEPLOYMENT;
      const out: CliAddresses = file ? await loadDeployment(file) : {};
      for (const [flag, field] of [
        ["dvp", "dvp"],
        ["security-token", "securityToken"],
        ["deposit-token", "depositToken"],
      ] as const) {
        const v = optional(this.values, flag, toAddress);
        if (v !== undefined) out[field] = v;
      }
      return out;
    })();
    return this.addresses_;
  }

  /** The three contract addresses, or a usage error saying how to give them. */
  async requireAddresses(): Promise<
    Required<Pick<CliAddresses, "dvp" | "securityToken" | "depositToken">> & CliAddresses
  > {
    const a = await this.addresses();
    const missing = (["dvp", "securityToken", "depositToken"] as const).filter((k) => !a[k]);
    if (missing.length) {
      throw new CliUsageError(
        "--deployment",
        `no ${missing.join(", ")} address: pass --deployment FILE (or KESSAI_DEPLOYMENT), or --dvp, --security-token and --deposit-token`,
      );
    }
    return a as Required<Pick<CliAddresses, "dvp" | "securityToken" | "depositToken">> &
      CliAddresses;
  }

  /**
   * The SDK context, connected with the signer when one was given. `connect` refuses a node on
   * another chain than the deployment file's and addresses that do not hold their contracts.
   */
  chain(): Promise<KessaiContext> {
    this.chain_ ??= (async () => {
      const addresses = await this.requireAddresses();
      const provider = await this.provider();
      const signer = await this.signer();
      try {
        return await connect({
          runner: signer ?? provider,
          addresses: {
            securityToken: addresses.securityToken,
            depositToken: addresses.depositToken,
            dvp: addresses.dvp,
          },
          chainId: addresses.chainId,
        });
      } catch (err) {
        if (err instanceof ChainMismatchError && addresses.source) {
          throw new ChainMismatchError(err.expectedChainId, err.chainId, addresses.source);
        }
        throw err;
      }
    })();
    return this.chain_;
  }

  /** Block to start event scans from: the flag, else the deployment's first block, else 0. */
  async scanFrom(flag?: number): Promise<number> {
    if (flag !== undefined) return flag;
    return (await this.addresses()).blockNumber ?? 0;
  }

  /**
   * "Now" for relative times (`+N`) and deadline checks: the later of the wall clock and the
   * latest block's time. An idle chain's last block can be hours old (the next block will carry
   * the current time), and a test chain can run ahead of the clock.
   */
  async now(): Promise<bigint> {
    const block = await (await this.provider()).getBlock("latest");
    const wall = BigInt(Math.floor(Date.now() / 1000));
    const chain = BigInt(block?.timestamp ?? 0);
    return chain > wall ? chain : wall;
  }

  /** Stops polling so the process can exit. */
  async close(): Promise<void> {
    if (!this.provider_) return;
    try {
      (await this.provider_).destroy();
    } catch {
      /* never connected */
    }
  }
}

/**
 * Reads a `kessai deploy` JSON, or an Ignition deployed_addresses.json (or its folder), with the
 * SDK's validating loader (`readDeployment`: DeploymentFileError naming the field).
 */
export async function loadDeployment(file: string): Promise<CliAddresses> {
  const d = await readDeployment(file);
  return {
    ...d.addresses,
    securityRegistry: d.securityRegistry,
    blockNumber: d.blockNumber,
    chainId: d.chainId,
    source: d.source,
  };
}
