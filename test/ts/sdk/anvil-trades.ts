/**
 * What the settleTrade suites against anvil share (trades.test.ts, kill-resume.test.ts): the
 * accounts and their roles, a provider without caching, a fast transaction policy, one deployment
 * with the seller and the buyers registered and holding DCJPY accounts, the parties' clients,
 * fresh terms, and a miner that keeps blocks coming while a promise is pending.
 */
import { Contract, JsonRpcProvider, Wallet, ZeroAddress } from "ethers";
import {
  AgentClient,
  BankClient,
  FirmClient,
  IssuerClient,
  buildTerms,
  settleTrade,
  type Journal,
  type KessaiAddresses,
  type SettlementTerms,
  type TxPolicy,
} from "../../../packages/sdk/src/index.js";
import type { Anvil } from "./anvil.js";
import { ref } from "./fixture.js";
import { deployOverRpc, nodeAddress, nodeKey } from "./hardhat-node.js";

/** Private key and address of anvil's default account `i` (the same mnemonic as hardhat's). */
export const key = nodeKey;
export const address = nodeAddress;

/** Accounts: 0 deployer (the DVP's admin), 1 issuer, 2 bank, 3 agent, 4 seller; buyers from 5. */
export const [DEPLOYER, ISSUER, BANK, AGENT, SELLER] = [0, 1, 2, 3, 4];

/** Fast looks at the chain, no fee bump. */
export const FAST: TxPolicy = {
  pollIntervalMs: 20,
  stallCheckMs: 100,
  bumpAfterBlocks: 1_000,
  bumpAfterMs: 60_000,
  timeoutMs: 60_000,
};

export const providerFor = (url: string) =>
  new JsonRpcProvider(url, undefined, {
    staticNetwork: true,
    pollingInterval: 20,
    cacheTimeout: -1,
  });

/** Mines a block every `ms` (while `when()` says so) until `p` settles. */
export async function mineUntil<T>(
  anvil: Anvil,
  p: Promise<T>,
  when = () => true,
  ms = 40,
): Promise<T> {
  let over = false;
  const done = p.finally(() => (over = true));
  while (!over) {
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, ms))]);
    if (!over && when()) await anvil.mine().catch(() => undefined);
  }
  return done;
}

/** A deployment over `provider` with the roles above (the same addresses on every new chain). */
export const deploy = (provider: JsonRpcProvider) =>
  deployOverRpc(provider, { deployer: DEPLOYER, issuer: ISSUER, bank: BANK, agent: AGENT });

/** A second deployment on the chain of `addresses`, its DCJPY also listed by the first DVP. */
export async function secondDeployment(
  provider: JsonRpcProvider,
  addresses: KessaiAddresses,
): Promise<KessaiAddresses> {
  const second = await deploy(provider);
  const admin = new Contract(
    addresses.dvp,
    ["function setCashTokenListed(address token, bool listed)"],
    new Wallet(key(DEPLOYER), provider),
  );
  await (await admin.setCashTokenListed(second.depositToken, true)).wait();
  return second;
}

/**
 * `settleTrade(args)` with blocks mined only once it reaches step `step`: before that a
 * transaction left pending stays pending, so the call must find it and wait for it.
 */
export function settleMinedFrom(
  anvil: Anvil,
  step: number,
  args: Parameters<typeof settleTrade>[0],
) {
  let reached = false;
  const onProgress = (e: { step: number }) => {
    if (e.step >= step) reached = true;
  };
  return mineUntil(anvil, settleTrade({ ...args, onProgress }), () => reached);
}

/**
 * Deploys over `provider`, registers the seller and `buyers` with the issuer, opens their DCJPY
 * accounts and issues `units` to the seller; returns the addresses and the issuer's and bank's
 * clients.
 */
export async function deployForTrades(
  provider: JsonRpcProvider,
  o: { buyers: number[]; units: bigint },
) {
  const addresses = await deploy(provider);
  const issuer = await IssuerClient.connect({
    runner: new Wallet(key(ISSUER), provider),
    addresses,
  });
  const bank = await BankClient.connect({ runner: new Wallet(key(BANK), provider), addresses });
  const parties = [SELLER, ...o.buyers].map(address);
  await issuer.registerInvestors({
    investors: parties.map((account) => ({ account, investorRef: ref(account) })),
  });
  await bank.openDepositAccounts({
    accounts: parties,
    depositAccountRefs: parties.map((a) => ref(`deposit:${a}`)),
  });
  await issuer.issueSecurity({ to: parties[0]!, value: o.units });
  return { addresses, issuer, bank };
}

/** The parties' clients of `addresses` on `p`, with the FAST policy, sharing `journal` if given. */
export async function partiesOn(
  addresses: KessaiAddresses,
  p: JsonRpcProvider,
  buyerIndex: number,
  journal?: Journal,
) {
  const transactions = { policy: FAST, ...(journal ? { journal } : {}) };
  const runner = (i: number) => new Wallet(key(i), p);
  const [seller, buyer, bank, agent] = await Promise.all([
    FirmClient.connect({ runner: runner(SELLER), addresses, transactions }),
    FirmClient.connect({ runner: runner(buyerIndex), addresses, transactions }),
    BankClient.connect({ runner: runner(BANK), addresses, transactions }),
    AgentClient.connect({ runner: runner(AGENT), addresses, transactions }),
  ]);
  return { seller, buyer, bank, agent };
}

/** Terms of one unit from the seller to `buyer` for `amount`, due an hour after the latest block. */
export async function oneUnitTerms(
  provider: JsonRpcProvider,
  addresses: KessaiAddresses,
  o: { id: string; buyer: string; amount: bigint; agent?: string },
): Promise<SettlementTerms> {
  const now = BigInt((await provider.getBlock("latest"))!.timestamp);
  return buildTerms({
    id: o.id,
    seller: address(SELLER),
    buyer: o.buyer,
    securityToken: addresses.securityToken,
    quantity: 1n,
    cashToken: addresses.depositToken,
    amount: o.amount,
    deadline: now + 3_600n,
    agent: o.agent ?? ZeroAddress,
  });
}

/**
 * The part of a child process's script (an ES module written to a file and run with node) that
 * builds the trade and the parties' clients: given `sdk` (the built SDK), `Wallet`, `provider`,
 * `keys`, `addresses`, `t` (the terms as JSON) and `file` (the journal), it declares `terms`,
 * `journal`, `seller`, `buyer`, `bank`, `agent`, and `armed` (false): once set, each transaction a
 * client submits is printed as `sent <hash>`.
 */
export const CHILD_PARTIES = [
  "const terms = { ...t, quantity: BigInt(t.quantity), amount: BigInt(t.amount), deadline: BigInt(t.deadline) };",
  "const journal = new sdk.FileJournal(file);",
  "const transactions = { journal, policy: { pollIntervalMs: 20, timeoutMs: 60000 } };",
  "const c = (Client, k) => Client.connect({ runner: new Wallet(k, provider), addresses, transactions });",
  "const [seller, buyer, bank, agent] = await Promise.all([",
  "  c(sdk.FirmClient, keys.seller), c(sdk.FirmClient, keys.buyer), c(sdk.BankClient, keys.bank), c(sdk.AgentClient, keys.agent),",
  "]);",
  "let armed = false;",
  "for (const x of [seller, buyer, bank, agent])",
  '  x.ctx.signer.engine.on((e) => { if (armed && e.type === "submitted") console.log("sent " + e.hash); });',
].join("\n");
