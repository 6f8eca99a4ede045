/**
 * Two in-process ledgers for the verifier's tests: the ST ledger (`stLedger`, chain 31338) and the
 * cash ledger (`cashLedger`, chain 31339), deployed and linked by the Ignition modules, with the
 * seller's and the buyer's DCJPY accounts (accounts 3 and 4) open. Nothing mines by itself beyond
 * each transaction's own block.
 */
import { HDNodeWallet, Mnemonic, Wallet, id as keccakId } from "ethers";
import { network } from "hardhat";
import CashLedgerModule, { CashLedgerLinkModule } from "../../../ignition/modules/CashLedger.js";
import StLedgerModule, { StLedgerLinkModule } from "../../../ignition/modules/StLedger.js";
import type { CrossLedgerTerms } from "../../../packages/verifier/src/index.js";

const MNEMONIC = "test test test test test test test test test test test junk";
/** The private key of the development account `i` (Hardhat's mnemonic). */
export const key = (i: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${i}`).privateKey;
/** The ABI type of the terms a lock carries (`abi.encode(terms)`). */
export const TERMS_TUPLE =
  "tuple(bytes32 id,address seller,address buyer,uint256 stChainId,address stLedger,address securityToken,uint256 quantity,uint256 cashChainId,address cashLedger,address cashToken,uint256 amount,uint64 deadline,address verifier)";
/** The verifier's account in the Ignition modules (VERIFIER_ROLE on both ledgers). */
export const VERIFIER = 5;

type Ledger = Awaited<ReturnType<typeof network.create>>;

export interface Ledgers {
  st: Ledger;
  cash: Ledger;
  addr: { delivery: string; payment: string; bond: string; dcjpy: string; registry: string };
}

/** Deploys both ledgers (a few seconds). */
export async function deployLedgers(): Promise<Ledgers> {
  const st = await network.create("stLedger");
  const cash = await network.create("cashLedger");
  const stSide = await st.ignition.deploy(StLedgerModule);
  const cashSide = await cash.ignition.deploy(CashLedgerModule);
  const addr = {
    delivery: await stSide.delivery.getAddress(),
    payment: await cashSide.payment.getAddress(),
    bond: await stSide.securityToken.getAddress(),
    dcjpy: await cashSide.depositToken.getAddress(),
    registry: await stSide.securityRegistry.getAddress(),
  };
  await st.ignition.deploy(StLedgerLinkModule, {
    parameters: { StLedgerLinkModule: { delivery: addr.delivery, cashLedger: addr.payment } },
  });
  await cash.ignition.deploy(CashLedgerLinkModule, {
    parameters: { CashLedgerLinkModule: { payment: addr.payment, stLedger: addr.delivery } },
  });
  const [, , bank, seller, buyer] = await cash.ethers.getSigners();
  const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
  await (
    await dcjpy
      .connect(bank)
      .openAccounts([seller.address, buyer.address], [keccakId("seller"), keccakId("buyer")])
  ).wait();
  return { st, cash, addr };
}

/**
 * Terms of a new settlement `name` between the seller (account 3) and the buyer (account 4),
 * naming both ledgers' contracts, with a deadline `deadlineIn` seconds after the cash ledger's
 * latest block; the verifier is account 5 unless given.
 */
export async function termsFor(
  { st, cash, addr }: Ledgers,
  name: string,
  o: { quantity: bigint; amount: bigint; deadlineIn: number; verifier?: string },
): Promise<CrossLedgerTerms> {
  const [, , , seller, buyer] = await st.ethers.getSigners();
  const latest = await cash.ethers.provider.getBlock("latest");
  return {
    id: keccakId(name),
    seller: seller.address,
    buyer: buyer.address,
    stChainId: 31338n,
    stLedger: addr.delivery,
    securityToken: addr.bond,
    quantity: o.quantity,
    cashChainId: 31339n,
    cashLedger: addr.payment,
    cashToken: addr.dcjpy,
    amount: o.amount,
    deadline: BigInt(latest!.timestamp + o.deadlineIn),
    verifier: o.verifier ?? new Wallet(key(VERIFIER)).address,
  };
}

/**
 * Step 1 for a new settlement `name` ({@link termsFor}): the issuer issues the units, the bank the
 * buyer's DCJPY, and the seller locks the units.
 */
export async function lockFor(
  l: Ledgers,
  name: string,
  o: { quantity: bigint; amount: bigint; deadlineIn: number; verifier?: string },
): Promise<CrossLedgerTerms> {
  const { st, cash, addr } = l;
  const [, issuer, , seller, buyer] = await st.ethers.getSigners();
  const bank = (await cash.ethers.getSigners())[2];
  const bond = await st.ethers.getContractAt("StraightBondToken", addr.bond);
  const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
  await (
    await bond.connect(issuer).issue(seller.address, st.ethers.ZeroAddress, o.quantity)
  ).wait();
  await (
    await dcjpy.connect(bank).issue(buyer.address, o.amount, keccakId(`debit ${name}`))
  ).wait();
  const terms = await termsFor(l, name, o);
  const data = st.ethers.AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]);
  await (await bond.connect(seller).lock(addr.delivery, o.quantity, data)).wait();
  return terms;
}
