import type { KessaiAddresses } from "./connect.js";
import { ConfigurationError, DeploymentFileError } from "../errors/configuration.js";
import { InputError } from "../errors/input.js";
import { toAddress } from "../utils/validate.js";
import { toChainId } from "../utils/rpc.js";

/** The JSON file `kessai deploy` writes (default `kessai-deployment.json`). */
export interface DeploymentFile {
  /** The chain deployed on, as a decimal string. */
  chainId: string;
  /** The account that deployed (the default admin of every contract). */
  deployer: string;
  /** The first block of the deployment. */
  blockNumber: number;
  /** Which security token product was deployed. */
  securityTokenKind: "StraightBondToken" | "ShareToken";
  securityToken: string;
  depositToken: string;
  dvp: string;
  /** The issuer's investor register, which the security token consults. */
  securityRegistry: string;
  /** Who was granted what: `admin`, `issuer`, `bank`, `agents`, `pauser`. */
  roles: Record<string, string | string[]>;
}

/** A deployment as {@link readDeployment} and {@link parseDeployment} return it, validated. */
export interface KessaiDeployment {
  /**
   * The chain the deployment was made on; pass it to `connect` as `chainId`. Undefined only for
   * an Ignition deployment whose folder is not named `chain-<id>` (Ignition records no chain).
   */
  chainId: bigint | undefined;
  /** The three contracts, checksummed. */
  addresses: KessaiAddresses;
  /** The issuer's investor register, when the file names it. */
  securityRegistry: string | undefined;
  /** The first block of the deployment, when recorded (a start for event scans). */
  blockNumber: number | undefined;
  /** Where the deployment was read from. */
  source: string;
}

const CONTRACTS = ["securityToken", "depositToken", "dvp"] as const;

/**
 * Validates a deployment document: the object `kessai deploy` writes ({@link DeploymentFile}).
 * Required: `chainId` (a positive integer, as a decimal string or a number) and the three
 * addresses `securityToken`, `depositToken`, `dvp` (valid, non-zero, all different). Optional:
 * `securityRegistry` (an address) and `blockNumber` (a non-negative integer). Other fields are
 * ignored.
 *
 * @param doc The parsed JSON.
 * @param source Named in errors (e.g. the file's path).
 * @returns The validated deployment.
 * @throws {@link DeploymentFileError} naming the field.
 */
export function parseDeployment(doc: unknown, source = "deployment"): KessaiDeployment {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new DeploymentFileError(source, undefined, "is not a JSON object");
  }
  const d = doc as Record<string, unknown>;
  const address = (key: string, required: boolean): string | undefined => {
    const v = d[key];
    if (v === undefined && !required) return undefined;
    if (v === undefined) throw new DeploymentFileError(source, key, "is missing");
    try {
      return toAddress(v, key);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      throw new DeploymentFileError(
        source,
        key,
        `is not a valid non-zero address: ${JSON.stringify(v)}`,
        { cause: err },
      );
    }
  };
  if (d.chainId === undefined) throw new DeploymentFileError(source, "chainId", "is missing");
  const rawChain = d.chainId;
  let chainId: bigint;
  try {
    if (typeof rawChain === "string" && /^[0-9]+$/.test(rawChain)) {
      chainId = toChainId(BigInt(rawChain));
    } else chainId = toChainId(rawChain as number);
  } catch (err) {
    throw new DeploymentFileError(
      source,
      "chainId",
      `must be a positive integer chain ID: ${JSON.stringify(rawChain)}`,
      { cause: err },
    );
  }
  const addresses = {
    securityToken: address("securityToken", true)!,
    depositToken: address("depositToken", true)!,
    dvp: address("dvp", true)!,
  };
  CONTRACTS.forEach((k, i) => {
    const same = CONTRACTS.slice(0, i).find((j) => addresses[j] === addresses[k]);
    if (same) throw new DeploymentFileError(source, k, `is the same address as ${same}`);
  });
  const blockNumber = d.blockNumber;
  if (
    blockNumber !== undefined &&
    !(typeof blockNumber === "number" && Number.isSafeInteger(blockNumber) && blockNumber >= 0)
  ) {
    throw new DeploymentFileError(
      source,
      "blockNumber",
      `must be a non-negative integer: ${JSON.stringify(blockNumber)}`,
    );
  }
  return {
    chainId,
    addresses,
    securityRegistry: address("securityRegistry", false),
    blockNumber: blockNumber as number | undefined,
    source,
  };
}

/**
 * Reads and validates a deployment from disk (Node.js only):
 * - the JSON `kessai deploy` writes (see {@link parseDeployment});
 * - an Ignition deployment: its folder (e.g. `ignition/deployments/chain-31337`) or its
 *   `deployed_addresses.json` (see `addressesFromIgnition`); the chain is taken from a folder
 *   named `chain-<id>`, as Ignition names them by default.
 *
 * Pass the result to `connect` so that it refuses another chain and wrong addresses:
 * `connect({ rpcUrl, addresses: d.addresses, chainId: d.chainId })`.
 *
 * @param file Path of the file or Ignition folder.
 * @returns The validated deployment.
 * @throws {@link DeploymentFileError} when the file is missing, is not JSON, or a field is
 * missing or malformed.
 */
