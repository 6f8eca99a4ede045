import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { BrowserProvider, Wallet, type Eip1193Provider } from "ethers";
import { NetworkError, NodeError, toKessaiError } from "@kessai/sdk";
import { openSqliteStore, type Store } from "@kessai/storage";
import {
  Outcome,
  Verifier,
  signOrder,
  type CrossLedgerTerms,
} from "../../../packages/verifier/src/index.js";
import { key, VERIFIER, deployLedgers, type Ledgers, lockFor } from "./in-process-ledgers.js";

/** Seconds of the cash ledger's clock from a settlement's creation to its deadline. */
const DEADLINE_IN = 300;
/** KESSAI_VERIFIER_LONG=1: ten times the runs (the normal command's bound keeps it to seconds). */
const LONG = process.env.KESSAI_VERIFIER_LONG === "1";
const RUNS = LONG ? 200 : 20;
/**
 * KESSAI_TEST_SEED=n, with KESSAI_TEST_PATH=p: replay what fast-check printed for a failure
 * (`{ seed: n, path: "p" }`).
 */
const SEED = process.env.KESSAI_TEST_SEED ? Number(process.env.KESSAI_TEST_SEED) : undefined;
const REPLAY_PATH = process.env.KESSAI_TEST_PATH || undefined;
/**
 * Milliseconds between a refused request and its error reaching the caller (a connection
 * refused is answered after a round trip, and the caller's promise chain takes its time on a
 * loaded machine): the error of a request refused at the end of an outage arrives after it.
 */
const REFUSAL_MS = 20;
/** What a {@link NodeLink} answers while its node is down, as a connection refused reads. */
const REFUSED = "connect ECONNREFUSED 127.0.0.1:8545";

/**
 * The service's connection to one ledger's node (EIP-1193, under the ethers provider it is
 * given). An outage is armed to begin after a number of the service's requests, so that it cuts a
 * round anywhere: between two reads, between a decision and its send, between a transaction
 * reaching the node and the node's answer (`answerLost`: the request that trips the outage is
 * carried out, its answer never arrives, as when a node restarts after taking a transaction).
 * While it lasts every request fails as a refused connection does; the chain itself goes on
 * (blocks, the parties' transactions), as on a node restarted on its data.
 */
class NodeLink implements Eip1193Provider {
  private downUntil = 0;
  private armed: { after: number; forMs: number; answerLost: boolean } | undefined;
  /** Outages that began. */
  outages = 0;
  /** Requests refused (each error reaches its caller {@link REFUSAL_MS} later). */
  refused = 0;
  constructor(private readonly node: Eip1193Provider) {}

  arm(after: number, forMs: number, answerLost: boolean): void {
    this.armed = { after, forMs, answerLost };
  }

