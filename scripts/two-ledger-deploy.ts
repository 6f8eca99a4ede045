/**
 * Two ledgers for the demo and the tests: the ST ledger (`stLedger`, chain 31338: the investor
 * register, a straight bond, CrossLedgerDelivery) and the cash ledger (`cashLedger`, chain 31339:
 * DCJPY, CrossLedgerPayment), deployed with the Ignition modules, each listing the other, the two
 * firms' DCJPY accounts open. Accounts as in the modules: 1 issuer, 2 bank, 3 seller firm, 4 buyer
 * firm, 5 the verifier.
 */
import { HDNodeWallet, Mnemonic, id as keccakId } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import CashLedgerModule, { CashLedgerLinkModule } from "../ignition/modules/CashLedger.js";
import StLedgerModule, { StLedgerLinkModule } from "../ignition/modules/StLedger.js";

/** The accounts of the modules (Hardhat's default mnemonic). */
export const TWO_LEDGER_ACCOUNTS = {
  issuer: 1,
  bank: 2,
  seller: 3,
  buyer: 4,
  verifier: 5,
} as const;

/** The private key of Hardhat's default account `i` (the verifier service needs a local key). */
export function devKey(i: number): string {
  return HDNodeWallet.fromMnemonic(
    Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
    `m/44'/60'/0'/0/${i}`,
  ).privateKey;
}

/** Both ledgers' contracts, once deployed and linked. */
export interface TwoLedgers {
  st: NetworkConnection;
  cash: NetworkConnection;
  delivery: string;
  payment: string;
  bond: string;
  dcjpy: string;
  registry: string;
}

/** Deploys and links both ledgers and opens the firms' DCJPY accounts. */
export async function deployTwoLedgers(
  st: NetworkConnection,
  cash: NetworkConnection,
): Promise<TwoLedgers> {
  const stSide = await st.ignition.deploy(StLedgerModule);
  const cashSide = await cash.ignition.deploy(CashLedgerModule);
  const delivery = await stSide.delivery.getAddress();
  const payment = await cashSide.payment.getAddress();
  await st.ignition.deploy(StLedgerLinkModule, {
    parameters: { StLedgerLinkModule: { delivery, cashLedger: payment } },
  });
  await cash.ignition.deploy(CashLedgerLinkModule, {
    parameters: { CashLedgerLinkModule: { payment, stLedger: delivery } },
  });
  const signers = await cash.ethers.getSigners();
  const bank = signers[TWO_LEDGER_ACCOUNTS.bank];
  const dcjpy = await cash.ethers.getContractAt(
    "DepositToken",
    await cashSide.depositToken.getAddress(),
  );
  const firms = [signers[TWO_LEDGER_ACCOUNTS.seller], signers[TWO_LEDGER_ACCOUNTS.buyer]];
  const closed = [];
  for (const f of firms) if (!(await dcjpy.isAccountOpen(f.address))) closed.push(f.address);
  if (closed.length > 0)
    await (
      await dcjpy.connect(bank).openAccounts(
        closed,
        closed.map((a) => keccakId(`deposit account ${a}`)),
      )
    ).wait();
  return {
    st,
    cash,
    delivery,
    payment,
    bond: await stSide.securityToken.getAddress(),
    dcjpy: await cashSide.depositToken.getAddress(),
    registry: await stSide.securityRegistry.getAddress(),
  };
}
