import { expect } from "chai";
import { ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import {
  ReferenceConflictError,
  SETTLEMENT_STEPS,
  SettlementTermsMismatchError,
  buildTerms,
  settleTrade,
  termsDigest,
  tradeReference,
  InvalidAmountError,
  InvalidDeadlineError,
  InvalidTermsError,
  ReferenceUsedError,
  SettlementInFlightError,
  type SettlementTermsInput,
  type ProgressEvent,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

class Interrupt extends Error {}

describe("sdk settleTrade workflow", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 1000n });
  });

  /** Counts every movement a trade could repeat. */
  async function legs(id: string, bankReference: string, redemptionRef: string) {
    const { bond, dcjpy, dvp } = k.contracts;
    const [settled, issued, redeemed, stTransfers, cashTransfers, created] = await Promise.all([
      dvp.queryFilter(dvp.filters.SettlementSettled(id)),
      dcjpy.queryFilter(dcjpy.filters.Issued(bankReference)),
      dcjpy.queryFilter(dcjpy.filters.Redeemed(redemptionRef)),
      bond.queryFilter(bond.filters.Transfer(k.signers.seller.address, k.signers.buyer.address)),
      dcjpy.queryFilter(dcjpy.filters.Transfer(k.signers.buyer.address, k.signers.seller.address)),
      dvp.queryFilter(dvp.filters.SettlementCreated(id)),
    ]);
    const tx = settled[0]?.transactionHash;
    return {
      created: created.length,
      settled: settled.length,
      issued: issued.length,
      redeemed: redeemed.length,
      stLegs: stTransfers.filter((t) => t.transactionHash === tx).length,
      cashLegs: cashTransfers.filter((t) => t.transactionHash === tx).length,
    };
  }
  async function positions() {
    const s = await k.clients.seller.getBalances();
    const b = await k.clients.buyer.getBalances({ account: k.signers.buyer.address });
    return {
      sST: s.security.balance,
      bST: b.security.balance,
      sCash: s.deposit.balance,
      bCash: b.deposit.balance,
    };
  }

  it("runs the seven steps and reports progress (payment by approval)", async function () {
    const terms = await k.newTerms({ agent: k.signers.agent.address });
    const events: ProgressEvent[] = [];
    await k.clients.buyer.approveDeposit({ amount: 0n });
    const r = await settleTrade({
      useAuthorization: false,
      seller: k.clients.seller,
      buyer: k.clients.buyer,
      bank: k.clients.bank,
      agent: k.clients.agent,
      terms,
      bankReference: ref(`${terms.id}b`),
      redemptionRef: ref(`${terms.id}r`),
      onProgress: (e) => {
        events.push(e);
      },
    });
    expect(r.state).to.equal("Settled");
    expect(r.steps.map((s) => `${s.step}${s.name}:${s.status}`)).to.deep.equal(
      SETTLEMENT_STEPS.map((n, i) => `${i + 1}${n}:done`),
    );
    for (const s of r.steps) {
      expect(s.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(s.gasUsed! > 0n).to.equal(true);
    }
    expect(events.filter((e) => e.status === "started").length).to.equal(7);
  });

  it("by default pays with a transfer authorization (no step-4 transaction) under references derived from the ID", async function () {
    const terms = buildTerms(await k.newTerms());
    const r = await settleTrade({
      seller: k.clients.seller,
      buyer: k.clients.buyer,
      bank: k.clients.bank,
      terms,
    });
    expect(r.state).to.equal("Settled");
    expect(r.steps.map((s) => `${s.step}${s.name}:${s.status}`)).to.deep.equal([
      "1lock:done",
      "2affirm:done",
      "3issue:done",
      "4authorise:skipped",
      "5approve:skipped",
      "6settle:done",
      "7redeem:done",
    ]);
    expect(r.bankReference).to.equal(tradeReference(terms.id, "issuance"));
    expect(r.redemptionRef).to.equal(tradeReference(terms.id, "redemption"));
    expect(r.bankReference).to.equal(
      keccak256(toUtf8Bytes(`kessai:issuance:${terms.id.toLowerCase()}`)),
    );
    expect(await legs(terms.id, r.bankReference, r.redemptionRef)).to.deep.equal({
      created: 1,
      settled: 1,
      issued: 1,
      redeemed: 1,
      stLegs: 1,
      cashLegs: 1,
    });
  });

  for (const useAuthorization of [false, true]) {
    for (let stop = 1; stop <= 7; stop++) {
      it(`resumes after an interruption after step ${stop} (${useAuthorization ? "authorization" : "approval"}) without repeating a leg`, async function () {
        const terms = buildTerms(await k.newTerms({ agent: k.signers.agent.address }));
        const bankReference = ref(`${terms.id}b`);
        const redemptionRef = ref(`${terms.id}r`);
        if (!useAuthorization) await k.clients.buyer.approveDeposit({ amount: 0n }); // so step 4 has work to do
        const before = await positions();
        const params = {
          seller: k.clients.seller,
          buyer: k.clients.buyer,
          bank: k.clients.bank,
          agent: k.clients.agent,
          terms,
          bankReference,
          redemptionRef,
          useAuthorization,
        };
        let interrupted = false;
        try {
          await settleTrade({
            ...params,
            onProgress: (e) => {
              if (e.step === stop && e.status !== "started")
                throw new Interrupt(`stop after ${stop}`);
            },
          });
        } catch (e) {
          if (!(e instanceof Interrupt)) throw e;
          interrupted = true;
        }
        expect(interrupted).to.equal(true);
        const resumed = await settleTrade(params);
        expect(resumed.state).to.equal("Settled");
        // every step up to `stop` is skipped on resume
        for (const s of resumed.steps.filter((x) => x.step <= stop))
          expect(s.status, `step ${s.step}`).to.equal("skipped");
        // and a third call does nothing at all
        const again = await settleTrade(params);
        expect(again.steps.every((s) => s.status === "skipped")).to.equal(true);
        expect(await legs(terms.id, bankReference, redemptionRef)).to.deep.equal({
          created: 1,
          settled: 1,
          issued: 1,
          redeemed: 1,
          stLegs: 1,
          cashLegs: 1,
        });
        const after = await positions();
        expect(after.sST - before.sST).to.equal(-terms.quantity);
        expect(after.bST - before.bST).to.equal(terms.quantity);
        expect(after.sCash).to.equal(before.sCash); // received then redeemed
        expect(after.bCash).to.equal(before.bCash); // issued then paid
      });
    }
  }

  it("skips the agent step when the terms name no agent, and refuses a used bank reference for another trade before step 1", async function () {
    const terms = await k.newTerms({ agent: ZeroAddress });
    const bankReference = ref(`${terms.id}b`);
    await k.clients.bank.issueDeposit({
      account: k.signers.buyer.address,
      amount: 1n,
      bankReference,
    });
    const before = await positions();
    const err = await expectError(
      settleTrade({
        seller: k.clients.seller,
        buyer: k.clients.buyer,
        bank: k.clients.bank,
        terms,
        bankReference,
        redemptionRef: ref(`${terms.id}r`),
      }),
      ReferenceConflictError,
      {
        kind: "issuance",
        reference: bankReference,
        account: k.signers.buyer.address,
        amount: 1n,
        expectedAccount: k.signers.buyer.address,
        expectedAmount: terms.amount,
      },
    );
    expect(err.message).to.match(/was used for 1 to /);
    // refused before step 1: nothing locked, nothing issued under the reference
    expect(await positions()).to.deep.equal(before);
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    expect((await legs(terms.id, bankReference, ref(`${terms.id}r`))).issued).to.equal(1);
    const r = await settleTrade({
      seller: k.clients.seller,
      buyer: k.clients.buyer,
      bank: k.clients.bank,
      terms,
      bankReference: ref(`${terms.id}b2`),
      redemptionRef: ref(`${terms.id}r`),
    });
    expect(r.steps.find((s) => s.step === 5)!.status).to.equal("skipped");
    expect(r.state).to.equal("Settled");
  });

  it("refuses a redemption reference already used for another account or amount, before step 1", async function () {
    const terms = await k.newTerms({ agent: ZeroAddress });
    const bankReference = ref(`${terms.id}b`);
    const redemptionRef = ref(`${terms.id}r`);
    // the buyer spends the seller's redemption reference on a redemption of its own
    await k.clients.bank.issueDeposit({
      account: k.signers.buyer.address,
      amount: 1n,
      bankReference: ref(`${terms.id}b-other`),
    });
    await k.clients.buyer.redeemDeposit({ amount: 1n, redemptionRef });
    const before = await positions();
    await expectError(
      settleTrade({
        seller: k.clients.seller,
        buyer: k.clients.buyer,
        bank: k.clients.bank,
        terms,
        bankReference,
        redemptionRef,
      }),
      ReferenceConflictError,
      {
        kind: "redemption",
        reference: redemptionRef,
        account: k.signers.buyer.address,
        amount: 1n,
        expectedAccount: k.signers.seller.address,
        expectedAmount: terms.amount,
      },
    );
    // refused before step 1: nothing locked, issued or moved
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await positions()).to.deep.equal(before);
    expect(await legs(terms.id, bankReference, redemptionRef)).to.deep.equal({
      created: 0,
      settled: 0,
      issued: 0,
      redeemed: 1,
      stLegs: 0,
      cashLegs: 0,
    });
    expect(await k.clients.bank.getRedemption(redemptionRef)).to.include({
      account: k.signers.buyer.address,
      amount: 1n,
    });
  });
  describe("when a settlement with other terms already holds the ID", function () {
    const nonces = () =>
      Promise.all(
        [k.signers.seller, k.signers.buyer, k.signers.bank].map((w) =>
          k.ethers.provider.getTransactionCount(w.address, "pending"),
        ),
      );

    it("throws SettlementTermsMismatchError before any step, sending nothing (Pending)", async function () {
      const terms = buildTerms(await k.newTerms());
      await k.clients.seller.createSettlement({ terms });
      const other = buildTerms({ ...terms, amount: terms.amount + 1n });
      const bankReference = ref(`${terms.id}b`);
      const events: ProgressEvent[] = [];
      const before = await nonces();
      const e = await expectError(
        settleTrade({
          seller: k.clients.seller,
          buyer: k.clients.buyer,
          bank: k.clients.bank,
          terms: other,
          bankReference,
          redemptionRef: ref(`${terms.id}r`),
          onProgress: (ev) => {
            events.push(ev);
          },
        }),
        SettlementTermsMismatchError,
        {
          id: terms.id,
          state: "Pending",
          expectedDigest: termsDigest(other),
          storedDigest: termsDigest(terms),
          fields: ["amount"],
        },
      );
      expect(e.shortMessage).to.equal(
        `Settlement ${terms.id} exists (Pending) with other terms than those given (amount differ); a trade under this ID cannot be resumed with these terms`,
      );
      expect(events).to.deep.equal([]);
      expect(await nonces()).to.deep.equal(before);
      expect(await k.clients.bank.getIssuance(bankReference)).to.equal(undefined);
      expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(1n);
    });

    it("throws it for a settled trade re-run with another deadline and agent, instead of reporting every step skipped", async function () {
      const terms = buildTerms(await k.newTerms());
      const params = {
        seller: k.clients.seller,
        buyer: k.clients.buyer,
        bank: k.clients.bank,
        terms,
        bankReference: ref(`${terms.id}b`),
        redemptionRef: ref(`${terms.id}r`),
      };
      expect((await settleTrade(params)).state).to.equal("Settled");
      const before = await nonces();
      await expectError(
        settleTrade({
          ...params,
          terms: { ...terms, deadline: terms.deadline + 1n, agent: k.signers.agent.address },
        }),
        SettlementTermsMismatchError,
        { id: terms.id, state: "Settled", fields: ["deadline", "agent"] },
      );
      expect(await nonces()).to.deep.equal(before);
      // the same terms still resume to nothing at all
      const again = await settleTrade(params);
      expect(again.steps.every((s) => s.status === "skipped")).to.equal(true);
    });
  });

  describe("checks before step 1: refused with nothing sent and nothing moved", function () {
    /** Nonces of the parties and their positions, before and after a refused call. */
    const snapshot = async () => ({
      nonces: await Promise.all(
        [k.signers.seller, k.signers.buyer, k.signers.bank, k.signers.agent].map((w) =>
          k.ethers.provider.getTransactionCount(w.address, "pending"),
        ),
      ),
      positions: await positions(),
      supply: await k.contracts.dcjpy.totalSupply(),
    });
    const base = () => ({
      seller: k.clients.seller,
      buyer: k.clients.buyer,
      bank: k.clients.bank,
    });
    async function refused<E extends Error>(
      params: Parameters<typeof settleTrade>[0],
      cls: new (...args: never[]) => E,
      fields: Partial<Record<keyof E, unknown>>,
    ) {
      const before = await snapshot();
      const events: ProgressEvent[] = [];
      const e = await expectError(
        settleTrade({ ...params, onProgress: (ev) => void events.push(ev) }),
        cls,
        fields,
      );
      expect(events).to.deep.equal([]);
      expect(await snapshot()).to.deep.equal(before);
      const id = buildTerms(params.terms as SettlementTermsInput).id;
      expect(await k.contracts.dvp.stateOf(id)).to.equal(0n);
      return e;
    }

    it("an explicit bank reference that already records an issuance of this very amount to the buyer (another trade's)", async function () {
      const terms = buildTerms(await k.newTerms());
      const bankReference = ref(`${terms.id}-used`);
      await k.clients.bank.issueDeposit({
        account: terms.buyer,
        amount: terms.amount,
        bankReference,
      });
      const e = await refused({ ...base(), terms, bankReference }, ReferenceUsedError, {
        kind: "issuance",
        reference: bankReference,
        id: terms.id,
        heldBy: undefined,
      });
      expect(e.message).to.match(/belongs to another trade; nothing was sent/);
    });

    it("an explicit redemption reference that already records this redemption before the trade settled", async function () {
      const terms = buildTerms(await k.newTerms());
      const redemptionRef = ref(`${terms.id}-redeemed`);
      await k.clients.bank.issueDeposit({
        account: terms.seller,
        amount: terms.amount,
        bankReference: ref(`${terms.id}-seed`),
      });
      await k.clients.seller.redeemDeposit({ amount: terms.amount, redemptionRef });
      await refused({ ...base(), terms, redemptionRef }, ReferenceUsedError, {
        kind: "redemption",
        reference: redemptionRef,
      });
    });

    it("a reference held by another trade in flight in this process; the same ID twice at once", async function () {
      const first = buildTerms(await k.newTerms());
      const second = buildTerms(await k.newTerms());
      const bankReference = ref(`${first.id}-shared`);
      const before = await k.ethers.provider.getTransactionCount(k.signers.seller.address);
      const running = settleTrade({ ...base(), terms: first, bankReference });
      // both refused at once, while the first call runs
      const [twice, shared] = await Promise.allSettled([
        settleTrade({ ...base(), terms: first }),
        settleTrade({ ...base(), terms: second, bankReference }),
      ]);
      expect((await running).state).to.equal("Settled");
      expect(twice.status).to.equal("rejected");
      const e1 = (twice as PromiseRejectedResult).reason as SettlementInFlightError;
      expect(e1).to.be.instanceOf(SettlementInFlightError);
      expect(e1.id).to.equal(first.id);
      const e2 = (shared as PromiseRejectedResult).reason as ReferenceUsedError;
      expect(e2).to.be.instanceOf(ReferenceUsedError);
      expect(e2.heldBy).to.equal(first.id.toLowerCase());
      expect(await k.contracts.dvp.stateOf(second.id)).to.equal(0n);
      // the seller sent the first trade's lock and redemption, nothing for the others
      expect(await k.ethers.provider.getTransactionCount(k.signers.seller.address)).to.equal(
        before + 2,
      );
      expect(
        await legs(first.id, bankReference, tradeReference(first.id, "redemption")),
      ).to.deep.equal({
        created: 1,
        settled: 1,
        issued: 1,
        redeemed: 1,
        stLegs: 1,
        cashLegs: 1,
      });
    });

    it("an amount above DCJPY's 2^128 - 1 supply cap", async function () {
      const terms = buildTerms(await k.newTerms({ amount: 1n << 128n }));
      await refused({ ...base(), terms }, InvalidAmountError, {
        field: "terms.amount",
        value: 1n << 128n,
      });
    });

    it("a deadline in milliseconds, one already passed, one beyond the horizon", async function () {
      const now = BigInt((await k.ethers.provider.getBlock("latest"))!.timestamp);
      const ms = (now + 3600n) * 1000n;
      const e = await refused(
        { ...base(), terms: await k.newTerms({ deadline: ms }) },
        InvalidDeadlineError,
        { field: "terms.deadline", value: ms },
      );
      expect(e.message).to.match(/milliseconds/);
      await refused(
        { ...base(), terms: await k.newTerms({ deadline: now - 1n }) },
        InvalidDeadlineError,
        { field: "terms.deadline", value: now - 1n },
      );
      const far = now + 3600n * 24n;
      const e3 = await refused(
        { ...base(), terms: await k.newTerms({ deadline: far }), deadlineHorizon: 3600 },
        InvalidDeadlineError,
        { field: "terms.deadline", value: far },
      );
      expect(e3.message).to.match(/deadlineHorizon/);
    });

    it("a buyer client that is not the terms' buyer, a cash token that is not this deployment's", async function () {
      const terms = await k.newTerms();
      await refused({ ...base(), buyer: k.clients.seller, terms }, InvalidTermsError, {
        field: "terms.buyer",
      });
      await refused(
        { ...base(), terms: { ...terms, cashToken: k.signers.outsider.address } },
        InvalidTermsError,
        { field: "terms.cashToken" },
      );
    });
  });

  describe("reconcile reports unfinished business", function () {
    it("open settlements past or near their deadline, DCJPY issued and waiting, units locked without a settlement", async function () {
      const f = await deployKessai();
      const { seller, buyer, bank, issuer, auditor } = f.clients;
      await issuer.issueSecurity({ to: seller.address, value: 100n });
      const clean = await auditor.reconcile();
      expect(clean.ok).to.equal(true);
      expect(clean.unfinished).to.deep.equal([]);
      expect(clean.clean).to.equal(true);

      // a trade stopped after step 3: Affirmed, its DCJPY issued and waiting
      const waiting = buildTerms(await f.newTerms());
      await settleTrade({
        seller,
        buyer,
        bank,
        terms: waiting,
        onProgress: (e) => {
          if (e.step === 3 && e.status === "done") throw new Interrupt("stop");
        },
      }).catch((e: unknown) => {
        if (!(e instanceof Interrupt)) throw e;
      });
      // a settlement whose deadline passes
      const now = BigInt((await f.ethers.provider.getBlock("latest"))!.timestamp);
      const late = buildTerms(await f.newTerms({ deadline: now + 100n }));
      await seller.createSettlement({ terms: late });
      // 3 units locked to the DVP that belong to no settlement
      await issuer.forceLock({ lockAddress: f.addresses.dvp, account: seller.address, value: 3n });
      expect(await seller.getUnassignedLock({ account: seller.address })).to.deep.equal({
        token: f.addresses.securityToken,
        account: seller.address,
        amount: 3n,
        locked: waiting.quantity + late.quantity + 3n,
      });
      await f.networkHelpers.time.increase(200);
      await f.networkHelpers.mine();

      const r = await auditor.reconcile({ nearDeadlineSeconds: 7200 });
      expect(r.ok).to.equal(true); // the books reconcile
      expect(r.clean).to.equal(false);
      const by = (kind: string) => r.unfinished.filter((u) => u.kind === kind);
      expect(by("past-deadline").map((u) => u.id)).to.deep.equal([late.id]);
      expect(by("near-deadline").map((u) => [u.id, u.state])).to.deep.equal([
        [waiting.id, "Affirmed"],
      ]);
      expect(by("issued-waiting")).to.have.length(1);
      expect(by("issued-waiting")[0]).to.include({
        id: waiting.id,
        account: buyer.address,
        amount: waiting.amount,
      });
      expect(by("unassigned-lock")).to.have.length(1);
      expect(by("unassigned-lock")[0]).to.include({ account: seller.address, amount: 3n });
      expect(r.unfinished).to.have.length(4);
    });
  });
});
