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
 * The "gateway" scenario runs steps 3 and 7 through the bank gateway (@kessai/bank-gateway, its
 * deposit ledger on SQLite in a temp folder, scripts/demo-gateway.ts): the buyer's deposit account
 * is debited for the DCJPY it is issued, the seller's credited for what it redeems, and the
 * deposit balances are printed beside the chain's.
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
import { OPENING_DEPOSITS, startDemoGateway, type DemoGateway } from "./demo-gateway.js";
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
  "gateway",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

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
  /** The bank gateway (deposit ledger) of steps 3 and 7, when the "gateway" scenario runs. */
  gateway?: DemoGateway;
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
  // With the "gateway" scenario, the bank opens the firms through its gateway: a deposit account on
  // its ledger and a DCJPY account bound to it, together (the loop below then finds them open).
  if (options.scenarios.includes("gateway")) {
    parties.gateway = await startDemoGateway({
      bank: parties.bank,
      signer: bankSigner,
      chainId: Number(chainId),
      firms: { seller: parties.seller.address, buyer: parties.buyer.address },
      fmt,
    });
    const { seller, buyer } = parties.gateway.firms;
    log(
      `The bank's gateway (deposit ledger on SQLite) opened ${seller.account} for the seller firm and ` +
        `${buyer.account} for the buyer firm with their DCJPY accounts, and funded them with ` +
        `${fmt(OPENING_DEPOSITS.seller)} and ${fmt(OPENING_DEPOSITS.buyer)} yen`,
    );
  }
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
  try {
    for (const scenario of options.scenarios) {
      reports.push(await runScenario(connection, parties, scenario, symbol, startBlock, log));
    }
  } finally {
    await parties.gateway?.stop();
  }
  return reports;
}

// ------------------------------------------------------------------ scenarios as data

type Sent = Pick<TxResult, "hash" | "gasUsed">;
/** Adds a line to the timeline (and the log), with the firms' positions after it. */
type Recorder = (
  step: string,
  actor: string,
  action: string,
  tx?: Sent,
  refused?: string,
) => Promise<void>;

/** What a scenario's steps act on: one trade between the parties. */
interface Trade {
  p: Parties;
  terms: SettlementTerms;
  symbol: string;
  /** Bank references as text (at most 31 bytes, stored as bytes32 strings the bank reads back):
   * the same convention as the CLI's --ref (toBankReference). */
  bankReference: string;
  redemptionRef: string;
  buyerRefund: string;
  /** Moves the chain's clock past the settlement's deadline. */
  passDeadline: () => Promise<void>;
  record: Recorder;
  /** Prints a line of the scenario's output that is not a timeline entry. */
  log: (line: string) => void;
}

/** One line of a scenario's timeline and what it does. */
interface Line {
  /** "1" to "7" for the seven DVP steps, "-" for anything else. */
  step: string;
  actor: string;
  action: string | ((t: Trade) => string);
  /** Sends the step's transaction (its hash and gas go on the line), or returns nothing. */
  run: (t: Trade) => Promise<Sent | void>;
  /** `run` is refused on purpose (a KessaiError): the line carries its one-line message. */
  refused?: true;
}
/** A step that writes its own lines (a whole workflow) or none (clean-up). */
interface Block {
  block: (t: Trade) => Promise<void>;
}
type Step = Line | Block;

/** Actor and action of each of the seven DVP steps, in order. */
const SEVEN_STEPS: readonly { actor: string; action: (t: Trade) => string }[] = [
  {
    actor: "seller firm",
    action: (t) => `lock ${fmt(TRADE_QUANTITY)} ${t.symbol} to the DVP, register settlement`,
  },
  { actor: "buyer firm", action: () => "affirm the exact terms" },
  { actor: "bank", action: () => `debit deposit account, issue ${fmt(TRADE_AMOUNT)} DCJPY` },
  { actor: "buyer firm", action: () => "authorise the payment" },
  { actor: "agent", action: () => "verify and approve the settlement" },
  {
    actor: "buyer firm",
    action: () => "pay DCJPY with the authorization; ST delivered in the same tx",
  },
  { actor: "seller firm", action: () => `redeem ${fmt(TRADE_AMOUNT)} DCJPY to deposit account` },
];

/** DVP step `n` (1-based) as a timeline line. */
const dvpStep = (n: number, run: Line["run"], action?: string): Line => ({
  step: String(n),
  actor: SEVEN_STEPS[n - 1].actor,
  action: action ?? SEVEN_STEPS[n - 1].action,
  run,
});