  get down(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Up again now, nothing armed. */
  heal(): void {
    this.downUntil = 0;
    this.armed = undefined;
  }

  async request(a: { method: string; params?: unknown[] | Record<string, unknown> }) {
    if (Date.now() < this.downUntil) return this.refuse();
    if (this.armed && this.armed.after-- <= 0) {
      const { forMs, answerLost } = this.armed;
      this.armed = undefined;
      this.downUntil = Date.now() + forMs;
      this.outages++;
      if (answerLost) await this.node.request(a).catch(() => undefined);
      return this.refuse();
    }
    return this.node.request(a);
  }

  private async refuse(): Promise<never> {
    this.refused++;
    await new Promise((r) => setTimeout(r, REFUSAL_MS));
    throw Object.assign(new Error(REFUSED), { code: "ECONNREFUSED" });
  }
}

/**
 * Whether `e` is a refusal of a {@link NodeLink}: what the service makes of it (the SDK's
 * {@link NetworkError}, not a node's own {@link NodeError}), carrying the link's answer (ethers
 * keeps only its code and message, as `error` or `info.error` of what it wraps around it). Any
 * other error is a failure of the service, outage or not.
 */
function refusedByLink(e: unknown): boolean {
  const k = toKessaiError(e);
  if (!(k instanceof NetworkError) || k instanceof NodeError) return false;
  type Link = { code?: unknown; message?: unknown };
  type Wrapped = Link & { cause?: unknown; error?: Link; info?: { error?: Link } };
  const isRefusal = (l: Link | undefined) => l?.code === "ECONNREFUSED" && l.message === REFUSED;
  for (let c = k as Wrapped | undefined; c; c = c.cause as Wrapped | undefined)
    if (isRefusal(c) || isRefusal(c.error) || isRefusal(c.info?.error)) return true;
  return false;
}

type Side = "st" | "cash";

/** What the model does next: the parties, anyone, time, and the service. */
type Action =
  | { kind: "instruct"; i: number }
  | { kind: "tick" }
  | { kind: "restart" }
  | { kind: "nodeOutage"; ledger: Side; after: number; forMs: number; answerLost: boolean }
  | { kind: "deadlinePasses" }
  | { kind: "refund"; i: number }
  | { kind: "presentTheOrderOnTheStLedger"; i: number };

const outageArb = fc.record({
  kind: fc.constant("nodeOutage" as const),
  ledger: fc.constantFrom<Side>("st", "cash"),
  after: fc.nat(30),
  forMs: fc.integer({ min: 10, max: 300 }),
  answerLost: fc.boolean(),
});
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("instruct" as const), i: fc.nat(1) }),
  fc.constant({ kind: "tick" as const }),
  fc.constant({ kind: "restart" as const }),
  // twice as often as the others: most outages begin in a later round, or never
  { weight: 2, arbitrary: outageArb },
  fc.constant({ kind: "deadlinePasses" as const }),
  fc.record({ kind: fc.constant("refund" as const), i: fc.nat(1) }),
  fc.record({ kind: fc.constant("presentTheOrderOnTheStLedger" as const), i: fc.nat(1) }),
);

/**
 * Model test of the two-ledger flow through the verifier service, on two in-process chains (the
 * ST ledger 31338 and the cash ledger 31339, deployed by the Ignition modules, blocks every few
 * milliseconds, 2 confirmations). Each run locks two settlements, then plays a random
 * interleaving of the buyer's instruction, the service's rounds, restarts of the service over
 * its database, outages of either ledger's node as the service sees it (a {@link NodeLink} that
 * refuses every request for 10-300 ms, starting after 0-30 of the service's requests: mid-round,
 * and at times right after a transaction reached the node, its answer lost; a service started
 * while a node is down fails to start and is started again at its next round), the cash
 * ledger's clock passing the deadline, anyone's refund, and anyone presenting the verifier's pay
 * order on the ST ledger. Then time passes and the service runs until both ledgers are final.
 * Checked after every run, per settlement: exactly one outcome on each ledger and the same one
 * (Paid and Delivered, or never paid and Returned); never the units to the buyer and the cash
 * back to the buyer; never both legs to one party; the escrow empty. A round fails only where an
 * outage cut it: one began during the round, lasts, or refused one of its requests (the error of
 * a request refused just before an outage ends reaches the round after it ended; seed 587424726
 * failed on that race), and only with the link's refusal as a network error; any other error
 * fails the run. Bounded: 20 runs of at most 10 actions (about 15 s); KESSAI_VERIFIER_LONG=1
 * runs 200 (about 13 min at a load of 10 on 2 cores).
 */