export async function readDeployment(file: string): Promise<KessaiDeployment> {
  // Loaded lazily so the rest of the SDK has no Node-only import.
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  let isDir: boolean;
  try {
    isDir = (await fs.stat(file)).isDirectory();
  } catch (err) {
    throw new DeploymentFileError(file, undefined, "not found", { cause: err });
  }
  const fromIgnition = async (dir: string): Promise<KessaiDeployment> => {
    let a;
    try {
      a = await addressesFromIgnition(dir);
    } catch (err) {
      const reason = (err as { shortMessage?: string }).shortMessage ?? String(err);
      throw new DeploymentFileError(file, undefined, reason, { cause: err });
    }
    const chain = /(?:^|[\\/])chain-([0-9]+)$/.exec(path.resolve(dir));
    return {
      chainId: chain ? BigInt(chain[1]) : undefined,
      addresses: { securityToken: a.securityToken, depositToken: a.depositToken, dvp: a.dvp },
      securityRegistry: a.securityRegistry,
      blockNumber: undefined,
      source: file,
    };
  };
  if (isDir) return fromIgnition(file);
  if (path.basename(file) === "deployed_addresses.json") return fromIgnition(path.dirname(file));
  let doc: unknown;
  try {
    doc = JSON.parse(await fs.readFile(file, "utf8"));
  } catch (err) {
    throw new DeploymentFileError(
      file,
      undefined,
      `is not valid JSON (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  if (doc && typeof doc === "object" && Object.keys(doc).some((k) => k.includes("#"))) {
    return fromIgnition(path.dirname(file));
  }
  return parseDeployment(doc, file);
}

/** Addresses found in an Ignition deployment, with the investor register when it was deployed. */
export interface IgnitionAddresses extends KessaiAddresses {
  securityRegistry?: string;
  /** The `deployed_addresses.json` keys each address was taken from. */
  keys: Record<string, string>;
}

/**
 * Reads `<deploymentDir>/deployed_addresses.json` written by Hardhat Ignition.
 *
 * Keys look like `<ModuleId>#<FutureId>`; the future id is the contract name unless the module
 * gave an `id`. Convention (modules `InvestorRegistryModule`, `SecurityTokenModule`,
 * `DepositTokenModule`, `DvpModule`, composed by `KessaiModule`):
 * - security token: future id `StraightBondToken`, `ShareToken` or `SecurityToken`
 *   (if both a bond and a share are deployed, pass `securityToken: "ShareToken"` to choose);
 * - deposit token: `DepositToken`;
 * - DVP: `DeliveryVersusPayment`;
 * - the issuer's investor register: `SecurityRegistry` (or `InvestorRegistry`). DCJPY has no
 *   register: the bank's account book lives in the deposit token.
 * Matching is on the part after `#`, so any module id works.
 */
export async function addressesFromIgnition(
  deploymentDir: string,
  opts: { securityToken?: string } = {},
): Promise<IgnitionAddresses> {
  // Loaded lazily so the rest of the SDK has no Node-only import.
  const fs = await import("node:fs/promises");
  const path = await import("node:path");
  const file = path.join(deploymentDir, "deployed_addresses.json");
  let map: Record<string, string>;
  try {
    map = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, string>;
  } catch (err) {
    throw new ConfigurationError(`Cannot read ${file}`, { cause: err });
  }
  const entries = Object.entries(map).map(([key, address]) => ({
    key,
    id: key.includes("#") ? key.slice(key.indexOf("#") + 1) : key,
    address,
  }));
  const pick = (role: string, ids: string[], required: boolean) => {
    for (const id of ids) {
      const found = entries.filter((e) => e.id === id);
      if (found.length > 1) {
        throw new ConfigurationError(`Ambiguous ${role}: ${found.map((f) => f.key).join(", ")}`);
      }
      if (found.length === 1) return found[0];
    }
    if (required) {
      throw new ConfigurationError(
        `No ${role} in ${file} (looked for ids ${ids.join(", ")}; keys: ${Object.keys(map).join(", ")})`,
      );
    }
    return undefined;
  };
  let st;
  if (opts.securityToken) st = pick("security token", [opts.securityToken], true);
  else {
    const candidates = entries.filter((e) =>
      ["StraightBondToken", "ShareToken", "SecurityToken"].includes(e.id),
    );
    if (candidates.length > 1) {
      throw new ConfigurationError(
        `Several security tokens (${candidates.map((c) => c.key).join(", ")}); pass { securityToken: "<FutureId>" }`,
      );
    }
    st = pick("security token", ["StraightBondToken", "ShareToken", "SecurityToken"], true);
  }
  const dt = pick("deposit token", ["DepositToken"], true)!;
  const dvp = pick("DVP", ["DeliveryVersusPayment", "Dvp"], true)!;
  const secReg =
    pick("security registry", ["SecurityRegistry"], false) ??
    pick("registry", ["InvestorRegistry"], false);
  const keys: Record<string, string> = {
    securityToken: st!.key,
    depositToken: dt.key,
    dvp: dvp.key,
  };
  if (secReg) keys.securityRegistry = secReg.key;
  return {
    securityToken: toAddress(st!.address, st!.key),
    depositToken: toAddress(dt.address, dt.key),
    dvp: toAddress(dvp.address, dvp.key),
    securityRegistry: secReg ? toAddress(secReg.address, secReg.key) : undefined,
    keys,
  };
}
