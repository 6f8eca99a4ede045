import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, id as keccakId, verifyTypedData, type Provider } from "ethers";
import { pino } from "pino";
import { encodeTime, journal, openSqliteStore, outbox, sql, type Store } from "@kessai/storage";
import {
  OUTCOME_TYPES,
  Outcome,
  Verifier,
  attestationDomain,
  buildHttp,
  termsToJson,
  VerifierConfigError,
  listenHttp,
  orderDigest,
  outcomeDigest,
  signOrder,
  termsHash,
} from "../../../packages/verifier/src/index.js";
import { key, VERIFIER, deployLedgers, lockFor, type Ledgers } from "./in-process-ledgers.js";

/**
 * A provider or store that a test can cut off, as from a killed process: after `kill()` every
 * call hangs forever (no answer, no timer), so the dead instance's pending work neither acts nor
 * learns, and leaves nothing running.
 */
function killable<T extends object>(target: T): { proxy: T; kill: () => void } {
  let dead = false;
  const proxy = new Proxy(target, {
    get(t, p) {
      const v = Reflect.get(t, p, t) as unknown;
      if (typeof v !== "function") return v;
      return (...args: unknown[]) =>
        dead ? new Promise(() => undefined) : (v as (...a: unknown[]) => unknown).apply(t, args);
    },
  });
  return { proxy, kill: () => (dead = true) };
}

/**
 * The verifier service against two ledgers: the ST ledger (`stLedger`, chain 31338) and the cash
 * ledger (`cashLedger`, chain 31339), two in-process Hardhat chains deployed by the Ignition
 * modules, blocks mined every few milliseconds on both, the service's state in SQLite in a
 * temporary folder, 2 confirmations. Each test drives the service's rounds (`tick`) itself.
 * The ledgers are deployed once; each test starts from that state (an `evm_snapshot` of both
 * chains, restored after it: balances, eligibility, roles, the verifier account's nonces),
 * with a store file of its own, so that any test runs alone as in the whole file.
 */
