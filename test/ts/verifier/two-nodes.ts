/**
 * Two real ledgers for the verifier's kill -9 and reorg tests: two anvil processes (the ST ledger
 * on chain 31338, the cash ledger on chain 31339, automining, same default accounts), each
 * deployed over JSON-RPC with local keys as the Ignition modules deploy it (test/ts/sdk/anvil.ts
 * starts the nodes), and the parties' steps: the seller's lock, the buyer's instruction.
 *
 * Accounts: 0 admin, 1 issuer, 2 bank, 3 seller, 4 buyer, 5 the verifier (VERIFIER_ROLE on both).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  AbiCoder,
  Contract,
  ContractFactory,
  NonceManager,
  Wallet,
  id as keccakId,
  type JsonRpcProvider,
} from "ethers";
import type { CrossLedgerTerms } from "../../../packages/verifier/src/index.js";
import { startAnvil, type Anvil } from "../sdk/anvil.js";
import { nodeKey, rpcProvider } from "../sdk/hardhat-node.js";

export const ST_CHAIN_ID = 31338;
export const CASH_CHAIN_ID = 31339;
export const [ADMIN, ISSUER, BANK, SELLER, BUYER, VERIFIER] = [0, 1, 2, 3, 4, 5];
/** The ABI type of the terms that a lock carries to CrossLedgerDelivery. */
export const TERMS_TUPLE =
  "tuple(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";

/** One ledger: its node, a provider, and a wallet per account index (nonces kept locally). */
export interface Ledger {
  node: Anvil;
  provider: JsonRpcProvider;
  wallet(i: number): NonceManager;
  /** Forgets the nonces the wallets counted (after a reorg took some of their transactions). */
  resetNonces(): void;
}

/** Both ledgers, deployed and linked. */
export interface TwoLedgers {
  st: Ledger;
  cash: Ledger;
  addr: { delivery: string; payment: string; bond: string; dcjpy: string; registry: string };
  /** Mines a block on both ledgers. */
  mine(): Promise<void>;
  /** Kills both nodes. */
  stop(): Promise<void>;
}

async function artifact(source: string, name: string) {
  const file = path.join(process.cwd(), "artifacts", "contracts", source, `${name}.json`);
  return JSON.parse(await readFile(file, "utf8")) as { abi: never[]; bytecode: string };
}

function ledger(node: Anvil): Ledger {
  const provider = rpcProvider(node.url);
  const wallets = new Map<number, NonceManager>();
  return {
    node,
    provider,
    wallet: (i) => {
      let w = wallets.get(i);
      if (!w) wallets.set(i, (w = new NonceManager(new Wallet(nodeKey(i), provider))));
      return w;
    },
    resetNonces: () => {
      for (const w of wallets.values()) w.reset();
    },
  };
}

async function deploy(l: Ledger, source: string, name: string, args: unknown[]) {
  const a = await artifact(source, name);
  const c = await new ContractFactory(a.abi, a.bytecode, l.wallet(ADMIN)).deploy(...args);
  await c.waitForDeployment();
  return new Contract(await c.getAddress(), a.abi, l.wallet(ADMIN));
}

const mined = async (p: Promise<{ wait(): Promise<unknown> }>) => void (await (await p).wait());

