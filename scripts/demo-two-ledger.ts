/**
 * The two-ledger scenarios of `npm start`: the security token on one chain (the ST ledger,
 * Hardhat network `stLedger`, chain 31338), DCJPY on another (the cash ledger, `cashLedger`,
 * chain 31339), both embedded in this process, and the verifier service (`@kessai/verifier`)
 * running in-process with its state in SQLite in a temporary folder. Each firm carries its own
 * side with the SDK's `settleCrossLedger`; the verifier decides on the cash ledger with a signed
 * order and, once the outcome there has its confirmations, signs the ST ledger's attestation and
 * presents it (it also serves it, for the parties to present themselves).
 *
 *   two-ledger-settle   the seller locks on the ST ledger, the buyer instructs on the cash ledger,
 *                       the verifier pays the seller and delivers the units to the buyer;
 *   two-ledger-refused  the issuer suspends the buyer after the lock: the verifier refuses, the
 *                       buyer's DCJPY comes back and the seller's units are released;
 *   two-ledger-never-pays  the buyer never instructs: once the cash ledger is past the deadline
 *                       the verifier returns the seller's units; nothing happens on the cash ledger;
 *   two-ledger-verifier-down  the verifier is stopped before the instruction: the lock and the
 *                       instruction wait, blocks pass, nothing is decided; it starts again on the
 *                       same SQLite file, catches up from its cursors and settles, once;
 *   two-ledger-relayer-killed  the service runs as two instances on one SQLite file, the verifier
 *                       (decides on the cash ledger, serves GET /settlements/<id>/attestation) and
 *                       the relayer (carries outcomes to the ST ledger); the relayer dies after the
 *                       payment, once it signed the attestation and before it presents it: the
 *                       buyer fetches the attestation and delivers itself (guarantee 1); the
 *                       relayer, started again, finds the units delivered and sends nothing.
 *
 * Run: `npm start` (with the single-chain scenarios) or `npx hardhat demo --scenario two-ledger-settle`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Wallet, ZeroAddress, formatUnits, id as keccakId, type Provider } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { openSqliteStore } from "@kessai/storage";
import {
  CashLedgerClient,
  StLedgerClient,
  buildCrossLedgerTerms,
  deriveCrossLedgerId,
  settleCrossLedger,
  type CrossLedgerProgressEvent,
  type CrossLedgerTerms,
} from "../packages/sdk/src/index.js";
import { Verifier, listenHttp, type VerifierOptions } from "../packages/verifier/src/index.js";
import { TWO_LEDGER_ACCOUNTS as A, deployTwoLedgers, devKey } from "./two-ledger-deploy.js";

export const TWO_LEDGER_SCENARIOS = [
  "two-ledger-settle",
  "two-ledger-refused",
  "two-ledger-never-pays",
  "two-ledger-verifier-down",
  "two-ledger-relayer-killed",
] as const;
export type TwoLedgerScenario = (typeof TWO_LEDGER_SCENARIOS)[number];

/** One firm's position across both ledgers: ST held (locked to the delivery contract) and DCJPY. */
export interface LedgerPosition {
  st: bigint;
  stLocked: bigint;
  dcjpy: bigint;
}

/** One line of a two-ledger timeline. */
export interface TwoLedgerEntry {
  step: string;
  actor: string;
  /** `ST` or `cash`: where the line's transaction went. */
  ledger: string;
  action: string;
  txHash?: string;
  gasUsed?: bigint;
  /** A second line under the action (the verifier's reason for a refusal). */
  note?: string;
  seller: LedgerPosition;
  buyer: LedgerPosition;
}

/** What one two-ledger scenario did. */
export interface TwoLedgerReport {
  scenario: TwoLedgerScenario;
  settlementId: string;
  /** `delivered` or `returned`. */
  finalStatus: string;
  /** The cash ledger's record at the end (`Paid`, `Refunded`). */
  cashState: string;
  /** The verifier's reason for its decision. */
  reason: string | undefined;
  timeline: TwoLedgerEntry[];
  before: { seller: LedgerPosition; buyer: LedgerPosition };
  after: { seller: LedgerPosition; buyer: LedgerPosition };
  /** DCJPY left in the payment contract's escrow at the end (0 when every decision landed). */
  escrow: bigint;
  /** Transactions the verifier's account sent in the scenario, per ledger (its nonces' moves). */
  serviceTxs: { st: number; cash: number };
}