describe("verifier service: model of random interleavings on two ledgers", function () {
  this.timeout(LONG ? 1_800_000 : 600_000);

  let st: Ledgers["st"];
  let cash: Ledgers["cash"];
  let addr: Ledgers["addr"];
  let dir: string;
  let miner: ReturnType<typeof setInterval> | undefined;
  let links: Record<Side, NodeLink>;
  let providers: Record<Side, BrowserProvider>;
  const stores: Store[] = [];
  /** Rounds that failed because an outage cut them (the service's loop would retry them). */
  let roundsCut = 0;
  let counter = 0;

  before(async function () {
    ({ st, cash, addr } = await deployLedgers());
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-model-"));
    links = { st: new NodeLink(st.provider), cash: new NodeLink(cash.provider) };
    // No cache: every read goes through the link, as it is at that moment.
    const over = (link: NodeLink, chainId: number) =>
      new BrowserProvider(link, chainId, {
        staticNetwork: true,
        cacheTimeout: -1,
        pollingInterval: 20,
      });
    providers = { st: over(links.st, 31338), cash: over(links.cash, 31339) };
    miner = setInterval(() => {
      void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
  });

  after(async function () {
    if (miner) clearInterval(miner);
    providers?.st.destroy();
    providers?.cash.destroy();
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const outagesSeen = () => links.st.outages + links.cash.outages;
  /** Outages that began and requests refused, so far. */
  const cuts = () => outagesSeen() + links.st.refused + links.cash.refused;
  /**
   * Whether `e` is excused: a refusal of a link ({@link refusedByLink}), in a round that a node
   * outage began in, that one of its requests was refused in since `seen` ({@link cuts}), or
   * while an outage lasts. (An outage that began in an earlier round may end before the error of
   * a request it refused reaches the round: that request counts.) Any other error, or a refusal
   * where no request was refused, fails the test.
   */
  const cutShort = (seen: number, e: unknown) =>
    (cuts() !== seen || links.st.down || links.cash.down) && refusedByLink(e);

  /**
   * The service started on its database, through the links to both nodes; undefined when a node
   * it needs is unreachable (it checks both chains as it starts), as a process that exits and is
   * started again later.
   */
  async function openVerifier(file: string): Promise<Verifier | undefined> {
    const store = await openSqliteStore({ filename: file });
    stores.push(store);
    const seen = cuts();
    return Verifier.open({
      store,
      st: { sender: new Wallet(key(VERIFIER), providers.st), contract: addr.delivery },
      cash: { sender: new Wallet(key(VERIFIER), providers.cash), contract: addr.payment },
      attester: new Wallet(key(VERIFIER)),
      confirmations: 2,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
    }).catch((e: unknown) => {
      // A node unreachable as it starts; anything else is a failure of the test.
      if (!cutShort(seen, e)) throw e;
      return undefined;
    });
  }

  async function contracts() {
    const [, issuer, , seller, buyer, , , anyone] = await st.ethers.getSigners();
    const cashSigners = await cash.ethers.getSigners();
    return {
      issuer,
      bank: cashSigners[2],
      seller,
      buyer,
      cashBuyer: cashSigners[4],
      cashAnyone: cashSigners[7],
      stAnyone: anyone,
      bond: await st.ethers.getContractAt("StraightBondToken", addr.bond),
      delivery: await st.ethers.getContractAt("CrossLedgerDelivery", addr.delivery),
      dcjpy: await cash.ethers.getContractAt("DepositToken", addr.dcjpy),
      payment: await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment),
    };
  }

  /** Step 1 for a new settlement (the units and the buyer's DCJPY issued for it). */
  const lock = (): Promise<CrossLedgerTerms> =>
    lockFor({ st, cash, addr }, `model ${++counter}`, {
      quantity: 10n,
      amount: 1_000_000n,
      deadlineIn: DEADLINE_IN,
    });

  it("each settlement ends with one outcome on both ledgers, never both legs to one party", async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 10 }), async (actions) => {
        const c = await contracts();
        const file = path.join(dir, `run-${counter}.db`);
        links.st.heal();
        links.cash.heal();
        let verifier = await openVerifier(file);
        /**
         * One round of the service as its loop runs it: started first if it is not running (it
         * could not reach a node when it last started); a round a node outage cuts short fails
         * and the next one takes over.
         */
        const round = async () => {
          verifier ??= await openVerifier(file);
          const seen = cuts();
          await verifier?.tick().catch((e: unknown) => {
            if (!cutShort(seen, e)) throw e;
            roundsCut++;
          });
        };
        const settlements = [await lock(), await lock()];
        const buyerUnits0 = await c.bond.balanceOf(c.buyer.address);
        const buyerCash0 = await c.dcjpy.balanceOf(c.buyer.address);
        const sellerCash0 = await c.dcjpy.balanceOf(c.seller.address);
        const sellerUnits0 = await c.bond.balanceOf(c.seller.address);
        const escrow0 = await c.dcjpy.balanceOf(addr.payment);

        for (const a of actions) {
          switch (a.kind) {
            case "instruct": {
              const t = settlements[a.i];
              if ((await c.payment.stateOf(t.id)) !== 0n) break;
              await (await c.dcjpy.connect(c.cashBuyer).approve(addr.payment, t.amount)).wait();
              // After the deadline the cash ledger refuses it: nothing moves.
              await c.payment
                .connect(c.cashBuyer)
                .instruct(t)
                .then((tx) => tx.wait())
                .catch(() => undefined);
              break;
            }
            case "tick":
              await round();
              break;
            case "restart":
              verifier = await openVerifier(file);
              break;
            case "nodeOutage":
              links[a.ledger].arm(a.after, a.forMs, a.answerLost);
              break;
            case "deadlinePasses":
              await cash.provider.request({
                method: "evm_increaseTime",
                params: [DEADLINE_IN + 1],
              });
              await cash.provider.request({ method: "evm_mine" });
              break;
            case "refund":
              await c.payment
                .connect(c.cashAnyone)
                .refund(settlements[a.i])
                .then((tx) => tx.wait())
                .catch(() => undefined);
              break;
            case "presentTheOrderOnTheStLedger": {
              // The pay order, as anyone reads it in the mempool: never a key to the units.
              const t = settlements[a.i];
              const order = await signOrder(new Wallet(key(VERIFIER)), t, Outcome.Paid);
              if ((await c.delivery.stateOf(t.id)) === 1n)
                await expect(c.delivery.connect(c.stAnyone).deliver(t, order))
                  .to.be.revertedWithCustomError(c.delivery, "CrossLedgerInvalidAttestation")
                  .withArgs(t.id, t.verifier, Outcome.Paid);
              break;
            }
          }
        }

        // Time passes; the service runs until both ledgers are final.
        await cash.provider.request({ method: "evm_increaseTime", params: [DEADLINE_IN + 1] });
        await cash.provider.request({ method: "evm_mine" });
        const final = async () => {
          for (const t of settlements) {
            if ((await c.delivery.stateOf(t.id)) === 1n) return false; // Locked
            if ((await c.payment.stateOf(t.id)) === 1n) return false; // Instructed
          }
          return true;
        };
        for (let i = 0; !(await final()); i++) {
          if (i > 300) throw new Error(`not final after 300 rounds: ${JSON.stringify(actions)}`);
          await round();
          await new Promise((r) => setTimeout(r, 20));
        }

        let paid = 0n;
        let delivered = 0n;
        for (const t of settlements) {
          const cashState = await c.payment.stateOf(t.id); // 0 None, 2 Paid, 3 Refunded
          const stState = await c.delivery.stateOf(t.id); // 2 Delivered, 3 Returned
          const record = await c.payment.paymentOf(t.id);
          expect(record.transferPending, "no transfer pending").to.equal(false);
          if (cashState === 2n) {
            expect(stState, `paid ${t.id}: delivered`).to.equal(2n);
            paid += t.amount;
            delivered += t.quantity;
          } else {
            expect([0n, 3n], `never paid ${t.id}: none or refunded`).to.include(cashState);
            expect(stState, `never paid ${t.id}: returned`).to.equal(3n);
          }
          expect(await c.bond.lockedOf(addr.delivery, t.seller)).to.equal(0n);
        }
        // Each leg moved exactly with the other: never units and cash to the buyer, nor both to
        // the seller.
        expect(await c.bond.balanceOf(c.buyer.address)).to.equal(buyerUnits0 + delivered);
        expect(await c.bond.balanceOf(c.seller.address)).to.equal(sellerUnits0 - delivered);
        expect(await c.dcjpy.balanceOf(c.buyer.address)).to.equal(buyerCash0 - paid);
        expect(await c.dcjpy.balanceOf(c.seller.address)).to.equal(sellerCash0 + paid);
        expect(await c.dcjpy.balanceOf(addr.payment)).to.equal(escrow0);
      }),
      {
        numRuns: RUNS,
        endOnFailure: true,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(REPLAY_PATH === undefined ? {} : { path: REPLAY_PATH }),
      },
    );
    // The schedule did cut the service off from the nodes, and rounds failed for it.
    expect(outagesSeen(), "node outages").to.be.greaterThan(0);
    expect(roundsCut, "rounds cut short").to.be.greaterThan(0);
  });
});
