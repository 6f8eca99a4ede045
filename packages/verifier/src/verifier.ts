/**
 * The verifier service (DeCurret DCP's role in step 5) and relayer of the two-ledger mode.
 *
 * One loop, four steps, each safe to interrupt at any point:
 * 1. **watch** each ledger: the logs of its contract from the block after the cursor up to the
 *    newest block with `confirmations` confirmations go into the inbox, and their effect into
 *    `verifier_settlements`, with the cursor, in one database transaction per range (so an event
 *    is applied once);
 * 2. **decide** each instructed, undecided settlement: both records with the same terms hash,
 *    the ST record `Locked`, `canTransfer(seller, buyer, 0)` on the security token (rules 1-7; the
 *    units themselves are the lock's), and the cash ledger's clock at least `deadlineMarginSec`
 *    before the deadline; `Paid` when all hold, `Refunded` (with the reason) when one fails for
 *    good, a plain `refund` once the deadline passed. The decision, its signed *order* to the
 *    cash ledger (`PaymentOrder`, under the payment contract's domain: worthless on the ST
 *    ledger) and its outbox item (`cash.decide`) are written in one transaction, once;
 * 3. **send the decision** to the cash ledger (`pay`, `refuse` or `refund`) through the SDK's
 *    transaction engine, keyed `cash:<id>`, journaled in the same database. Immediately before
 *    each send of `pay` the cash ledger's clock is read again: with less than the margin left, the
 *    service sends `refuse` instead (key `cash:<id>:refuse`); else `pay` goes with an engine
 *    deadline no later than the settlement's deadline, so no retry or fee bump of it is sent later;
 * 4. **relay the outcome**: when the cash ledger's `SettlementPaid` / `SettlementRefunded` has
 *    its confirmations, step 1 enqueues `st.relay`, which only then signs the ST ledger's
 *    `Outcome` attestation of that outcome and presents it (`deliver` / `returnToSeller`), keyed
 *    `st:<id>` (`st:<id>:<terms hash>` when a send there was built for another lock of the ID);
 *    a delivery the token refuses is retried with backoff and reported. A lock the
 *    buyer never instructed gets the same `Refunded` relay once a confirmed block of the cash
 *    ledger is past its deadline, and so does a lock confirmed only after the cash ledger's
 *    refund (outbox key `<id>:late-lock`: the refund's own relay found no lock and is done), or
 *    after a payment whose lock a resync of the ST ledger took away (`<id>:paid-lock`).
 *
 * So the key to the ST ledger exists only for an outcome the cash ledger shows with k
 * confirmations: a `pay` that is late, reverted or still in the mempool reveals nothing usable.
 *
 * Outbox items are delivered at least once; every handler first reads the contract's state and
 * does nothing when the step is already done, and the engine's journal makes a send that was
 * already signed wait for that transaction instead of signing another.
 */
import { randomUUID } from "node:crypto";
import {
  Contract,
  Interface,
  isError,
  type Log,
  type Provider,
  type Result,
  type Signer,
} from "ethers";
import {
  ContractError,
  DEFAULT_TX_POLICY,
  TxEngine,
  carriesCall,
  contracts,
  decodeRevertData,
  findRevertData,
  findRpcError,
  NetworkError,
  NodeError,
  toKessaiError,
  type JournalEntry,
  type TxPolicy,
} from "@kessai/sdk";
import {
  buildingBlocks,
  cursors,
  DatabaseClock,
  decodeJson,
  encodeJson,
  encodeTime,
  groupCommit,
  inbox,
  journal as journals,
  outbox,
  sql,
  type BackoffPolicy,
  type GroupCommit,
  type Store,
  type Tx,
} from "@kessai/storage";
import { VerifierConfigError, VerifierReorgError } from "./errors.js";
import { StoreJournal, TX_JOURNAL_NAMESPACE } from "./journal.js";
import { encodeTermsCall, watchedEvent, type EventPayload } from "./wire.js";
import { databaseTime, verifierMigrations } from "./schema.js";
import {
  Outcome,
  signOrder,
  signOutcome,
  termsHash,
  toTerms,
  type CrossLedgerTerms,
  type OutcomeValue,
  type TermsJson,
} from "./terms.js";

/** A structured logger (pino's signature); the default discards everything. */
export interface VerifierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const SILENT: VerifierLogger = { info() {}, warn() {}, error() {} };

/** One ledger as the service sees it. */
export interface LedgerOptions {
  /** The account that sends this ledger's transactions (a local key: the engine signs). */
  sender: Signer;
  /** The contract: `CrossLedgerDelivery` on the ST ledger, `CrossLedgerPayment` on the cash ledger. */
  contract: string;
  /** First block to watch (default 0: the contract's deployment block or earlier). */
  fromBlock?: number;
}

/** Options of {@link Verifier.open}. */
export interface VerifierOptions {
  /** The database (`openStore("sqlite:...")` or PostgreSQL), migrated by `open`. */
  store: Store;
  st: LedgerOptions;
  cash: LedgerOptions;
  /** The key named `verifier` in the terms: signs the orders and the outcome attestations. */
  attester: Signer;
  /** Confirmations before the service acts on an event, and for its own sends (default 2). */
  confirmations?: number;
  /**
   * Seconds of the cash ledger's clock that must remain before the deadline to decide `Paid`, and
   * again immediately before each send of `pay` (default 60): with less, the service refuses
   * instead, so that a `pay` it sends has time to be mined. (A late `pay` only reverts: the ST
   * ledger's attestation is signed after the payment is confirmed, never before.)
   */
  deadlineMarginSec?: number;
  /** Policy of the transaction engines (timeouts, fee bumps, polling). */
  txPolicy?: TxPolicy;
  /** Retry schedule of the outbox (default: the storage layer's, 1 s doubling to 5 min). */
  backoff?: BackoffPolicy;
  /**
   * Lease of an outbox claim, ms (default 120,000). While an item is worked on, its lease is
   * extended every third of this (a heartbeat), so no other instance on the database claims it
   * however long its send takes (the engine's `timeoutMs`, 5 minutes by default); a crashed
   * worker's items wait at most this long after its last heartbeat. The running loop's liveness
   * record (`verifier_instances`, see {@link Verifier.start}) lapses this long after its last
   * renewal too.
   */
  leaseMs?: number;
  /** Milliseconds between two rounds of the loop (default 1,000). */
  pollMs?: number;
  /** Largest block range of one `eth_getLogs` (default 2,000). */
  maxBlockRange?: number;
  /**
   * Outbox items (sends to either ledger) handled at once in a round (default 256). Each waits
   * for its transaction's confirmations; the engine numbers the sends of each account in one
   * queue, so they share blocks instead of waiting for one another.
   */
  concurrency?: number;
  /** Settlements decided at once in a round (their reads overlap; default 256). */
  decideConcurrency?: number;
  /** Name of this worker in the outbox (default `verifier-<pid>`). */
  worker?: string;
  /**
   * The outbox work this instance does (default both): `cash.decide` sends decisions to the cash
   * ledger, `st.relay` carries outcomes to the ST ledger. Instances that share a database may
   * split them (e.g. one relayer per ledger).
   */
  topics?: readonly ("cash.decide" | "st.relay")[];
  logger?: VerifierLogger;
  /**
   * Test hook, unset in service use: called at each named {@link CrashPoint} of a settlement's
   * flow, once what precedes the point is durable. The kill -9 tests pass a function that
   * SIGKILLs the process there (packages/verifier/test/crash-verifier.ts).
   */
  crashPoint?: (point: CrashPoint, id: string) => void;
}

/**
 * Where {@link VerifierOptions.crashPoint} is called, in the order a settlement passes them:
 * - `event.<name>`: the watch transaction that recorded the event (`DeliveryRegistered`,
 *   `PaymentInstructed`, `SettlementPaid`, ...) and its effect has committed;
 * - `decided`: the decision, its order and its `cash.decide` outbox item have committed;
 * - `tx.<fn>.<state>`: the transaction engine's journal entry of `pay`, `refuse`, `refund`,
 *   `deliver` or `returnToSeller` is written in state `intent` (nothing signed), `signed` (signed,
 *   not broadcast yet), `mined` (fewer confirmations than asked) or `confirmed` (the outbox item
 *   not marked done yet);
 * - `attested`: the ST ledger's attestation is signed and stored, nothing sent with it yet;
 * - `voiding`: unlike the others, inside the watch transaction that voids a held return (a lock
 *   of the ID under other terms), its writes made and not committed: a kill there loses the whole
 *   transaction (the kill right after it is `event.DeliveryRegistered`).
 */
export type CrashPoint =
  `event.${string}` | "decided" | `tx.${string}.${string}` | "attested" | "voiding";

/** What one settlement looks like to the service. */
export interface SettlementView {
  id: string;
  stTerms: CrossLedgerTerms | undefined;
  stState: string;
  cashTerms: CrossLedgerTerms | undefined;
  cashState: string;
  decision: "paid" | "refunded" | "refund" | undefined;
  reason: string | undefined;
  /** Why the service leaves this settlement alone (its terms name another verifier), if so. */
  notOurs: string | undefined;
}

