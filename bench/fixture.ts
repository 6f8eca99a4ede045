/**
 * Deploys and wires everything the benchmark measures, on one in-process Hardhat network:
 * the issuer's investor register, a straight bond (ST), DCJPY (which keeps the bank's account
 * book), the DVP,
 * the floor contracts (two plain OpenZeppelin ERC-20s and SwapFloor) and BenchSeller (opens
 * settlements in bulk). Holders are funded so that every "warm" measurement moves units between
 * accounts that already hold them.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import { encodeTerms, type SettlementTerms } from "../packages/sdk/src/index.js";
import type {
  BenchSeller,
  DeliveryVersusPayment,
  DepositToken,
  FloorERC20,
  InvestorRegistry,
  StraightBondToken,
  SwapFloor,
} from "../types/ethers-contracts/index.js";

/** Block gas limit of the bench network: room for a batch of 1,000 settlements in one call. */
export const BLOCK_GAS_LIMIT = 1_000_000_000n;
/** Deadline of every settlement but the one that expires (2100-01-01, fixed for stable calldata). */
export const FAR_DEADLINE = 4_102_444_800n;
/** The bench bond's product terms (the `StraightBondToken` constructor's last argument). */
export const BOND_TERMS = {
  faceValue: 100,
  faceValueCurrency: "JPY",
  interestRate: 1_0000,
  interestPaymentDates: ["0331", "0930"],
  redemptionDate: FAR_DEADLINE,
  redemptionValue: 100,
  redemptionValueCurrency: "JPY",
};
/** ST units and DCJPY per settlement opened by an EOA seller. */
export const QUANTITY = 10n;
export const AMOUNT = 1_000_000n;
/** ST units and DCJPY per settlement opened by BenchSeller (must match nothing on-chain). */
export const BULK_QUANTITY = 1n;
export const BULK_AMOUNT = 100n;
/** Settlements BenchSeller opens per transaction. */
export const BULK_CHUNK = 1_000;
/** Mirrors BenchSeller.ID_NAMESPACE. */
const BULK_ID_NAMESPACE = 0xbe4c4n;

/** The terms of one settlement (IDeliveryVersusPayment.Terms): the SDK's SettlementTerms. */
export type Terms = SettlementTerms;

export interface Parties {
  admin: HardhatEthersSigner;
  issuer: HardhatEthersSigner;
  bank: HardhatEthersSigner;
  seller: HardhatEthersSigner;
  buyer: HardhatEthersSigner;
  authBuyer: HardhatEthersSigner;
  agent: HardhatEthersSigner;
  lockAgent: HardhatEthersSigner;
  relayer: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  /** Floor swap with receivers that never held the token they receive. */
  freshSeller: HardhatEthersSigner;
  freshBuyer: HardhatEthersSigner;
}

export interface Fixture {
  ethers: HardhatEthers;
  parties: Parties;
  stRegistry: InvestorRegistry;
  bond: StraightBondToken;
  dcjpy: DepositToken;
  dvp: DeliveryVersusPayment;
  floorAsset: FloorERC20;
  floorCash: FloorERC20;
  swapFloor: SwapFloor;
  benchSeller: BenchSeller;
  /** Ten accounts that hold ST and DCJPY (bulk-transfer recipients). */
  holders: string[];
  /** Registered accounts that hold nothing yet; {freshAccount} hands them out. */
  freshAccount(): string;
  /** An address never registered anywhere (for registry rows). */
  unregisteredAccount(): string;
  /** Fresh terms with a new ID, the EOA seller and buyer, QUANTITY for AMOUNT, no agent. */
  terms(overrides?: Partial<Terms>): Terms;
  /** Step 1 for `t`: the seller locks `t.quantity` to the DVP with the terms. */
  lockData(t: Terms): string;
  /** Opens `count` more BenchSeller settlements (buyer: the EOA buyer) and returns their terms. */
  openBulk(count: number): Promise<Terms[]>;
}

/** Waits for `tx` and returns its receipt; throws unless it succeeded. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return receipt;
}

/** Gas used by `tx` (from its receipt). */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  return Number((await mined(tx)).gasUsed);
}

