import { network } from "hardhat";
import { keccak256, toUtf8Bytes, ZeroAddress } from "ethers";
import {
  AgentClient,
  AuditorClient,
  BankClient,
  FirmClient,
  IssuerClient,
  KESSAI_ROLES,
  connect,
  deriveSettlementId,
  type KessaiAddresses,
  type SettlementTermsInput,
} from "../../../packages/sdk/src/index.js";

export const ref = (s: string) => keccak256(toUtf8Bytes(s));

/**
 * Deploys a full Kessai system on a fresh in-process network: the issuer's investor register, a
 * straight bond, DCJPY and the DVP, with roles granted, the seller and buyer registered as
 * investors and their DCJPY accounts open, and returns one SDK client per party.
 */
export async function deployKessai() {
  const conn = await network.create();
  const { ethers, networkHelpers } = conn;
  const [admin, issuer, bank, seller, buyer, agent, auditor, outsider, ...rest] =
    await ethers.getSigners();

  const secReg = await ethers.deployContract("InvestorRegistry", [0, admin.address]);
  const bond = await ethers.deployContract("StraightBondToken", [
    {
      name: "Kessai Bond 1",
      symbol: "KB1",
      decimals: 0,
      registry: await secReg.getAddress(),
      admin: admin.address,
      adminDelay: 0,
    },
    {
      faceValue: 1_000_000n,
      faceValueCurrency: "JPY",
      interestRate: 5000n,
      interestPaymentDates: ["0331", "0930"],
      redemptionDate: 2_000_000_000n,
      redemptionValue: 1_000_000n,
      redemptionValueCurrency: "JPY",
    },
  ]);
  const dcjpy = await ethers.deployContract("DepositToken", [
    { name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: admin.address, adminDelay: 0 },
  ]);
  const dvp = await ethers.deployContract("DeliveryVersusPayment", [0, admin.address]);

  const grant = async (
    c: { grantRole(r: string, a: string): Promise<{ wait(): Promise<unknown> }> } & Record<
      string,
      unknown
    >,
    role: string,
    who: string,
  ) => (await c.grantRole(await (c[role] as () => Promise<string>)(), who)).wait();
  // the deployment plan's roles (KESSAI_ROLES), as kessai deploy and the Ignition modules grant them
  for (const r of KESSAI_ROLES.issuer.investorRegistry)
    await grant(secReg as never, r, issuer.address);
  for (const r of KESSAI_ROLES.issuer.securityToken) await grant(bond as never, r, issuer.address);
  for (const r of KESSAI_ROLES.bank.depositToken) await grant(dcjpy as never, r, bank.address);
  for (const r of KESSAI_ROLES.agent.dvp) await grant(dvp as never, r, agent.address);
  for (const r of KESSAI_ROLES.pauser.dvp) await grant(dvp as never, r, admin.address);
  await (await dvp.setSecurityTokenListed(await bond.getAddress(), true)).wait();
  await (await dvp.setCashTokenListed(await dcjpy.getAddress(), true)).wait();

  const addresses: KessaiAddresses = {
    securityToken: await bond.getAddress(),
    depositToken: await dcjpy.getAddress(),
    dvp: await dvp.getAddress(),
  };
  const [issuerC, bankC, sellerC, buyerC, agentC, auditorC] = await Promise.all([
    IssuerClient.connect({ runner: issuer, addresses }),
    BankClient.connect({ runner: bank, addresses }),
    FirmClient.connect({ runner: seller, addresses }),
    FirmClient.connect({ runner: buyer, addresses }),
    AgentClient.connect({ runner: agent, addresses }),
    AuditorClient.connect({ runner: ethers.provider, addresses }),
  ]);
  // Register the firms with the issuer and open their DCJPY accounts at the bank, through the SDK.
  await issuerC.registerInvestors({
    investors: [
      { account: seller.address, investorRef: ref("seller") },
      { account: buyer.address, investorRef: ref("buyer") },
    ],
  });
  await bankC.openDepositAccounts({
    accounts: [seller.address, buyer.address],
    depositAccountRefs: [ref("deposit:seller"), ref("deposit:buyer")],
  });

  let seq = 0;
  /** Fresh terms for a trade of `quantity` ST for `amount` DCJPY, one hour from now. */
  const newTerms = async (
    o: Partial<SettlementTermsInput> & { quantity?: bigint; amount?: bigint } = {},
  ) => {
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const quantity = o.quantity ?? 10n;
    const amount = o.amount ?? 1_000_000n;
    const id =
      o.id ??
      deriveSettlementId({
        venue: "OTC",
        tradeId: `T-${++seq}-${Math.random()}`,
        tradeDate: "2026-11-25",
        seller: o.seller ?? seller.address,
        buyer: o.buyer ?? buyer.address,
        securityToken: addresses.securityToken,
        quantity,
        amount,
      });
    return {
      id,
      seller: o.seller ?? seller.address,
      buyer: o.buyer ?? buyer.address,
      securityToken: addresses.securityToken,
      quantity,
      cashToken: addresses.depositToken,
      amount,
      deadline: o.deadline ?? now + 3600n,
      agent: o.agent ?? ZeroAddress,
    } satisfies SettlementTermsInput;
  };

  return {
    conn,
    ethers,
    networkHelpers,
    signers: { admin, issuer, bank, seller, buyer, agent, auditor, outsider, rest },
    contracts: { secReg, bond, dcjpy, dvp },
    addresses,
    clients: {
      issuer: issuerC,
      bank: bankC,
      seller: sellerC,
      buyer: buyerC,
      agent: agentC,
      auditor: auditorC,
    },
    connect,
    newTerms,
  };
}
export type Kessai = Awaited<ReturnType<typeof deployKessai>>;