/** The ST ledger's attestation of a settlement's outcome, as {@link Verifier.attestation} gives it. */
export interface PublishedAttestation {
  id: string;
  /** `paid`: present it to `deliver`; `refunded`: to `returnToSeller`. */
  outcome: "paid" | "refunded";
  /** The verifier's EIP-712 `Outcome` signature under the delivery contract's domain. */
  attestation: string;
  /** The terms it is for (the ST ledger's, as recorded), integers as decimal strings. */
  terms: TermsJson;
}

/** What one round did. */
export interface TickReport {
  events: { st: number; cash: number };
  decided: number;
  sent: number;
  retrying: number;
  dead: number;
}

type Side = "st" | "cash";

/** One readiness check of {@link Verifier.health}. */
export interface HealthCheck {
  ok: boolean;
  /** A chain's newest block number, when it answered. */
  block?: number;
  /** Why the check failed. */
  error?: string;
}

/** The body of `/healthz`: `ok` when every check passed, else `unavailable` (HTTP 503). */
export interface HealthReport {
  status: "ok" | "unavailable";
  checks: { st: HealthCheck; cash: HealthCheck; database: HealthCheck };
}

const DELIVERY_STATE = ["none", "locked", "delivered", "returned", "failed"] as const;
const PAYMENT_STATE_NAMES = ["none", "instructed", "paid", "refunded"] as const;
/**
 * Puts an item that already ran (done or dead) back in the queue, due now, with attempts to spare;
 * any other item, or none, is left as it is.
 */
async function rearm(
  tx: Tx,
  topic: string,
  key: string,
  now: ReturnType<typeof encodeTime>,
): Promise<void> {
  await tx.run(sql`UPDATE kessai_outbox SET status = 'pending', due_at = ${now},
    updated_at = ${now}, finished_at = NULL, result = NULL, max_attempts = attempts + 1000
    WHERE topic = ${topic} AND idempotency_key = ${key} AND status IN ('done', 'dead')`);
}

/**
 * An `st.relay` item's payload: the outcome to carry to the ST ledger and, for the return of a
 * lock never instructed by its deadline, the hash of the terms that return was decided for.
 */
interface RelayPayload {
  outcome: OutcomeValue;
  terms?: string;
}

/**
 * A held return voided by a lock under other terms: the settlement, the hashes of the terms it was
 * decided for and of the lock's, and the state of its send when that is kept.
 */
interface VoidedReturn {
  id: string;
  decided: string;
  locked: string;
  send: string | undefined;
}

/** Journal states of a send that can no longer be mined: a void return's send in one goes too. */
const VOID_SENDS: ReadonlySet<string> = new Set(["intent", "reverted", "replaced"]);

/** The relay owed to a lock seen after the cash ledger's outcome, by that outcome (`cash_state`). */
const LATE_LOCK: Record<string, { suffix: string; outcome: OutcomeValue } | undefined> = {
  refunded: { suffix: "late-lock", outcome: Outcome.Refunded },
  paid: { suffix: "paid-lock", outcome: Outcome.Paid },
};

/** The events the service records, per ledger (the contracts' other events are not its concern). */
const WATCHED: Record<Side, ReadonlySet<string>> = {
  st: new Set([
    "DeliveryRegistered",
    "SettlementDelivered",
    "SettlementReturned",
    "SettlementWaived",
    "SettlementFailed",
  ]),
  cash: new Set(["PaymentInstructed", "SettlementPaid", "SettlementRefunded"]),
};

/** EIP-1559 fee fields of a send; empty to let the engine read the market itself. */
type FeeFields = { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };
type RawSend = (method: string, params: unknown[]) => Promise<unknown>;
/** How long a reading of the market's fees serves the sends of a ledger, ms. */
const FEE_CACHE_MS = 1_000;

/** Counters for `/metrics` (Prometheus text by {@link Verifier.metricsText}). */
interface Counters {
  events: Record<Side, number>;
  decisions: Record<"paid" | "refunded" | "refund", number>;
  sends: Record<Side, number>;
  refusedDeliveries: number;
  /** Paid decisions turned into `refuse` because the deadline came too close before the send. */
  latePays: number;
  /** Settlements recorded as not this service's (their terms name another verifier). */
  notOurs: number;
  /** Locks returned to the seller because the buyer never instructed by the deadline. */
  expired: number;
  /** Such returns made void because the ID was locked again under other terms. */
  voidedReturns: number;
  failures: number;
}

export class Verifier {
  readonly store: Store;
  readonly confirmations: number;
  private readonly o: Required<
    Pick<
      VerifierOptions,
      | "deadlineMarginSec"
      | "leaseMs"
      | "pollMs"
      | "maxBlockRange"
      | "worker"
      | "concurrency"
      | "decideConcurrency"
    >
  > &
    VerifierOptions;
  private readonly log: VerifierLogger;
  private readonly chains: Record<
    Side,
    { chainId: number; provider: Provider; engine: TxEngine; contract: string; iface: Interface }
  >;
  private readonly delivery: Contract;
  private readonly payment: Contract;
  private readonly counters: Counters = {
    events: { st: 0, cash: 0 },
    decisions: { paid: 0, refunded: 0, refund: 0 },
    sends: { st: 0, cash: 0 },
    refusedDeliveries: 0,
    latePays: 0,
    notOurs: 0,
    expired: 0,
    voidedReturns: 0,
    failures: 0,
  };
  /** Per verifier address named in terms: undefined when this service signs for it, else why not. */
  private readonly verifiers = new Map<string, string | undefined>();
  /** Per ledger, the deep reorg that halts the rounds, while it does. */
  private readonly reorged: Record<Side, VerifierReorgError | undefined> = {
    st: undefined,
    cash: undefined,
  };
  /** The service's writes (and the engines' journal) share commits: see {@link groupCommit}. */
  private readonly commits: GroupCommit;
  /** Per ledger, the fees of its sends as last read ({@link marketFees}). */
  private readonly fees: Record<Side, { at: number; fees: Promise<FeeFields> } | undefined> = {
    st: undefined,
    cash: undefined,
  };
  /** The cash ledger's clock as last read ({@link cashClock}). */
  private clock: { at: number; timestamp: Promise<bigint> } | undefined;
  /**
   * The database's clock, its offset from this host's read at the start of the round: the
   * outbox's due times and leases are written on it ({@link now}), as the liveness record is, so
   * that resync compares them there whatever this host's clock says; and so are the settlements'
   * `decided_at` and `updated_at`, so that a record's times follow its events' whatever host wrote
   * them.
   */
  private readonly dbClock = new DatabaseClock();
  /** Security tokens named in terms, by address (a contract object each, not one per read). */
  private readonly tokens = new Map<
    string,
    ReturnType<typeof contracts.SecurityToken__factory.connect>
  >();
  /** Terms as recorded (their JSON text) to terms: a record's terms never change once written. */
  private readonly parsed = new Map<string, CrossLedgerTerms>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  private constructor(
    o: Verifier["o"],
    chains: Verifier["chains"],
    delivery: Contract,
    payment: Contract,
    commits: GroupCommit,
  ) {
    this.o = o;
    this.commits = commits;
    this.store = o.store;
    this.confirmations = o.confirmations ?? 2;
    this.log = o.logger ?? SILENT;
    this.chains = chains;
    this.delivery = delivery;
    this.payment = payment;
  }

  /**
   * Checks the configuration against both chains, migrates the database and returns the service
   * (not started: call {@link start}, or drive {@link tick} yourself). Throws
   * {@link VerifierConfigError} for a ledger without a provider, two ledgers on one chain, or an
   * address without the expected contract.
   */
  static async open(options: VerifierOptions): Promise<Verifier> {
    const o = {
      deadlineMarginSec: 60,
      leaseMs: 120_000,
      pollMs: 1_000,
      maxBlockRange: 2_000,
      concurrency: 256,
      decideConcurrency: 256,
      worker: `verifier-${process.pid}`,
      ...options,
    };
    const confirmations = o.confirmations ?? 2;
    if (!Number.isInteger(confirmations) || confirmations < 1)
      throw new VerifierConfigError(
        "confirmations",
        `must be an integer >= 1, got ${confirmations}`,
      );
    const crash = o.crashPoint;
    const commits = groupCommit(o.store);
    const journal = new StoreJournal(
      o.store,
      undefined,
      crash &&
        ((e) =>
          crash(
            `tx.${(e.action ?? "send").replace(/^verifier\./, "")}.${e.state}`,
            e.key.slice(e.key.indexOf(":") + 1).split(":")[0]!,
          )),
      commits,
    );
    const side = async (name: Side, l: LedgerOptions, abi: Interface, probe: string) => {
      const provider = l.sender.provider;
      if (!provider) throw new VerifierConfigError(`${name}.sender`, "has no provider");
      const chainId = Number((await provider.getNetwork()).chainId);
      if ((await provider.getCode(l.contract)) === "0x")
        throw new VerifierConfigError(
          `${name}.contract`,
          `no contract at ${l.contract} on chain ${chainId}`,
        );
      try {
        await new Contract(l.contract, abi, provider).getFunction(probe).staticCall();
      } catch (e) {
        // A node that does not answer says nothing about the contract: its error, as it is.
        const k = toKessaiError(e);
        if (k instanceof NetworkError && !(k instanceof NodeError)) throw e;
        throw new VerifierConfigError(
          `${name}.contract`,
          `${l.contract} on chain ${chainId} is not a ${name === "st" ? "CrossLedgerDelivery" : "CrossLedgerPayment"}`,
        );
      }
      const engine = new TxEngine(l.sender, {
        journal,
        policy: { confirmations, ...o.txPolicy },
      });
      return { chainId, provider, engine, contract: l.contract, iface: abi };
    };
    const deliveryAbi = contracts.CrossLedgerDelivery__factory.createInterface();
    const paymentAbi = contracts.CrossLedgerPayment__factory.createInterface();
    // Both ledgers checked at once; a failure of the ST ledger's is reported first.
    const checks = [
      side("st", o.st, deliveryAbi as unknown as Interface, "eip712Domain"),
      side("cash", o.cash, paymentAbi as unknown as Interface, "OUTCOME_TYPEHASH"),
    ] as const;
    await Promise.allSettled(checks);
    const st = await checks[0];
    const cash = await checks[1];
    if (st.chainId === cash.chainId)
      throw new VerifierConfigError("cash", `both ledgers are chain ${st.chainId}`);
    await o.store.migrate([...buildingBlocks, verifierMigrations]);
    const delivery = new Contract(o.st.contract, st.iface, st.provider);
    const payment = new Contract(o.cash.contract, cash.iface, cash.provider);
    return new Verifier(o, { st, cash }, delivery, payment, commits);
  }

