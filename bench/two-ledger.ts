/**
 * Gas of the two-ledger flow, per ledger: the ST ledger (`stLedger`, chain 31338: register, bond,
 * CrossLedgerDelivery) and the cash ledger (`cashLedger`, chain 31339: DCJPY, CrossLedgerPayment),
 * each an in-process network of its own with the bench's hardfork and block gas limit. Rows sit
 * beside the single-chain `settle`, the swap floor and the single-chain complete flow, measured on
 * the main bench network in the same run. Both parties already hold both tokens, as in the DVP rows.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";
import { BOND_TERMS, FAR_DEADLINE, gasOf, mined } from "./fixture.js";
import type { RowSet } from "./rows.js";
import {
  TRANSFER_AUTHORIZATION_TYPES,
  encodeCrossLedgerTerms,
  outcomeTypedData,
  paymentOrderTypedData,
  type CrossLedgerTerms as CrossTerms,
  type TypedData,
} from "../packages/sdk/src/index.js";
import type {
  CrossLedgerDelivery,
  CrossLedgerPayment,
  DepositToken,
  StraightBondToken,
} from "../types/ethers-contracts/index.js";

export const ST_CHAIN_ID = 31338n;
export const CASH_CHAIN_ID = 31339n;
const QUANTITY = 10n;
const AMOUNT = 1_000_000n;
const BIG = 10n ** 12n;

const PAID = 1 as const;
const REFUNDED = 2 as const;

interface Ledger {
  ethers: HardhatEthers;
  signers: HardhatEthersSigner[];
}

/** Opens the two ledgers' networks with the bench's overrides. */
async function openLedger(name: string, override: Record<string, unknown>): Promise<Ledger> {
  const { ethers } = await network.create({ network: name, override });
  return { ethers, signers: await ethers.getSigners() };
}

