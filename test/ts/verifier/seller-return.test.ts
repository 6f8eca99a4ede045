/**
 * Guarantee 2 without the verifier's relay: a refused settlement's units go back to the seller on
 * the seller's own transaction, with the attestation the verifier serves at `GET
 * /settlements/<id>/attestation`. The service here decides and signs (its key) but cannot send on
 * the ST ledger (its ST sender holds no ether), so it refuses on the cash ledger, signs the
 * `Refunded` attestation once the refusal has its confirmation, and never returns the units
 * itself. The seller fetches it with `fetchCrossLedgerAttestation` and calls `returnToSeller`.
 * Two in-process chains (ST ledger 31338, cash ledger 31339); the test drives the service's rounds
 * so that it can ask the endpoint before and after the attestation is signed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, ZeroAddress, id as keccakId } from "ethers";
import { network } from "hardhat";
import { openSqliteStore } from "@kessai/storage";
import {
  CashLedgerClient,
  CrossLedgerAttestationNotReadyError,
  StLedgerClient,
  buildCrossLedgerTerms,
  fetchCrossLedgerAttestation,
  type CrossLedgerTerms,
} from "../../../packages/sdk/src/index.js";
import {
  listenHttp,
  type Verifier,
  type VerifierHttp,
} from "../../../packages/verifier/src/index.js";
import {
  TWO_LEDGER_ACCOUNTS as A,
  deployTwoLedgers,
  devKey,
  type TwoLedgers,
} from "../../../scripts/two-ledger-deploy.js";
import { openVerifierWithoutStGas } from "./fixture.js";

describe("verifier: the seller returns its own units with the served attestation", function () {
  this.timeout(120_000);
  let L: TwoLedgers;
  let dir: string;
  let verifier: Verifier;
  let http: VerifierHttp;
  const verifierAddress = new Wallet(devKey(A.verifier)).address;

  before(async function () {
    L = await deployTwoLedgers(
      await network.create("stLedger"),
      await network.create("cashLedger"),
    );
    dir = await mkdtemp(path.join(tmpdir(), "kessai-seller-return-"));
    verifier = await openVerifierWithoutStGas(
      L,
      await openSqliteStore({ filename: path.join(dir, "verifier.db") }),
    );
    http = await listenHttp(verifier);
  });

  after(async function () {
    await http?.close();
    await verifier?.store.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("refused (buyer suspended after the lock): 404 until the refusal is confirmed, then the seller's returnToSeller; the service sends nothing on the ST ledger", async function () {
    const stSigners = await L.st.ethers.getSigners();
    const cashSigners = await L.cash.ethers.getSigners();
    const party = async (i: number) => ({
      st: await StLedgerClient.connect({ runner: stSigners[i], delivery: L.delivery }),
      cash: await CashLedgerClient.connect({ runner: cashSigners[i], payment: L.payment }),
    });
    const seller = await party(A.seller);
    const buyer = await party(A.buyer);
    const bond = await L.st.ethers.getContractAt("StraightBondToken", L.bond);
    const dcjpy = await L.cash.ethers.getContractAt("DepositToken", L.dcjpy);
    const registry = await L.st.ethers.getContractAt("InvestorRegistry", L.registry);
    const delivery = await L.st.ethers.getContractAt("CrossLedgerDelivery", L.delivery);
    const payment = await L.cash.ethers.getContractAt("CrossLedgerPayment", L.payment);
    const issuer = stSigners[A.issuer];
    const now = (await L.cash.ethers.provider.getBlock("latest"))!.timestamp;
    const terms: CrossLedgerTerms = buildCrossLedgerTerms({
      id: keccakId("seller-returns-itself"),
      seller: seller.st.address,
      buyer: buyer.cash.address,
      stChainId: 31338,
      stLedger: L.delivery,
      securityToken: L.bond,
      quantity: 10n,
      cashChainId: 31339,
      cashLedger: L.payment,
      cashToken: L.dcjpy,
      amount: 1_000_000n,
      deadline: now + 36_000,
      verifier: verifierAddress,
    });
    await (await bond.connect(issuer).issue(terms.seller, ZeroAddress, 10n)).wait();
    await (
      await dcjpy.connect(cashSigners[A.bank]).issue(terms.buyer, terms.amount, keccakId("debit"))
    ).wait();
    const books = async () => ({
      sellerUnits: await bond.balanceOf(terms.seller),
      sellerLocked: await bond.lockedOf(L.delivery, terms.seller),
      buyerUnits: await bond.balanceOf(terms.buyer),
      buyerCash: await dcjpy.balanceOf(terms.buyer),
      sellerCash: await dcjpy.balanceOf(terms.seller),
      escrow: await dcjpy.balanceOf(L.payment),
    });
    const before = await books();
    const nonces = async () => ({
      sellerSt: await L.st.ethers.provider.getTransactionCount(terms.seller),
      verifierSt: await L.st.ethers.provider.getTransactionCount(verifierAddress),
      verifierCash: await L.cash.ethers.provider.getTransactionCount(verifierAddress),
    });
    const sent = await nonces();

    await seller.st.lock({ terms });
    await (await registry.connect(issuer).suspend(terms.buyer)).wait();
    await buyer.cash.instruct({ terms });
    // round 1: sees the lock and the instruction, refuses (the token would not deliver), sends
    // `refuse`; the cash ledger shows Refunded, but the service has not seen it confirmed yet
    await verifier.tick();
    expect(await payment.stateOf(terms.id)).to.equal(3n); // Refunded
    expect((await verifier.settlement(terms.id))?.reason).to.match(
      /^not transferable: SecurityTokenIneligibleReceiver\(account=0x[0-9a-fA-F]{40}\)$/,
    );
    let notReady: unknown;
    try {
      await fetchCrossLedgerAttestation({ verifierUrl: http.url, terms });
    } catch (e) {
      notReady = e;
    }
    expect(notReady).to.be.instanceOf(CrossLedgerAttestationNotReadyError);
    expect(notReady).to.include({ id: terms.id, status: 404 });

    // round 2: the refusal confirmed, the service signs the ST attestation and fails to send it
    const round = await verifier.tick();
    expect(round.retrying).to.equal(1);
    const served = await fetchCrossLedgerAttestation({ verifierUrl: http.url, terms });
    expect(served).to.include({ id: terms.id, outcome: "Refunded" });
    expect(served.terms).to.deep.equal(terms);
    expect(await delivery.stateOf(terms.id)).to.equal(1n); // still Locked

    const r = await seller.st.returnToSeller({ terms, attestation: served.attestation });
    expect(r.hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await delivery.stateOf(terms.id)).to.equal(3n); // Returned
    const returned = await delivery.queryFilter(delivery.filters.SettlementReturned(terms.id));
    expect(returned.map((e) => e.transactionHash)).to.deep.equal([r.hash]);

    // the service's next round finds the units returned and has nothing left to send
    await new Promise((res) => setTimeout(res, 150)); // past the outbox's backoff
    const last = await verifier.tick();
    expect(last).to.include({ retrying: 0, dead: 0 });
    expect(await verifier.metricsText()).to.include('kessai_verifier_outbox{status="pending"} 0');

    // nothing moved in the end; one transaction each: the seller's return on the ST ledger, the
    // service's refuse on the cash ledger, none by the service on the ST ledger
    const after = await books();
    expect(after).to.deep.equal(before);
    expect(after.sellerLocked).to.equal(0n);
    expect(await nonces()).to.deep.equal({
      sellerSt: sent.sellerSt + 2, // lock, returnToSeller
      verifierSt: sent.verifierSt,
      verifierCash: sent.verifierCash + 1,
    });
    await (await registry.connect(issuer).reinstate(terms.buyer)).wait();
  });
});
