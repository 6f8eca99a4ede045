/**
 * The seven-step DVP of a secondary security-token trade against DCJPY, as validated by the
 * seed's participants, run on a Hardhat network with the SDK:
 *
 *   1. the seller firm locks the ST for one settlement ID (it stays the holder of record);
 *   2. the buyer firm affirms the exact terms;
 *   3. the bank debits the buyer's deposit account and issues DCJPY against that reference;
 *   4. the buyer authorises the DCJPY payment (a transfer authorization for this settlement only,
 *      signed, sent with step 6);
 *   5. the settlement agent verifies and approves;
 *   6. DCJPY and the ST move in one transaction;
 *   7. the seller redeems DCJPY back to its deposit account.
 *
 * Failure scenarios: the buyer never pays and the seller reclaims after the deadline; the agent
 * rejects; the buyer loses eligibility mid-flow; the issuer terminates the settlement (its last
 * resort, e.g. a court order). Every scenario ends with a reconciliation of
 * DCJPY supply against the bank's issued and redeemed references.
 *
 * Run: `npm start` (all scenarios), `npx hardhat demo --scenario never-pays`, or against a node
 * started with `npx hardhat node`: `npx hardhat demo --network localhost`.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { formatUnits } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import KessaiModule from "../ignition/modules/Kessai.js";
import {
  AgentClient,
  AuditorClient,
  BankClient,
  FirmClient,
  IssuerClient,
  KessaiError,
  connect,
  deriveSettlementId,
  settleTrade,
  type KessaiAddresses,
  type ProgressEvent,
  type SettlementTerms,
  type TxResult,
} from "../packages/sdk/src/index.js";

export const SCENARIOS = [
  "settle",
  "never-pays",
  "agent-rejects",
  "eligibility-removed",
  "issuer-terminates",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Short trade-ID prefix per scenario, so that `REFUND-<code>-<unix time>` fits a 31-byte reference. */
const TRADE_CODES: Record<Scenario, string> = {
  settle: "SETTLE",
  "never-pays": "NOPAY",
  "agent-rejects": "REJECT",
  "eligibility-removed": "INELIGIBLE",
  "issuer-terminates": "TERMINATE",
};

/** One firm's position: ST held (and locked to the DVP) and DCJPY held. */
export interface Position {
  st: bigint;
  stLocked: bigint;
  dcjpy: bigint;
}

/** One line of the timeline. */
export interface TimelineEntry {
  step: string;
  actor: string;
  action: string;
  txHash?: string;
  gasUsed?: bigint;
  /** For a step that was refused on purpose: the SDK error's one-line message. */
  refused?: string;
  seller: Position;
  buyer: Position;
}

export interface ScenarioReport {
  scenario: Scenario;
  settlementId: string;
  finalState: string;
  timeline: TimelineEntry[];
  before: { seller: Position; buyer: Position };
  after: { seller: Position; buyer: Position };
  reconciliation: {
    ok: boolean;
    totalSupply: bigint;
    totalIssued: bigint;
    totalRedeemed: bigint;
    mismatches: string[];
  };
}

export interface DemoOptions {
  scenarios: readonly Scenario[];
  /** Where lines go (default: console.log). */
  log?: (line: string) => void;
}

const TRADE_QUANTITY = 100n; // bond units
const UNIT_PRICE = 9_980n; // yen per unit
const TRADE_AMOUNT = TRADE_QUANTITY * UNIT_PRICE;
const SELLER_HOLDING = 1_000n;
const DEADLINE_SECONDS = 3_600n;

interface Parties {
  issuer: IssuerClient;
  bank: BankClient;
  seller: FirmClient;
  buyer: FirmClient;
  agent: AgentClient;
  auditor: AuditorClient;
}

