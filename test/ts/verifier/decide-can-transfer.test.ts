import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, id as keccakId, type Provider } from "ethers";
import { openSqliteStore, type Store } from "@kessai/storage";
import { Verifier, type CrossLedgerTerms } from "../../../packages/verifier/src/index.js";
import { key, VERIFIER, deployLedgers, type Ledgers, lockFor } from "./in-process-ledgers.js";

/** `RegistryMockDown()`, what the broken register reverts with (not one of the SDK's errors). */
const REGISTRY_DOWN = keccakId("RegistryMockDown()").slice(0, 10);

/**
 * The decision's checks when the security token's `canTransfer` reverts (its investor register
 * is replaced by {@link RegistryMock}, which reverts on every query): a record no longer `Locked`
 * is judged on the record alone, and a `Locked` one is refused with the revert as its reason;
 * the round goes on in both cases. Two in-process ledgers deployed by the Ignition modules, the
 * service on SQLite with 3 confirmations; the test mines the blocks itself.
 */
describe("verifier service: decisions when the token's canTransfer reverts", function () {
  this.timeout(120_000);

  let st: Ledgers["st"];
  let cash: Ledgers["cash"];
  let addr: Ledgers["addr"];
  let broken: string;
  let dir: string;
  const stores: Store[] = [];

  before(async function () {
    ({ st, cash, addr } = await deployLedgers());
    broken = await (await st.ethers.deployContract("RegistryMock")).getAddress();
    dir = await mkdtemp(path.join(tmpdir(), "kessai-verifier-can-transfer-"));
  });

  after(async function () {
    for (const s of stores) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function openVerifier(name: string): Promise<Verifier> {
    const store = await openSqliteStore({ filename: path.join(dir, `${name}.db`) });
    stores.push(store);
    const provider = (l: typeof st) => l.ethers.provider as unknown as Provider;
    return Verifier.open({
      store,
      st: { sender: new Wallet(key(VERIFIER), provider(st)), contract: addr.delivery },
      cash: { sender: new Wallet(key(VERIFIER), provider(cash)), contract: addr.payment },
      attester: new Wallet(key(VERIFIER)),
      confirmations: 3,
      txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
      backoff: { initialDelayMs: 20, multiplier: 2, maxDelayMs: 100, jitter: 0 },
    });
  }

  async function ledgers() {
    const [admin, issuer, , seller, buyer] = await st.ethers.getSigners();
    const [, , bank, , cashBuyer] = await cash.ethers.getSigners();
    return {
      admin,
      issuer,
      seller,
      buyer,
      bank,
      cashBuyer,
      bond: await st.ethers.getContractAt("StraightBondToken", addr.bond),
      delivery: await st.ethers.getContractAt("CrossLedgerDelivery", addr.delivery),
      dcjpy: await cash.ethers.getContractAt("DepositToken", addr.dcjpy),
      payment: await cash.ethers.getContractAt("CrossLedgerPayment", addr.payment),
    };
  }

  const mine = async (l: typeof st, n: number) => {
    for (let i = 0; i < n; i++) await l.provider.request({ method: "evm_mine" });
  };

  /** Step 1: the seller locks 10 units for 1,000,000 DCJPY (issued to the buyer for it). */
  const lock = (name: string): Promise<CrossLedgerTerms> =>
    lockFor({ st, cash, addr }, name, { quantity: 10n, amount: 1_000_000n, deadlineIn: 36_000 });

  /** Step 4: the buyer instructs on the cash ledger. */
  async function instruct(t: CrossLedgerTerms): Promise<void> {
    const c = await ledgers();
    await (await c.dcjpy.connect(c.cashBuyer).approve(addr.payment, t.amount)).wait();
    await (await c.payment.connect(c.cashBuyer).instruct(t)).wait();
  }

  /** Points the security token at `registry` (the admin's call). */
  async function useRegistry(registry: string): Promise<void> {
    const c = await ledgers();
    await (await c.bond.connect(c.admin).setInvestorRegistry(registry)).wait();
  }

  /** Runs `f` while the `ledgers` make a block every 20 ms (the service's sends get confirmed). */
  async function mining<T>(ledgers: (typeof st)[], f: () => Promise<T>): Promise<T> {
    const miner = setInterval(() => {
      for (const l of ledgers) void l.provider.request({ method: "evm_mine" }).catch(() => 0);
    }, 20);
    try {
      return await f();
    } finally {
      clearInterval(miner);
    }
  }

  /** Rounds, both ledgers making blocks, until `done()` holds (bounded). */
  async function until(v: Verifier, done: () => Promise<boolean>) {
    await mining([st, cash], async () => {
      for (let i = 0; i < 200; i++) {
        await v.tick();
        if (await done()) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error("the service did not get there");
    });
  }

  it("a record no longer Locked at the head is refused on the record alone, canTransfer reverting", async function () {
    const verifier = await openVerifier("not-locked");
    const c = await ledgers();
    const terms = await lock("not locked T-1");
    await mine(st, 2);
    await verifier.tick();
    expect(await verifier.settlement(terms.id)).to.include({ stState: "locked" });

    // The buyer waives on the ST ledger and the token's register breaks; neither has its
    // confirmations, so the service still holds the lock as recorded.
    await (await c.delivery.connect(c.buyer).waive(terms)).wait();
    await useRegistry(broken);
    try {
      await instruct(terms);
      await mine(cash, 2);
      const buyerCash = await c.dcjpy.balanceOf(terms.buyer);

      // One round, blocks on the cash ledger only (its refusal gets confirmed; the ST ledger's
      // waiver stays unconfirmed): decided on the record as it is at the head.
      const round = await mining([cash], () => verifier.tick());
      expect(round.decided).to.equal(1);
      expect(await verifier.settlement(terms.id)).to.include({
        stState: "locked",
        decision: "refunded",
        reason: "ST settlement is returned",
      });
      expect(round.sent).to.equal(1); // refuse
      expect(await c.payment.stateOf(terms.id)).to.equal(3n); // Refunded
      expect(await c.dcjpy.balanceOf(terms.buyer)).to.equal(buyerCash + terms.amount);
      expect(await c.dcjpy.balanceOf(addr.payment)).to.equal(0n);
      expect(await c.delivery.stateOf(terms.id)).to.equal(3n); // Returned by the waiver
    } finally {
      await useRegistry(addr.registry);
    }
  });

  it("a Locked record whose canTransfer reverts is refused with the revert as the reason, the round goes on", async function () {
    const verifier = await openVerifier("locked");
    const c = await ledgers();
    const terms = await lock("locked T-2");
    const sellerUnits = await c.bond.balanceOf(terms.seller);
    const buyerUnits = await c.bond.balanceOf(terms.buyer);
    const sellerCash = await c.dcjpy.balanceOf(terms.seller);
    await useRegistry(broken);
    try {
      // What the service reads: canTransfer reverts with the register's error.
      const reverted = await c.bond.canTransfer.staticCall(terms.seller, terms.buyer, 0n).then(
        () => "no revert",
        (e: { data?: string }) => e.data,
      );
      expect(reverted).to.equal(REGISTRY_DOWN);
      await instruct(terms);
      const buyerCash = await c.dcjpy.balanceOf(terms.buyer);
      await until(
        verifier,
        async () => (await verifier.settlement(terms.id))?.decision !== undefined,
      );
      expect(await verifier.settlement(terms.id)).to.include({
        decision: "refunded",
        reason: `not transferable: canTransfer reverted: Unknown(data=${REGISTRY_DOWN})`,
      });
      await until(verifier, async () => (await c.payment.stateOf(terms.id)) === 3n); // Refunded
      expect(await c.dcjpy.balanceOf(terms.buyer)).to.equal(buyerCash + terms.amount);
      expect(await c.dcjpy.balanceOf(terms.seller)).to.equal(sellerCash);
      expect(await c.dcjpy.balanceOf(addr.payment)).to.equal(0n);
    } finally {
      await useRegistry(addr.registry);
    }
    // The refund is carried to the ST ledger: the units go back to the seller, none to the buyer.
    await until(verifier, async () => (await c.delivery.stateOf(terms.id)) === 3n); // Returned
    expect(await c.bond.lockedOf(addr.delivery, terms.seller)).to.equal(0n);
    expect(await c.bond.balanceOf(terms.seller)).to.equal(sellerUnits);
    expect(await c.bond.balanceOf(terms.buyer)).to.equal(buyerUnits);
  });
});
