import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId, type Provider, type Signer } from "ethers";
import { network } from "hardhat";
import { openSqliteStore, type Store } from "@kessai/storage";
import {
  CashLedgerClient,
  ChainMismatchError,
  CrossLedgerDeadlineNotPassed,
  CrossLedgerInvalidAttestation,
  CrossLedgerStateError,
  CrossLedgerTermsConflictError,
  CrossLedgerTimeoutError,
  CrossLedgerUnknownCounterpart,
  DeliveryUnexpectedState,
  DepositTokenAccountFrozen,
  IneligibleTradeError,
  InvalidDeadlineError,
  InvalidParameterError,
  InvalidTermsError,
  LedgerContractError,
  PaymentNoTransferPending,
  PaymentUnexpectedState,
  StLedgerClient,
  buildCrossLedgerTerms,
  deriveCrossLedgerId,
  deriveSettlementId,
  encodeCrossLedgerTerms,
  decodeCrossLedgerTerms,
  hashCrossLedgerTerms,
  outcomeTypedData,
  settleCrossLedger,
  typedDataDigest,
  type CrossLedgerProgressEvent,
  type CrossLedgerTerms,
} from "../../../packages/sdk/src/index.js";
import { Verifier, listenHttp } from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { expectError } from "./helpers.js";
import { openInProcessVerifier } from "./trades-xledger-fixture.js";

/**
 * The SDK's two-ledger calls against two in-process chains (ST ledger 31338, cash ledger 31339)
 * deployed by the Ignition modules, blocks mined every 40 ms on both.
 */