/** All seven steps by settleTrade, one line per step as it reports them. */
const SETTLE_TRADE: Block = {
  block: async (t) => {
    await settleTrade({
      seller: t.p.seller,
      buyer: t.p.buyer,
      bank: t.p.bank,
      agent: t.p.agent,
      terms: t.terms,
      bankReference: t.bankReference,
      redemptionRef: t.redemptionRef,
      useAuthorization: true,
      onProgress: async (e: ProgressEvent) => {
        if (e.status === "started") return;
        const { actor, action } = SEVEN_STEPS[e.step - 1];
        await t.record(
          String(e.step),
          actor,
          e.status === "skipped" ? `skipped: ${e.reason}` : action(t),
          e.txHash ? { hash: e.txHash, gasUsed: e.gasUsed ?? 0n } : undefined,
        );
      },
    });
  },
};
/** Steps 1 to 3: locked, affirmed, DCJPY issued to the buyer. */
const OPENED: readonly Step[] = [
  dvpStep(1, (t) => t.p.seller.createSettlement({ terms: t.terms })),
  dvpStep(2, (t) => t.p.buyer.affirmSettlement({ terms: t.terms })),
  dvpStep(3, (t) =>
    t.p.bank.issueDeposit({
      account: t.terms.buyer,
      amount: t.terms.amount,
      bankReference: t.bankReference,
    }),
  ),
];
const deadlinePasses = (action: string): Line => ({
  step: "-",
  actor: "(time)",
  action,
  run: (t) => t.passDeadline(),
});
const RECLAIM: Line = {
  step: "-",
  actor: "seller firm",
  action: "reclaim the locked ST",
  run: (t) => t.p.seller.reclaimSettlement({ terms: t.terms }),
};
const REFUND: Line = {
  step: "-",
  actor: "buyer firm",
  action: `redeem unused ${fmt(TRADE_AMOUNT)} DCJPY to deposit account`,
  run: (t) => t.p.buyer.redeemDeposit({ amount: TRADE_AMOUNT, redemptionRef: t.buyerRefund }),
};

/** The gateway of a trade (the "gateway" scenario starts it). */
const gatewayOf = (t: Trade): DemoGateway => {
  if (!t.p.gateway) throw new Error("the gateway scenario needs the bank gateway");
  return t.p.gateway;
};
/** The gateway's transaction as a timeline entry's hash and gas. */
const sentBy = async (t: Trade, hash: string | null): Promise<Sent> => {
  const receipt = await t.p.auditor.ctx.provider.getTransactionReceipt(hash!);
  return { hash: hash!, gasUsed: receipt!.gasUsed };
};
/** Step 3 through the gateway: the buyer asks, the bank holds, issues, and posts the hold. */
const GATEWAY_ISSUE: Block = {
  block: async (t) => {
    const gw = gatewayOf(t);
    const buyer = gw.firms.buyer;
    const i = await buyer.bank.gateway.requestIssuance(
      { account: buyer.account, amount: t.terms.amount },
      { idempotencyKey: t.bankReference },
    );
    let done = i;
    await gw.until(
      async () => (done = await buyer.bank.gateway.getIssuance(i.id)).state === "issued",
    );
    await t.record(
      "3",
      "bank",
      `gateway: debit ${buyer.account}, issue ${fmt(t.terms.amount)} DCJPY`,
      await sentBy(t, done.txHash),
    );
    t.log(await gw.depositLine());
  },
};
/** Step 7 through the gateway: the seller asks, the bank burns and credits its deposit account. */
const GATEWAY_REDEEM: Block = {
  block: async (t) => {
    const gw = gatewayOf(t);
    const seller = gw.firms.seller;
    const r = await seller.bank.gateway.requestRedemption(
      { amount: t.terms.amount },
      { idempotencyKey: t.redemptionRef },
    );
    let done = r;
    await gw.until(
      async () => (done = await seller.bank.gateway.getRedemption(r.id)).state === "credited",
    );
    await t.record(
      "7",
      "seller firm",
      `gateway: redeem ${fmt(t.terms.amount)} DCJPY, credit ${seller.account}`,
      await sentBy(t, done.txHash),
    );
    t.log(await gw.depositLine());
    const rec = await gw.operator.gateway.reconcile();
    t.log(
      `${" ".repeat(18)}bank ledger reconciliation at block ${rec.blockNumber}: ` +
        `${rec.events.issued} Issued and ${rec.events.redeemed} Redeemed events each posted once, ` +
        `${rec.pendingHolds.count} open holds: ${rec.ok ? "OK" : `${rec.differences.length} DIFFERENCES`}`,
    );
  },
};

