import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, id as keccakId, type Provider } from "ethers";
import { journal, openSqliteStore, outbox, type Store } from "@kessai/storage";
import { Verifier, type CrossLedgerTerms } from "../../../packages/verifier/src/index.js";
import {
  key,
  TERMS_TUPLE,
  VERIFIER,
  deployLedgers,
  termsFor,
  type Ledgers,
} from "./in-process-ledgers.js";

/**
 * A lock mined after the cash ledger refunded the buyer: the refund's own relay found no lock and
 * completed, so the service must carry the refund to the late lock, once, and the seller's units
 * come back without the buyer's waiver or the issuer. Two in-process Hardhat chains (the ST ledger
 * 31338, the cash ledger 31339) deployed by the Ignition modules, blocks every 40 ms on both, the
 * service on SQLite with 2 confirmations, its rounds driven by the test.
 */
describe("verifier: a lock confirmed after the refund", function () {
  this.timeout(120_000);

  let st: Ledgers["st"];
  let cash: Ledgers["cash"];
  let addr: Ledgers["addr"];
  let dir: string;
  let miner: ReturnType<typeof setInterval> | undefined;
  const stores: Store[] = [];

  before(async function () {
    ({ st, cash, addr } = await deployLedgers());
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-late-lock-"));
    miner = setInterval(() => {
      void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
  });

  after(async function () {
    if (miner) clearInterval(miner);
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openVerifier(
    file: string,
    extra: Partial<Parameters<typeof Verifier.open>[0]> = {},
  ) {
    const store = await openSqliteStore({ filename: file });
    stores.push(store);
    const verifier = await Verifier.open({
      store,
      st: {
        sender: new Wallet(key(VERIFIER), st.ethers.provider as unknown as Provider),
        contract: addr.delivery,
      },
      cash: {
        sender: new Wallet(key(VERIFIER), cash.ethers.provider as unknown as Provider),
        contract: addr.payment,
      },
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

  it("returns the units of a lock mined after the buyer was refunded, with one transaction, once across a restart", async function () {
    const file = path.join(dir, "late-lock.db");
    const first = await openVerifier(file);
    const [, issuer, , seller] = await st.ethers.getSigners();
    const [, , bank, , buyer] = await cash.ethers.getSigners();
    const bond = await st.ethers.getContractAt("StraightBondToken", addr.bond);
    const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
    const delivery = await st.ethers.getContractAt("CrossLedgerDelivery", addr.delivery);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment);
    const verifierAddress = new Wallet(key(VERIFIER)).address;
    const sent = async () => ({
      st: await st.ethers.provider.getTransactionCount(verifierAddress),
      cash: await cash.ethers.provider.getTransactionCount(verifierAddress),
    });

    const quantity = 10n;
    const amount = 1_000_000n;
    await (
      await bond.connect(issuer).issue(seller.address, st.ethers.ZeroAddress, quantity)
    ).wait();
    await (await dcjpy.connect(bank).issue(buyer.address, amount, keccakId("debit L-1"))).wait();
    const sellerUnits = await bond.balanceOf(seller.address);
    const sellerAvailable = await bond.availableBalanceOf(seller.address);
    const buyerCash = await dcjpy.balanceOf(buyer.address);
    const terms = await termsFor({ st, cash, addr }, "late-lock L-1", {
      quantity,
      amount,
      deadlineIn: 600,
      verifier: verifierAddress,
    });
    const start = await sent();

    // The buyer instructs; the seller has not locked.
    await (await dcjpy.connect(buyer).approve(addr.payment, amount)).wait();
    await (await payment.connect(buyer).instruct(terms)).wait();
    await until(
      first.verifier,
      async () => (await first.verifier.settlement(terms.id))?.cashState === "instructed",
    );
    expect(await first.verifier.settlement(terms.id)).to.include({
      decision: undefined,
      stState: "none",
    });

    // The cash ledger's clock moves inside the 60 s margin: no lock, so the buyer is refunded,
    // and the refund's relay completes with nothing to carry.
    await cash.provider.request({ method: "evm_increaseTime", params: [570] });
    await cash.provider.request({ method: "evm_mine" });
    await until(first.verifier, async () => {
      const item = await outbox.get(first.store, { topic: "st.relay", key: terms.id });
      return item?.status === "done";
    });
    expect(await payment.stateOf(terms.id)).to.equal(3n); // Refunded
    expect(await dcjpy.balanceOf(buyer.address)).to.equal(buyerCash);
    expect(await first.verifier.settlement(terms.id)).to.include({
      decision: "refunded",
      reason: "no lock on the ST ledger before the deadline",
      cashState: "refunded",
      stState: "none",
    });
    expect(
      (await outbox.get(first.store, { topic: "st.relay", key: terms.id }))?.result,
    ).to.deep.equal({ skipped: "no lock on the ST ledger" });
    expect(await sent()).to.deep.equal({ st: start.st, cash: start.cash + 1 }); // refuse
    expect(await first.verifier.attestation(terms.id)).to.equal(undefined);

    // Now the seller locks on the ST ledger (its clock is well before the deadline).
    const data = st.ethers.AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]);
    await (await bond.connect(seller).lock(addr.delivery, quantity, data)).wait();
    expect(await delivery.stateOf(terms.id)).to.equal(1n); // Locked
    expect(await bond.availableBalanceOf(seller.address)).to.equal(sellerAvailable - quantity);

    await until(first.verifier, async () => (await delivery.stateOf(terms.id)) === 3n); // Returned
    await until(
      first.verifier,
      async () => (await first.verifier.settlement(terms.id))?.stState === "returned",
    );
    expect(await bond.lockedOf(addr.delivery, seller.address)).to.equal(0n);
    expect(await bond.balanceOf(seller.address)).to.equal(sellerUnits);
    expect(await bond.availableBalanceOf(seller.address)).to.equal(sellerAvailable);
    expect(await payment.stateOf(terms.id)).to.equal(3n); // still Refunded: one outcome
    // One ST transaction in all (returnToSeller), nothing more on the cash ledger.
    expect(await sent()).to.deep.equal({ st: start.st + 1, cash: start.cash + 1 });
    const att = await first.verifier.attestation(terms.id);
    expect(att?.outcome).to.equal("refunded");
    const late = await outbox.get(first.store, {
      topic: "st.relay",
      key: `${terms.id}:late-lock`,
    });
    expect(late?.status).to.equal("done");
    expect(late?.payload).to.deep.equal({ outcome: 2 });
    const entry = await journal.get(first.store, {
      namespace: "verifier.tx",
      id: `st:${terms.id}`,
    });
    expect((entry?.data as { state?: string } | undefined)?.state).to.equal("confirmed");
    expect(await first.verifier.metricsText()).to.match(
      /kessai_verifier_sends_total\{ledger="st"\} 1\n/,
    );
    for (let i = 0; i < 5; i++) await first.verifier.tick();
    expect(await sent()).to.deep.equal({ st: start.st + 1, cash: start.cash + 1 });

    // A restart over the same database: the events are not applied again, nothing is sent.
    await first.store.close();
    stores.splice(stores.indexOf(first.store), 1);
    const second = await openVerifier(file);
    for (let i = 0; i < 10; i++) {
      await second.verifier.tick();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await sent()).to.deep.equal({ st: start.st + 1, cash: start.cash + 1 });
    expect(await second.verifier.settlement(terms.id)).to.include({
      cashState: "refunded",
      stState: "returned",
    });
    expect(
      (await outbox.list(second.store, { topic: "st.relay" })).map((i) => i.status),
    ).to.deep.equal(["done", "done"]);
    expect(await second.verifier.metricsText()).to.match(
      /kessai_verifier_sends_total\{ledger="st"\} 0\n/,
    );
  });

  it("a late lock recorded while the refund's relay is still pending: two relay items, one returnToSeller", async function () {
    const file = path.join(dir, "late-lock-pending.db");
    // One instance sends decisions only, so the refund's relay waits; another relays.
    const decider = await openVerifier(file, { topics: ["cash.decide"] });
    const relayer = await openVerifier(file, { topics: ["st.relay"] });
    const [, issuer, , seller] = await st.ethers.getSigners();
    const [, , bank, , buyer] = await cash.ethers.getSigners();
    const bond = await st.ethers.getContractAt("StraightBondToken", addr.bond);
    const dcjpy = await cash.ethers.getContractAt("DepositToken", addr.dcjpy);
    const delivery = await st.ethers.getContractAt("CrossLedgerDelivery", addr.delivery);
    const payment = await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment);
    const verifierAddress = new Wallet(key(VERIFIER)).address;
    const sent = async () => ({
      st: await st.ethers.provider.getTransactionCount(verifierAddress),
      cash: await cash.ethers.provider.getTransactionCount(verifierAddress),
    });
    const quantity = 7n;
    const amount = 700_000n;
    await (
      await bond.connect(issuer).issue(seller.address, st.ethers.ZeroAddress, quantity)
    ).wait();
    await (await dcjpy.connect(bank).issue(buyer.address, amount, keccakId("debit L-2"))).wait();
    const sellerAvailable = await bond.availableBalanceOf(seller.address);
    const latest = await cash.ethers.provider.getBlock("latest");
    const terms: CrossLedgerTerms = {
      id: keccakId("late-lock L-2"),
      seller: seller.address,
      buyer: buyer.address,
      stChainId: 31338n,
      stLedger: addr.delivery,
      securityToken: addr.bond,
      quantity,
      cashChainId: 31339n,
      cashLedger: addr.payment,
      cashToken: addr.dcjpy,
      amount,
      deadline: BigInt(latest!.timestamp + 600),
      verifier: verifierAddress,
    };
    const start = await sent();
    await (await dcjpy.connect(buyer).approve(addr.payment, amount)).wait();
    await (await payment.connect(buyer).instruct(terms)).wait();
    await cash.provider.request({ method: "evm_increaseTime", params: [570] });
    await cash.provider.request({ method: "evm_mine" });
    await until(
      decider.verifier,
      async () => (await decider.verifier.settlement(terms.id))?.cashState === "refunded",
    );
    const data = st.ethers.AbiCoder.defaultAbiCoder().encode([TERMS_TUPLE], [terms]);
    await (await bond.connect(seller).lock(addr.delivery, quantity, data)).wait();
    await until(
      decider.verifier,
      async () => (await decider.verifier.settlement(terms.id))?.stState === "locked",
    );
    const relays = async () =>
      Promise.all(
        [terms.id, `${terms.id}:late-lock`].map(
          async (k) => (await outbox.get(decider.store, { topic: "st.relay", key: k }))?.status,
        ),
      );
    expect(await relays()).to.deep.equal(["pending", "pending"]);

    await until(relayer.verifier, async () => (await delivery.stateOf(terms.id)) === 3n); // Returned
    await until(relayer.verifier, async () => (await relays()).every((x) => x === "done"));
    for (let i = 0; i < 5; i++) await relayer.verifier.tick();
    expect(await bond.lockedOf(addr.delivery, seller.address)).to.equal(0n);
    expect(await bond.availableBalanceOf(seller.address)).to.equal(sellerAvailable);
    expect(await payment.stateOf(terms.id)).to.equal(3n); // Refunded
    // refuse on the cash ledger, one returnToSeller on the ST ledger.
    expect(await sent()).to.deep.equal({ st: start.st + 1, cash: start.cash + 1 });
  });
});