/** Gas used and wall-clock milliseconds from submission to receipt. */
export async function gasAndTime(
  send: () => Promise<ContractTransactionResponse>,
): Promise<{ gas: number; ms: number }> {
  const start = performance.now();
  const receipt = await mined(send());
  return { gas: Number(receipt.gasUsed), ms: performance.now() - start };
}

/** Grants `holder` each of `roles` on `contract`, one transaction each, in order. */
async function grantEach(
  contract: { grantRole(role: string, account: string): Promise<ContractTransactionResponse> },
  holder: string,
  roles: Promise<string>[],
): Promise<void> {
  for (const role of await Promise.all(roles)) await mined(contract.grantRole(role, holder));
}

const BIG = 10n ** 12n;

export async function deployFixture(ethers: HardhatEthers): Promise<Fixture> {
  const signers = await ethers.getSigners();
  const [admin, issuer, bank, seller, buyer, authBuyer, agent, lockAgent, relayer] = signers;
  const [alice, bob, carol, freshSeller, freshBuyer] = signers.slice(9);
  // The parties that trade: the registry lists each of them as eligible.
  const traders = { seller, buyer, authBuyer, relayer, alice, bob, carol, freshSeller, freshBuyer };
  const parties: Parties = { admin, issuer, bank, agent, lockAgent, ...traders };

  let accountCounter = 0n;
  const derived = (label: string) => () =>
    ethers.getAddress(
      ethers.dataSlice(ethers.keccak256(ethers.toUtf8Bytes(`${label}.${++accountCounter}`)), 12),
    );
  const unregisteredAccount = derived("kessai.bench.unregistered");
  const holders = Array.from({ length: 10 }, derived("kessai.bench.holder"));
  const freshPool = Array.from({ length: 16 }, derived("kessai.bench.fresh"));

  // ------------------------------------------------------------ the issuer's register
  const stRegistry = await ethers.deployContract("InvestorRegistry", [0, admin.address], admin);
  await mined(stRegistry.grantRole(await stRegistry.REGISTRAR_ROLE(), admin.address));

  // ------------------------------------------------------------ tokens and DVP
  const bond = await ethers.deployContract(
    "StraightBondToken",
    [
      {
        name: "Kessai Bond 1",
        symbol: "KB1",
        decimals: 0,
        registry: await stRegistry.getAddress(),
        admin: admin.address,
        adminDelay: 0,
      },
      BOND_TERMS,
    ],
    admin,
  );
  await grantEach(bond, issuer.address, [
    bond.ISSUER_ROLE(),
    bond.FORCE_TRANSFER_ROLE(),
    bond.FORCE_UNLOCK_ROLE(),
  ]);

  const dcjpy = await ethers.deployContract(
    "DepositToken",
    [{ name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: admin.address, adminDelay: 0 }],
    admin,
  );
  await grantEach(dcjpy, bank.address, [
    dcjpy.ISSUER_ROLE(),
    dcjpy.REDEEMER_ROLE(),
    dcjpy.REGISTRAR_ROLE(),
  ]);

  const dvp = await ethers.deployContract("DeliveryVersusPayment", [0, admin.address], admin);
  await mined(dvp.grantRole(await dvp.SETTLEMENT_AGENT_ROLE(), agent.address));
  await mined(dvp.setSecurityTokenListed(await bond.getAddress(), true));
  await mined(dvp.setCashTokenListed(await dcjpy.getAddress(), true));

  const benchSeller = await ethers.deployContract("BenchSeller", [], admin);

  // ------------------------------------------------------------ floor contracts
  const floorAsset = await ethers.deployContract("FloorERC20", ["Floor asset", "FLA"], admin);
  const floorCash = await ethers.deployContract("FloorERC20", ["Floor cash", "FLC"], admin);
  const swapFloor = await ethers.deployContract("SwapFloor", [], admin);

  const [bondAddr, dcjpyAddr, dvpAddr, benchSellerAddr, swapFloorAddr] = await Promise.all([
    bond.getAddress(),
    dcjpy.getAddress(),
    dvp.getAddress(),
    benchSeller.getAddress(),
    swapFloor.getAddress(),
  ]);

  // ------------------------------------------------------------ eligibility
  const everyone = Object.values(traders).map((s) => s.address);
  const eligible = [...everyone, benchSellerAddr, ...holders, ...freshPool];
  await mined(
    stRegistry.registerBatch(
      eligible,
      eligible.map((a) => ethers.keccak256(a)),
      eligible.map(() => 0),
    ),
  );
  await mined(
    dcjpy.connect(bank).openAccounts(
      eligible,
      eligible.map((a) => ethers.keccak256(a)),
    ),
  );

  // ------------------------------------------------------------ balances
  const stHolders = [seller, buyer, authBuyer, alice, bob, carol].map((s) => s.address);
  await mined(
    bond
      .connect(issuer)
      .bulkIssue(
        [...stHolders, benchSellerAddr, ...holders],
        [...stHolders.map(() => BIG), BIG, ...holders.map(() => 1n)],
      ),
  );
  let bankRef = 0;
  for (const account of [...stHolders, benchSellerAddr, ...holders]) {
    await mined(
      dcjpy.connect(bank).issue(account, BIG, ethers.id(`kessai.bench.setup-issue.${++bankRef}`)),
    );
  }
  await mined(dcjpy.connect(buyer).approve(dvpAddr, ethers.MaxUint256));

  for (const token of [floorAsset, floorCash]) {
    for (const account of [seller, buyer, alice, bob, carol]) {
      await mined(token.mint(account.address, BIG));
    }
    for (const party of [seller, buyer, freshSeller, freshBuyer]) {
      await mined(token.connect(party).approve(swapFloorAddr, ethers.MaxUint256));
    }
  }
  // Each fresh party holds only what it delivers.
  await mined(floorAsset.mint(freshSeller.address, BIG));
  await mined(floorCash.mint(freshBuyer.address, BIG));

  // ------------------------------------------------------------ helpers
  let termsCounter = 0;
  const terms = (overrides: Partial<Terms> = {}): Terms => ({
    id: ethers.id(`kessai.bench.settlement.${++termsCounter}`),
    seller: seller.address,
    buyer: buyer.address,
    securityToken: bondAddr,
    quantity: QUANTITY,
    cashToken: dcjpyAddr,
    amount: AMOUNT,
    deadline: FAR_DEADLINE,
    agent: ethers.ZeroAddress,
    ...overrides,
  });

  let bulkIndex = 0n;
  const openBulk = async (count: number): Promise<Terms[]> => {
    const opened: Terms[] = [];
    for (let done = 0; done < count;) {
      const n = Math.min(BULK_CHUNK, count - done);
      const first = bulkIndex + 1n;
      await mined(
        benchSeller.openMany(
          dvpAddr,
          bondAddr,
          dcjpyAddr,
          buyer.address,
          BULK_QUANTITY,
          BULK_AMOUNT,
          FAR_DEADLINE,
          first,
          n,
          { gasLimit: BLOCK_GAS_LIMIT / 2n },
        ),
      );
      for (let i = 0n; i < BigInt(n); ++i) {
        opened.push({
          id: ethers.toBeHex((BULK_ID_NAMESPACE << 128n) | (first + i), 32),
          seller: benchSellerAddr,
          buyer: buyer.address,
          securityToken: bondAddr,
          quantity: BULK_QUANTITY,
          cashToken: dcjpyAddr,
          amount: BULK_AMOUNT,
          deadline: FAR_DEADLINE,
          agent: ethers.ZeroAddress,
        });
      }
      bulkIndex += BigInt(n);
      done += n;
    }
    return opened;
  };

  let freshIndex = 0;
  const freshAccount = () => {
    if (freshIndex >= freshPool.length) throw new Error("fresh account pool exhausted");
    return freshPool[freshIndex++];
  };

  return {
    ethers,
    parties,
    stRegistry,
    bond,
    dcjpy,
    dvp,
    floorAsset,
    floorCash,
    swapFloor,
    benchSeller,
    holders,
    freshAccount,
    unregisteredAccount,
    terms,
    lockData: encodeTerms,
    openBulk,
  };
}