/**
 * Each scenario: its short trade-ID prefix (so that `REFUND-<code>-<unix time>` fits a 31-byte
 * reference) and its steps, run in order.
 */
const SCENARIO_TABLE: Record<Scenario, { code: string; steps: readonly Step[] }> = {
  settle: { code: "SETTLE", steps: [SETTLE_TRADE] },
  "never-pays": {
    code: "NOPAY",
    steps: [...OPENED, deadlinePasses("deadline passes; the buyer never paid"), RECLAIM, REFUND],
  },
  "agent-rejects": {
    code: "REJECT",
    steps: [
      ...OPENED,
      dvpStep(5, (t) => t.p.agent.rejectSettlement({ terms: t.terms }), "reject the settlement"),
      REFUND,
    ],
  },
  "eligibility-removed": {
    code: "INELIGIBLE",
    steps: [
      ...OPENED,
      {
        step: "-",
        actor: "issuer",
        action: "suspend the buyer in the ST register",
        run: (t) => t.p.issuer.suspendInvestor({ account: t.terms.buyer }),
      },
      dvpStep(5, (t) => t.p.agent.approveSettlement({ terms: t.terms })),
      {
        ...dvpStep(
          6,
          (t) => t.p.buyer.settleSettlement({ terms: t.terms, authorization: true }),
          "try to settle: refused, nothing moved",
        ),
        refused: true,
      },
      deadlinePasses("deadline passes"),
      RECLAIM,
      REFUND,
      { block: async (t) => void (await t.p.issuer.reinstateInvestor({ account: t.terms.buyer })) },
    ],
  },
  "issuer-terminates": {
    code: "TERMINATE",
    steps: [
      ...OPENED,
      {
        step: "-",
        actor: "issuer",
        action: "terminate the settlement (court order); ST released",
        run: (t) => t.p.issuer.terminateSettlement({ terms: t.terms, reason: "court-order" }),
      },
      REFUND,
    ],
  },
  gateway: {
    code: "GATEWAY",
    steps: [
      {
        // the ledger first catches up with the chain: a firm's own redemption in an earlier
        // scenario is credited to its deposit account, an issuance outside the gateway is booked
        // from suspense, so the dedicated account still equals DCJPY's supply
        block: async (t) => {
          await gatewayOf(t).sync();
          t.log(await gatewayOf(t).depositLine());
        },
      },
      dvpStep(1, (t) => t.p.seller.createSettlement({ terms: t.terms })),
      dvpStep(2, (t) => t.p.buyer.affirmSettlement({ terms: t.terms })),
      GATEWAY_ISSUE,
      dvpStep(5, (t) => t.p.agent.approveSettlement({ terms: t.terms })),
      dvpStep(
        6,
        (t) => t.p.buyer.settleSettlement({ terms: t.terms, authorization: true }),
        "pay with the signed authorization (4); ST delivered",
      ),
      GATEWAY_REDEEM,
    ],
  },
};

/** Runs one step of a scenario and records its line. */
async function runStep(t: Trade, step: Step): Promise<void> {
  if ("block" in step) return step.block(t);
  const action = typeof step.action === "string" ? step.action : step.action(t);
  if (!step.refused)
    return t.record(step.step, step.actor, action, (await step.run(t)) ?? undefined);
  try {
    await step.run(t);
  } catch (error) {
    if (error instanceof KessaiError)
      return t.record(step.step, step.actor, action, undefined, error.shortMessage);
    throw error;
  }
  throw new Error("the step was expected to be refused but went through");
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
  const tradeId = `${SCENARIO_TABLE[scenario].code}-${now}`;
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

  const record: Recorder = async (step, actor, action, tx, refused) => {
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
  const trade: Trade = {
    p,
    terms,
    symbol,
    bankReference,
    redemptionRef,
    buyerRefund,
    passDeadline: () => networkHelpers.time.increaseTo(terms.deadline + 1n),
    record,
    log,
  };
  for (const step of SCENARIO_TABLE[scenario].steps) await runStep(trade, step);

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