/** Runs the requested scenarios on `connection` and returns what each one did. */
export async function runDemo(
  connection: NetworkConnection,
  options: DemoOptions,
): Promise<ScenarioReport[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { ethers, ignition, networkName } = connection;
  const [, issuerSigner, bankSigner, sellerSigner, buyerSigner, agentSigner] =
    await ethers.getSigners();
  const chainId = (await ethers.provider.getNetwork()).chainId;

  log(`Kessai demo: DVP of a security token against DCJPY on "${networkName}" (chain ${chainId})`);
  const deployed = await ignition.deploy(KessaiModule);
  const addresses: KessaiAddresses = {
    securityToken: await deployed.securityToken.getAddress(),
    depositToken: await deployed.depositToken.getAddress(),
    dvp: await deployed.dvp.getAddress(),
  };
  log(
    `Deployed with Ignition: bond ${addresses.securityToken}, DCJPY ${addresses.depositToken}, ` +
      `DVP ${addresses.dvp}`,
  );

  const bind = async <T>(
    Client: new (ctx: Awaited<ReturnType<typeof connect>>) => T,
    signer?: HardhatEthersSigner,
  ) => new Client(await connect({ runner: signer ?? ethers.provider, addresses }));
  const parties: Parties = {
    issuer: await bind(IssuerClient, issuerSigner),
    bank: await bind(BankClient, bankSigner),
    seller: await bind(FirmClient, sellerSigner),
    buyer: await bind(FirmClient, buyerSigner),
    agent: await bind(AgentClient, agentSigner),
    auditor: await bind(AuditorClient),
  };
  // Onboarding at the bank: it opens a DCJPY account for each firm, bound to the firm's deposit
  // account (a re-run against the same deployment finds them open).
  const firms = [
    { name: "seller", address: parties.seller.address, ref: "ACCT-SELLER-0001" },
    { name: "buyer", address: parties.buyer.address, ref: "ACCT-BUYER-0001" },
  ];
  const toOpen: typeof firms = [];
  for (const f of firms) {
    if (!(await parties.bank.getDepositAccount({ account: f.address })).open) toOpen.push(f);
  }
  if (toOpen.length > 0) {
    const r = await parties.bank.openDepositAccounts({
      accounts: toOpen.map((f) => f.address),
      depositAccountRefs: toOpen.map((f) => f.ref),
    });
    log(
      `The bank opened DCJPY accounts for ${toOpen
        .map((f) => `the ${f.name} firm ${short(f.address)} (deposit account ${f.ref})`)
        .join(" and ")}: tx ${short(r.hash)}`,
    );
  }

  const symbol = await deployed.securityToken.symbol();
  const startBlock = await ethers.provider.getBlockNumber();

  const reports: ScenarioReport[] = [];
  for (const scenario of options.scenarios) {
    reports.push(await runScenario(connection, parties, scenario, symbol, startBlock, log));
  }
  return reports;
}