describe("sdk: two-ledger calls (ST ledger + cash ledger)", function () {
  this.timeout(120_000);
  let L: TwoLedgers;
  let miner: ReturnType<typeof setInterval> | undefined;
  let seller: { st: StLedgerClient; cash: CashLedgerClient };
  let buyer: { st: StLedgerClient; cash: CashLedgerClient };
  let relayer: { st: StLedgerClient; cash: CashLedgerClient };
  let n = 0;
  /** Settlements earlier tests left for the verifier (locked, and instructed or expired). */
  const leftForVerifier: string[] = [];

  const verifierAddress = new Wallet(devKey(A.verifier)).address;

  before(async function () {
    const st = await network.create("stLedger");
    const cash = await network.create("cashLedger");
    L = await deployTwoLedgers(st, cash);
    miner = setInterval(() => {
      void st.provider.request({ method: "evm_mine" }).catch(() => undefined);
      void cash.provider.request({ method: "evm_mine" }).catch(() => undefined);
    }, 40);
    const stSigners = await st.ethers.getSigners();
    const cashSigners = await cash.ethers.getSigners();
    const party = async (i: number) => ({
      st: await StLedgerClient.connect({ runner: stSigners[i], delivery: L.delivery }),
      cash: await CashLedgerClient.connect({ runner: cashSigners[i], payment: L.payment }),
    });
    seller = await party(A.seller);
    buyer = await party(A.buyer);
    relayer = await party(7);
  });

  after(function () {
    if (miner) clearInterval(miner);
  });

  /** Fresh terms; the seller holds `quantity` units and the buyer `amount` DCJPY. */
  async function fresh(
    opts: { deadlineIn?: number; fund?: boolean } = {},
  ): Promise<CrossLedgerTerms> {
    const name = `xl-sdk-${++n}`;
    const [, issuer, bank] = await L.st.ethers.getSigners();
    const cashBank = (await L.cash.ethers.getSigners())[A.bank];
    const quantity = 10n;
    const amount = 1_000_000n;
    if (opts.fund ?? true) {
      const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
      await (await bond.connect(issuer).issue(seller.st.address, ZeroAddress, quantity)).wait();
      const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
      await (
        await dcjpy.connect(cashBank).issue(buyer.cash.address, amount, keccakId(`debit ${name}`))
      ).wait();
    }
    void bank;
    const now = (await L.cash.ethers.provider.getBlock("latest"))!.timestamp;
    return buildCrossLedgerTerms({
      id: keccakId(name),
      seller: seller.st.address,
      buyer: buyer.cash.address,
      stChainId: 31338,
      stLedger: L.delivery,
      securityToken: L.bond,
      quantity,
      cashChainId: 31339,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      amount,
      deadline: now + (opts.deadlineIn ?? 36_000),
      verifier: verifierAddress,
    });
  }

  async function books(t: CrossLedgerTerms) {
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    return {
      sellerUnits: await bond.balanceOf(t.seller),
      buyerUnits: await bond.balanceOf(t.buyer),
      locked: await bond.lockedOf(L.delivery, t.seller),
      buyerCash: await dcjpy.balanceOf(t.buyer),
      sellerCash: await dcjpy.balanceOf(t.seller),
      escrow: await dcjpy.balanceOf(L.payment),
      st: await delivery.stateOf(t.id),
      cash: await payment.stateOf(t.id),
    };
  }

  const sign = (t: CrossLedgerTerms, outcome: 1 | 2) => {
    const td = outcomeTypedData(t, outcome);
    return new Wallet(devKey(A.verifier)).signTypedData(td.domain, td.types, td.message);
  };

  it("hashes, encodes and digests the terms exactly as both ledgers do; derives distinct IDs", async function () {
    const t = await fresh({ fund: false });
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    expect(hashCrossLedgerTerms(t)).to.equal(await delivery.hashTerms(t));
    expect(hashCrossLedgerTerms(t)).to.equal(await payment.hashTerms(t));
    for (const o of [1, 2] as const) {
      expect(typedDataDigest(outcomeTypedData(t, o))).to.equal(await delivery.outcomeDigest(t, o));
      expect(typedDataDigest(outcomeTypedData(t, o))).to.equal(await payment.outcomeDigest(t, o));
    }
    expect((encodeCrossLedgerTerms(t).length - 2) / 2).to.equal(416);
    expect(decodeCrossLedgerTerms(encodeCrossLedgerTerms(t))).to.deep.equal(t);
    const trade = {
      venue: "OTC",
      tradeId: "T-1",
      tradeDate: "2026-11-30",
      seller: t.seller,
      buyer: t.buyer,
      securityToken: t.securityToken,
      quantity: 10n,
      amount: 5n,
    };
    const id = deriveCrossLedgerId({ ...trade, stChainId: 31338, cashChainId: 31339 });
    expect(id).to.equal(deriveCrossLedgerId({ ...trade, stChainId: 31338n, cashChainId: 31339n }));
    expect(id).to.not.equal(deriveCrossLedgerId({ ...trade, stChainId: 1, cashChainId: 31339 }));
    expect(id).to.not.equal(deriveSettlementId(trade));
  });

  it("refuses malformed terms with a typed error naming the field", async function () {
    const t = await fresh({ fund: false });
    await expectError(
      Promise.resolve().then(() => buildCrossLedgerTerms({ ...t, buyer: t.seller })),
      InvalidTermsError,
      { field: "terms.buyer" },
    );
    await expectError(
      Promise.resolve().then(() => buildCrossLedgerTerms({ ...t, verifier: t.buyer })),
      InvalidTermsError,
      { field: "terms.verifier" },
    );
    await expectError(
      Promise.resolve().then(() => buildCrossLedgerTerms({ ...t, stChainId: 0 })),
      InvalidParameterError,
      { field: "terms.stChainId" },
    );
    await expectError(
      Promise.resolve().then(() =>
        buildCrossLedgerTerms({ ...t, cashChainId: 31338n, cashLedger: t.stLedger }),
      ),
      InvalidTermsError,
      { field: "terms.cashLedger" },
    );
  });

  it("connect: refuses an address without the ledger's contract, and another chain", async function () {
    const runner = L.st.ethers.provider as unknown as Provider;
    const other = await expectError(
      StLedgerClient.connect({ runner, delivery: L.bond }),
      LedgerContractError,
      { field: "delivery", found: "otherContract", chainId: 31338n },
    );
    expect(other.shortMessage).to.equal(
      `delivery ${L.bond} is another contract on chain 31338, not a CrossLedgerDelivery`,
    );
    await expectError(
      CashLedgerClient.connect({
        runner: L.cash.ethers.provider as unknown as Provider,
        payment: verifierAddress,
      }),
      LedgerContractError,
      { field: "payment", found: "noContract", chainId: 31339n },
    );
    await expectError(
      StLedgerClient.connect({ runner, delivery: L.delivery, chainId: 31339 }),
      ChainMismatchError,
      { expectedChainId: 31339n, chainId: 31338n },
    );
  });

  it("lock: refuses terms for another ledger, another signer, an ineligible buyer; nothing moves", async function () {
    const t = await fresh();
    const before = await books(t);
    await expectError(seller.st.lock({ terms: { ...t, stChainId: 1n } }), InvalidTermsError, {
      field: "terms.stChainId",
    });
    await expectError(seller.st.lock({ terms: { ...t, stLedger: L.bond } }), InvalidTermsError, {
      field: "terms.stLedger",
    });
    await expectError(buyer.st.lock({ terms: t }), InvalidParameterError, {
      field: "terms.seller",
    });
    // The cash ledger named is not a listed counterpart: the contract's typed error, decoded.
    const unlisted = await expectError(
      seller.st.lock({ terms: { ...t, cashLedger: L.dcjpy } }),
      CrossLedgerUnknownCounterpart,
      { chainId: 31339n, ledger: L.dcjpy },
    );
    expect(unlisted.shortMessage).to.match(/is not a listed counterpart ledger$/);
    const [, issuer] = await L.st.ethers.getSigners();
    const registry = await L.st.ethers.getContractAt("InvestorRegistry", L.registry);
    await (await registry.connect(issuer).suspend(t.buyer)).wait();
    try {
      const e = await expectError(seller.st.lock({ terms: t }), IneligibleTradeError, {
        id: t.id,
        reason: "securityTokenRefuses",
        account: t.buyer,
      });
      expect(e.shortMessage).to.include("SecurityTokenIneligibleReceiver");
    } finally {
      await (await registry.connect(issuer).reinstate(t.buyer)).wait();
    }
    expect(await books(t)).to.deep.equal(before);
  });

  it("lock, then instruct; a second instruct is refused by the ledger, typed, and moves nothing", async function () {
    const t = await fresh();
    const before = await books(t);
    const locked = await seller.st.lock({ terms: t });
    expect(locked.termsHash).to.equal(hashCrossLedgerTerms(t));
    const mid = await books(t);
    expect(mid.locked - before.locked).to.equal(t.quantity);
    expect(mid.st).to.equal(1n); // Locked
    const r = await buyer.cash.instruct({ terms: t });
    expect(r.approval?.hash).to.match(/^0x[0-9a-f]{64}$/);
    const after = await books(t);
    expect(after.cash).to.equal(1n); // Instructed
    expect(before.buyerCash - after.buyerCash).to.equal(t.amount);
    expect(after.escrow - before.escrow).to.equal(t.amount);
    leftForVerifier.push(t.id);
    const e = await expectError(buyer.cash.instruct({ terms: t }), PaymentUnexpectedState, {
      id: t.id,
      current: 1n,
    });
    expect(e.shortMessage).to.equal(
      `PaymentUnexpectedState: settlement ${t.id.slice(0, 6)}…${t.id.slice(-4)} is Instructed on the cash ledger, needs None`,
    );
    expect(await books(t)).to.deep.equal(after);
    const status = await seller.st.getDelivery({ id: t.id });
    expect(status.state).to.equal("Locked");
    expect((await buyer.cash.getPayment({ id: t.id })).state).to.equal("Instructed");
  });

  it("instructWithAuthorization: the buyer signs, a relayer submits; only these terms", async function () {
    const t = await fresh();
    await seller.st.lock({ terms: t });
    const before = await books(t);
    const auth = await buyer.cash.signAuthorization({ terms: t });
    expect(auth.validBefore).to.equal(t.deadline + 1n);
    await relayer.cash.instructWithAuthorization({ terms: t, authorization: auth });
    leftForVerifier.push(t.id);
    const after = await books(t);
    expect(after.cash).to.equal(1n);
    expect(before.buyerCash - after.buyerCash).to.equal(t.amount);
  });

  it("refund: refused before the deadline (typed, nothing moved), anyone refunds after it", async function () {
    const t = await fresh({ deadlineIn: 600 });
    await seller.st.lock({ terms: t });
    await buyer.cash.instruct({ terms: t });
    const before = await books(t);
    const e = await expectError(relayer.cash.refund({ terms: t }), CrossLedgerDeadlineNotPassed, {
      id: t.id,
      deadline: t.deadline,
    });
    expect((e.args as { nowTime: bigint }).nowTime <= t.deadline).to.equal(true);
    expect(await books(t)).to.deep.equal(before);
    await L.cash.provider.request({ method: "evm_increaseTime", params: [601] });
    await relayer.cash.refund({ terms: t });
    leftForVerifier.push(t.id);
    const after = await books(t);
    expect(after.cash).to.equal(3n); // Refunded
    expect(after.buyerCash - before.buyerCash).to.equal(t.amount);
    // a late instruction is refused by the SDK before anything is sent
    const late = await fresh({ deadlineIn: 1 });
    await L.cash.provider.request({ method: "evm_increaseTime", params: [5] });
    await L.cash.provider.request({ method: "evm_mine" });
    await expectError(buyer.cash.instruct({ terms: late }), InvalidDeadlineError, {
      field: "terms.deadline",
    });
  });

  it("seller side with the cash leg already refunded and nothing locked: a typed error, no lock", async function () {
    // The buyer instructed, no lock came, the instruction was refunded after the deadline on the
    // cash ledger (whose clock is ahead of the ST ledger's, which would still take a lock).
    const t = await fresh({ deadlineIn: 600 });
    await buyer.cash.instruct({ terms: t });
    await L.cash.provider.request({ method: "evm_increaseTime", params: [601] });
    await L.cash.provider.request({ method: "evm_mine" });
    await relayer.cash.refund({ terms: t });
    const before = await books(t);
    expect(before).to.include({ st: 0n, cash: 3n });
    const nonce = await L.st.ethers.provider.getTransactionCount(t.seller);
    await expectError(
      settleCrossLedger({ side: "seller", ...seller, terms: t, pollMs: 50, timeoutMs: 2_000 }),
      CrossLedgerStateError,
      { id: t.id, ledger: "cash", state: "Refunded" },
    );
    expect(await books(t)).to.deep.equal(before);
    expect(await L.st.ethers.provider.getTransactionCount(t.seller)).to.equal(nonce);
  });

  it("deliver / returnToSeller: a wrong attestation is refused (typed, nothing moved); the right one delivers", async function () {
    const t = await fresh();
    await seller.st.lock({ terms: t });
    const before = await books(t);
    const refunded = await sign(t, 2);
    await expectError(
      relayer.st.deliver({ terms: t, attestation: refunded }),
      CrossLedgerInvalidAttestation,
      { id: t.id, verifier: verifierAddress, outcome: 1n },
    );
    await expectError(relayer.st.deliver({ terms: t, attestation: "0x" }), InvalidParameterError, {
      field: "attestation",
    });
    expect(await books(t)).to.deep.equal(before);
    await relayer.st.deliver({ terms: t, attestation: await sign(t, 1) });
    const after = await books(t);
    expect(after.st).to.equal(2n); // Delivered
    expect(after.buyerUnits - before.buyerUnits).to.equal(t.quantity);
    expect(before.locked - after.locked).to.equal(t.quantity);
    await expectError(
      relayer.st.returnToSeller({ terms: t, attestation: refunded }),
      DeliveryUnexpectedState,
      { id: t.id, current: 2n },
    );
    expect(await books(t)).to.deep.equal(after);
  });

  it("completeTransfer: a refund DCJPY refused (buyer frozen) waits in escrow; completed once allowed", async function () {
    const t = await fresh({ deadlineIn: 500 });
    await seller.st.lock({ terms: t });
    await buyer.cash.instruct({ terms: t });
    leftForVerifier.push(t.id);
    const bank = (await L.cash.ethers.getSigners())[A.bank];
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    await L.cash.provider.request({ method: "evm_increaseTime", params: [501] });
    await (await dcjpy.connect(bank).setAccountFrozen(t.buyer, true)).wait();
    try {
      const before = await books(t);
      await relayer.cash.refund({ terms: t });
      const deferred = await books(t);
      expect(deferred.cash).to.equal(3n); // Refunded: the decision stands
      expect(deferred.buyerCash).to.equal(before.buyerCash); // the amount is still in escrow
      expect(deferred.escrow).to.equal(before.escrow);
      expect(await relayer.cash.getPayment({ id: t.id })).to.include({
        state: "Refunded",
        transferPending: true,
      });
      // still frozen: DCJPY's own error, typed; nothing moves
      await expectError(relayer.cash.completeTransfer({ terms: t }), DepositTokenAccountFrozen, {
        account: t.buyer,
      });
      expect(await books(t)).to.deep.equal(deferred);
      await (await dcjpy.connect(bank).setAccountFrozen(t.buyer, false)).wait();
      await relayer.cash.completeTransfer({ terms: t });
      const after = await books(t);
      expect(after.buyerCash - deferred.buyerCash).to.equal(t.amount);
      expect(deferred.escrow - after.escrow).to.equal(t.amount);
      await expectError(relayer.cash.completeTransfer({ terms: t }), PaymentNoTransferPending, {
        id: t.id,
      });
      expect(await books(t)).to.deep.equal(after);
    } finally {
      if (await dcjpy.isAccountFrozen(t.buyer))
        await (await dcjpy.connect(bank).setAccountFrozen(t.buyer, false)).wait();
    }
  });

  describe("settleCrossLedger", function () {
    let dir: string;
    let store: Store;
    let verifier: Verifier;

    before(async function () {
      dir = await mkdtemp(path.join(tmpdir(), "kessai-xl-sdk-"));
      store = await openSqliteStore({ filename: path.join(dir, "verifier.db") });
      verifier = await openInProcessVerifier(L, store);
    });

    after(async function () {
      await verifier?.stop();
      await store?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("buyer side waits for the seller's lock, then times out with a typed error; nothing sent", async function () {
      const t = await fresh();
      const before = await books(t);
      const nonce = await L.cash.ethers.provider.getTransactionCount(t.buyer);
      const e = await expectError(
        settleCrossLedger({
          side: "buyer",
          st: buyer.st,
          cash: buyer.cash,
          terms: t,
          timeoutMs: 300,
          pollMs: 50,
        }),
        CrossLedgerTimeoutError,
        { id: t.id, waitingFor: "lock by the seller", stState: "None", cashState: "None" },
      );
      expect(e.shortMessage).to.match(/call again to carry on$/);
      expect(await books(t)).to.deep.equal(before);
      expect(await L.cash.ethers.provider.getTransactionCount(t.buyer)).to.equal(nonce);
    });

    it("refuses terms a ledger holds differently, before sending anything", async function () {
      const t = await fresh();
      await seller.st.lock({ terms: t });
      const other = { ...t, amount: t.amount + 1n };
      const before = await books(t);
      await expectError(
        settleCrossLedger({ side: "buyer", st: buyer.st, cash: buyer.cash, terms: other }),
        CrossLedgerTermsConflictError,
        { id: t.id, ledger: "st", state: "Locked" },
      );
      await expectError(
        settleCrossLedger({ side: "seller", st: buyer.st, cash: buyer.cash, terms: t }),
        InvalidTermsError,
        { field: "terms.seller" },
      );
      expect(await books(t)).to.deep.equal(before);
    });

    it("buyer side after the deadline without an instruction: a typed error, nothing sent", async function () {
      const t = await fresh({ deadlineIn: 400 });
      await seller.st.lock({ terms: t });
      leftForVerifier.push(t.id);
      await L.cash.provider.request({ method: "evm_increaseTime", params: [401] });
      // a block past the deadline, so that the latest block (what the workflow reads) shows it
      await L.cash.provider.request({ method: "evm_mine" });
      const before = await books(t);
      await expectError(
        settleCrossLedger({ side: "buyer", ...buyer, terms: t, pollMs: 50, timeoutMs: 5_000 }),
        CrossLedgerStateError,
        { id: t.id, ledger: "cash", state: "None" },
      );
      expect(await books(t)).to.deep.equal(before);
    });
    it("both sides at once, the verifier running: delivered; a second call resumes to the end and sends nothing", async function () {
      verifier.start();
      // The verifier first finishes what earlier tests left (their books are the same accounts').
      const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
      for (let i = 0; ; i++) {
        const states = await Promise.all(leftForVerifier.map((id) => delivery.stateOf(id)));
        if (states.every((x) => x !== 1n)) break;
        if (i > 600) throw new Error(`the verifier left ${states.join(",")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(leftForVerifier).to.have.length(5);
      const t = await fresh();
      const before = await books(t);
      const events: Record<string, CrossLedgerProgressEvent[]> = { seller: [], buyer: [] };
      const run = (side: "seller" | "buyer") =>
        settleCrossLedger({
          side,
          ...(side === "seller" ? seller : buyer),
          terms: t,
          pollMs: 50,
          timeoutMs: 60_000,
          onProgress: (e) => void events[side].push(e),
        });
      const [b, s] = await Promise.all([run("buyer"), run("seller")]);
      expect(s).to.include({ id: t.id, status: "delivered", cashState: "Paid" });
      expect(b).to.include({ id: t.id, status: "delivered", cashState: "Paid" });
      const after = await books(t);
      expect(after.buyerUnits - before.buyerUnits).to.equal(t.quantity);
      expect(after.sellerCash - before.sellerCash).to.equal(t.amount);
      expect(before.buyerCash - after.buyerCash).to.equal(t.amount);
      expect(after.locked).to.equal(before.locked);
      const done = (side: string) =>
        events[side].filter((e) => e.status === "done").map((e) => [e.step, e.name]);
      expect(done("seller")).to.deep.equal([
        [1, "lock"],
        [5, "decide"],
        [6, "deliver"],
      ]);
      expect(done("buyer")).to.deep.equal([
        [1, "lock"],
        [4, "instruct"],
        [5, "decide"],
        [6, "deliver"],
      ]);
      const lockTx = events.seller.find((e) => e.name === "lock" && e.status === "done")!;
      expect(lockTx.txHash).to.match(/^0x[0-9a-f]{64}$/);

      const nonces = {
        st: await L.st.ethers.provider.getTransactionCount(t.seller),
        cash: await L.cash.ethers.provider.getTransactionCount(t.buyer),
      };
      const again = await settleCrossLedger({ side: "seller", ...seller, terms: t, pollMs: 50 });
      expect(again.status).to.equal("delivered");
      expect(again.steps[0]).to.include({ step: 1, name: "lock", status: "skipped" });
      const buyerAgain = await settleCrossLedger({ side: "buyer", ...buyer, terms: t, pollMs: 50 });
      expect(buyerAgain.steps[0]).to.include({ step: 4, name: "instruct", status: "skipped" });
      expect(await L.st.ethers.provider.getTransactionCount(t.seller)).to.equal(nonces.st);
      expect(await L.cash.ethers.provider.getTransactionCount(t.buyer)).to.equal(nonces.cash);
      expect(await books(t)).to.deep.equal(after);
    });

    it("the verifier decides but does not relay: the buyer delivers itself with the attestation the verifier serves", async function () {
      await verifier.stop();
      // The verifier's key signs; its ST-ledger sender is an account without ether, so the
      // service signs the attestation (after the payment's confirmation) but cannot deliver.
      const decider = await Verifier.open({
        store: await openSqliteStore({ filename: path.join(dir, "decide-only.db") }),
        st: {
          sender: Wallet.createRandom().connect(L.st.ethers.provider as unknown as Provider),
          contract: L.delivery,
        },
        cash: {
          sender: new Wallet(devKey(A.verifier), L.cash.ethers.provider as unknown as Provider),
          contract: L.payment,
        },
        attester: new Wallet(devKey(A.verifier)) as Signer,
        confirmations: 1,
        pollMs: 50,
        txPolicy: { pollIntervalMs: 20, stallCheckMs: 200, timeoutMs: 60_000 },
        backoff: { initialDelayMs: 50, multiplier: 2, maxDelayMs: 200, jitter: 0 },
      });
      const http = await listenHttp(decider);
      const t = await fresh();
      await seller.st.lock({ terms: t });
      const sent = {
        verifier: await L.st.ethers.provider.getTransactionCount(verifierAddress),
        buyer: await L.st.ethers.provider.getTransactionCount(t.buyer),
      };
      const before = await books(t);
      decider.start();
      const events: CrossLedgerProgressEvent[] = [];
      const answers: number[] = [];
      try {
        const r = await settleCrossLedger({
          side: "buyer",
          ...buyer,
          terms: t,
          pollMs: 50,
          timeoutMs: 60_000,
          selfRelayAfterMs: 0,
          verifierUrl: http.url,
          // the service's endpoint is down for the first two requests, then answers
          fetch: async (url, init) => {
            if (answers.length < 2) {
              answers.push(0);
              throw new TypeError("fetch failed");
            }
            const res = await fetch(url, init);
            answers.push(res.status);
            return res;
          },
          onProgress: (e) => void events.push(e),
        });
        expect(r).to.include({ status: "delivered", cashState: "Paid" });
      } finally {
        await decider.stop();
        await http.close();
        await decider.store.close();
      }
      // asked again while the service was down, and while the payment awaited its confirmation
      // (404), until the attestation was served
      expect(answers.slice(0, 2)).to.deep.equal([0, 0]);
      expect(answers.at(-1)).to.equal(200);
      expect(answers.slice(2, -1).every((x) => x === 404)).to.equal(true);
      const waits = events.filter((e) => e.name === "deliver" && e.status === "waiting");
      expect(waits[0]?.reason).to.match(
        /^the verifier's attestation \(the service: GET http.*: fetch failed\)$/,
      );
      const deliver = events.find((e) => e.name === "deliver" && e.status === "done" && e.txHash);
      expect(deliver?.step).to.equal(6);
      const after = await books(t);
      expect(after.buyerUnits - before.buyerUnits).to.equal(t.quantity);
      expect(after.sellerCash - before.sellerCash).to.equal(t.amount);
      // the delivery is the buyer's own transaction on the ST ledger; the verifier sent none there
      expect(await L.st.ethers.provider.getTransactionCount(t.buyer)).to.equal(sent.buyer + 1);
      expect(await L.st.ethers.provider.getTransactionCount(verifierAddress)).to.equal(
        sent.verifier,
      );
    });

    it("no decision by the deadline: the buyer's workflow refunds itself and ends refunded", async function () {
      // (the verifiers of the tests above are stopped: nobody decides)
      const t = await fresh({ deadlineIn: 400 });
      await seller.st.lock({ terms: t });
      const before = await books(t);
      const events: CrossLedgerProgressEvent[] = [];
      const running = settleCrossLedger({
        side: "buyer",
        ...buyer,
        terms: t,
        pollMs: 50,
        timeoutMs: 60_000,
        onProgress: (e) => void events.push(e),
      });
      const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
      for (let i = 0; (await payment.stateOf(t.id)) !== 1n; i++) {
        if (i > 400) throw new Error("the buyer did not instruct");
        await new Promise((r) => setTimeout(r, 25));
      }
      await L.cash.provider.request({ method: "evm_increaseTime", params: [401] });
      await L.cash.provider.request({ method: "evm_mine" });
      const r = await running;
      expect(r).to.include({ status: "refunded", cashState: "Refunded" });
      const refund = events.find((e) => e.name === "refund" && e.status === "done");
      expect(refund?.txHash).to.match(/^0x[0-9a-f]{64}$/);
      const after = await books(t);
      expect(after.buyerCash).to.equal(before.buyerCash);
      expect(after.escrow).to.equal(before.escrow);
      expect(after.st).to.equal(1n); // the units wait, locked, for the verifier's Refunded
      expect(after.locked).to.equal(before.locked);
    });
  });
});
