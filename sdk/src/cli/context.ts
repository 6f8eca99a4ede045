import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { JsonRpcProvider, Network, Wallet, type Signer } from "ethers";
import { addressesFromIgnition, connect, type KessaiContext } from "../connect.js";
import { NetworkError } from "../errors/transport.js";
import { UsageError, parseAddress, parseIndex, str, type Values } from "./args.js";
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
  chainId?: string;
  source?: string;
}

/** The deployment JSON `kessai deploy` writes. */
export interface DeploymentFile {
  chainId: string;
  deployer: string;
  blockNumber: number;
  securityTokenKind: "StraightBondToken" | "ShareToken";
  securityToken: string;
  depositToken: string;
  dvp: string;
  securityRegistry: string;
  roles: Record<string, string | string[]>;
}

/** One run of one command: its parsed flags and lazy access to the chain. */
export class Invocation {
  readonly values: Values;
  readonly positionals: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly progress = new Progress();
  private provider_: Promise<JsonRpcProvider> | undefined;
  private addresses_: Promise<CliAddresses> | undefined;
  private chain_: Promise<KessaiContext> | undefined;
  private signer_: Promise<Signer | undefined> | undefined;

  constructor(values: Values, positionals: string[], env: NodeJS.ProcessEnv = process.env) {
    this.values = values;
    this.positionals = positionals;
    this.env = env;
  }

  get json(): boolean {
    return this.values.json === true;
  }

  get rpcUrl(): string {
    return str(this.values, "rpc") ?? this.env.KESSAI_RPC_URL ?? DEFAULT_RPC;
  }

  /** Validates the signer flags without touching the network. */
  signerChoice(): { key: string } | { account: number } | undefined {
    const key = str(this.values, "key");
    const account = str(this.values, "account");
    if (key !== undefined && account !== undefined)
      throw new UsageError("give either --key or --account, not both");
    if (account !== undefined) return { account: parseIndex(account, "--account") };
    const k = key ?? this.env.KESSAI_PRIVATE_KEY;
    if (k === undefined || k === "") return undefined;
    const hex = k.startsWith("0x") ? k : `0x${k}`;
    if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) {
      throw new UsageError(
        `${key !== undefined ? "--key" : "KESSAI_PRIVATE_KEY"} is not a 32-byte hex private key`,
      );
    }
    return { key: hex };
  }

  /** A provider whose network is probed once (a clear error instead of ethers' retry loop). */
  provider(): Promise<JsonRpcProvider> {
    this.provider_ ??= (async () => {
      const url = this.rpcUrl;
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
        throw new UsageError(
          `--account ${choice.account}: the node has ${accounts.length} unlocked account(s)`,
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
      throw new UsageError(
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
      const out: CliAddresses = file ? await readDeployment(file) : {};
      for (const [flag, field] of [
        ["dvp", "dvp"],
        ["security-token", "securityToken"],
        ["deposit-token", "depositToken"],
      ] as const) {
        const v = str(this.values, flag);
        if (v !== undefined) out[field] = parseAddress(v, `--${flag}`);
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
      throw new UsageError(
        `no ${missing.join(", ")} address: pass --deployment FILE (or KESSAI_DEPLOYMENT), or --dvp, --security-token and --deposit-token`,
      );
    }
    return a as Required<Pick<CliAddresses, "dvp" | "securityToken" | "depositToken">> &
      CliAddresses;
  }

  /** The SDK context, connected with the signer when one was given. */
  chain(): Promise<KessaiContext> {
    this.chain_ ??= (async () => {
      const addresses = await this.requireAddresses();
      const provider = await this.provider();
      const chainId = await this.chainId();
      if (addresses.chainId !== undefined && BigInt(addresses.chainId) !== chainId) {
        throw new UsageError(
          `${addresses.source} is for chain ${addresses.chainId} but ${this.rpcUrl} is chain ${chainId}`,
        );
      }
      const codes = await Promise.all(
        (["dvp", "securityToken", "depositToken"] as const).map(async (k) => {
          const code = await provider.getCode(addresses[k]);
          return [k, code] as const;
        }),
      );
      for (const [k, code] of codes) {
        if (code === "0x") {
          throw new UsageError(
            `no contract at the ${k} address ${addresses[k]} on chain ${chainId}${addresses.source ? ` (from ${addresses.source})` : ""}`,
          );
        }
      }
      const signer = await this.signer();
      return connect({
        runner: signer ?? provider,
        addresses: {
          securityToken: addresses.securityToken,
          depositToken: addresses.depositToken,
          dvp: addresses.dvp,
        },
      });
    })();
    return this.chain_;
  }

  /** Block to start event scans from: the flag, else the deployment's first block, else 0. */
  async scanFrom(flag?: number): Promise<number> {
    if (flag !== undefined) return flag;
    return (await this.addresses()).blockNumber ?? 0;
  }

  /** Latest block time (for relative deadlines). */
  async now(): Promise<bigint> {
    const block = await (await this.provider()).getBlock("latest");
    return BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
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

/** Reads a `kessai deploy` JSON, or an Ignition deployed_addresses.json (or its folder). */
export async function readDeployment(file: string): Promise<CliAddresses> {
  if (!existsSync(file)) throw new UsageError(`deployment file not found: ${file}`);
  const isDir = statSync(file).isDirectory();
  if (isDir || path.basename(file) === "deployed_addresses.json") {
    return fromIgnition(isDir ? file : path.dirname(file), file);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot parse ${file}: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== "object") throw new UsageError(`${file} is not a JSON object`);
  if (Object.keys(doc).some((k) => k.includes("#"))) return fromIgnition(path.dirname(file), file);
  const addr = (k: string, required: boolean) => {
    const v = doc[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string") throw new UsageError(`${file}: "${k}" is missing`);
    return parseAddress(v, `${file}: ${k}`);
  };
  return {
    securityToken: addr("securityToken", true),
    depositToken: addr("depositToken", true),
    dvp: addr("dvp", true),
    securityRegistry: addr("securityRegistry", false),
    blockNumber: typeof doc.blockNumber === "number" ? doc.blockNumber : undefined,
    chainId: doc.chainId === undefined ? undefined : String(doc.chainId),
    source: file,
  };
}

async function fromIgnition(dir: string, source: string): Promise<CliAddresses> {
  try {
    const a = await addressesFromIgnition(dir);
    const chain = /chain-([0-9]+)$/.exec(path.resolve(dir));
    return {
      securityToken: a.securityToken,
      depositToken: a.depositToken,
      dvp: a.dvp,
      securityRegistry: a.securityRegistry,
      chainId: chain ? chain[1] : undefined,
      source,
    };
  } catch (err) {
    throw new UsageError(
      `${source}: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`,
    );
  }
}