async function runScenario(
  connection: NetworkConnection,
  p: Parties,
  scenario: Scenario,
  symbol: string,
  startBlock: number,
  log: (line: string) => void,
): Promise<ScenarioReport> {
  const { ethers, networkHelpers } = connection;
  const position = async (firm: FirmClient): Promise<Position> => {
    const { security, deposit } = await firm.getBalances();
    return { st: security.balance, stLocked: security.lockedTo, dcjpy: deposit.balance };
  };
  const positions = async () => ({
    seller: await position(p.seller),
    buyer: await position(p.buyer),
  });

  // The seller firm needs ST to sell; the issuer tops it up to a round holding.
  const held = (await position(p.seller)).st;
  if (held < SELLER_HOLDING) {
    await p.issuer.issueSecurity({ to: p.seller.address, value: SELLER_HOLDING - held });
  }

  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const tradeId = `${TRADE_CODES[scenario]}-${now}`;
  const terms: SettlementTerms = {
    id: deriveSettlementId({
      venue: "OTC",
      tradeId,
      tradeDate: new Date(Number(now) * 1000),
      seller: p.seller.address,
      buyer: p.buyer.address,
      securityToken: p.seller.ctx.addresses.securityToken,
      quantity: TRADE_QUANTITY,
      amount: TRADE_AMOUNT,
    }),
    seller: p.seller.address,
    buyer: p.buyer.address,
    securityToken: p.seller.ctx.addresses.securityToken,
    quantity: TRADE_QUANTITY,
    cashToken: p.seller.ctx.addresses.depositToken,
    amount: TRADE_AMOUNT,
    deadline: now + DEADLINE_SECONDS,
    agent: p.agent.address,
  };
  // Bank references as text (at most 31 bytes, stored as bytes32 strings the bank reads back):
  // the same convention as the CLI's --ref (toBankReference).
  const bankReference = `DEBIT-${tradeId}`;
  const redemptionRef = `CREDIT-${tradeId}`;
  const buyerRefund = `REFUND-${tradeId}`;

  log("");
  log(`== Scenario "${scenario}": trade ${tradeId}`);
  log(
    `   ${fmt(TRADE_QUANTITY)} ${symbol} for ${fmt(TRADE_AMOUNT)} DCJPY, seller ${short(terms.seller)}, ` +
      `buyer ${short(terms.buyer)}, agent ${short(terms.agent)}, settlement ID ${short(terms.id)}`,
  );
  const before = await positions();
  const timeline: TimelineEntry[] = [];
  log(header());
  log(row({ step: "", actor: "", action: "before", ...before }));

  const record = async (
    step: string,
    actor: string,
    action: string,
    tx?: Pick<TxResult, "hash" | "gasUsed">,
    refused?: string,
  ) => {
    const entry: TimelineEntry = {
      step,
      actor,
      action,
      txHash: tx?.hash,
      gasUsed: tx?.gasUsed,
      refused,
      ...(await positions()),
    };
    timeline.push(entry);
    log(row(entry));
  };

  const ACTORS = [
    "seller firm",
    "buyer firm",
    "bank",
    "buyer firm",
    "agent",
    "buyer firm",
    "seller firm",
  ];
  const ACTIONS = [
    `lock ${fmt(TRADE_QUANTITY)} ${symbol} to the DVP, register settlement`,
    "affirm the exact terms",
    `debit deposit account, issue ${fmt(TRADE_AMOUNT)} DCJPY`,
    "authorise the payment",
    "verify and approve the settlement",
    "pay DCJPY with the authorization; ST delivered in the same tx",
    `redeem ${fmt(TRADE_AMOUNT)} DCJPY to deposit account`,
  ];
  const expectRefusal = async (action: () => Promise<unknown>): Promise<string> => {
    try {
      await action();
    } catch (error) {
      if (error instanceof KessaiError) return error.shortMessage;
      throw error;
    }
    throw new Error("the step was expected to be refused but went through");
  };

  if (scenario === "settle") {
    await settleTrade({
      seller: p.seller,
      buyer: p.buyer,
      bank: p.bank,
      agent: p.agent,
      terms,
      bankReference,
      redemptionRef,
      useAuthorization: true,
      onProgress: async (e: ProgressEvent) => {
        if (e.status === "started") return;
        await record(
          String(e.step),
          ACTORS[e.step - 1],
          e.status === "skipped" ? `skipped: ${e.reason}` : ACTIONS[e.step - 1],
          e.txHash ? { hash: e.txHash, gasUsed: e.gasUsed ?? 0n } : undefined,
        );
      },
    });
  } else {
    await record("1", ACTORS[0], ACTIONS[0], await p.seller.createSettlement({ terms }));
    await record("2", ACTORS[1], ACTIONS[1], await p.buyer.affirmSettlement({ terms }));
    await record(
      "3",
      ACTORS[2],
      ACTIONS[2],
      await p.bank.issueDeposit({ account: terms.buyer, amount: terms.amount, bankReference }),
    );
    if (scenario === "never-pays") {
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      await record("-", "(time)", "deadline passes; the buyer never paid");
    } else if (scenario === "agent-rejects") {
      await record(
        "5",
        "agent",
        "reject the settlement",
        await p.agent.rejectSettlement({ terms }),
      );
    } else if (scenario === "issuer-terminates") {
      await record(
        "-",
        "issuer",
        "terminate the settlement (court order); ST released",
        await p.issuer.terminateSettlement({ terms, reason: "court-order" }),
      );
    } else {
      await record(
        "-",
        "issuer",
        "suspend the buyer in the ST register",
        await p.issuer.suspendInvestor({ account: terms.buyer }),
      );
      await record("5", ACTORS[4], ACTIONS[4], await p.agent.approveSettlement({ terms }));
      const refusal = await expectRefusal(() =>
        p.buyer.settleSettlement({ terms, authorization: true }),
      );
      await record("6", ACTORS[5], "try to settle: refused, nothing moved", undefined, refusal);
      await networkHelpers.time.increaseTo(terms.deadline + 1n);
      await record("-", "(time)", "deadline passes");
    }
    if (scenario === "never-pays" || scenario === "eligibility-removed") {
      await record(
        "-",
        "seller firm",
        "reclaim the locked ST",
        await p.seller.reclaimSettlement({ terms }),
      );
    }
    await record(
      "-",
      "buyer firm",
      `redeem unused ${fmt(TRADE_AMOUNT)} DCJPY to deposit account`,
      await p.buyer.redeemDeposit({ amount: TRADE_AMOUNT, redemptionRef: buyerRefund }),
    );
    if (scenario === "eligibility-removed") {
      await p.issuer.reinstateInvestor({ account: terms.buyer });
    }
  }

  const after = await positions();
  const finalState = (await p.auditor.getSettlement({ id: terms.id })).state;
  const rec = await p.auditor.reconcile({ fromBlock: startBlock });
  log(
    `   final state ${finalState}; locked to the DVP: seller ${fmt(after.seller.stLocked)} ${symbol}`,
  );
  log(
    `   reconciliation: DCJPY supply ${fmt(rec.supply.totalSupply)} = issued ${fmt(rec.supply.totalIssued)} ` +
      `- redeemed ${fmt(rec.supply.totalRedeemed)}; ${rec.settlements.length} settlements, ` +
      `${rec.balances.length} balances checked: ${rec.ok ? "OK" : `MISMATCH: ${rec.mismatches.join("; ")}`}`,
  );
  return {
    scenario,
    settlementId: terms.id,
    finalState,
    timeline,
    before,
    after,
    reconciliation: {
      ok: rec.ok,
      totalSupply: rec.supply.totalSupply,
      totalIssued: rec.supply.totalIssued,
      totalRedeemed: rec.supply.totalRedeemed,
      mismatches: rec.mismatches,
    },
  };
}

