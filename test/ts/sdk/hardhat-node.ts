/**
 * A `hardhat node` in a child process on a free port, and a Kessai deployment over its JSON-RPC
 * with local keys (ethers Wallets: the caller, not the node, signs and picks nonces). Used by the
 * load test and by bench/sdk-throughput.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  ContractFactory,
  HDNodeWallet,
  JsonRpcProvider,
  Mnemonic,
  type BaseContract,
  type Provider,
} from "ethers";
import { withNonceQueue, type KessaiAddresses } from "../../../packages/sdk/src/index.js";
import { freePort } from "../../../packages/storage/src/testing/index.js";
import { tracked } from "../children.js";

const MNEMONIC = "test test test test test test test test test test test junk";

/** Private key of `hardhat node`'s default account `i`. */
export const nodeKey = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;

/** Address of `hardhat node`'s default account `i`. */
export const nodeAddress = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).address;

/** A TCP port on 127.0.0.1 that was free a moment ago (the storage test helpers' own). */
export { freePort };

export interface HardhatNode {
  url: string;
  process: ChildProcess;
  /** Sends SIGTERM and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts `hardhat node` on a free port and waits until it answers `eth_chainId`. */
export async function startHardhatNode(): Promise<HardhatNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = tracked(
    spawn(
      path.join(process.cwd(), "node_modules", ".bin", "hardhat"),
      ["node", "--port", String(port)],
      {
        stdio: "ignore",
        env: { ...process.env, FORCE_COLOR: "0" },
      },
    ),
  );
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    // ~90 s: on a shared 2-core machine under load `hardhat node` takes 20-40 s to listen
    if (i > 900 || child.exitCode !== null) {
      child.kill("SIGTERM");
      throw new Error("hardhat node did not start");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A provider for a node URL: static network, fast polling (receipts arrive within ms). */
export function rpcProvider(url: string, pollingInterval = 20): JsonRpcProvider {
  return new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval });
}

async function artifact(source: string, name: string) {
  const file = path.join(process.cwd(), "artifacts", "contracts", source, `${name}.json`);
  return JSON.parse(await readFile(file, "utf8")) as { abi: unknown[]; bytecode: string };
}

type Deployed = BaseContract &
  Record<string, (...x: unknown[]) => Promise<{ wait(): Promise<unknown> }>>;

/**
 * Deploys the investor register, a straight bond, DCJPY and the DVP with account `deployer`, lists
 * the tokens and grants: the register's REGISTRAR_ROLE and the bond's ISSUER_ROLE to `issuer`;
 * DCJPY's REGISTRAR_ROLE, ISSUER_ROLE and REDEEMER_ROLE to `bank`; the DVP's
 * SETTLEMENT_AGENT_ROLE to `agent`.
 */
export async function deployOverRpc(
  provider: Provider,
  accounts: { deployer: number; issuer: number; bank: number; agent: number },
): Promise<KessaiAddresses> {
  const deployer = withNonceQueue(
    HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${accounts.deployer}`).connect(
      provider,
    ),
  );
  const admin = await deployer.getAddress();
  const deploy = async (source: string, name: string, args: unknown[]) => {
    const a = await artifact(source, name);
    const c = await new ContractFactory(a.abi as never, a.bytecode, deployer).deploy(...args);
    await c.waitForDeployment();
    return c as unknown as Deployed;
  };
  const secReg = await deploy("registry/InvestorRegistry.sol", "InvestorRegistry", [0, admin]);
  const bond = await deploy("token/StraightBondToken.sol", "StraightBondToken", [
    {
      name: "Kessai Bond 1",
      symbol: "KB1",
      decimals: 0,
      registry: await secReg.getAddress(),
      admin,
      adminDelay: 0,
    },
    {
      faceValue: 1n,
      faceValueCurrency: "JPY",
      interestRate: 0n,
      interestPaymentDates: [],
      redemptionDate: 4_102_444_800n,
      redemptionValue: 1n,
      redemptionValueCurrency: "JPY",
    },
  ]);
  const dcjpy = await deploy("token/DepositToken.sol", "DepositToken", [
    { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin, adminDelay: 0 },
  ]);
  const dvp = await deploy("settlement/DeliveryVersusPayment.sol", "DeliveryVersusPayment", [
    0,
    admin,
  ]);
  const grant = async (c: Deployed, role: string, who: number) => {
    const r = await (c[role] as unknown as () => Promise<string>)();
    await (await c.grantRole(r, nodeAddress(who))).wait();
  };
  await grant(secReg, "REGISTRAR_ROLE", accounts.issuer);
  await grant(dcjpy, "REGISTRAR_ROLE", accounts.bank);
  await grant(bond, "ISSUER_ROLE", accounts.issuer);
  await grant(dcjpy, "ISSUER_ROLE", accounts.bank);
  await grant(dcjpy, "REDEEMER_ROLE", accounts.bank);
  await grant(dvp, "SETTLEMENT_AGENT_ROLE", accounts.agent);
  await (await dvp.setSecurityTokenListed(await bond.getAddress(), true)).wait();
  await (await dvp.setCashTokenListed(await dcjpy.getAddress(), true)).wait();
  return {
    securityToken: await bond.getAddress(),
    depositToken: await dcjpy.getAddress(),
    dvp: await dvp.getAddress(),
  };
}
