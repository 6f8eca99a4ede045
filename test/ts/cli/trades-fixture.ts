/**
 * What the `kessai trades settle` process tests share: the built CLI, the trade file's header and
 * lines, a seeded generator, and a one-chain day (a `hardhat node` started here, the contracts
 * deployed over JSON-RPC, the seller holding units and the buyer DCJPY, a file of `n` trades).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet, type JsonRpcProvider } from "ethers";
import {
  BankClient,
  IssuerClient,
  parseTradeFile,
  type KessaiAddresses,
  type Trade,
} from "../../../packages/sdk/src/index.js";
import { ref } from "../sdk/fixture.js";
import {
  deployOverRpc,
  nodeKey,
  rpcProvider,
  startHardhatNode,
  type HardhatNode,
} from "../sdk/hardhat-node.js";

export const CLI = path.join(process.cwd(), "packages", "cli", "dist", "main.js");
export const HEADER =
  "venue,tradeId,tradeDate,settlementDate,securityToken,seller,buyer,quantity,price,amount,agent";
/** The UTC date `offset` days from today. */
export const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
export const addr = (i: number) => new Wallet(nodeKey(i)).address;

/** `n` trade lines `<prefix>0…` from `seller` to `buyer` (quantities 1-7, prices 1000 + i), T+1. */
export function tradeLines(
  n: number,
  prefix: string,
  token: string,
  seller: string,
  buyer: string,
): string[] {
  return Array.from({ length: n }, (_, i) =>
    ["ODX", `${prefix}${i}`, day(0), day(1), token, seller, buyer]
      .concat([String(1 + (i % 7)), String(1000 + i), "", ""])
      .join(","),
  );
}

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The node's block number now (ethers' getBlockNumber may answer from a short-lived cache). */
export async function blockNumber(provider: JsonRpcProvider): Promise<number> {
  return Number(await provider.send("eth_blockNumber", []));
}

/** Accounts of the one-chain day: 0 deploys; issuer, bank, agent, seller, buyer. */
export const [ISSUER, BANK, AGENT, SELLER, BUYER] = [1, 2, 3, 4, 5];

export interface OneChainDay {
  node: HardhatNode;
  provider: JsonRpcProvider;
  addresses: KessaiAddresses;
  /** The file written (`<dir>/day.csv`) and its trades. */
  file: string;
  trades: Trade[];
  stop(): Promise<void>;
}

/** A deployment whose seller and buyer are registered, with DCJPY accounts, and funded. */
export interface FundedFirms {
  addresses: KessaiAddresses;
  issuer: IssuerClient;
  bank: BankClient;
}

/**
 * Deploys over `provider` (account 0 deploys; {@link ISSUER}, {@link BANK}, {@link AGENT} hold
 * the roles), registers the seller and the buyer, opens their DCJPY accounts, issues `stIssued`
 * units to the seller and `dcjpyIssued` DCJPY to the buyer.
 */
export async function fundedFirms(
  provider: JsonRpcProvider,
  o: { stIssued: bigint; dcjpyIssued: bigint },
): Promise<FundedFirms> {
  const addresses = await deployOverRpc(provider, {
    deployer: 0,
    issuer: ISSUER,
    bank: BANK,
    agent: AGENT,
  });
  const issuer = await IssuerClient.connect({
    runner: new Wallet(nodeKey(ISSUER), provider),
    addresses,
  });
  const bank = await BankClient.connect({
    runner: new Wallet(nodeKey(BANK), provider),
    addresses,
  });
  const parties = [SELLER, BUYER].map(addr);
  await issuer.registerInvestors({
    investors: parties.map((account) => ({ account, investorRef: ref(account) })),
  });
  await bank.openDepositAccounts({
    accounts: parties,
    depositAccountRefs: parties.map((a) => ref(`deposit:${a}`)),
  });
  await issuer.issueSecurity({ to: addr(SELLER), value: o.stIssued });
  await bank.issueDeposit({
    account: addr(BUYER),
    amount: o.dcjpyIssued,
    bankReference: ref("float"),
  });
  return { addresses, issuer, bank };
}

/**
 * Starts a `hardhat node`, deploys and funds the firms ({@link fundedFirms}), and writes `n`
 * trades between them to `<dir>/day.csv`.
 */
export async function oneChainDay(
  dir: string,
  o: { n: number; prefix: string; stIssued: bigint; dcjpyIssued: bigint },
): Promise<OneChainDay> {
  const node = await startHardhatNode();
  const provider = rpcProvider(node.url);
  const { addresses } = await fundedFirms(provider, o);
  const lines = tradeLines(o.n, o.prefix, addresses.securityToken, addr(SELLER), addr(BUYER));
  const file = path.join(dir, "day.csv");
  const text = [HEADER, ...lines].join("\n") + "\n";
  writeFileSync(file, text);
  return {
    node,
    provider,
    addresses,
    file,
    trades: parseTradeFile(text).trades,
    stop: async () => {
      provider.destroy();
      await node.stop();
    },
  };
}