/** Starts two anvil nodes and deploys the ST ledger on one and the cash ledger on the other. */
export async function startTwoLedgers(): Promise<TwoLedgers> {
  const [stNode, cashNode] = await Promise.all([
    startAnvil({ chainId: ST_CHAIN_ID, accounts: 10 }),
    startAnvil({ chainId: CASH_CHAIN_ID, accounts: 10 }),
  ]);
  const st = ledger(stNode);
  const cash = ledger(cashNode);
  const admin = await st.wallet(ADMIN).getAddress();
  const address = (i: number) => new Wallet(nodeKey(i)).address;
  const stSide = (async () => {
    const registry = await deploy(st, "registry/InvestorRegistry.sol", "InvestorRegistry", [
      0,
      admin,
    ]);
    await mined(registry.grantRole(await registry.REGISTRAR_ROLE(), admin));
    await mined(
      registry.registerBatch(
        [address(SELLER), address(BUYER)],
        [keccakId("seller"), keccakId("buyer")],
        [0, 0],
      ),
    );
    const bond = await deploy(st, "token/StraightBondToken.sol", "StraightBondToken", [
      {
        name: "Kessai Bond 1",
        symbol: "KB1",
        decimals: 0,
        registry: await registry.getAddress(),
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
    await mined(bond.grantRole(await bond.ISSUER_ROLE(), address(ISSUER)));
    const delivery = await deploy(st, "settlement/CrossLedgerDelivery.sol", "CrossLedgerDelivery", [
      0,
      admin,
    ]);
    await mined(delivery.grantRole(await delivery.VERIFIER_ROLE(), address(VERIFIER)));
    await mined(delivery.setSecurityTokenListed(await bond.getAddress(), true));
    return { registry, bond, delivery };
  })();
  const cashSide = (async () => {
    const dcjpy = await deploy(cash, "token/DepositToken.sol", "DepositToken", [
      { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin, adminDelay: 0 },
    ]);
    for (const role of [await dcjpy.ISSUER_ROLE(), await dcjpy.REGISTRAR_ROLE()])
      await mined(dcjpy.grantRole(role, address(BANK)));
    const payment = await deploy(cash, "settlement/CrossLedgerPayment.sol", "CrossLedgerPayment", [
      0,
      admin,
    ]);
    await mined(payment.grantRole(await payment.VERIFIER_ROLE(), address(VERIFIER)));
    await mined(payment.setCashTokenListed(await dcjpy.getAddress(), true));
    const holders = [address(SELLER), address(BUYER), await payment.getAddress()];
    await mined(
      (dcjpy.connect(cash.wallet(BANK)) as Contract).openAccounts(
        holders,
        holders.map((h) => keccakId(h)),
      ),
    );
    return { dcjpy, payment };
  })();
  const [s, c] = await Promise.all([stSide, cashSide]);
  const addr = {
    delivery: await s.delivery.getAddress(),
    payment: await c.payment.getAddress(),
    bond: await s.bond.getAddress(),
    dcjpy: await c.dcjpy.getAddress(),
    registry: await s.registry.getAddress(),
  };
  await Promise.all([
    mined(s.delivery.setCounterpartListed(CASH_CHAIN_ID, addr.payment, true)),
    mined(c.payment.setCounterpartListed(ST_CHAIN_ID, addr.delivery, true)),
  ]);
  return {
    st,
    cash,
    addr,
    mine: async () => void (await Promise.all([st.node.mine(), cash.node.mine()])),
    stop: async () => {
      st.provider.destroy();
      cash.provider.destroy();
      await Promise.all([st.node.stop(), cash.node.stop()]);
    },
  };
}

/** Contracts of both ledgers, as `who` (an account index) on each. */
export function contractsOf(l: TwoLedgers, who: number) {
  const c = async (side: Ledger, source: string, name: string, at: string) =>
    new Contract(at, (await artifact(source, name)).abi, side.wallet(who));
  return Promise.all([
    c(l.st, "token/StraightBondToken.sol", "StraightBondToken", l.addr.bond),
    c(l.st, "settlement/CrossLedgerDelivery.sol", "CrossLedgerDelivery", l.addr.delivery),
    c(l.cash, "token/DepositToken.sol", "DepositToken", l.addr.dcjpy),
    c(l.cash, "settlement/CrossLedgerPayment.sol", "CrossLedgerPayment", l.addr.payment),
  ]).then(([bond, delivery, dcjpy, payment]) => ({ bond, delivery, dcjpy, payment }));
}

/**
 * The two ledgers' half of cross-ledger terms (`crossLedgerTradeTerms`' second argument): their
 * chain IDs and contracts, the DCJPY token, the verifier (account 5).
 */
export function ledgerPair(l: TwoLedgers) {
  return {
    stChainId: BigInt(ST_CHAIN_ID),
    stLedger: l.addr.delivery,
    cashChainId: BigInt(CASH_CHAIN_ID),
    cashLedger: l.addr.payment,
    cashToken: l.addr.dcjpy,
    verifier: new Wallet(nodeKey(VERIFIER)).address,
  };
}

/**
 * The issuer issues `units` of the bond to the seller, the bank `cash` DCJPY to the buyer (its
 * bank reference the hash of `reference`): what a day of trades between them needs.
 */
export async function fundTraders(
  l: TwoLedgers,
  o: { units: bigint; cash: bigint; reference: string },
): Promise<void> {
  const issuer = await contractsOf(l, ISSUER);
  const seller = new Wallet(nodeKey(SELLER)).address;
  await mined(issuer.bond.issue(seller, "0x" + "00".repeat(20), o.units));
  const bank = await contractsOf(l, BANK);
  const buyer = new Wallet(nodeKey(BUYER)).address;
  await mined(bank.dcjpy.issue(buyer, o.cash, keccakId(o.reference)));
}

/** Terms of a settlement `name` between the seller and the buyer, the verifier being account 5. */
export async function termsFor(
  l: TwoLedgers,
  name: string,
  o: { quantity?: bigint; amount?: bigint; deadlineIn?: number } = {},
): Promise<CrossLedgerTerms> {
  const latest = await l.cash.provider.getBlock("latest");
  return {
    id: keccakId(name),
    seller: new Wallet(nodeKey(SELLER)).address,
    buyer: new Wallet(nodeKey(BUYER)).address,
    stChainId: BigInt(ST_CHAIN_ID),
    stLedger: l.addr.delivery,
    securityToken: l.addr.bond,
    quantity: o.quantity ?? 10n,
    cashChainId: BigInt(CASH_CHAIN_ID),
    cashLedger: l.addr.payment,
    cashToken: l.addr.dcjpy,
    amount: o.amount ?? 1_000_000n,
    deadline: BigInt(latest!.timestamp + (o.deadlineIn ?? 36_000)),
    verifier: new Wallet(nodeKey(VERIFIER)).address,
  };
}

/** The issuer issues the units of `terms` to the seller (a block of the ST ledger). */
export async function issue(l: TwoLedgers, terms: CrossLedgerTerms): Promise<void> {
  const issuer = await contractsOf(l, ISSUER);
  await mined(issuer.bond.issue(terms.seller, "0x" + "00".repeat(20), terms.quantity));
}

/**
 * Step 1: the seller locks its units under `terms` (issued to it first unless `issued` is false):
 * the lock is one block of the ST ledger.
 */
export async function lock(
  l: TwoLedgers,
  terms: CrossLedgerTerms,
  { issued = false }: { issued?: boolean } = {},
): Promise<void> {
  if (!issued) await issue(l, terms);
  const seller = await contractsOf(l, SELLER);
  const data = AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]);
  await mined(seller.bond.lock(l.addr.delivery, terms.quantity, data));
}

/** Step 4: the bank credits the buyer, who approves and instructs the payment under `terms`. */
export async function instruct(l: TwoLedgers, terms: CrossLedgerTerms): Promise<void> {
  const bank = await contractsOf(l, BANK);
  await mined(bank.dcjpy.issue(terms.buyer, terms.amount, keccakId(`debit ${terms.id}`)));
  const buyer = await contractsOf(l, BUYER);
  await mined(buyer.dcjpy.approve(l.addr.payment, terms.amount));
  await mined(buyer.payment.instruct(terms));
}