const QUANTITY = 100n;
const AMOUNT = 998_000n;

/** Opens the two embedded ledgers and the verifier, runs the scenarios, stops everything. */
export async function runTwoLedgerDemo(
  network: { create(name: string): Promise<NetworkConnection> },
  options: { scenarios: readonly TwoLedgerScenario[]; log?: (line: string) => void },
): Promise<TwoLedgerReport[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const st = await network.create("stLedger");
  const cash = await network.create("cashLedger");
  const L = await deployTwoLedgers(st, cash);
  log("");
  log(
    `Kessai demo, two ledgers: the ST ledger "stLedger" (chain 31338, CrossLedgerDelivery ${short(L.delivery)}) ` +
      `and the cash ledger "cashLedger" (chain 31339, CrossLedgerPayment ${short(L.payment)})`,
  );
  const dir = await mkdtemp(path.join(tmpdir(), "kessai-demo-verifier-"));
  const dbFile = path.join(dir, "verifier.db");
  const key = devKey(A.verifier);
  /** Every instance opened, to stop them and close their stores at the end. */
  const opened: Verifier[] = [];
  /** An instance of the service on `dbFile` (its own connection), not started. */
  const openService = async (extra: Partial<VerifierOptions> = {}) => {
    const v = await Verifier.open({
      store: await openSqliteStore({ filename: dbFile }),
      ...serviceOptions,
      ...extra,
    });
    opened.push(v);
    return v;
  };
  /** Stops an instance and closes its store (the file stays). */
  const closeService = async (v: Verifier) => {
    await v.stop();
    if (opened.includes(v)) {
      opened.splice(opened.indexOf(v), 1);
      await v.store.close();
    }
  };
  const serviceOptions = {
    st: {
      sender: new Wallet(key, st.ethers.provider as unknown as Provider),
      contract: L.delivery,
    },
    cash: {
      sender: new Wallet(key, cash.ethers.provider as unknown as Provider),
      contract: L.payment,
    },
    attester: new Wallet(key),
    confirmations: 1,
    pollMs: 50,
    txPolicy: { pollIntervalMs: 20, stallCheckMs: 200 },
    backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
  } satisfies Omit<VerifierOptions, "store">;
  /** The service instance the scenarios talk to (replaced when it is stopped and started again). */
  let verifier = await openService();
  log(
    `The verifier ${short(new Wallet(key).address)} runs in this process, its state in SQLite (${dbFile})`,
  );
  verifier.start();
  const verifierAddress = new Wallet(key).address;
  try {
    const stSigners = await st.ethers.getSigners();
    const cashSigners = await cash.ethers.getSigners();
    const firm = async (i: number) => ({
      st: await StLedgerClient.connect({ runner: stSigners[i], delivery: L.delivery }),
      cash: await CashLedgerClient.connect({ runner: cashSigners[i], payment: L.payment }),
    });
    const seller = await firm(A.seller);
    const buyer = await firm(A.buyer);
    const bond = await st.ethers.getContractAt("StraightBondToken", L.bond);
    const dcjpy = await cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const registry = await st.ethers.getContractAt("InvestorRegistry", L.registry);
    const delivery = await st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    const symbol = await bond.symbol();
    /** `a`'s holdings; the DCJPY balance at cash-ledger block `cashBlock` when given. */
    const position = async (a: string, cashBlock?: number): Promise<LedgerPosition> => ({
      st: await bond.balanceOf(a),
      stLocked: await bond.lockedOf(L.delivery, a),
      dcjpy: await dcjpy.balanceOf(a, { blockTag: cashBlock ?? "latest" }),
    });
    const positions = async (cashBlock?: number) => ({
      seller: await position(seller.st.address, cashBlock),
      buyer: await position(buyer.cash.address, cashBlock),
    });

    const serviceNonces = async () => ({
      st: await st.ethers.provider.getTransactionCount(verifierAddress),
      cash: await cash.ethers.provider.getTransactionCount(verifierAddress),
    });
    /** Polls `done` every 25 ms, at most 30 s. */
    const until = async (what: string, done: () => boolean | Promise<boolean>) => {
      for (let i = 0; !(await done()); i++) {
        if (i > 1_200) throw new Error(`demo: ${what} did not come`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const PREFIX: Record<TwoLedgerScenario, string> = {
      "two-ledger-settle": "XSETTLE",
      "two-ledger-refused": "XREFUSE",
      "two-ledger-never-pays": "XNOPAY",
      "two-ledger-verifier-down": "XDOWN",
      "two-ledger-relayer-killed": "XKILLED",
    };

    const reports: TwoLedgerReport[] = [];
    for (const scenario of options.scenarios) {
      const refused = scenario === "two-ledger-refused";
      const neverPays = scenario === "two-ledger-never-pays";
      const now = BigInt((await cash.ethers.provider.getBlock("latest"))!.timestamp);
      const tradeId = `${PREFIX[scenario]}-${now}`;
      const terms: CrossLedgerTerms = buildCrossLedgerTerms({
        id: deriveCrossLedgerId({
          venue: "OTC",
          tradeId,
          tradeDate: new Date(Number(now) * 1000),
          seller: seller.st.address,
          buyer: buyer.cash.address,
          securityToken: L.bond,
          quantity: QUANTITY,
          amount: AMOUNT,
          stChainId: 31338,
          cashChainId: 31339,
        }),
        seller: seller.st.address,
        buyer: buyer.cash.address,
        stChainId: 31338,
        stLedger: L.delivery,
        securityToken: L.bond,
        quantity: QUANTITY,
        cashChainId: 31339,
        cashLedger: L.payment,
        cashToken: L.dcjpy,
        amount: AMOUNT,
        deadline: now + 3_600n,
        verifier: new Wallet(key).address,
      });
      log("");
      log(`== Scenario "${scenario}": trade ${tradeId}`);
      log(
        `   ${fmt(QUANTITY)} ${symbol} on the ST ledger for ${fmt(AMOUNT)} DCJPY on the cash ledger, ` +
          `seller ${short(terms.seller)}, buyer ${short(terms.buyer)}, settlement ID ${short(terms.id)}`,
      );
      // The firms' holdings for this trade: the issuer tops the seller up, the bank issues the
      // buyer's DCJPY against its deposit account (step 3, off the settlement's own path).
      const issuer = stSigners[A.issuer];
      const held = await bond.balanceOf(terms.seller);
      if (held < 1_000n)
        await (await bond.connect(issuer).issue(terms.seller, ZeroAddress, 1_000n - held)).wait();
      const before = await positions();
      const noncesBefore = await serviceNonces();
      const timeline: TwoLedgerEntry[] = [];
      log(header());
      log(row({ step: "", actor: "", ledger: "", action: "before", ...before }));
      // A row's holdings as of now, or (`cashBlock`) the cash ledger as its own transaction left
      // it: the verifier runs beside the demo and may already have acted on the cash ledger.
      const record = async (e: Omit<TwoLedgerEntry, "seller" | "buyer">, cashBlock?: number) => {
        const entry = { ...e, ...(await positions(cashBlock)) };
        timeline.push(entry);
        log(row(entry));
      };
      const bank = cashSigners[A.bank];
      const issued = await (
        await dcjpy.connect(bank).issue(terms.buyer, AMOUNT, keccakId(`DEBIT-${tradeId}`))
      ).wait();
      await record({
        step: "3",
        actor: "bank",
        ledger: "cash",
        action: `debit deposit account, issue ${fmt(AMOUNT)} DCJPY to the buyer`,
        txHash: issued!.hash,
        gasUsed: issued!.gasUsed,
      });

      /**
       * Step 5's line while it is being written: the buyer's workflow reports the decision before
       * anyone can report step 6 (the relay waits for the decision's confirmations), but the two
       * lines are written by two workflows, each after its own reads; step 6 waits for step 5.
       */
      let deciding: Promise<unknown> = Promise.resolve();
      let decisionSeen = false;
      /** What each party's workflow reports, as timeline lines (each step once). */
      const onProgress = (side: "seller" | "buyer") => async (e: CrossLedgerProgressEvent) => {
        if (e.status !== "done") return;
        if (side === "seller" && e.name === "lock" && e.txHash)
          return record({
            step: "1",
            actor: "seller firm",
            ledger: "ST",
            action: `lock ${fmt(QUANTITY)} ${symbol} to CrossLedgerDelivery with the terms`,
            txHash: e.txHash,
            gasUsed: e.gasUsed,
          });
        // Step 5 once, from the first workflow to see the decision (the seller's reports it
        // before its step 6 when it finds the outcome already carried across).
        if (e.name === "decide") {
          if (decisionSeen) return;
          decisionSeen = true;
          return (deciding = recordDecision());
        }
        if (side === "seller" && e.name !== "return") return;
        if (side === "buyer" && e.name === "instruct") {
          const mined = e.txHash
            ? await cash.ethers.provider.getTransactionReceipt(e.txHash)
            : null;
          return record(
            {
              step: "4",
              actor: "buyer firm",
              ledger: "cash",
              action: `approve and instruct: ${fmt(AMOUNT)} DCJPY into escrow`,
              txHash: e.txHash,
              gasUsed: e.gasUsed,
            },
            mined?.blockNumber,
          );
        }
        if (side === "buyer" && e.name === "deliver" && e.txHash) {
          // The buyer presents the attestation itself (the relayer is gone).
          await relayerGone;
          await deciding;
          return record({
            step: "6",
            actor: "buyer firm",
            ledger: "ST",
            action: `fetches the attestation, presents it: ${fmt(QUANTITY)} ${symbol} delivered`,
            txHash: e.txHash,
            gasUsed: e.gasUsed,
          });
        }
        if (
          ((side === "buyer" && e.name === "deliver") ||
            (side === "seller" && e.name === "return")) &&
          !timeline.some((x) => x.step === "6")
        ) {
          await deciding;
          const ev = await delivery.queryFilter(
            e.name === "deliver"
              ? delivery.filters.SettlementDelivered(terms.id)
              : delivery.filters.SettlementReturned(terms.id),
          );
          const r = await ev[0]?.getTransactionReceipt();
          return record({
            step: "6",
            actor: "verifier",
            ledger: "ST",
            action:
              e.name === "deliver"
                ? `signs and presents the attestation: ${fmt(QUANTITY)} ${symbol} delivered to the buyer`
                : `signs and presents the attestation: ${fmt(QUANTITY)} ${symbol} released to the seller`,
            txHash: r?.hash,
            gasUsed: r?.gasUsed,
            ...(neverPays
              ? { note: `reason: ${(await verifier.settlement(terms.id))?.reason}` }
              : {}),
          });
        }
      };
      /** Step 5's line: what the verifier ordered on the cash ledger, with its transaction. */
      const recordDecision = async () => {
        const paid = (await payment.stateOf(terms.id)) === 2n;
        const ev = await payment.queryFilter(
          paid
            ? payment.filters.SettlementPaid(terms.id)
            : payment.filters.SettlementRefunded(terms.id),
        );
        const r = await ev[0]?.getTransactionReceipt();
        const reason = (await verifier.settlement(terms.id))?.reason;
        return record({
          step: "5",
          actor: "verifier",
          ledger: "cash",
          action: paid
            ? "checks both ledgers, orders Paid: escrow paid to the seller"
            : "checks both ledgers, orders Refunded: escrow back to the buyer",
          ...(paid ? {} : { note: `reason: ${reason}` }),
          txHash: r?.hash,
          gasUsed: r?.gasUsed,
        });
      };
      /** Resolved once the relayer-killed scenario recorded the relayer's death (else at once). */
      let relayerGone: Promise<void> = Promise.resolve();
      const side = (s: "seller" | "buyer", extra: { verifierUrl?: string } = {}) =>
        settleCrossLedger({
          side: s,
          ...(s === "seller" ? seller : buyer),
          terms,
          pollMs: 50,
          timeoutMs: 60_000,
          onProgress: onProgress(s),
          ...(extra.verifierUrl
            ? {
                verifierUrl: extra.verifierUrl,
                selfRelayAfterMs: 0,
                // (asks once the relayer's death is on the timeline, so the lines keep their order)
                fetch: async (url: string | URL | Request, init?: RequestInit) => {
                  await relayerGone;
                  return fetch(url, init);
                },
              }
            : {}),
        });

      let result;
      if (scenario === "two-ledger-verifier-down") {
        await closeService(verifier);
        await record({
          step: "-",
          actor: "verifier",
          ledger: "",
          action: "stopped before the instruction (state kept in verifier.db)",
        });
        const sides = Promise.all([side("seller"), side("buyer")]);
        await until("the buyer's instruction", () => timeline.some((e) => e.step === "4"));
        // Blocks pass on both ledgers (more than the confirmations): nobody decides.
        for (let i = 0; i < 3; i++) {
          await st.provider.request({ method: "evm_mine" });
          await cash.provider.request({ method: "evm_mine" });
        }
        await new Promise((r) => setTimeout(r, 250));
        const waiting =
          (await payment.stateOf(terms.id)) === 1n && (await delivery.stateOf(terms.id)) === 1n;
        await record({
          step: "-",
          actor: "(wait)",
          ledger: "both",
          action: waiting
            ? "3 blocks later: locked, instructed, nothing decided"
            : "3 blocks later: decided without it (unexpected)",
        });
        verifier = await openService();
        verifier.start();
        await record({
          step: "-",
          actor: "verifier",
          ledger: "",
          action: "starts again on verifier.db, catches up from its cursors",
        });
        [result] = await sides;
      } else if (scenario === "two-ledger-relayer-killed") {
        // The service as two instances on verifier.db: the verifier decides on the cash ledger and
        // serves the attestations; the relayer carries outcomes to the ST ledger.
        await closeService(verifier);
        verifier = await openService({ topics: ["cash.decide"], worker: "demo-verifier" });
        const http = await listenHttp(verifier);
        let killed: () => void = () => undefined;
        const died = new Promise<void>((r) => (killed = r));
        const relayer = await openService({
          topics: ["st.relay"],
          worker: "demo-relayer",
          crashPoint: (point, id) => {
            if (point !== "attested" || id !== terms.id.toLowerCase()) return;
            // The relayer's process dies here: the attestation is signed and stored, nothing
            // sent to the ST ledger. (In-process: the round stops and the instance with it.)
            void relayer.stop();
            killed();
            throw new Error("demo: the relayer's process died");
          },
        });
        // The timeline in the order things happen on the ledgers: the payment (step 5, as the
        // buyer's workflow sees it), then the relayer's death, then the buyer's own delivery.
        relayerGone = died.then(async () => {
          await until("the payment", () => timeline.some((e) => e.step === "5"));
          await record({
            step: "-",
            actor: "relayer",
            ledger: "ST",
            action: "dies after signing the attestation, before presenting it",
          });
        });
        verifier.start();
        relayer.start();
        log(
          `   the verifier serves ${http.url}/settlements/<id>/attestation; the relayer runs beside it`,
        );
        try {
          [result] = await Promise.all([side("seller"), side("buyer", { verifierUrl: http.url })]);
          await relayerGone;
          await closeService(relayer);
          // Started again on the same file, the relayer picks its item up and finds it done.
          const again = await openService({ topics: ["st.relay"], worker: "demo-relayer-2" });
          const sent = await serviceNonces();
          await until("the restarted relayer's round", async () => {
            await again.tick();
            return (await again.metricsText()).includes(
              'kessai_verifier_outbox{status="pending"} 0',
            );
          });
          const idle = (await serviceNonces()).st === sent.st;
          await closeService(again);
          await record({
            step: "-",
            actor: "relayer",
            ledger: "ST",
            action: idle
              ? "started again: finds the units delivered, sends nothing"
              : "started again: sent on the ST ledger (unexpected)",
          });
        } finally {
          await http.close();
          await closeService(relayer);
          await closeService(verifier);
          verifier = await openService();
          verifier.start();
        }
      } else if (neverPays) {
        // The seller locks; the buyer does nothing; the cash ledger's clock passes the deadline.
        const sellerSide = side("seller");
        await until("the seller's lock", () => timeline.some((e) => e.step === "1"));
        await cash.provider.request({ method: "evm_increaseTime", params: [3_601] });
        await cash.provider.request({ method: "evm_mine" });
        await record({
          step: "-",
          actor: "(time)",
          ledger: "cash",
          action: "the deadline passes on the cash ledger; the buyer never instructed",
        });
        result = await sellerSide;
      } else if (!refused) {
        [result] = await Promise.all([side("seller"), side("buyer")]);
      } else {
        // The seller locks while the buyer is still eligible; the issuer then suspends the buyer.
        const locked = await seller.st.lock({ terms });
        await record({
          step: "1",
          actor: "seller firm",
          ledger: "ST",
          action: `lock ${fmt(QUANTITY)} ${symbol} to CrossLedgerDelivery with the terms`,
          txHash: locked.hash,
          gasUsed: locked.gasUsed,
        });
        const suspended = await (await registry.connect(issuer).suspend(terms.buyer)).wait();
        await record({
          step: "-",
          actor: "issuer",
          ledger: "ST",
          action: "suspend the buyer in the ST register",
          txHash: suspended!.hash,
          gasUsed: suspended!.gasUsed,
        });
        try {
          // The seller's side ends when the units are back; the buyer's when its DCJPY is.
          [result] = await Promise.all([side("seller"), side("buyer")]);
        } finally {
          await (await registry.connect(issuer).reinstate(terms.buyer)).wait();
        }
      }
      const after = await positions();
      const escrow = await dcjpy.balanceOf(L.payment);
      const reason = (await verifier.settlement(terms.id))?.reason;
      const noncesAfter = await serviceNonces();
      log(
        `   final: ${result.status} on the ST ledger, ${result.cashState} on the cash ledger; ` +
          `escrow ${fmt(escrow)} DCJPY; locked to CrossLedgerDelivery: seller ${fmt(after.seller.stLocked)} ${symbol}`,
      );
      reports.push({
        scenario,
        settlementId: terms.id,
        finalStatus: result.status,
        cashState: result.cashState,
        reason,
        timeline,
        before,
        after,
        escrow,
        serviceTxs: {
          st: noncesAfter.st - noncesBefore.st,
          cash: noncesAfter.cash - noncesBefore.cash,
        },
      });
    }
    return reports;
  } finally {
    for (const v of [...opened]) await closeService(v);
    await rm(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ formatting

function fmt(value: bigint): string {
  return Number(formatUnits(value, 0)).toLocaleString("en-US");
}

function short(hex: string): string {
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

function pos(p: LedgerPosition): string {
  const locked = p.stLocked > 0n ? ` (${fmt(p.stLocked)}L)` : "";
  return `${fmt(p.st)}${locked} / ${fmt(p.dcjpy)}`;
}

const COLUMNS = [4, 12, 5, 60, 13, 9, 22, 22] as const;

function line(cells: string[]): string {
  return cells.map((c, i) => (i === 5 ? c.padStart(COLUMNS[i]) : c.padEnd(COLUMNS[i]))).join(" ");
}

function header(): string {
  return line([
    "step",
    "actor",
    "chain",
    "action",
    "tx",
    "gas",
    "seller ST / DCJPY",
    "buyer ST / DCJPY",
  ]).trimEnd();
}

function row(e: Omit<TwoLedgerEntry, "txHash" | "gasUsed"> & Partial<TwoLedgerEntry>): string {
  const main = line([
    e.step,
    e.actor,
    e.ledger,
    e.action,
    e.txHash ? short(e.txHash) : "",
    e.gasUsed !== undefined ? fmt(e.gasUsed) : "",
    pos(e.seller),
    pos(e.buyer),
  ]).trimEnd();
  return e.note ? `${main}\n${" ".repeat(24)}↳ ${e.note}` : main;
}