// ------------------------------------------------------------------ formatting

function fmt(value: bigint): string {
  return Number(formatUnits(value, 0)).toLocaleString("en-US");
}

function short(hex: string): string {
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

function pos(p: Position): string {
  const locked = p.stLocked > 0n ? ` (${fmt(p.stLocked)}L)` : "";
  return `${fmt(p.st)}${locked} / ${fmt(p.dcjpy)}`;
}

const COLUMNS = [4, 12, 52, 13, 9, 24, 24] as const;

function line(cells: string[]): string {
  return cells.map((c, i) => (i === 4 ? c.padStart(COLUMNS[i]) : c.padEnd(COLUMNS[i]))).join(" ");
}

function header(): string {
  return line(["step", "actor", "action", "tx", "gas", "seller ST / DCJPY", "buyer ST / DCJPY"]);
}

function row(
  e: Pick<TimelineEntry, "step" | "actor" | "action" | "txHash" | "gasUsed" | "refused"> & {
    seller: Position;
    buyer: Position;
  },
): string {
  const main = line([
    e.step,
    e.actor,
    e.action,
    e.txHash ? short(e.txHash) : "",
    e.gasUsed !== undefined ? fmt(e.gasUsed) : "",
    pos(e.seller),
    pos(e.buyer),
  ]);
  return e.refused ? `${main}\n${" ".repeat(18)}↳ ${e.refused}` : main;
}
