import { expect } from "chai";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  ConfigurationError,
  DvpUnauthorized,
  approveSettlement,
  addressesFromIgnition,
  buildTerms,
  connect,
  encodeTerms,
  terminateSettlement,
  type SettlementEvent,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

describe("sdk clients", function () {
  let k: Kessai;
  let A: Kessai["signers"];
  before(async function () {
    k = await deployKessai();
    A = k.signers;
    await k.clients.issuer.issueSecurity({ to: A.seller.address, value: 1000n });
  });

  describe("IssuerClient", function () {
    it("keeps the register", async function () {
      const { issuer } = k.clients;
      const who = A.rest[0].address;
      await issuer.registerInvestor({
        account: who,
        investorRef: ref("r0"),
        expiry: 4_000_000_000n,
      });
      expect((await issuer.getInvestor({ account: who })).status).to.equal("Active");
      await issuer.updateInvestor({ account: who, investorRef: ref("r0b") });
      const rec = await issuer.getInvestor({ account: who });
      expect([rec.investorRef, rec.expiry]).to.deep.equal([ref("r0b"), 0n]);
      await issuer.suspendInvestor({ account: who });
      expect((await issuer.getInvestor({ account: who })).eligible).to.equal(false);
      await issuer.reinstateInvestor({ account: who });
      await issuer.removeInvestor({ account: who });
      expect((await issuer.getInvestor({ account: who })).status).to.equal("None");
    });

    it("issues and redeems, free and locked, singly and in bulk", async function () {
      const { issuer, seller } = k.clients;
      await issuer.issueSecurity({ to: A.buyer.address, value: 7n, lockAddress: A.agent.address });
      let b = await issuer.getSecurityBalance({
        account: A.buyer.address,
        lockAddress: A.agent.address,
      });
      expect([b.balance, b.lockedTo, b.available]).to.deep.equal([7n, 7n, 0n]);
      await issuer.redeemSecurity({
        from: A.buyer.address,
        value: 7n,
        lockAddress: A.agent.address,
      });
      await issuer.bulkIssueSecurity({
        items: [
          { to: A.buyer.address, value: 3n },
          { to: A.seller.address, value: 4n },
        ],
      });
      await issuer.bulkRedeemSecurity({
        items: [
          { from: A.buyer.address, value: 3n },
          { from: A.seller.address, value: 4n },
        ],
      });
      b = await issuer.getSecurityBalance({ account: A.buyer.address });
      expect(b.balance).to.equal(0n);
      expect((await seller.getBalances()).security.balance).to.equal(1000n);
    });

    it("enforces: forced transfer, force lock / unlock / relocate", async function () {
      const { issuer } = k.clients;
      await issuer.forcedTransfer({
        from: A.seller.address,
        to: A.buyer.address,
        value: 5n,
        data: "0x01",
      });
      await issuer.bulkForcedTransfer({
        items: [{ from: A.buyer.address, to: A.seller.address, value: 5n }],
      });
      await issuer.forceLock({
        lockAddress: A.agent.address,
        account: A.seller.address,
        value: 6n,
      });
      await issuer.forceChangeLockedAccount({
        lockAddress: A.agent.address,
        fromAccount: A.seller.address,
        toAccount: A.buyer.address,
        value: 6n,
      });
      expect(
        (
          await issuer.getSecurityBalance({
            account: A.buyer.address,
            lockAddress: A.agent.address,
          })
        ).lockedTo,
      ).to.equal(6n);
      await issuer.forceUnlock({
        lockAddress: A.agent.address,
        account: A.buyer.address,
        recipient: A.seller.address,
        value: 6n,
      });
      expect((await issuer.getSecurityBalance({ account: A.seller.address })).balance).to.equal(
        1000n,
      );
    });

    it("switches, pause, transfer approvals and product terms", async function () {
      const { issuer, seller } = k.clients;
      const st = k.contracts.bond;
      await issuer.setSecuritySwitches({ active: false, transferable: false });
      expect([await st.status(), await st.transferable()]).to.deep.equal([false, false]);
      await issuer.setSecuritySwitches({
        active: true,
        transferable: true,
        transferApprovalRequired: true,
      });
      const app = await seller.applyForTransfer({ to: A.buyer.address, value: 2n });
      expect(app.applicationId).to.equal(1n);
      await issuer.approveTransfer({ applicationId: app.applicationId });
      const app2 = await seller.applyForTransfer({ to: A.buyer.address, value: 2n });
      await seller.cancelTransfer({ applicationId: app2.applicationId });
      await issuer.setSecuritySwitches({ transferApprovalRequired: false });
      await issuer.forcedTransfer({ from: A.buyer.address, to: A.seller.address, value: 2n });
      await issuer.pause();
      expect(await st.paused()).to.equal(true);
      await issuer.unpause();
      await issuer.setEligibilityExempt({ account: A.rest[1].address, exempt: true });
      expect(await st.isEligibilityExempt(A.rest[1].address)).to.equal(true);
      const terms = await issuer.getProductTerms();
      expect(terms.kind).to.equal("bond");
      if (terms.kind !== "bond") return;
      await issuer.setBondTerms({ terms: { ...terms.terms, interestRate: 7000n } });
      const again = await issuer.getProductTerms();
      expect(again.kind === "bond" && again.terms.interestRate).to.equal(7000n);
    });
  });

  describe("BankClient", function () {
    it("issues by reference, handles requests, redeems on behalf, freezes, pauses and lists", async function () {
      const { bank, buyer } = k.clients;
      const from = await k.ethers.provider.getBlockNumber();
      await bank.issueDeposit({
        account: A.buyer.address,
        amount: 500n,
        bankReference: ref("bk-1"),
      });
      expect(await bank.getIssuance(ref("bk-1"))).to.deep.include({
        account: A.buyer.address,
        amount: 500n,
      });
      expect(await bank.getIssuance(ref("bk-none"))).to.equal(undefined);
      const q1 = await buyer.requestIssuance({ amount: 50n, depositAccountRef: ref("acct") });
      const q2 = await buyer.requestIssuance({ amount: 60n, depositAccountRef: ref("acct") });
      const q3 = await buyer.requestIssuance({ amount: 70n, depositAccountRef: ref("acct") });
      await bank.fulfilIssuanceRequest({ requestId: q1.requestId, bankReference: ref("bk-2") });
      await bank.rejectIssuanceRequest({ requestId: q2.requestId, reason: ref("no funds") });
      await buyer.cancelIssuanceRequest({ requestId: q3.requestId });
      await bank.redeemDepositFrom({
        account: A.buyer.address,
        amount: 50n,
        redemptionRef: ref("rd-1"),
      });
      expect(await bank.getRedemption(ref("rd-1"))).to.deep.include({
        account: A.buyer.address,
        amount: 50n,
      });
      await bank.freezePartial(A.buyer.address, 100n);
      expect((await bank.getDepositBalance({ account: A.buyer.address })).available).to.equal(400n);
      await bank.unfreezePartial(A.buyer.address, 100n);
      await bank.freeze(A.buyer.address);
      expect((await bank.getDepositBalance({ account: A.buyer.address })).accountFrozen).to.equal(
        true,
      );
      await bank.unfreeze(A.buyer.address);
      await bank.pause();
      expect(await k.contracts.dcjpy.paused()).to.equal(true);
      await bank.unpause();
      const iss = await bank.listIssuances({ fromBlock: from });
      expect(iss.map((i) => [i.reference, i.amount])).to.deep.equal([
        [ref("bk-1"), 500n],
        [ref("bk-2"), 50n],
      ]);
      const red = await bank.listRedemptions({ account: A.buyer.address, fromBlock: from });
      expect(red.map((r) => [r.reference, r.amount, r.operator])).to.deep.equal([
        [ref("rd-1"), 50n, A.bank.address],
      ]);
      await buyer.redeemDeposit({ amount: 500n, redemptionRef: ref("rd-2") });
    });
  });

  describe("FirmClient and AgentClient", function () {
    it("seller creates, buyer affirms and authorizes its payment by signature, agent approves by signature, anyone settles", async function () {
      const { seller, buyer, agent, bank, auditor } = k.clients;
      const t = buildTerms(await k.newTerms({ agent: A.agent.address }));
      await bank.issueDeposit({
        account: A.buyer.address,
        amount: t.amount,
        bankReference: ref(`${t.id}b`),
      });
      await seller.createSettlement({ terms: t });
      expect((await seller.getBalances()).security.lockedTo).to.be.greaterThanOrEqual(t.quantity);
      const aff = await buyer.signAffirmation({ terms: t });
      expect(await agent.verifyAffirmation({ terms: t, signature: aff })).to.equal(true);
      // anyone may submit a signature: the seller submits the buyer's affirmation and the agent's approval
      await seller.affirmSettlement({ terms: t, signature: aff });
      const approval = await agent.signApproval({ terms: t });
      expect(await agent.verifyApproval({ terms: t, signature: approval })).to.equal(true);
      await approveSettlement(seller.ctx, { terms: t, signature: approval });
      expect((await auditor.getSettlement({ id: t.id })).state).to.equal("Affirmed");
      await buyer.approveDeposit({ amount: 0n });
      // the buyer signs its payment for exactly this settlement; anyone submits it once affirmed
      const auth = await buyer.signSettlementAuthorization({ terms: t });
      expect(auth.validBefore).to.equal(buildTerms(t).deadline + 1n);
      const r = await seller.settleSettlement({ terms: t, authorization: auth });
      expect(r.settled).to.equal(true);
      expect(await k.contracts.dcjpy.authorizationState(A.buyer.address, t.id)).to.equal(true);
      const v = await auditor.getSettlement({ id: t.id });
      expect(v.state).to.equal("Settled");
      expect(v.agentApproved).to.equal(true);
      expect(v.terms).to.deep.equal(t);
      await seller.redeemDeposit({ amount: t.amount, redemptionRef: ref(`${t.id}r`) });
    });

    it("seller cancels alone while Pending; both cancel once Affirmed; anyone reclaims after the deadline", async function () {
      const { seller, buyer, auditor } = k.clients;
      const t1 = await k.newTerms();
      await seller.createSettlement({ terms: t1 });
      expect((await seller.cancelSettlement({ terms: t1 })).cancelled).to.equal(true);
      const t2 = await k.newTerms();
      await seller.createSettlement({ terms: t2 });
      await buyer.affirmSettlement({ terms: t2 });
      expect((await buyer.cancelSettlement({ terms: t2 })).cancelled).to.equal(false);
      expect((await seller.cancelSettlement({ terms: t2 })).cancelled).to.equal(true);
      const t3 = await k.newTerms();
      await seller.createSettlement({ terms: t3 });
      await k.networkHelpers.time.increase(3601);
      await buyer.reclaimSettlement({ terms: t3 });
      expect(
        (await auditor.listSettlements({ state: ["Cancelled", "Expired"] })).map((s) => s.id),
      ).to.include.members([t1.id, t2.id, t3.id]);
      expect((await seller.getBalances()).security.locked).to.equal(0n);
    });

    it("issuer terminates one settlement; the seller's other one keeps its units", async function () {
      const { seller, issuer, auditor } = k.clients;
      const lockedBefore = (await seller.getBalances()).security.locked;
      const ended = await k.newTerms();
      const kept = await k.newTerms();
      await seller.createSettlement({ terms: ended });
      await seller.createSettlement({ terms: kept });
      // Only the security token's FORCE_UNLOCK_ROLE holder may: the seller gets the typed error.
      await expectError(terminateSettlement(seller.ctx, { terms: ended }), DvpUnauthorized, {
        id: ended.id,
        caller: A.seller.address,
      });
      await issuer.terminateSettlement({ terms: ended, reason: ref("court-order") });
      expect((await auditor.getSettlement({ id: ended.id })).state).to.equal("Failed");
      expect((await seller.getBalances()).security.locked).to.equal(lockedBefore + kept.quantity);
      await seller.cancelSettlement({ terms: kept });
      expect((await seller.getBalances()).security.locked).to.equal(lockedBefore);
    });

    it("agent rejects, and settles batches all-or-nothing and per item", async function () {
      const { seller, buyer, agent, bank, issuer } = k.clients;
      const tr = await k.newTerms({ agent: A.agent.address });
      await seller.createSettlement({ terms: tr });
      await agent.rejectSettlement({ terms: tr, reason: ref("kyc") });
      expect((await agent.getSettlement({ id: tr.id })).state).to.equal("Rejected");
      const ts = [await k.newTerms(), await k.newTerms(), await k.newTerms()];
      await bank.issueDeposit({
        account: A.buyer.address,
        amount: 3_000_000n,
        bankReference: ref(`batch-${ts[0].id}`),
      });
      await buyer.approveDeposit({ amount: 3_000_000n });
      for (const t of ts) {
        await seller.createSettlement({ terms: t });
        await buyer.affirmSettlement({ terms: t });
      }
      const all = await agent.settleBatch({ terms: ts.slice(0, 2) });
      expect(all.items.map((i) => i.status)).to.deep.equal(["settled", "settled"]);
      const t4 = await k.newTerms();
      await seller.createSettlement({ terms: t4 }); // not affirmed: the agent may not settle it
      // the issuer takes one unit of t4 naming it: t4 fails at once, the rest of it is freed
      await issuer.forceUnlock({
        lockAddress: k.addresses.dvp,
        account: A.seller.address,
        value: 1n,
        data: encodeTerms(buildTerms(t4)),
      });
      expect((await agent.getSettlement({ id: t4.id })).state).to.equal("Failed");
      const per = await agent.settleBatch({ terms: [ts[2], t4], mode: "perItem" });
      expect(per.items[0].status).to.equal("settled");
      expect(per.items[1].status).to.equal("skipped"); // not open: not tried
      expect(per.items[1].error).to.equal(undefined);
    });
  });

  describe("AuditorClient", function () {
    it("lists by party, state, block and time; watches live; reconciles", async function () {
      const { auditor, seller, buyer, bank } = k.clients;
      const all = await auditor.listSettlements();
      expect(all.length).to.be.greaterThan(5);
      const bySeller = await auditor.listSettlements({ party: A.seller.address, state: "Settled" });
      const expectedIds = all
        .filter(
          (s) =>
            s.state === "Settled" &&
            (s.terms!.seller === A.seller.address || s.terms!.buyer === A.seller.address),
        )
        .map((s) => s.id);
      expect(expectedIds).to.not.deep.equal([]);
      expect(bySeller.map((s) => s.id)).to.deep.equal(expectedIds);
      for (const id of expectedIds) expect(await k.contracts.dvp.stateOf(id)).to.equal(3n);
      const last = all[all.length - 1];
      expect(
        (
          await auditor.listSettlements({
            fromBlock: last.createdBlock,
            toBlock: last.createdBlock,
          })
        ).map((s) => s.id),
      ).to.deep.equal([last.id]);
      expect((await auditor.listSettlements({ fromTime: last.createdTime + 1 })).length).to.equal(
        0,
      );

      const seen: SettlementEvent[] = [];
      const stop = await auditor.watchSettlements({ onEvent: (e) => seen.push(e) });
      const t = buildTerms(await k.newTerms());
      await seller.createSettlement({ terms: t });
      await buyer.affirmSettlement({ terms: t });
      for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      await stop();
      expect(seen.map((e) => [e.name, e.id])).to.deep.equal([
        ["SettlementCreated", t.id],
        ["SettlementAffirmed", t.id],
      ]);

      const from = await k.ethers.provider.getBlockNumber();
      const t2 = await k.newTerms();
      await bank.issueDeposit({
        account: A.buyer.address,
        amount: t2.amount,
        bankReference: ref(`${t2.id}b`),
      });
      await buyer.approveDeposit({ amount: t2.amount });
      await seller.createSettlement({ terms: t2 });
      await buyer.settleSettlement({ terms: t2 });
      await seller.redeemDeposit({ amount: t2.amount, redemptionRef: ref(`${t2.id}r`) });
      const report = await auditor.reconcile({ fromBlock: from + 1 });
      expect(report.mismatches).to.deep.equal([]);
      expect(report.ok).to.equal(true);
      const s = report.settlements.find((x) => x.id === t2.id)!;
      expect(s.state).to.equal("Settled");
      expect(s.legs.security!.value).to.equal(t2.quantity);
      expect(s.legs.cash!.value).to.equal(t2.amount);
      expect(report.supply.totalSupply).to.equal(
        report.supply.totalIssued - report.supply.totalRedeemed,
      );
      const whole = await auditor.reconcile({ party: A.buyer.address });
      expect(whole.ok, whole.mismatches.join("\n")).to.equal(true);
    });
  });

  describe("connect", function () {
    it("reads Ignition's deployed_addresses.json by contract-name suffix", async function () {
      const dir = await mkdtemp(path.join(tmpdir(), "kessai-ign-"));
      await writeFile(
        path.join(dir, "deployed_addresses.json"),
        JSON.stringify({
          "InvestorRegistryModule#SecurityRegistry": await k.contracts.secReg.getAddress(),
          "SecurityTokenModule#StraightBondToken": k.addresses.securityToken,
          "DepositTokenModule#DepositToken": k.addresses.depositToken,
          "DvpModule#DeliveryVersusPayment": k.addresses.dvp,
        }),
      );
      const addrs = await addressesFromIgnition(dir);
      expect([addrs.securityToken, addrs.depositToken, addrs.dvp]).to.deep.equal([
        k.addresses.securityToken,
        k.addresses.depositToken,
        k.addresses.dvp,
      ]);
      expect(addrs.keys.securityRegistry).to.equal("InvestorRegistryModule#SecurityRegistry");
      const ctx = await connect({ runner: k.ethers.provider, addresses: addrs });
      expect(ctx.addresses.securityRegistry).to.equal(await k.contracts.secReg.getAddress());
      // A single register deployed under the contract's own name is found as well.
      await writeFile(
        path.join(dir, "deployed_addresses.json"),
        JSON.stringify({
          "M#InvestorRegistry": await k.contracts.secReg.getAddress(),
          "M#StraightBondToken": k.addresses.securityToken,
          "M#DepositToken": k.addresses.depositToken,
          "M#DeliveryVersusPayment": k.addresses.dvp,
        }),
      );
      const single = await addressesFromIgnition(dir);
      expect(single.securityRegistry).to.equal(await k.contracts.secReg.getAddress());
      expect(single.keys.securityRegistry).to.equal("M#InvestorRegistry");
      await writeFile(
        path.join(dir, "deployed_addresses.json"),
        JSON.stringify({ "M#ShareToken": k.addresses.dvp }),
      );
      let err: unknown;
      try {
        await addressesFromIgnition(dir);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ConfigurationError);
    });
  });
});