describe("verifier service (two ledgers)", function () {
  this.timeout(120_000);

  let st: Ledgers["st"];
  let cash: Ledgers["cash"];
  let addr: Ledgers["addr"];
  let dir: string;
  let miner: ReturnType<typeof setInterval> | undefined;
  /** False while a test holds the cash ledger's blocks back. */
  let cashMining = true;
  const stores: Store[] = [];
  /** The deployed state of each ledger, as `evm_snapshot` IDs (st, cash). */
  let snapshots: string[] = [];
  const snapshot = () =>
    Promise.all([st, cash].map((c) => c.provider.request({ method: "evm_snapshot" })));

  before(async function () {
    ({ st, cash, addr } = await deployLedgers());
    snapshots = (await snapshot()) as string[];
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-"));
    // Blocks on both ledgers, as real chains make them (the service waits for confirmations).
    miner = setInterval(() => {
      void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      if (cashMining) void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
  });

  /**
   * This test's view of each node: a provider object of its own, so that its verifier instances
   * share a nonce queue (one per provider and account in a process) with no earlier test's, whose
   * counter ran past the nonces the restored chain expects.
   */
  let nodes: { st: Provider; cash: Provider };
  beforeEach(function () {
    nodes = {
      st: killable(st.ethers.provider as unknown as Provider).proxy,
      cash: killable(cash.ethers.provider as unknown as Provider).proxy,
    };
  });

  afterEach(async function () {
    cashMining = true;
    for (const [i, c] of [st, cash].entries()) {
      await c.provider.request({ method: "evm_setAutomine", params: [true] });
      const reverted = await c.provider.request({ method: "evm_revert", params: [snapshots[i]] });
      expect(reverted, "evm_revert").to.equal(true);
    }
    snapshots = (await snapshot()) as string[];
  });

  after(async function () {
    if (miner) clearInterval(miner);
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh store file; each verifier instance over it opens its own connection. */
  const dbFile = (name: string) => path.join(dir, `${name}.db`);
  async function openVerifier(
    file: string,
    extra: Partial<Parameters<typeof Verifier.open>[0]> = {},
    providers: { st: Provider; cash: Provider } = nodes,
    wrapStore?: (s: Store) => Store,
  ) {
    const real = await openSqliteStore({ filename: file });
    stores.push(real);
    const store = wrapStore ? wrapStore(real) : real;
    const verifier = await Verifier.open({
      store,
      st: { sender: new Wallet(key(VERIFIER), providers.st), contract: addr.delivery },
      cash: { sender: new Wallet(key(VERIFIER), providers.cash), contract: addr.payment },
      attester: new Wallet(key(VERIFIER)),
      confirmations: 2,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
      ...extra,
    });
    return { store, verifier };
  }

  /** Runs rounds until `done()` holds (bounded). */
  async function until(v: Verifier, done: () => Promise<boolean>, rounds = 200) {
    for (let i = 0; i < rounds; i++) {
      await v.tick();
      if (await done()) return;
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new Error("the service did not get there");
  }

  /** Steps 1 and 4 by the parties: the seller locks on the ST ledger, the buyer instructs. */
  async function lockAndInstruct(
    name: string,
    quantity = 10n,
    amount = 1_000_000n,
    {
      instruct = true,
      deadlineIn = 36_000,
      verifier = new Wallet(key(VERIFIER)).address,
    }: { instruct?: boolean; deadlineIn?: number; verifier?: string } = {},
  ) {
    const [, , , , cashBuyer] = await cash.ethers.getSigners();
    const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment);
    const terms = await lockFor({ st, cash, addr }, name, {
      quantity,
      amount,
      deadlineIn,
      verifier,
    });
    if (!instruct) return terms;
    await (await dcjpy.connect(cashBuyer).approve(addr.payment, amount)).wait();
    await (await payment.connect(cashBuyer).instruct(terms)).wait();
    return terms;
  }

  async function ledgers() {
    const delivery = await st.ethers.getContractAt("CrossLedgerDelivery", addr.delivery);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment);
    const bond = await st.ethers.getContractAt("StraightBondToken", addr.bond);
    const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
    const verifierAddress = new Wallet(key(VERIFIER)).address;
    /** Transactions the verifier's account has sent on each ledger. */
    const sent = async () => ({
      st: await st.ethers.provider.getTransactionCount(verifierAddress),
      cash: await cash.ethers.provider.getTransactionCount(verifierAddress),
    });
    return { delivery, payment, bond, dcjpy, sent };
  }

  it("computes the order digest, the attestation digest and the terms hash exactly as the ledgers do", async function () {
    const terms = await lockAndInstruct("digest T-0");
    const { delivery, payment } = await ledgers();
    expect(termsHash(terms)).to.equal(await delivery.hashTerms(terms));
    expect(termsHash(terms)).to.equal(await payment.hashTerms(terms));
    for (const outcome of [Outcome.Paid, Outcome.Refunded]) {
      expect(outcomeDigest(terms, outcome)).to.equal(await delivery.outcomeDigest(terms, outcome));
      expect(outcomeDigest(terms, outcome)).to.equal(await payment.outcomeDigest(terms, outcome));
      expect(orderDigest(terms, outcome)).to.equal(await payment.orderDigest(terms, outcome));
    }
    // The order the service signs is refused by the ST ledger (the ID is still Locked there).
    const order = await signOrder(new Wallet(key(VERIFIER)), terms, Outcome.Paid);
    await expect(delivery.deliver.staticCall(terms, order))
      .to.be.revertedWithCustomError(delivery, "CrossLedgerInvalidAttestation")
      .withArgs(terms.id, terms.verifier, Outcome.Paid);
  });

  it("happy path: pays on the cash ledger, then delivers on the ST ledger, one transaction each", async function () {
    const { verifier } = await openVerifier(dbFile("happy"));
    const { delivery, payment, bond, dcjpy, sent } = await ledgers();
    const before = await sent();
    const terms = await lockAndInstruct("happy T-1");
    const buyerUnits = await bond.balanceOf(terms.buyer);
    const sellerCash = await dcjpy.balanceOf(terms.seller);

    await until(verifier, async () => (await delivery.stateOf(terms.id)) === 2n);

    expect(await payment.stateOf(terms.id)).to.equal(2n); // Paid
    expect(await bond.balanceOf(terms.buyer)).to.equal(buyerUnits + terms.quantity);
    expect(await bond.lockedOf(addr.delivery, terms.seller)).to.equal(0n);
    expect(await dcjpy.balanceOf(terms.seller)).to.equal(sellerCash + terms.amount);
    expect(await dcjpy.balanceOf(addr.payment)).to.equal(0n);
    const view = await verifier.settlement(terms.id);
    expect(view).to.include({ decision: "paid", reason: "verified", stState: "locked" });
    // Exactly one transaction per ledger: pay, then deliver.
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
    // The ST ledger's events reach the service once confirmed.
    await until(
      verifier,
      async () => (await verifier.settlement(terms.id))?.stState === "delivered",
    );
    expect((await verifier.settlement(terms.id))?.cashState).to.equal("paid");
    expect(await verifier.metricsText()).to.match(
      /kessai_verifier_decisions_total\{decision="paid"\} [1-9]/,
    );
  });

  it("refusal: the buyer is no longer eligible, so the buyer is refunded and the seller's units return", async function () {
    const { verifier } = await openVerifier(dbFile("refusal"));
    const { delivery, payment, bond, dcjpy, sent } = await ledgers();
    const [, issuer] = await st.ethers.getSigners();
    const registry = await st.ethers.getContractAt("InvestorRegistry", addr.registry);
    const terms = await lockAndInstruct("refusal T-2");
    await (await registry.connect(issuer).suspend(terms.buyer)).wait();
    const before = await sent();
    const buyerCash = await dcjpy.balanceOf(terms.buyer);
    const sellerUnits = await bond.balanceOf(terms.seller);
    try {
      await until(verifier, async () => (await delivery.stateOf(terms.id)) === 3n);
    } finally {
      await (await registry.connect(issuer).reinstate(terms.buyer)).wait();
    }

    expect(await payment.stateOf(terms.id)).to.equal(3n); // Refunded
    expect(await dcjpy.balanceOf(terms.buyer)).to.equal(buyerCash + terms.amount);
    expect(await dcjpy.balanceOf(addr.payment)).to.equal(0n);
    expect(await bond.lockedOf(addr.delivery, terms.seller)).to.equal(0n);
    expect(await bond.balanceOf(terms.seller)).to.equal(sellerUnits);
    const view = await verifier.settlement(terms.id);
    expect(view?.decision).to.equal("refunded");
    expect(view?.reason).to.equal(
      `not transferable: SecurityTokenIneligibleReceiver(account=${terms.buyer})`,
    );
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
  });

  it("restart: stopped after the payment, before the delivery, a new process delivers and sends nothing twice", async function () {
    const file = dbFile("restart");
    const first = await openVerifier(file, { topics: ["cash.decide"] });
    const { delivery, payment, sent } = await ledgers();
    const terms = await lockAndInstruct("restart T-3");
    const before = await sent();
    await until(first.verifier, async () => (await payment.stateOf(terms.id)) === 2n);
    expect(await delivery.stateOf(terms.id)).to.equal(1n); // still Locked: no relay in this process
    // The process dies after the payment was confirmed but before the outbox recorded it:
    // the decision's item is due again, as after a crash whose lease expired.
    const item = await outbox.get(first.store, { topic: "cash.decide", key: terms.id });
    expect(item?.status).to.equal("done");
    await first.store.run(sql`UPDATE kessai_outbox SET status = 'pending', result = NULL,
      finished_at = NULL, due_at = ${encodeTime(new Date())} WHERE id = ${item!.id}`);
    await first.store.close();

    const second = await openVerifier(file);
    await until(second.verifier, async () => (await delivery.stateOf(terms.id)) === 2n);

    // One pay and one deliver in all: the new process did not pay again.
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
    const again = await outbox.get(second.store, { topic: "cash.decide", key: terms.id });
    expect(again?.status).to.equal("done");
    expect(again?.result).to.deep.equal({ skipped: "cash settlement is paid" });
    expect(again?.attempts).to.equal(2);
  });

  it("crash while the payment is pending: the next process waits for that transaction, signs no second one", async function () {
    const file = dbFile("crash");
    // (A short send timeout, so that the dead process's pending send stops soon after the test.)
    const stLink = killable(st.ethers.provider as unknown as Provider);
    const cashLink = killable(cash.ethers.provider as unknown as Provider);
    let db: ReturnType<typeof killable<Store>> | undefined;
    const first = await openVerifier(
      file,
      { leaseMs: 300, txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 5_000 } },
      { st: stLink.proxy, cash: cashLink.proxy },
      (s) => (db = killable(s)).proxy,
    );
    const { delivery, payment, sent } = await ledgers();
    const terms = await lockAndInstruct("crash T-4");
    const before = await sent();
    // The instruction reaches the service (k confirmations), then the cash ledger stops mining.
    for (let i = 0; (await first.verifier.settlement(terms.id))?.cashState !== "instructed"; i++) {
      if (i > 200) throw new Error("the instruction did not reach the service");
      await first.verifier.watch("st");
      await first.verifier.watch("cash");
      await new Promise((r) => setTimeout(r, 30));
    }
    cashMining = false;
    await cash.provider.request({ method: "evm_setAutomine", params: [false] });
    let zombie: Promise<unknown> | undefined;
    try {
      // The first process decides and broadcasts `pay`, which stays pending...
      zombie = first.verifier.tick().catch((e: unknown) => e);
      const key = `cash:${terms.id}`;
      for (let i = 0; ; i++) {
        const entry = await journal.get(first.store, { namespace: "verifier.tx", id: key });
        if ((entry?.data as { state?: string } | undefined)?.state === "signed") break;
        if (i > 300) throw new Error("pay was not signed");
        await new Promise((r) => setTimeout(r, 20));
      }
      // ... and dies: its nodes and its database are gone, its outbox lease runs out.
      stLink.kill();
      cashLink.kill();
      db!.kill();
      await new Promise((r) => setTimeout(r, 400));
      const second = await openVerifier(file);
      await cash.provider.request({ method: "evm_setAutomine", params: [true] });
      cashMining = true;
      await until(second.verifier, async () => (await delivery.stateOf(terms.id)) === 2n);

      expect(await payment.stateOf(terms.id)).to.equal(2n);
      // The pay the first process signed is the one mined: one transaction per ledger in all.
      expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
      // The new process took the journaled send up and saw it confirmed: one transaction signed.
      let data: { state: string; txs: unknown[] } | undefined;
      for (let i = 0; i < 250 && data?.state !== "confirmed"; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 20));
        const entry = await journal.get(second.store, { namespace: "verifier.tx", id: key });
        data = entry?.data as typeof data;
      }
      expect(data?.state).to.equal("confirmed");
      expect(data?.txs).to.have.length(1);
    } finally {
      cashMining = true;
      await cash.provider.request({ method: "evm_setAutomine", params: [true] });
      // The dead instance's round is left hanging on its cut-off nodes (it holds no timer).
      void zombie;
    }
  });

  it("the buyer never instructs: after the deadline the seller's units come back, the cash ledger untouched", async function () {
    // pino's JSON lines, as `kessai verifier start` writes them.
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { base: { service: "verifier" } },
      { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    const { store, verifier } = await openVerifier(dbFile("unpaid"), { logger });
    const { delivery, payment, bond, sent } = await ledgers();
    const sellerUnits = await bond.balanceOf((await st.ethers.getSigners())[3].address);
    const terms = await lockAndInstruct("unpaid T-5", 10n, 1_000_000n, {
      instruct: false,
      deadlineIn: 600,
    });
    const before = await sent();
    // Before the deadline the lock is seen and left alone: the buyer may still instruct.
    await until(verifier, async () => (await verifier.settlement(terms.id))?.stState === "locked");
    for (let i = 0; i < 5; i++) await verifier.tick();
    expect(await delivery.stateOf(terms.id)).to.equal(1n); // Locked
    expect(await outbox.get(store, { topic: "st.relay", key: terms.id })).to.equal(undefined);

    // The cash ledger's clock passes the deadline with no instruction.
    await cash.provider.request({ method: "evm_increaseTime", params: [601] });
    await until(verifier, async () => (await delivery.stateOf(terms.id)) === 3n); // Returned

    expect(await payment.stateOf(terms.id)).to.equal(0n); // None: nothing happened there
    expect(await bond.lockedOf(addr.delivery, terms.seller)).to.equal(0n);
    expect(await bond.balanceOf(terms.seller)).to.equal(sellerUnits + terms.quantity);
    // One transaction in all: returnToSeller on the ST ledger.
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash });
    const view = await verifier.settlement(terms.id);
    expect(view).to.include({ decision: undefined, reason: "not instructed by the deadline" });
    expect(await verifier.metricsText()).to.match(/kessai_verifier_expired_locks_total 1\n/);
    // Every line about this settlement names it: the return decided, then the send.
    const mine = lines.filter((l) => l.id === terms.id);
    expect(mine.map((l) => l.msg)).to.deep.equal(["returning the units to the seller", "sent"]);
    expect(mine[0]).to.include({
      service: "verifier",
      level: 30,
      reason: "not instructed by the deadline",
    });
    expect(mine[1]).to.include({ fn: "returnToSeller", key: `st:${terms.id}`, resumed: false });
    // An instruction can no longer come: the cash ledger refuses it after the deadline.
    const [, , , , cashBuyer] = await cash.ethers.getSigners();
    const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
    await (await dcjpy.connect(cashBuyer).approve(addr.payment, terms.amount)).wait();
    const buyerCash = await dcjpy.balanceOf(terms.buyer);
    await expect(payment.connect(cashBuyer).instruct(terms))
      .to.be.revertedWithCustomError(payment, "CrossLedgerDeadlinePassed")
      .withArgs(terms.id, terms.deadline, (now: bigint) => now > terms.deadline);
    expect(await dcjpy.balanceOf(terms.buyer)).to.equal(buyerCash);
    expect(await payment.stateOf(terms.id)).to.equal(0n);
    const relay = await outbox.get(store, { topic: "st.relay", key: terms.id });
    expect(relay).to.include({ status: "done", attempts: 1 });
  });

  it("signs the ST ledger's attestation only once the payment has its confirmations; the pay transaction delivers nothing", async function () {
    const { store, verifier } = await openVerifier(dbFile("after-payment"));
    const { delivery, payment } = await ledgers();
    const terms = await lockAndInstruct("after-payment T-6");
    for (let i = 0; (await verifier.settlement(terms.id))?.cashState !== "instructed"; i++) {
      if (i > 200) throw new Error("the instruction did not reach the service");
      await verifier.watch("st");
      await verifier.watch("cash");
      await new Promise((r) => setTimeout(r, 30));
    }
    cashMining = false;
    await cash.provider.request({ method: "evm_setAutomine", params: [false] });
    let round: Promise<unknown> | undefined;
    try {
      round = verifier.tick();
      const stAttestation = async () =>
        (
          await store.get(
            sql`SELECT st_attestation FROM verifier_settlements WHERE id = ${terms.id}`,
          )
        )?.st_attestation ?? null;
      for (let i = 0; ; i++) {
        const entry = await journal.get(store, {
          namespace: "verifier.tx",
          id: `cash:${terms.id}`,
        });
        if ((entry?.data as { state?: string } | undefined)?.state === "signed") break;
        if (i > 300) throw new Error("pay was not signed");
        await new Promise((r) => setTimeout(r, 20));
      }
      // The pay transaction, as anyone reads it in the mempool: its order delivers nothing.
      const pending = (await cash.provider.request({
        method: "eth_getBlockByNumber",
        params: ["pending", true],
      })) as { transactions: { to: string; input: string }[] };
      const payTx = pending.transactions.find(
        (x) => x.to.toLowerCase() === addr.payment.toLowerCase(),
      );
      const [, order] = payment.interface.decodeFunctionData("pay", payTx!.input);
      await expect(delivery.deliver.staticCall(terms, order))
        .to.be.revertedWithCustomError(delivery, "CrossLedgerInvalidAttestation")
        .withArgs(terms.id, terms.verifier, Outcome.Paid);
      // Mined, one confirmation of the two: paid on the cash ledger, no attestation yet.
      await cash.provider.request({ method: "evm_mine" });
      expect(await payment.stateOf(terms.id)).to.equal(2n);
      await verifier.watch("cash");
      expect(await stAttestation()).to.equal(null);
      expect(await delivery.stateOf(terms.id)).to.equal(1n); // Locked
    } finally {
      cashMining = true;
      await cash.provider.request({ method: "evm_setAutomine", params: [true] });
    }
    await round;
    await until(verifier, async () => (await delivery.stateOf(terms.id)) === 2n);
    const row = await store.get(
      sql`SELECT st_attestation FROM verifier_settlements WHERE id = ${terms.id}`,
    );
    expect(row?.st_attestation).to.match(/^0x[0-9a-f]{130}$/);
    // Published for anyone (the buyer, a relayer) over HTTP, with the terms it is for.
    const app = buildHttp(verifier);
    const res = await app.inject({ method: "GET", url: `/settlements/${terms.id}/attestation` });
    expect(res.statusCode).to.equal(200);
    const body = res.json<{ id: string; outcome: string; attestation: string; terms: unknown }>();
    expect(body).to.deep.equal({
      id: terms.id,
      outcome: "paid",
      attestation: row?.st_attestation,
      terms: termsToJson(terms),
    });
    expect(
      verifyTypedData(
        attestationDomain(terms),
        OUTCOME_TYPES,
        { terms, outcome: 1 },
        body.attestation,
      ),
    ).to.equal(terms.verifier);
    const unknown = keccakId("never seen");
    const missing = await app.inject({ method: "GET", url: `/settlements/${unknown}/attestation` });
    expect(missing.statusCode).to.equal(404);
    expect(missing.json()).to.deep.equal({
      error: "not_found",
      message: `no attestation for ${unknown} (not signed: the cash ledger's outcome is not confirmed, or not this service's settlement)`,
    });
    const bad = await app.inject({ method: "GET", url: "/settlements/0x12/attestation" });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json()).to.deep.equal({
      error: "bad_request",
      message: 'settlement ID must be 0x and 64 hex digits, got "0x12"',
    });
    await app.close();
  });

  it("refuses instead of paying when the deadline came too close between the decision and the send", async function () {
    const file = dbFile("late-pay");
    // This instance decides but does not send to the cash ledger.
    const decider = await openVerifier(file, { topics: ["st.relay"] });
    const { delivery, payment, bond, dcjpy, sent } = await ledgers();
    const terms = await lockAndInstruct("late-pay T-7", 10n, 1_000_000n, { deadlineIn: 600 });
    await until(
      decider.verifier,
      async () => (await decider.verifier.settlement(terms.id))?.decision === "paid",
    );
    const orderOf = (store: Store) =>
      store.get(sql`SELECT decision, cash_order, decided_at FROM verifier_settlements
        WHERE id = ${terms.id}`);
    const decided = await orderOf(decider.store);
    await decider.store.close();
    // Less than the margin (60 s) is left on the cash ledger when the sender comes.
    await cash.provider.request({ method: "evm_increaseTime", params: [570] });
    await cash.provider.request({ method: "evm_mine" });
    const before = await sent();
    const buyerCash = await dcjpy.balanceOf(terms.buyer);
    const sellerUnits = await bond.balanceOf(terms.seller);
    const { verifier, store } = await openVerifier(file);
    await until(verifier, async () => (await delivery.stateOf(terms.id)) === 3n); // Returned

    expect(await payment.stateOf(terms.id)).to.equal(3n); // Refunded: no pay was sent
    expect(await dcjpy.balanceOf(terms.buyer)).to.equal(buyerCash + terms.amount);
    expect(await bond.balanceOf(terms.seller)).to.equal(sellerUnits); // its own, unlocked
    expect(await bond.lockedOf(addr.delivery, terms.seller)).to.equal(0n);
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
    const view = await verifier.settlement(terms.id);
    // The decision is written once: it stays the recorded `paid`, with the pay order signed then
    // (the outcome is the cash ledger's: refunded); the late refusal is its reason.
    expect(view).to.include({ decision: "paid", cashState: "refunded" });
    // 600 s from the lock, 570 s skipped: at most 30 s left (fewer as wall time passes), under
    // the 60 s margin.
    const left = /^too close to the deadline to pay \((\d+) s left\)$/.exec(view?.reason ?? "");
    expect(left, view?.reason).to.not.equal(null);
    expect(Number(left![1])).to.be.within(1, 30);
    expect(await orderOf(store)).to.deep.equal(decided);
    expect(await verifier.metricsText()).to.match(/kessai_verifier_late_pays_total 1\n/);
  });

  it("leaves alone, once and for good, settlements whose terms name a verifier it cannot sign for", async function () {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      {},
      { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    const { store, verifier } = await openVerifier(dbFile("not-ours"), { logger });
    const { delivery, payment, sent } = await ledgers();
    const me = new Wallet(key(VERIFIER)).address;
    const other = new Wallet(key(6)).address;
    // Two quorums, at the same address on both ledgers (a fresh deployer, nonces 0 and 1): this
    // service's key with another, threshold 2 (not ours), then threshold 1 (ours).
    const members = [me, other].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const quorums: string[] = [];
    for (const threshold of [2, 1]) {
      const at: string[] = [];
      for (const chain of [st, cash]) {
        const deployer = (await chain.ethers.getSigners())[12];
        const q = await chain.ethers.deployContract(
          "VerifierQuorum",
          [members, threshold],
          deployer,
        );
        at.push(await q.getAddress());
      }
      expect(at[0]).to.equal(at[1]);
      quorums.push(at[0]);
    }
    const { delivery: stLedger, payment: cashLedger } = await ledgers();
    const [stAdmin] = await st.ethers.getSigners();
    const [cashAdmin] = await cash.ethers.getSigners();
    for (const v of [other, ...quorums]) {
      const role = await stLedger.VERIFIER_ROLE();
      await (await stLedger.connect(stAdmin).grantRole(role, v)).wait();
      await (await cashLedger.connect(cashAdmin).grantRole(role, v)).wait();
    }
    const foreign = await lockAndInstruct("not-ours T-8", 10n, 1_000_000n, { verifier: other });
    const quorum2 = await lockAndInstruct("not-ours T-9", 10n, 1_000_000n, {
      verifier: quorums[0],
    });
    const quorum1 = await lockAndInstruct("quorum T-10", 10n, 1_000_000n, { verifier: quorums[1] });
    const before = await sent();

    // The threshold-1 quorum is this service's: decided and delivered with its one signature.
    await until(verifier, async () => (await delivery.stateOf(quorum1.id)) === 2n);
    for (let i = 0; i < 5; i++) await verifier.tick();
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
    const key1 = "st ledger: an account that is not this service's key";
    const key2 = "cash ledger: an account that is not this service's key";
    expect(await verifier.settlement(foreign.id)).to.include({
      decision: undefined,
      cashState: "instructed",
      notOurs: `verifier ${other}: ${key1}; ${key2}`,
    });
    const co = "a quorum of threshold 2; this service signs once (the other members co-sign)";
    expect((await verifier.settlement(quorum2.id))?.notOurs).to.equal(
      `verifier ${quorums[0]}: st ledger: ${co}; cash ledger: ${co}`,
    );
    for (const t of [foreign, quorum2]) {
      expect(await payment.stateOf(t.id)).to.equal(1n); // Instructed: nothing sent
      expect(await delivery.stateOf(t.id)).to.equal(1n); // Locked
      expect(await outbox.get(store, { topic: "cash.decide", key: t.id })).to.equal(undefined);
      const mine = lines.filter((l) => l.id === t.id);
      expect(mine.map((l) => l.msg)).to.deep.equal(["not ours: left alone"]);
    }
    expect(await verifier.metricsText()).to.match(/kessai_verifier_not_ours_total 2\n/);

    // The other verifier pays its settlement itself: the service does not relay it.
    const order = await signOrder(new Wallet(key(6)), foreign, Outcome.Paid);
    await (await payment.connect((await cash.ethers.getSigners())[7]).pay(foreign, order)).wait();
    await until(
      verifier,
      async () => (await verifier.settlement(foreign.id))?.cashState === "paid",
    );
    for (let i = 0; i < 3; i++) await verifier.tick();
    const relay = await outbox.get(store, { topic: "st.relay", key: foreign.id });
    expect(relay).to.include({ status: "done", attempts: 1 });
    expect(relay?.result).to.deep.equal({ skipped: "not ours: the terms name another verifier" });
    expect(await delivery.stateOf(foreign.id)).to.equal(1n);
    expect(await sent()).to.deep.equal({ st: before.st + 1, cash: before.cash + 1 });
    expect(lines.filter((l) => l.id === foreign.id)).to.have.length(1);
  });

  it("serves /healthz (200, then 503 with the failed check named once the database is closed) and /metrics", async function () {
    let closed = false;
    const { verifier } = await openVerifier(
      dbFile("http"),
      {},
      undefined,
      (real) =>
        new Proxy(real, {
          get(t, p) {
            if (p === "get" && closed)
              return () => Promise.reject(new Error("the database is closed"));
            const v = Reflect.get(t, p, t) as unknown;
            return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
          },
        }),
    );
    const http = await listenHttp(verifier);
    try {
      const ok = await fetch(`${http.url}/healthz`);
      expect(ok.status).to.equal(200);
      const body = (await ok.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; block?: number; error?: string }>;
      };
      expect(body.status).to.equal("ok");
      expect(body.checks.database).to.deep.equal({ ok: true });
      expect(body.checks.st.ok).to.equal(true);
      expect(body.checks.st.block).to.be.a("number");
      expect(body.checks.cash.block).to.be.within(1, await cash.ethers.provider.getBlockNumber());

      // A lock of its own, for the ST ledger's events to count.
      await lockAndInstruct("http T-11", 10n, 1_000_000n, { instruct: false });
      await until(
        verifier,
        async () => (await verifier.settlement(keccakId("http T-11"))) !== undefined,
      );
      const metrics = await fetch(`${http.url}/metrics`);
      expect(metrics.status).to.equal(200);
      expect(metrics.headers.get("content-type")).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).to.equal(await verifier.metricsText());
      expect(text).to.match(/^kessai_verifier_events_total\{ledger="st"\} [1-9]/m);

      closed = true;
      const down = await fetch(`${http.url}/healthz`);
      expect(down.status).to.equal(503);
      const downBody = (await down.json()) as typeof body;
      expect(downBody.status).to.equal("unavailable");
      expect(downBody.checks.database).to.deep.equal({
        ok: false,
        error: "the database is closed",
      });
      expect(downBody.checks.st.ok).to.equal(true);

      const missing = await fetch(`${http.url}/settle`, { method: "POST" });
      expect(missing.status).to.equal(404);
      expect(await missing.json()).to.deep.equal({
        error: "not_found",
        message: "no route POST /settle",
      });
    } finally {
      await http.close();
    }
  });

  it("refuses a configuration with both ledgers on one chain or a wrong contract", async function () {
    const store = await openSqliteStore({ filename: dbFile("config") });
    stores.push(store);
    const stWallet = new Wallet(key(VERIFIER), st.ethers.provider as unknown as Provider);
    const base = { store, attester: new Wallet(key(VERIFIER)) };
    const err = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (e) {
        return e;
      }
      throw new Error("expected a VerifierConfigError");
    };
    const sameChain = await err(
      Verifier.open({
        ...base,
        st: { sender: stWallet, contract: addr.delivery },
        cash: { sender: stWallet, contract: addr.delivery },
      }),
    );
    expect(sameChain).to.be.instanceOf(VerifierConfigError);
    expect((sameChain as VerifierConfigError).message).to.equal(
      "cash: both ledgers are chain 31338",
    );
    const cashWallet = new Wallet(key(VERIFIER), cash.ethers.provider as unknown as Provider);
    const noContract = await err(
      Verifier.open({
        ...base,
        st: { sender: stWallet, contract: addr.delivery },
        cash: { sender: cashWallet, contract: stWallet.address },
      }),
    );
    expect(noContract).to.be.instanceOf(VerifierConfigError);
    expect((noContract as VerifierConfigError).message).to.equal(
      `cash.contract: no contract at ${stWallet.address} on chain 31339`,
    );
  });
});