  // ---------------------------------------------------------------- the loop

  /**
   * Runs {@link tick} every `pollMs` until {@link stop}; a failed round is logged and retried. A
   * round whose sends were confirmed is followed by the next one at once, without the pause: what
   * they confirmed (a `pay`'s `SettlementPaid`, in a block with k confirmations since the engine
   * confirmed the `pay` only then) is watched and relayed straight away, not `pollMs` later.
   * While the loop runs, idle or busy, its liveness record is kept (`verifier_instances`: `kessai
   * verifier resync` refuses while it is alive).
   */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    const alive = this.keepAlive();
    this.running = (async () => {
      await alive.first;
      let delay = this.o.pollMs;
      let backoff = this.o.pollMs;
      while (!this.stopping) {
        try {
          const r = await this.tick();
          backoff = this.o.pollMs;
          delay = r.sent > 0 ? 0 : this.o.pollMs;
        } catch (e) {
          this.counters.failures++;
          // A node or the database unreachable: back off (doubling, at most 30 s).
          delay = backoff = Math.min(backoff * 2, 30_000);
          this.log.error({ err: String(e), retryInMs: delay }, "round failed");
        }
        if (this.stopping) break;
        await new Promise<void>((r) => {
          const t = setTimeout(r, delay);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
      await alive.end();
    })();
  }

  /**
   * The service's liveness record (`verifier_instances`) while the loop runs, idle or busy: a row
   * of its own, keyed by an instance id drawn at random for this start (the worker name is not
   * unique: the default `verifier-<pid>` is the same for two containers that each run as pid 1),
   * written now, its `alive_until` (now + `leaseMs`, on the database's clock, which resync
   * compares it with) renewed every third of `leaseMs` by a timer of its own (a long round does
   * not hold it back), deleted by `end()`, which deletes no other service's row. A service
   * killed outright leaves a row that lapses `leaseMs` after its last renewal. `kessai verifier
   * resync` refuses while a row is alive. A failed write (the database unreachable) is logged;
   * the next renewal writes it again.
   */
  private keepAlive(): { first: Promise<void>; end: () => Promise<void> } {
    const worker = this.o.worker;
    const instance = randomUUID();
    let last: Promise<void> = Promise.resolve();
    const write = () =>
      this.store
        .run(
          sql`INSERT INTO verifier_instances (instance, worker, pid, started_at, alive_until)
            VALUES (${instance}, ${worker}, ${process.pid}, ${databaseTime()},
              ${databaseTime(this.o.leaseMs)})
            ON CONFLICT (instance) DO UPDATE SET alive_until = excluded.alive_until`,
        )
        .then(
          () => undefined,
          (e: unknown) =>
            this.log.error({ err: String(e), worker, instance }, "liveness not recorded"),
        );
    // One write at a time, so the row's removal comes after the last renewal.
    const beat = () => (last = last.then(write));
    const timer = setInterval(() => void beat(), Math.max(1, Math.floor(this.o.leaseMs / 3)));
    timer.unref?.();
    return {
      first: beat(),
      end: async () => {
        clearInterval(timer);
        await last;
        await this.store
          .run(sql`DELETE FROM verifier_instances WHERE instance = ${instance}`)
          .catch((e: unknown) =>
            this.log.error({ err: String(e), worker, instance }, "liveness not removed"),
          );
      },
    };
  }

  /** Stops the loop after the current round. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  /**
   * One round: watch both ledgers, decide, then work through the due outbox items (decisions to
   * the cash ledger, outcomes to the ST ledger).
   */
  async tick(): Promise<TickReport> {
    await this.dbClock.sync(this.store);
    // Sends a previous process had signed and not seen confirmed are watched again (once).
    await Promise.all([this.chains.st.engine.resumeOpen(), this.chains.cash.engine.resumeOpen()]);
    this.clock = undefined;
    const events = { st: await this.watch("st"), cash: await this.watch("cash") };
    await this.endKeptReturns();
    const decided = await this.decideAll();
    let sent = 0;
    let retrying = 0;
    let dead = 0;
    for (;;) {
      this.clock = undefined;
      const r = await outbox.processBatch(this.store, {
        worker: this.o.worker,
        topics: this.o.topics ?? ["cash.decide", "st.relay"],
        limit: this.o.concurrency,
        leaseMs: this.o.leaseMs,
        heartbeatMs: Math.max(1, Math.floor(this.o.leaseMs / 3)),
        commits: this.commits,
        backoff: this.o.backoff,
        handler: (c, { signal }) => this.handle(c, signal),
        isPermanent: (e) => e instanceof PermanentError,
        clock: () => this.now(),
      });
      sent += r.done;
      retrying += r.retrying;
      dead += r.dead;
      if (r.claimed === 0 || r.done === 0) break;
    }
    return { events, decided, sent, retrying, dead };
  }

  // ---------------------------------------------------------------- 1. watch

  /** Records the confirmed events of one ledger since its cursor; returns how many were new. */
  async watch(side: Side): Promise<number> {
    const c = this.chains[side];
    const consumer = `verifier.${side}`;
    const cursor = await cursors.get(this.store, { consumer, chainId: c.chainId });
    // The cursor's block and the head, read together (one round trip, not two).
    const [b, head] = await Promise.all([
      cursor ? c.provider.getBlock(cursor.blockNumber) : undefined,
      c.provider.getBlockNumber(),
    ]);
    if (cursor) {
      if (b?.hash?.toLowerCase() !== cursor.blockHash.toLowerCase()) {
        // Deeper than the confirmations: what was recorded from that block may be gone. Every
        // round stops here (nothing decided, sent or relayed) until the block is back or an
        // operator looks; /healthz reports the ledger unavailable, /metrics the halt.
        const err = new VerifierReorgError(
          side,
          cursor.blockNumber,
          cursor.blockHash,
          b?.hash ?? undefined,
        );
        if (!this.reorged[side]) this.log.error({ ledger: side, err: err.message }, "deep reorg");
        this.reorged[side] = err;
        throw err;
      }
      this.reorged[side] = undefined;
    }
    const safe = head - (this.confirmations - 1);
    let from = cursor
      ? cursor.blockNumber + 1
      : ((side === "st" ? this.o.st : this.o.cash).fromBlock ?? 0);
    let recorded = 0;
    const seen: EventPayload[] = [];
    // Held returns the transaction voids: counted and logged once it commits (PostgreSQL may run
    // it again after a serialization failure, and the attempt rolled back voided nothing).
    const voided: VoidedReturn[] = [];
    while (from <= safe) {
      const to = Math.min(safe, from + this.o.maxBlockRange - 1);
      const [logs, block] = await Promise.all([
        c.provider.getLogs({ address: c.contract, fromBlock: from, toBlock: to }),
        c.provider.getBlock(to),
      ]);
      if (!block?.hash) throw new Error(`${side} ledger: no block ${to}`);
      recorded += await this.store.transaction(async (tx) => {
        let n = 0;
        seen.length = 0;
        voided.length = 0;
        for (const log of logs) {
          const payload = watchedEvent(WATCHED[side], c.iface, log);
          if (!payload) continue;
          const { recorded: isNew } = await inbox.record(tx, {
            consumer,
            event: {
              chainId: c.chainId,
              blockNumber: log.blockNumber,
              blockHash: log.blockHash,
              txHash: log.transactionHash,
              logIndex: log.index,
            },
            payload,
          });
          if (!isNew) continue;
          n++;
          seen.push(payload);
          await this.apply(tx, side, payload, log, voided);
        }
        await cursors.advance(tx, {
          consumer,
          chainId: c.chainId,
          blockNumber: to,
          blockHash: block.hash!,
        });
        return n;
      });
      for (const v of voided.splice(0)) {
        this.counters.voidedReturns++;
        this.log.warn(v, "held return void: the lock came back under other terms");
      }
      for (const e of seen.splice(0)) this.o.crashPoint?.(`event.${e.name}`, e.id);
      from = to + 1;
    }
    this.counters.events[side] += recorded;
    return recorded;
  }

  /** The effect of one new event on the settlement's row (inside the watch transaction). */
  private async apply(
    tx: Tx,
    side: Side,
    e: EventPayload,
    log: Log,
    voided: VoidedReturn[],
  ): Promise<void> {
    const id = e.id;
    const now = encodeTime(this.now());
    await tx.run(sql`INSERT INTO verifier_settlements (id, updated_at) VALUES (${id}, ${now})
      ON CONFLICT (id) DO NOTHING`);
    const set = async (column: "st_state" | "cash_state", state: string) => {
      await tx.run(sql`UPDATE verifier_settlements SET ${sql.id(column)} = ${state}, updated_at = ${now}
        WHERE id = ${id}`);
    };
    if (side === "st") {
      switch (e.name) {
        case "DeliveryRegistered": {
          await tx.run(sql`UPDATE verifier_settlements SET st_terms = ${encodeJson(e.terms)},
            st_state = 'locked', updated_at = ${now} WHERE id = ${id}`);
          // A lock confirmed after the cash ledger's outcome was (that outcome's own relay found
          // no lock and is done): a refund after the deadline, or, after a resync of the ST ledger
          // that took away the lock and its delivery, a payment. The outcome stands, so carry it
          // to this lock too, under its own key (`<id>:late-lock`, `<id>:paid-lock`), put back in
          // the queue if it ran for an earlier lock. Its send shares the key `st:<id>` with every
          // relay of the settlement, and the relay reads the record first, so the ST ledger still
          // sees one outcome, once.
          const row = await tx.get(
            sql`SELECT cash_state FROM verifier_settlements WHERE id = ${id}`,
          );
          const late = LATE_LOCK[row?.cash_state as string];
          if (late) await this.enqueueLateLock(tx, id, late, now);
          // Else a return decided for other terms (the deadline of an earlier lock of this ID
          // passed, never instructed; a resync took that lock away) is void: this lock is decided
          // afresh under its own terms.
          else if (!(await this.voidReturnForOtherTerms(tx, id, e.terms, now, voided)))
            // Else a relay of the settlement's own key that already ran found no lock (a return
            // after the deadline whose lock a resync took away, its send held): it runs again for
            // this lock. The relay reads the record first and skips one no longer locked, and its
            // send is keyed `st:<id>`, so a relay already done sends nothing twice.
            await rearm(tx, "st.relay", id, now);
          break;
        }
        case "SettlementDelivered":
          await set("st_state", "delivered");
          break;
        case "SettlementReturned":
          await set("st_state", "returned");
          break;
        case "SettlementWaived":
          await set("st_state", "waived");
          break;
        case "SettlementFailed":
          await set("st_state", "failed");
          this.log.warn(
            { id, tx: log.transactionHash },
            "the issuer ended the settlement on the ST ledger",
          );
          break;
      }
      return;
    }
    switch (e.name) {
      case "PaymentInstructed":
        await tx.run(sql`UPDATE verifier_settlements SET cash_terms = ${encodeJson(e.terms)},
          cash_state = 'instructed', updated_at = ${now} WHERE id = ${id}`);
        // Seen again after a resync of the cash ledger took the instruction away: the decision
        // stands (its signed order), and its item, which ended finding no instruction, runs again.
        await rearm(tx, "cash.decide", id, now);
        break;
      case "SettlementPaid":
      case "SettlementRefunded": {
        const paid = e.name === "SettlementPaid";
        await tx.run(sql`UPDATE verifier_settlements SET cash_state = ${paid ? "paid" : "refunded"},
          updated_at = ${now} WHERE id = ${id}`);
        // The outcome is decided and confirmed on the cash ledger: only now may the ST ledger's
        // attestation of it exist. Carry it there, unless the return of a lock never instructed
        // by its deadline carries it already (a late instruction, refunded).
        const outcome = paid ? Outcome.Paid : Outcome.Refunded;
        const queued = await outbox.get(tx, { topic: "st.relay", key: id });
        if ((queued?.payload as RelayPayload | undefined)?.outcome === outcome) break;
        await outbox.enqueue(tx, {
          topic: "st.relay",
          key: id,
          payload: { outcome },
          maxAttempts: 1_000,
          now: this.now(),
        });
        break;
      }
    }
  }

  /**
   * Queues the relay of a lock seen after the cash ledger's outcome, under `<id>:<suffix>`; an
   * item of that key that already ran (for a lock a resync took away) runs again.
   */
  private async enqueueLateLock(
    tx: Tx,
    id: string,
    late: { suffix: string; outcome: OutcomeValue },
    now: ReturnType<typeof encodeTime>,
  ): Promise<void> {
    const key = `${id}:${late.suffix}`;
    const { created } = await outbox.enqueue(tx, {
      topic: "st.relay",
      key,
      payload: { outcome: late.outcome },
      maxAttempts: 1_000,
      now: this.now(),
    });
    if (!created) await rearm(tx, "st.relay", key, now);
  }

  /**
   * A lock of settlement `id` seen with `terms` while the settlement's own relay is the return
   * {@link expire} decided for other terms (an earlier lock of the ID, never instructed by its
   * deadline, that a resync took away with its return): that decision is void, as it was made for
   * a deadline this lock does not have. Its item is withdrawn with the attestation signed for it,
   * and its send if a resync held it (nothing signed) or it can no longer be mined (reverted,
   * replaced), so the settlement is decided afresh under the new lock's terms; `reason` says why.
   * A send that may still be mined, or was, stays where it is and the new lock's sends take a key
   * of their own ({@link relayKey}).
   * Returns whether it voided a return; if so, adds it to `voided` (counted and logged once the
   * transaction commits).
   */
  private async voidReturnForOtherTerms(
    tx: Tx,
    id: string,
    terms: TermsJson | undefined,
    now: ReturnType<typeof encodeTime>,
    voided: VoidedReturn[],
  ): Promise<boolean> {
    if (!terms) return false;
    const item = await outbox.get(tx, { topic: "st.relay", key: id });
    if (!item) return false;
    const base = await journals.get(tx, { namespace: TX_JOURNAL_NAMESPACE, id: `st:${id}` });
    const payload = item.payload as RelayPayload;
    // An item enqueued before items named their terms (the outcome alone): the terms its send
    // under the key was built for, if it has one.
    const decided =
      payload.terms ??
      (payload.outcome === Outcome.Refunded ? this.returnedTerms(base?.data) : undefined);
    const locked = termsHash(toTerms(terms));
    if (decided === undefined || decided === locked) return false;
    const key = this.relayKey(id, decided, base?.data);
    const held =
      key === base?.id
        ? base
        : await journals.get(tx, { namespace: TX_JOURNAL_NAMESPACE, id: key });
    // Also when claimed (another instance, or one dead with its lease running): that relay sends
    // nothing, as it finds no lock or this one with other terms (see relay), and its completion
    // then finds its claim lost. Left in place, the item would end `done` with this payload, and
    // the new lock's outcome would meet it under the same key.
    await tx.run(sql`DELETE FROM kessai_outbox WHERE id = ${item.id}`);
    // Nothing signed, or nothing of it can be mined any more (it reverted, say, mined on the chain
    // that took the lock away): its entry goes, and the new lock's sends take the key. A send that
    // may still be mined (`signed`, `abandoned`) or was (`mined`, `confirmed`) stays: the engine
    // waits for a signed or mined one to its end (resumed at every start), never signing it
    // again, and the journal keeps what became of it. It can only land on a lock with the terms
    // it was built for, not on this one (the contract checks them: CrossLedgerTermsMismatch),
    // and the new lock's sends go under a key of their own (see relayKey).
    if (held && VOID_SENDS.has(held.state))
      await journals.remove(tx, { namespace: TX_JOURNAL_NAMESPACE, id: key });
    const reason = `the return decided for terms ${decided} (not instructed by the deadline) is void: the lock came back with terms ${locked}`;
    await tx.run(sql`UPDATE verifier_settlements SET reason = ${reason}, st_attestation = NULL,
      updated_at = ${now} WHERE id = ${id}`);
    this.o.crashPoint?.("voiding", id);
    // `send`: the state of the return's send, when it is kept (it may still be mined, or was)
    voided.push({
      id,
      decided,
      locked,
      send: held && !VOID_SENDS.has(held.state) ? held.state : undefined,
    });
    return true;
  }

  /** The hash of the terms a journaled send was built with, if it is a `returnToSeller` here. */
  private returnedTerms(entry: unknown): string | undefined {
    const call = this.relayCall(entry);
    return call?.fn === "returnToSeller" ? call.terms : undefined;
  }

  /** The function and the hash of the terms of a journaled `deliver` or `returnToSeller` here. */
  private relayCall(entry: unknown): { fn: string; terms: string } | undefined {
    const st = this.chains.st;
    const request = (entry as JournalEntry | undefined)?.request;
    if (!request?.data || request.to?.toLowerCase() !== st.contract.toLowerCase()) return undefined;
    const call = st.iface.parseTransaction({ data: request.data });
    if (call?.name !== "returnToSeller" && call?.name !== "deliver") return undefined;
    return { fn: call.name, terms: termsHash(toTerms((call.args[0] as Result).toObject())) };
  }

  /**
   * The end of each old return kept `abandoned` when its lock came back under other terms
   * ({@link voidReturnForOtherTerms}): the engine no longer watches it and no item waits for it,
   * yet it may have been mined (it can only revert there, CrossLedgerTermsMismatch, unless the
   * lock it was built for comes back). Once its nonce is used in a block with the confirmations,
   * its entry records what became of it: `reverted` or `confirmed` (with the transaction mined),
   * or `replaced` (another transaction took the nonce). A return whose own terms are locked
   * again is left to its relay, which takes it up under the same key. Returns how many it ended.
   */
  private async endKeptReturns(): Promise<number> {
    const st = this.chains.st;
    let safe: number | undefined;
    const used = new Map<string, Promise<number>>();
    let ended = 0;
    for await (const row of this.abandonedStSends()) {
      const e = row.data as JournalEntry;
      const built = this.returnedTerms(e);
      if (e.nonce === undefined || built === undefined || e.chainId !== String(st.chainId))
        continue;
      const id = row.id.split(":")[1]!;
      const s = await this.store.get(
        sql`SELECT st_terms FROM verifier_settlements WHERE id = ${id}`,
      );
      const lock = s?.st_terms == null ? undefined : (decodeJson(s.st_terms) as TermsJson);
      if (!lock || termsHash(toTerms(lock)) === built) continue;
      safe ??= (await st.provider.getBlockNumber()) - (this.confirmations - 1);
      if (safe < 0) break;
      const at = safe;
      const count = used.get(e.from) ?? st.provider.getTransactionCount(e.from, at);
      used.set(e.from, count);
      if ((await count) <= e.nonce) continue; // its nonce not used in a confirmed block yet
      // One of its own transactions mined, else what used the nonce: a transaction of another
      // origin with the same call counts as its own (as the engine counts it), any other is
      // another's. Not found (a node without the state of those blocks): left for a later round.
      const receipts = await Promise.all(
        e.txs.map((t) => st.provider.getTransactionReceipt(t.hash)),
      );
      let r = receipts.find((x) => x !== null && x.blockNumber <= at) ?? null;
      if (!r) {
        const user = await this.nonceUser(e, at).catch((err: unknown) => {
          this.log.warn({ id, key: row.id, err }, "what used an old return's nonce is not known");
          return undefined;
        });
        if (!user) continue;
        if (carriesCall(user, e.request)) r = await st.provider.getTransactionReceipt(user.hash);
      }
      const end: JournalEntry = r
        ? {
            ...e,
            state: r.status === 1 ? "confirmed" : "reverted",
            mined: {
              hash: r.hash,
              blockNumber: r.blockNumber,
              blockHash: r.blockHash,
              status: r.status ?? 0,
            },
            error:
              r.status === 1
                ? undefined
                : `mined in block ${r.blockNumber} and reverted: its lock had come back under other terms`,
            updatedAt: Date.now(),
          }
        : {
            ...e,
            state: "replaced",
            error: `nonce ${e.nonce} used by another transaction`,
            updatedAt: Date.now(),
          };
      // Only if it is still as read, the same attempt: a relay of a lock with its terms may have
      // taken it up (an engine taking a key up writes it at once with the next attempt).
      const put = await this.store.transaction(async (tx) => {
        const now = await journals.get(tx, { namespace: TX_JOURNAL_NAMESPACE, id: row.id });
        if (now?.state !== "abandoned" || (now.data as JournalEntry).attempt !== e.attempt)
          return false;
        await journals.put(tx, {
          namespace: TX_JOURNAL_NAMESPACE,
          id: row.id,
          state: end.state,
          data: end,
        });
        return true;
      });
      if (!put) continue;
      ended++;
      this.log.info(
        { id, key: row.id, state: end.state, tx: end.mined?.hash },
        "old return ended on the chain",
      );
    }
    return ended;
  }

  /**
   * The transaction of the send's account on its nonce, mined at or below block `at` (where the
   * account's count is past the nonce): the block where the count passes it, bisected from the
   * one below every block that may hold the send (`startBlock`, else 0), read whole.
   */
  private async nonceUser(e: JournalEntry, at: number) {
    const provider = this.chains.st.provider;
    let [lo, hi] = [Math.max(0, e.startBlock ?? 0), at];
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await provider.getTransactionCount(e.from, mid)) > e.nonce!) hi = mid;
      else lo = mid + 1;
    }
    const block = await provider.getBlock(hi, true);
    return block?.prefetchedTransactions.find(
      (t) => t.from.toLowerCase() === e.from.toLowerCase() && t.nonce === e.nonce,
    );
  }

  /**
   * Every `abandoned` send of the ST ledger's relays (keyed `st:<id>`, `st:<id>:<hash>`), by key,
   * read 100 at a time: however many other sends were given up (on the cash ledger, keyed
   * `cash:<id>`, which sort first), the kept returns are among them.
   */
  private async *abandonedStSends() {
    const page = 100;
    for (let afterId = "st:"; ;) {
      const rows = await journals.list(this.store, {
        namespace: TX_JOURNAL_NAMESPACE,
        states: ["abandoned"],
        afterId,
        limit: page,
      });
      for (const row of rows) {
        if (!row.id.startsWith("st:")) return;
        yield row;
      }
      if (rows.length < page) return;
      afterId = rows.at(-1)!.id;
    }
  }

  /**
   * The journal key of the ST ledger's send for the lock of settlement `id` with terms `hash`,
   * given the entry under `st:<id>` (if any): that key, unless its send was built for other terms
   * (a return made void when the ID was locked again under other terms, kept because it may
   * still be mined, or was: see {@link voidReturnForOtherTerms}); then `st:<id>:<hash>`. The
   * choice is stable: an entry under `st:<id>` stays once the void kept it. Every relay of one
   * lock (its delivery, its return, a late lock's relay) shares its key, so the ST ledger sees
   * one outcome of it, once.
   */
  private relayKey(id: string, hash: string, base: unknown): string {
    const built = this.relayCall(base)?.terms;
    return built === undefined || built === hash ? `st:${id}` : `st:${id}:${hash}`;
  }

  // ---------------------------------------------------------------- 2. decide

  /**
   * Decides every instructed, undecided settlement that can be decided now, and enqueues the
   * return of every lock never instructed by its deadline; returns how many of both.
   */
  async decideAll(): Promise<number> {
    const rows = await this.store.all(sql`SELECT id FROM verifier_settlements
      WHERE cash_state = 'instructed' AND decision IS NULL AND not_ours IS NULL ORDER BY id`);
    let n = 0;
    // Independent settlements: their reads overlap; each decision is still written once, guarded
    // by `decision IS NULL` in its own transaction.
    await inPool(rows, this.o.decideConcurrency, async (r) => {
      if (await this.decide(r.id as string)) n++;
    });
    // Locks the buyer never instructed: nothing to decide on the cash ledger, but once its deadline
    // passed the seller's units go back (the relay is enqueued once, keyed by the settlement).
    const unpaid = await this.store.all(sql`SELECT id FROM verifier_settlements s
      WHERE s.st_state = 'locked' AND s.cash_state = 'none' AND s.decision IS NULL
        AND s.not_ours IS NULL AND NOT EXISTS (SELECT 1 FROM kessai_outbox o
          WHERE o.topic = 'st.relay' AND o.idempotency_key = s.id)
      ORDER BY s.id`);
    for (const r of unpaid) if (await this.expire(r.id as string)) n++;
    return n;
  }

  /**
   * A lock whose payment was never instructed: once a block of the cash ledger with the
   * configured confirmations is past the deadline and the payment's record is still `None` at
   * that block, `pay` can never succeed there (it requires `block.timestamp <= deadline`, and
   * later blocks are later), so the service enqueues the `Refunded` relay that returns the units
   * to the seller. Terms naming another cash ledger are left alone: the service cannot see that
   * payment. Returns whether it enqueued the relay.
   */
  private async expire(id: string): Promise<boolean> {
    const s = await this.settlement(id);
    const t = s?.stTerms;
    if (!t || s.cashTerms || s.decision) return false;
    const cash = this.chains.cash;
    if (
      BigInt(cash.chainId) !== t.cashChainId ||
      t.cashLedger.toLowerCase() !== cash.contract.toLowerCase()
    )
      return false;
    if (!(await this.ours(id, t))) return false;
    const block = await this.confirmedCashBlock();
    if (!block || BigInt(block.timestamp) <= t.deadline) return false;
    const confirmed = block.number;
    const state = Number(
      await this.payment.getFunction("stateOf").staticCall(t.id, { blockTag: confirmed }),
    );
    // Instructed at that block: the ordinary path refunds the buyer, then relays.
    if (PAYMENT_STATE_NAMES[state] !== "none") return false;
    const reason = "not instructed by the deadline";
    const created = await this.commits.run(async (tx) => {
      await tx.run(sql`UPDATE verifier_settlements SET reason = ${reason},
        updated_at = ${encodeTime(this.now())} WHERE id = ${id} AND decision IS NULL`);
      // The outcome of a refund seen on the cash ledger, so a late instruction followed by a
      // refund finds this item instead of queueing another; with the hash of the terms it is
      // decided for, so that it is never sent for a lock of the ID under other terms.
      const payload: RelayPayload = { outcome: Outcome.Refunded, terms: termsHash(t) };
      const r = await outbox.enqueue(tx, {
        topic: "st.relay",
        key: id,
        payload,
        maxAttempts: 1_000,
        now: this.now(),
      });
      return r.created;
    });
    if (created) {
      this.counters.expired++;
      this.log.info({ id, reason, cashBlock: confirmed }, "returning the units to the seller");
    }
    return created;
  }

  /** The newest block of the cash ledger with the configured confirmations, if there is one. */
  private async confirmedCashBlock() {
    const provider = this.chains.cash.provider;
    const confirmed = (await provider.getBlockNumber()) - (this.confirmations - 1);
    return confirmed < 0 ? null : provider.getBlock(confirmed);
  }

  private async decide(id: string): Promise<boolean> {
    const s = await this.settlement(id);
    if (!s?.cashTerms || s.decision) return false;
    const terms = s.cashTerms;
    if (!(await this.ours(id, terms))) return false;
    const cashNow = await this.cashClock();
    let verdict: { decision: "paid" | "refunded" | "refund"; reason: string } | undefined;
    if (cashNow > terms.deadline) verdict = { decision: "refund", reason: "deadline passed" };
    else {
      const refusal = await this.refusal(s, cashNow);
      if (refusal === undefined) verdict = { decision: "paid", reason: "verified" };
      else if (refusal !== "wait") verdict = { decision: "refunded", reason: refusal };
    }
    if (!verdict) return false;
    // The order for the cash ledger's `pay` / `refuse` (never the ST ledger's attestation).
    const order =
      verdict.decision === "refund"
        ? "0x"
        : await signOrder(
            this.o.attester,
            terms,
            verdict.decision === "paid" ? Outcome.Paid : Outcome.Refunded,
          );
    const now = encodeTime(this.now());
    // The decision and its outbox item in one transaction (shared with the round's other
    // writes): both or neither, durable before anything is sent.
    const written = await this.commits.run(async (tx) => {
      const { rowCount } = await tx.run(sql`UPDATE verifier_settlements
        SET decision = ${verdict.decision}, reason = ${verdict.reason}, cash_order = ${order},
            decided_at = ${now}, updated_at = ${now}
        WHERE id = ${id} AND decision IS NULL AND cash_state = 'instructed'`);
      if (rowCount !== 1) return false;
      await outbox.enqueue(tx, {
        topic: "cash.decide",
        key: id,
        payload: { decision: verdict.decision, order },
        maxAttempts: 1_000,
        now: this.now(),
      });
      return true;
    });
    if (written) {
      this.o.crashPoint?.("decided", id);
      this.counters.decisions[verdict.decision]++;
      this.log.info({ id, decision: verdict.decision, reason: verdict.reason }, "decided");
    }
    return written;
  }

  /**
   * Why the settlement must be refused (a reason), `"wait"` when it cannot be decided yet, or
   * undefined when everything holds for `Paid`.
   */
  private async refusal(s: SettlementView, cashNow: bigint): Promise<string | "wait" | undefined> {
    const t = s.cashTerms!;
    const closing = cashNow + BigInt(this.o.deadlineMarginSec) >= t.deadline;
    const st = this.chains.st;
    if (
      BigInt(st.chainId) !== t.stChainId ||
      t.stLedger.toLowerCase() !== st.contract.toLowerCase()
    )
      return `unknown ST ledger ${t.stChainId}/${t.stLedger}`;
    if (!s.stTerms) return closing ? "no lock on the ST ledger before the deadline" : "wait";
    if (termsHash(s.stTerms) !== termsHash(t))
      return `terms differ: ST ledger ${termsHash(s.stTerms)}, cash ledger ${termsHash(t)}`;
    if (s.stState !== "locked") return `ST settlement is ${s.stState}`;
    let token = this.tokens.get(t.securityToken);
    if (!token) {
      token = contracts.SecurityToken__factory.connect(t.securityToken, st.provider);
      this.tokens.set(t.securityToken, token);
    }
    // The record as of now (the watcher reads confirmed blocks only), and the token's rules, read
    // together; the rules count only for a record still locked and not too close to the deadline,
    // so their failure is kept, not thrown, until the record says they count.
    const [stateOf, rules] = await Promise.all([
      this.delivery.getFunction("stateOf").staticCall(t.id) as Promise<bigint>,
      closing
        ? undefined
        : token.canTransfer(t.seller, t.buyer, 0n).then(
            ([ok, reason]) => ({ ok, reason }),
            (error: unknown) => ({ error }),
          ),
    ]);
    const state = Number(stateOf);
    if (DELIVERY_STATE[state] !== "locked") return `ST settlement is ${DELIVERY_STATE[state]}`;
    if (!rules) return "too close to the deadline";
    if ("error" in rules) {
      // Only the token's own revert refuses the settlement, as when canTransfer says no: revert
      // data, or the node's JSON-RPC revert error (code 3, or a message that says so). ethers
      // also reports a node or gateway that does not answer (connection refused, rate limited)
      // as a CALL_EXCEPTION "missing revert data": that is not the token's answer, and a
      // decision is final, so the round fails and is retried. An empty result (BAD_DATA) is
      // refused only when the token has no code (nothing there can ever answer); otherwise it is
      // a node's failure too, and retried.
      const e = rules.error;
      const rpc = findRpcError(e);
      const reverted =
        findRevertData(e) !== undefined ||
        (rpc !== undefined && (rpc.code === 3 || /revert/i.test(rpc.message)));
      const err = reverted ? toKessaiError(e) : undefined;
      if (err instanceof ContractError)
        return `not transferable: canTransfer reverted: ${err.errorName}${argsText(err)}`;
      if (isError(e, "BAD_DATA") && (await st.provider.getCode(t.securityToken)) === "0x")
        return `not transferable: the security token ${t.securityToken} has no code`;
      throw e;
    }
    const { ok, reason } = rules;
    if (!ok) {
      const err = decodeRevertData(reason);
      return `not transferable: ${err.errorName}${argsText(err)}`;
    }
    return undefined;
  }

  /**
   * Whether this service can sign for the verifier `t.verifier` names: its own key, or a
   * `VerifierQuorum` (the same address on both ledgers) that has the key as a member and a
   * threshold of 1, which one signature meets. A quorum of threshold m > 1 needs m members'
   * signatures: its other members co-sign outside this service, which does not decide for it.
   * The first time a settlement fails this, it is recorded as not ours (`not_ours`, the reason),
   * counted and logged once; it is never decided nor relayed by this service, nor retried.
   *
   * The verdict is cached per verifier address for the life of the process: a `VerifierQuorum`'s
   * members and threshold are fixed at deployment (`IVerifierQuorum`: no function changes them),
   * and an account's code does not change once deployed, so a verdict cannot go stale. The one
   * exception, an address with no code yet that is later deployed (CREATE2) as a quorum this key
   * belongs to, is seen after a restart, for settlements not already recorded as not ours. (A
   * contract that answers as a quorum but can change its answers, behind an upgradeable proxy
   * say, is not a `VerifierQuorum`: a stale verdict then costs sends the cash ledger refuses, which
   * the outbox gives up after its attempts, never an outcome; the contracts check the signature
   * when it is presented.)
   */
  private async ours(id: string, t: CrossLedgerTerms): Promise<boolean> {
    const address = t.verifier.toLowerCase();
    if (!this.verifiers.has(address))
      this.verifiers.set(address, await this.whyNotOurs(t.verifier));
    const reason = this.verifiers.get(address);
    if (reason === undefined) return true;
    const { rowCount } = await this.store.run(sql`UPDATE verifier_settlements
      SET not_ours = ${reason}, updated_at = ${encodeTime(this.now())}
      WHERE id = ${id.toLowerCase()} AND not_ours IS NULL`);
    if (rowCount === 1) {
      this.counters.notOurs++;
      this.log.warn({ id, verifier: t.verifier, reason }, "not ours: left alone");
    }
    return false;
  }

  /** Why this service cannot sign for `verifier`, or undefined when it can. */
  private async whyNotOurs(verifier: string): Promise<string | undefined> {
    const key = (await this.o.attester.getAddress()).toLowerCase();
    if (verifier.toLowerCase() === key) return undefined;
    const reasons: string[] = [];
    for (const side of ["st", "cash"] as const) {
      const provider = this.chains[side].provider;
      if ((await provider.getCode(verifier)) === "0x") {
        reasons.push(`${side} ledger: an account that is not this service's key`);
        continue;
      }
      const quorum = contracts.VerifierQuorum__factory.connect(verifier, provider);
      try {
        const [member, threshold] = await Promise.all([quorum.isMember(key), quorum.threshold()]);
        if (!member) reasons.push(`${side} ledger: a quorum this service's key is not a member of`);
        else if (threshold > 1n)
          reasons.push(
            `${side} ledger: a quorum of threshold ${threshold}; this service signs once (the other members co-sign)`,
          );
      } catch {
        reasons.push(`${side} ledger: a contract that is not a VerifierQuorum`);
      }
    }
    return reasons.length === 0 ? undefined : `verifier ${verifier}: ${reasons.join("; ")}`;
  }

  // ---------------------------------------------------------------- 3. and 4. send

  /** One outbox item; `signal` aborts its send once the claim is lost to another worker. */
  private async handle(c: outbox.OutboxClaim, signal?: AbortSignal): Promise<unknown> {
    // The key is the settlement's ID, with a suffix for a second item of it (`<id>:late-lock`).
    const id = c.key.split(":")[0]!;
    const s = await this.settlement(id);
    if (!s) throw new PermanentError(`no settlement ${id}`);
    // A resync of the cash ledger took the instruction away: nothing to send the decision
    // against. Recording the instruction again puts this item back in the queue.
    if (c.topic === "cash.decide" && !s.cashTerms)
      return { skipped: "no instruction on the cash ledger: sent once it is seen again" };
    return c.topic === "cash.decide"
      ? this.sendDecision(s, c.payload as { decision: string; order: string }, signal)
      : this.relay(s, c.payload as RelayPayload, signal);
  }

  /**
   * Step 5 on the cash ledger: `pay`, `refuse` or `refund`, once. Immediately before sending
   * `pay`, the cash ledger's clock is read again: with less than `deadlineMarginSec` left, the
   * settlement is refused instead (a refuse order lands whenever the record is `Instructed`), and
   * otherwise the send's engine deadline is the settlement's deadline (or the engine's timeout,
   * if sooner: the outbox then retries, re-checking), so that nothing of it is
   * broadcast, re-broadcast or replaced after the cash ledger would refuse it.
   */
  private async sendDecision(
    s: SettlementView,
    p: { decision: string; order: string },
    signal?: AbortSignal,
  ): Promise<unknown> {
    const t = s.cashTerms!; // checked by handle
    const [stateOf, cashNow] = await Promise.all([
      this.payment.getFunction("stateOf").staticCall(t.id),
      p.decision === "paid" ? this.cashClock(true) : undefined,
    ]);
    const state = PAYMENT_STATE_NAMES[Number(stateOf)];
    if (state !== "instructed") return { skipped: `cash settlement is ${state}` };
    if (cashNow !== undefined) {
      const left = t.deadline - cashNow;
      if (left < BigInt(this.o.deadlineMarginSec)) return this.refuseLate(t, left, signal);
      // The cash ledger's clock runs with the wall clock: stop at its deadline, or at the
      // engine's usual timeout if that comes first.
      const timeoutMs = this.chains.cash.engine.policy.timeoutMs ?? DEFAULT_TX_POLICY.timeoutMs;
      const deadline = Date.now() + Math.min(Number(left) * 1_000, timeoutMs);
      return this.send("cash", "pay", [t, p.order], `cash:${t.id}`, { deadline, signal });
    }
    const args = p.decision === "refund" ? [t] : [t, p.order];
    const fn = p.decision === "refunded" ? "refuse" : "refund";
    return this.send("cash", fn, args, `cash:${t.id}`, { signal });
  }

  /** The database's clock, as this host's clock and the offset read this round tell it. */
  private now(): Date {
    return this.dbClock.now();
  }

  /**
   * The cash ledger's clock: its latest block's timestamp, read once per round (the first
   * settlement that needs it reads it, the others of the round share the read; {@link tick}
   * forgets it at the start of the round and before each batch of sends). A reading taken
   * earlier in the round is behind the chain's clock, never ahead of it: deciding `refund` on it
   * is never early (the deadline passed even then). `ahead` adds the whole seconds since the
   * read, rounded up, for the check just before a `pay`, which must not find more time left than
   * the chain has (the chain's clock runs with the wall clock).
   */
  private async cashClock(ahead = false): Promise<bigint> {
    let c = this.clock;
    if (!c) {
      const read = this.chains.cash.provider.getBlock("latest").then((b) => BigInt(b!.timestamp));
      const fresh = { at: Date.now(), timestamp: read };
      this.clock = c = fresh;
      // A failed read is not kept: the next caller reads again.
      read.catch(() => {
        if (this.clock === fresh) this.clock = undefined;
      });
    }
    const timestamp = await c.timestamp;
    return ahead ? timestamp + BigInt(Math.ceil((Date.now() - c.at) / 1_000)) : timestamp;
  }

  /**
   * A `Paid` decision whose `pay` could not be sent with the margin before the deadline (the
   * service was down, the node unreachable, a send timed out): the service refuses instead, and
   * records why in `reason`. The decision is written once: `decision` stays `paid` and
   * `cash_order` keeps the pay order signed then, which a `pay` broadcast earlier may still carry
   * to the chain; the refuse order is not stored (it is deterministic, and its send is journaled
   * under its own key, so a restart neither signs another nor sends it twice). A `pay` sent
   * earlier that still lands first wins (the refusal then reverts and the next attempt sees
   * `Paid`); either way the outcome is the cash ledger's (`cash_state`), and the ST ledger
   * follows what the cash ledger shows, never `decision`.
   */
  private async refuseLate(
    t: CrossLedgerTerms,
    left: bigint,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const order = await signOrder(this.o.attester, t, Outcome.Refunded);
    const reason = `too close to the deadline to pay (${left} s left)`;
    await this.store.run(sql`UPDATE verifier_settlements SET reason = ${reason},
      updated_at = ${encodeTime(this.now())} WHERE id = ${t.id} AND decision = 'paid'`);
    this.counters.latePays++;
    this.log.warn({ id: t.id, reason }, "refusing instead of paying");
    return this.send("cash", "refuse", [t, order], `cash:${t.id}:refuse`, { signal });
  }

  /**
   * Step 6 on the ST ledger: `deliver` or `returnToSeller`, once. The return of a lock never
   * instructed by its deadline goes only to a lock with the terms it was decided for, and only
   * once a confirmed block of the cash ledger is past their deadline.
   */
  private async relay(
    s: SettlementView,
    { outcome, terms: decided }: RelayPayload,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const t = s.stTerms;
    if (!t) return { skipped: "no lock on the ST ledger" };
    // The lock came back under other terms while this item ran: the watcher voids it.
    if (decided !== undefined && decided !== termsHash(t))
      return { skipped: `decided for terms ${decided}, the lock has ${termsHash(t)}` };
    // A return of a lock never instructed goes once a confirmed cash-ledger block is past the
    // lock's deadline; also one enqueued before items named their terms (the outcome alone,
    // nothing seen on the cash ledger), which may have been decided for another lock of the ID.
    if (decided !== undefined || (outcome === Outcome.Refunded && s.cashState === "none")) {
      const confirmed = await this.confirmedCashBlock();
      if (!confirmed || BigInt(confirmed.timestamp) <= t.deadline)
        throw new Error(`no confirmed block of the cash ledger is past the deadline of ${t.id}`);
    }
    // Paid or refunded under someone else's orders: this service holds no key for its attestation.
    if (!(await this.ours(t.id, t)))
      return { skipped: "not ours: the terms name another verifier" };
    const state =
      DELIVERY_STATE[Number(await this.delivery.getFunction("stateOf").staticCall(t.id))];
    if (state !== "locked") return { skipped: `ST settlement is ${state}` };
    const cash = this.chains.cash;
    if (
      BigInt(cash.chainId) !== t.cashChainId ||
      t.cashLedger.toLowerCase() !== cash.contract.toLowerCase()
    )
      // The lock names another cash ledger: what this one decided under the ID is not its outcome.
      throw new PermanentError(`the ST terms of ${t.id} name another cash ledger`);
    let terms = t;
    if (outcome === Outcome.Paid) {
      // The cash ledger paid (confirmed): the attestation is signed now, for the terms it paid,
      // which must be the ST ledger's (a pay order is signed only when both hashes are equal).
      const paid = s.cashTerms;
      if (!paid || termsHash(paid) !== termsHash(t))
        throw new PermanentError(`paid terms differ from the ST ledger's for ${t.id}`);
      terms = paid;
    }
    // ECDSA with RFC 6979 nonces: signing again after a restart gives the same bytes.
    const attestation = await signOutcome(this.o.attester, terms, outcome);
    await this.commits.run((tx) =>
      tx.run(sql`UPDATE verifier_settlements SET st_attestation = ${attestation},
        updated_at = ${encodeTime(this.now())} WHERE id = ${t.id}`),
    );
    this.o.crashPoint?.("attested", t.id);
    const fn = outcome === Outcome.Paid ? "deliver" : "returnToSeller";
    const base = await journals.get(this.store, {
      namespace: TX_JOURNAL_NAMESPACE,
      id: `st:${t.id}`,
    });
    const key = this.relayKey(t.id, termsHash(terms), base?.data);
    try {
      return await this.send("st", fn, [terms, attestation], key, { signal });
    } catch (e) {
      if (e instanceof ContractError) {
        // The token refused (paused, buyer suspended, ...): the settlement stays deliverable;
        // the outbox retries with backoff. Reported here and in the item's attempts.
        this.counters.refusedDeliveries++;
        this.log.warn(
          { id: t.id, fn, error: e.errorName, args: e.args },
          "ST ledger refused; will retry",
        );
      }
      throw e;
    }
  }

  private async send(
    side: Side,
    fn: string,
    args: unknown[],
    key: string,
    o: { deadline?: number; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const c = this.chains[side];
    const data = encodeTermsCall(c.iface, fn, args);
    const r = await c.engine.send(
      { to: c.contract, data, ...(await this.marketFees(side)) },
      {
        key,
        action: `verifier.${fn}`,
        ...(o.deadline === undefined ? {} : { deadline: o.deadline }),
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      },
    );
    if (!r.resumed) this.counters.sends[side]++;
    this.log.info(
      {
        id: key.slice(key.indexOf(":") + 1),
        key,
        fn,
        tx: r.hash,
        block: r.blockNumber,
        resumed: r.resumed,
      },
      "sent",
    );
    return { tx: r.hash, blockNumber: r.blockNumber, resumed: r.resumed };
  }

  /**
   * The fees of a send to `side` as ethers' `getFeeData` sets them (max fee twice the latest
   * block's base fee plus the node's priority fee, 1 gwei if it suggests none), read once for
   * the sends of a second, not three requests per send: the base fee moves at most 12.5 % a
   * block, well inside the doubling, and a transaction priced out later is replaced by the
   * engine with the fees of then. Empty (the engine reads them itself) on a chain without a base
   * fee or a provider without raw requests.
   */
  private marketFees(side: Side): Promise<FeeFields> {
    const now = Date.now();
    const cached = this.fees[side];
    if (cached && now - cached.at < FEE_CACHE_MS) return cached.fees;
    const send = (this.chains[side].provider as { send?: RawSend }).send?.bind(
      this.chains[side].provider,
    );
    const read = async (): Promise<FeeFields> => {
      if (!send) return {};
      const [history, tip] = await Promise.all([
        send("eth_feeHistory", [1, "latest", []]) as Promise<{ baseFeePerGas?: string[] }>,
        (send("eth_maxPriorityFeePerGas", []) as Promise<string>).then(BigInt, () => 10n ** 9n),
      ]);
      // No base fee (or a zero one, which ethers also treats as none): the engine's own reading.
      const base = BigInt(history?.baseFeePerGas?.[0] ?? 0);
      if (base === 0n) return {};
      return { maxFeePerGas: 2n * base + tip, maxPriorityFeePerGas: tip };
    };
    const entry = { at: now, fees: read().catch((): FeeFields => ({})) };
    this.fees[side] = entry;
    return entry.fees;
  }

  // ---------------------------------------------------------------- reads

  /** The service's view of one settlement, or undefined. */
  async settlement(id: string): Promise<SettlementView | undefined> {
    const r = await this.store.get(
      sql`SELECT * FROM verifier_settlements WHERE id = ${id.toLowerCase()}`,
    );
    if (!r) return undefined;
    const terms = (v: unknown) => {
      if (v === null || v === undefined) return undefined;
      const text = typeof v === "string" ? v : JSON.stringify(v);
      let t = this.parsed.get(text);
      if (!t) {
        // Bounded: a long-running service forgets what it parsed now and then.
        if (this.parsed.size >= 10_000) this.parsed.clear();
        t = Object.freeze(toTerms(decodeJson(v) as TermsJson));
        this.parsed.set(text, t);
      }
      return t;
    };
    return {
      id: r.id as string,
      stTerms: terms(r.st_terms),
      stState: r.st_state as string,
      cashTerms: terms(r.cash_terms),
      cashState: r.cash_state as string,
      decision: (r.decision ?? undefined) as SettlementView["decision"],
      reason: (r.reason ?? undefined) as string | undefined,
      notOurs: (r.not_ours ?? undefined) as string | undefined,
    };
  }

  /**
   * The ST ledger's attestation the service signed for settlement `id`, once the cash ledger's
   * outcome had its confirmations (or, never instructed, once a confirmed cash-ledger block was
   * past the deadline), with the terms it is for: anyone may present it to `deliver` (`paid`) or
   * `returnToSeller` (`refunded`). Undefined before that.
   */
  async attestation(id: string): Promise<PublishedAttestation | undefined> {
    const r = await this.store.get(sql`SELECT st_terms, cash_state, st_attestation
      FROM verifier_settlements WHERE id = ${id.toLowerCase()}`);
    if (!r || r.st_attestation === null || r.st_attestation === undefined) return undefined;
    return {
      id: id.toLowerCase(),
      outcome: r.cash_state === "paid" ? "paid" : "refunded",
      attestation: r.st_attestation as string,
      terms: decodeJson(r.st_terms) as TermsJson,
    };
  }

  /**
   * Readiness: both chains answer `eth_blockNumber` and the database a `SELECT 1`, each within
   * `timeoutMs` (default 2,000), and no ledger is halted by a reorg deeper than the
   * confirmations (its check then fails with the {@link VerifierReorgError}'s message). Never
   * throws: a failed check is reported with its error.
   */
  async health(timeoutMs = 2_000): Promise<HealthReport> {
    const probe = async (f: () => Promise<unknown>): Promise<HealthCheck> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const value = await Promise.race([
          f(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return typeof value === "number" ? { ok: true, block: value } : { ok: true };
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      } finally {
        clearTimeout(timer);
      }
    };
    const [st, cash, database] = await Promise.all([
      probe(() => this.chains.st.provider.getBlockNumber()),
      probe(() => this.chains.cash.provider.getBlockNumber()),
      probe(async () => void (await this.store.get(sql`SELECT 1 AS one`))),
    ]);
    for (const [side, check] of [
      ["st", st],
      ["cash", cash],
    ] as const) {
      const reorg = this.reorged[side];
      if (reorg && check.ok) {
        check.ok = false;
        check.error = reorg.message;
      }
    }
    const ok = st.ok && cash.ok && database.ok;
    return { status: ok ? "ok" : "unavailable", checks: { st, cash, database } };
  }

  /** Counters in Prometheus text format (for a `/metrics` endpoint). */
  async metricsText(): Promise<string> {
    const q = await outbox.stats(this.store);
    const c = this.counters;
    const lines = [
      "# TYPE kessai_verifier_events_total counter",
      ...(["st", "cash"] as const).map(
        (s) => `kessai_verifier_events_total{ledger="${s}"} ${c.events[s]}`,
      ),
      "# TYPE kessai_verifier_decisions_total counter",
      ...(["paid", "refunded", "refund"] as const).map(
        (d) => `kessai_verifier_decisions_total{decision="${d}"} ${c.decisions[d]}`,
      ),
      "# TYPE kessai_verifier_sends_total counter",
      ...(["st", "cash"] as const).map(
        (s) => `kessai_verifier_sends_total{ledger="${s}"} ${c.sends[s]}`,
      ),
      "# TYPE kessai_verifier_refused_deliveries_total counter",
      `kessai_verifier_refused_deliveries_total ${c.refusedDeliveries}`,
      "# TYPE kessai_verifier_late_pays_total counter",
      `kessai_verifier_late_pays_total ${c.latePays}`,
      "# TYPE kessai_verifier_not_ours_total counter",
      `kessai_verifier_not_ours_total ${c.notOurs}`,
      "# TYPE kessai_verifier_expired_locks_total counter",
      `kessai_verifier_expired_locks_total ${c.expired}`,
      "# TYPE kessai_verifier_voided_returns_total counter",
      `kessai_verifier_voided_returns_total ${c.voidedReturns}`,
      "# TYPE kessai_verifier_round_failures_total counter",
      `kessai_verifier_round_failures_total ${c.failures}`,
      "# TYPE kessai_verifier_reorg_halted gauge",
      ...(["st", "cash"] as const).map(
        (s) => `kessai_verifier_reorg_halted{ledger="${s}"} ${this.reorged[s] ? 1 : 0}`,
      ),
      "# TYPE kessai_verifier_outbox gauge",
      ...(["pending", "claimed", "done", "dead"] as const).map(
        (k) => `kessai_verifier_outbox{status="${k}"} ${q[k]}`,
      ),
    ];
    return lines.join("\n") + "\n";
  }
}

/**
 * Runs `f` on every item of `items`, at most `width` at once; after a failure no new item starts,
 * the ones under way finish, and the first error is thrown.
 */
async function inPool<T>(items: T[], width: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await f(items[next++]!);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, width), items.length) }, worker));
  if (failed) throw failed.error;
}

/** An outbox failure that retrying will not fix. */
class PermanentError extends Error {
  override name = "VerifierPermanentError";
}

function argsText(e: ContractError<object>): string {
  const entries = Object.entries(e.args as Record<string, unknown>);
  return entries.length ? `(${entries.map(([k, v]) => `${k}=${String(v)}`).join(", ")})` : "";
}