export async function measureTwoLedger(
  rows: RowSet,
  override: Record<string, unknown>,
): Promise<void> {
  const st = await openLedger("stLedger", override);
  const cash = await openLedger("cashLedger", override);
  // Accounts by index, the same keys on both chains.
  const [admin, issuer, bank, seller, buyer, verifier, authBuyer, relayer] = [
    0, 1, 2, 3, 4, 5, 6, 7,
  ];
  const quorumDeployer = 13;
  const quorumMembers = [10, 11, 12];

  // ------------------------------------------------------------ the ST ledger
  const stAdmin = st.signers[admin];
  const registry = await st.ethers.deployContract(
    "InvestorRegistry",
    [0, stAdmin.address],
    stAdmin,
  );
  await mined(registry.grantRole(await registry.REGISTRAR_ROLE(), stAdmin.address));
  const firms = [seller, buyer, authBuyer].map((i) => st.signers[i].address);
  await mined(
    registry.registerBatch(
      firms,
      firms.map((a) => st.ethers.keccak256(a)),
      firms.map(() => 0),
    ),
  );
  const bond = (await st.ethers.deployContract(
    "StraightBondToken",
    [
      {
        name: "Kessai Bond 1",
        symbol: "KB1",
        decimals: 0,
        registry: await registry.getAddress(),
        admin: stAdmin.address,
        adminDelay: 0,
      },
      BOND_TERMS,
    ],
    stAdmin,
  )) as unknown as StraightBondToken;
  await mined(bond.grantRole(await bond.ISSUER_ROLE(), st.signers[issuer].address));
  await mined(
    bond.connect(st.signers[issuer]).bulkIssue(
      firms,
      firms.map(() => BIG),
    ),
  );
  const delivery = (await st.ethers.deployContract(
    "CrossLedgerDelivery",
    [0, stAdmin.address],
    stAdmin,
  )) as unknown as CrossLedgerDelivery;
  await mined(delivery.grantRole(await delivery.VERIFIER_ROLE(), st.signers[verifier].address));
  await mined(delivery.setSecurityTokenListed(await bond.getAddress(), true));

  // ------------------------------------------------------------ the cash ledger
  const cashAdmin = cash.signers[admin];
  const cashBank = cash.signers[bank];
  const dcjpy = (await cash.ethers.deployContract(
    "DepositToken",
    [{ name: "DCJPY", symbol: "DCJPY", decimals: 0, admin: cashAdmin.address, adminDelay: 0 }],
    cashAdmin,
  )) as unknown as DepositToken;
  for (const role of [await dcjpy.ISSUER_ROLE(), await dcjpy.REGISTRAR_ROLE()]) {
    await mined(dcjpy.grantRole(role, cashBank.address));
  }
  const payment = (await cash.ethers.deployContract(
    "CrossLedgerPayment",
    [0, cashAdmin.address],
    cashAdmin,
  )) as unknown as CrossLedgerPayment;
  const paymentAddr = await payment.getAddress();
  await mined(payment.grantRole(await payment.VERIFIER_ROLE(), cash.signers[verifier].address));
  await mined(payment.setCashTokenListed(await dcjpy.getAddress(), true));
  const holders = [...firms, paymentAddr];
  await mined(
    dcjpy.connect(cashBank).openAccounts(
      holders,
      holders.map((a) => cash.ethers.keccak256(a)),
    ),
  );
  let reference = 0;
  for (const firm of firms) {
    await mined(
      dcjpy.connect(cashBank).issue(firm, BIG, cash.ethers.id(`two-ledger.issue.${++reference}`)),
    );
  }
  await mined(dcjpy.connect(cash.signers[buyer]).approve(paymentAddr, cash.ethers.MaxUint256));

  // ------------------------------------------------------------ each ledger knows the other
  const deliveryAddr = await delivery.getAddress();
  await mined(delivery.setCounterpartListed(CASH_CHAIN_ID, paymentAddr, true));
  await mined(payment.setCounterpartListed(ST_CHAIN_ID, deliveryAddr, true));

  // An m-of-n verifier at one address on both chains: the same deployer's first transaction.
  const members = quorumMembers
    .map((i) => st.signers[i])
    .sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  const memberAddresses = members.map((m) => m.address);
  const quorumSt = await st.ethers.deployContract(
    "VerifierQuorum",
    [memberAddresses, 2],
    st.signers[quorumDeployer],
  );
  const quorumCash = await cash.ethers.deployContract(
    "VerifierQuorum",
    [memberAddresses, 2],
    cash.signers[quorumDeployer],
  );
  const quorum = await quorumSt.getAddress();
  if (quorum !== (await quorumCash.getAddress())) throw new Error("quorum addresses differ");
  await mined(delivery.grantRole(await delivery.VERIFIER_ROLE(), quorum));
  await mined(payment.grantRole(await payment.VERIFIER_ROLE(), quorum));

  // ------------------------------------------------------------ helpers
  let counter = 0;
  const terms = (overrides: Partial<CrossTerms> = {}): CrossTerms => ({
    id: st.ethers.id(`kessai.bench.two-ledger.${++counter}`),
    seller: st.signers[seller].address,
    buyer: st.signers[buyer].address,
    stChainId: ST_CHAIN_ID,
    stLedger: deliveryAddr,
    securityToken: bond.target as string,
    quantity: QUANTITY,
    cashChainId: CASH_CHAIN_ID,
    cashLedger: paymentAddr,
    cashToken: dcjpy.target as string,
    amount: AMOUNT,
    deadline: FAR_DEADLINE,
    verifier: st.signers[verifier].address,
    ...overrides,
  });
  /** The verifier's signature of `td`: its own key, or two of the quorum's three members. */
  const signed = async (t: CrossTerms, td: TypedData): Promise<string> => {
    if (t.verifier !== quorum)
      return st.signers[verifier].signTypedData(td.domain, td.types, td.message);
    const signatures = await Promise.all(
      members.slice(0, 2).map((m) => m.signTypedData(td.domain, td.types, td.message)),
    );
    return st.ethers.concat(signatures);
  };
  /** Signs `td` once its digest is the one the contracts compute (`contractDigest`). */
  const checked = async (t: CrossTerms, td: TypedData, contractDigest: string, what: string) => {
    if (st.ethers.TypedDataEncoder.hash(td.domain, td.types, td.message) !== contractDigest) {
      throw new Error(`${what} digest differs from the contracts'`);
    }
    return signed(t, td);
  };
  const attest = async (t: CrossTerms, outcome: 1 | 2): Promise<string> =>
    checked(
      t,
      outcomeTypedData(t, outcome),
      await payment.outcomeDigest(t, outcome),
      "attestation",
    );
  const order = async (t: CrossTerms, outcome: 1 | 2): Promise<string> =>
    checked(t, paymentOrderTypedData(t, outcome), await payment.orderDigest(t, outcome), "order");
  const step1 = (t: CrossTerms) =>
    gasOf(
      bond.connect(st.signers[seller]).lock(deliveryAddr, t.quantity, encodeCrossLedgerTerms(t)),
    );
  const asRelayerSt = delivery.connect(st.signers[relayer]);
  const asRelayerCash = payment.connect(cash.signers[relayer]);

  // ------------------------------------------------------------ the flow, Paid
  const t1 = terms();
  const lock1 = await step1(t1);
  const instruct = await gasOf(payment.connect(cash.signers[buyer]).instruct(t1));
  const pay = await gasOf(asRelayerCash.pay(t1, await order(t1, PAID)));
  const deliver = await gasOf(asRelayerSt.deliver(t1, await attest(t1, PAID)));
  rows.gas(
    "gas.two-ledger.st.step1",
    lock1,
    "ST ledger, step 1: seller's lock(delivery, quantity, terms) + register",
  );
  rows.gas(
    "gas.two-ledger.cash.instruct",
    instruct,
    "cash ledger, step 4: buyer's instruct, escrow by transferFrom (allowance given before)",
    "gas.floor.erc20.transferFrom",
  );
  rows.gas(
    "gas.two-ledger.cash.pay",
    pay,
    "cash ledger, step 5: the verifier's Paid order, submitted by a relayer: escrow to the seller",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.two-ledger.st.deliver",
    deliver,
    "ST ledger, step 6: deliver with the Paid attestation, signed after the payment (any relayer): locked units to the buyer",
    "gas.floor.erc20.transfer",
  );

  // Step 4 with the buyer's DCJPY authorization (no approval transaction).
  const t2 = terms({ buyer: st.signers[authBuyer].address });
  await step1(t2);
  const cashDomain = await dcjpy.eip712Domain();
  const validBefore = FAR_DEADLINE;
  const authSig = await cash.signers[authBuyer].signTypedData(
    {
      name: cashDomain.name,
      version: cashDomain.version,
      chainId: cashDomain.chainId,
      verifyingContract: cashDomain.verifyingContract,
    },
    TRANSFER_AUTHORIZATION_TYPES,
    {
      from: t2.buyer,
      to: paymentAddr,
      value: t2.amount,
      spender: paymentAddr,
      validBefore,
      nonce: await payment.hashTerms(t2),
    },
  );
  rows.gas(
    "gas.two-ledger.cash.instructWithAuthorization",
    await gasOf(asRelayerCash.instructWithAuthorization(t2, validBefore, authSig)),
    "cash ledger, step 4 by a relayer with the buyer's DCJPY authorization (nonce = terms hash; no approval)",
    "gas.floor.erc20.transferFrom",
  );

  // The Refunded outcome: the verifier refuses, the seller's units come back.
  const t3 = terms();
  await step1(t3);
  await mined(payment.connect(cash.signers[buyer]).instruct(t3));
  rows.gas(
    "gas.two-ledger.cash.refuse",
    await gasOf(asRelayerCash.refuse(t3, await order(t3, REFUNDED))),
    "cash ledger: the verifier's Refunded order: escrow back to the buyer",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.two-ledger.st.returnToSeller",
    await gasOf(asRelayerSt.returnToSeller(t3, await attest(t3, REFUNDED))),
    "ST ledger: returnToSeller with the Refunded attestation: units released to the seller",
  );

  // The buyer waives; the steady state of step 1 (the seller has another settlement open).
  const open = terms();
  await step1(open);
  const t4 = terms();
  rows.gas(
    "gas.two-ledger.st.step1.another-open",
    await step1(t4),
    "ST ledger, step 1 while the seller has another settlement locked",
  );
  rows.gas(
    "gas.two-ledger.st.waive",
    await gasOf(delivery.connect(st.signers[buyer]).waive(t4)),
    "ST ledger: the buyer waives its claim, units back to the seller",
  );

  // An m-of-n verifier: 2 of 3 signatures through ERC-1271, on both ledgers.
  const t5 = terms({ verifier: quorum });
  await step1(t5);
  await mined(payment.connect(cash.signers[buyer]).instruct(t5));
  const quorumAttestation = await attest(t5, PAID);
  rows.gas(
    "gas.two-ledger.cash.pay.quorum-2-of-3",
    await gasOf(asRelayerCash.pay(t5, await order(t5, PAID))),
    "cash ledger: pay with a 2-of-3 VerifierQuorum's order (ERC-1271)",
    "gas.floor.erc20.transfer",
  );
  rows.gas(
    "gas.two-ledger.st.deliver.quorum-2-of-3",
    await gasOf(asRelayerSt.deliver(t5, quorumAttestation)),
    "ST ledger: deliver with the 2-of-3 attestation, signed after the payment",
    "gas.floor.erc20.transfer",
  );

  // Whole flows, per ledger and both together.
  rows.gas("gas.two-ledger.flow.st", lock1 + deliver, "ST ledger's transactions: step 1 + deliver");
  rows.gas(
    "gas.two-ledger.flow.cash",
    instruct + pay,
    "cash ledger's transactions: instruct + pay",
  );
  rows.gas(
    "gas.two-ledger.flow.pay-and-deliver",
    pay + deliver,
    "the two transactions that replace the single-chain settle: pay + deliver",
    "gas.floor.swap",
  );
  rows.gas(
    "gas.two-ledger.flow.total",
    lock1 + instruct + pay + deliver,
    "both ledgers: step 1 + instruct + pay + deliver (four transactions), against the single-chain step 1 + settle",
    "gas.dvp.flow.cheapest",
  );

  // Refund after the deadline: anyone, on the cash ledger alone. Kept last: it moves the cash
  // ledger's clock.
  const now = BigInt((await cash.ethers.provider.getBlock("latest"))!.timestamp);
  const t6 = terms({ deadline: now + 3_600n });
  await mined(payment.connect(cash.signers[buyer]).instruct(t6));
  await cash.ethers.provider.send("evm_increaseTime", [7_200]);
  rows.gas(
    "gas.two-ledger.cash.refund",
    await gasOf(asRelayerCash.refund(t6)),
    "cash ledger: anyone refunds after the deadline, no signature: escrow back to the buyer",
    "gas.floor.erc20.transfer",
  );
}
