/**
 * Steps 3 and 7 end to end, on both back ends, against DCJPY on an in-process Hardhat network:
 * issuance over the API (hold, issue, confirmations, post), redemption on the firm's instruction
 * and by the firm on chain (credited once per reference), on-chain issuance requests (fulfilled or
 * rejected), a permanent chain error (hold voided), a reorg of an unconfirmed issuance, closing
 * and freezing a firm through the API (ledger and DCJPY together, through the outbox), and
 * reconciliation (clean, and naming the reference of a mint outside the gateway).
 */
import { expect } from "chai";
import { describeBackends } from "../storage/backends.js";
import {
  OPERATOR_KEY,
  databaseUrl,
  deployDcjpy,
  openFirm,
  ref,
  settle,
  startGateway,
  type Dcjpy,
  type TestGateway,
} from "./helpers.js";

describeBackends("bank gateway flows", (backend) => {
  let chain: Dcjpy;
  let g: TestGateway;
  let a: { key: string; account: string };
  let b: { key: string; account: string };
  before(async function () {
    this.timeout(120_000);
    chain = await deployDcjpy();
    g = await startGateway(chain, await databaseUrl(backend()));
    a = await openFirm(g, "firm-a", chain.firms[0]!.address, 1_000_000n);
    b = await openFirm(g, "firm-b", chain.firms[1]!.address, 500_000n);
  });
  after(async () => g?.stop());

  const balance = async (key: string, account: string) =>
    (await g.call("GET", `/v1/accounts/${account}`, { key })).body.balances;
  const issuance = async (key: string, id: string) =>
    (await g.call("GET", `/v1/issuances/${id}`, { key })).body;

  it("issues DCJPY against a hold that is posted after the confirmations", async function () {
    this.timeout(60_000);
    const r = await g.call("POST", "/v1/issuances", {
      key: a.key,
      idem: "a-1",
      body: { account: a.account, amount: 300_000 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    expect(r.body).to.include({
      state: "pending",
      amount: "300000",
      account: a.account,
      to: chain.firms[0]!.address.toLowerCase(),
    });
    expect(await balance(a.key, a.account)).to.deep.equal({
      posted: "1000000",
      available: "700000",
      pendingDebits: "300000",
      pendingCredits: "0",
    });
    await g.tick(); // sends issue(); mined at once, 0 confirmations so far
    const sent = await issuance(a.key, r.body.id);
    expect(sent.state).to.be.oneOf(["sent", "mined"]);
    expect(await chain.dcjpy.balanceOf(chain.firms[0]!.address)).to.equal(300_000n);
    expect((await balance(a.key, a.account)).posted).to.equal("1000000"); // not final yet
    await settle(g, chain, async () => (await issuance(a.key, r.body.id)).state === "issued");
    const done = await issuance(a.key, r.body.id);
    expect(done.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await balance(a.key, a.account)).to.deep.equal({
      posted: "700000",
      available: "700000",
      pendingDebits: "0",
      pendingCredits: "0",
    });
    const dedicated = await g.call("GET", "/v1/accounts/bank_dedicated", { key: OPERATOR_KEY });
    expect(dedicated.body.balances.posted).to.equal("300000");
    const rec = await g.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
    expect(rec.body).to.include({
      ok: true,
      totalSupply: "300000",
      dedicatedPosted: "300000",
      supplyDifference: "0",
    });
    expect(rec.body.differences).to.deep.equal([]);
  });

  it("credits the deposit account once per redemption reference, from the API and from the chain", async function () {
    this.timeout(60_000);
    const firmA = chain.dcjpy.connect(chain.firms[0]!);
    // The firm redeems on chain itself, and instructs the bank to redeem for it.
    await (await firmA.redeem(50_000n, ref("a-own-redemption"))).wait();
    const r = await g.call("POST", "/v1/redemptions", {
      key: a.key,
      idem: "a-red-1",
      body: { amount: "20000" },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    await settle(
      g,
      chain,
      async () =>
        (await g.call("GET", `/v1/redemptions/${r.body.id}`, { key: a.key })).body.state ===
        "credited",
    );
    await chain.mine(3);
    await g.tick();
    expect((await balance(a.key, a.account)).posted).to.equal("770000");
    const stmt = await g.call("GET", `/v1/accounts/${a.account}/statement?limit=2`, { key: a.key });
    expect(stmt.body.lines).to.have.length(2);
    const rest = await g.call(
      "GET",
      `/v1/accounts/${a.account}/statement?cursor=${stmt.body.nextCursor}`,
      { key: a.key },
    );
    const all = [...stmt.body.lines, ...rest.body.lines];
    expect(all.map((l: { kind: string; amount: string }) => `${l.kind} ${l.amount}`)).to.deep.equal(
      ["posted 1000000", "pending -300000", "post_pending -300000", "posted 50000", "posted 20000"],
    );
    expect(rest.body.nextCursor).to.equal(null);
    const rec = await g.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
    expect(rec.body).to.include({ ok: true, totalSupply: "230000", dedicatedPosted: "230000" });
    expect(rec.body.events).to.deep.equal({ issued: 1, redeemed: 2 });
  });

  it("fulfils an on-chain issuance request with a hold, and rejects one the deposit cannot cover", async function () {
    this.timeout(60_000);
    const firmB = chain.dcjpy.connect(chain.firms[1]!);
    const depositRef = (await g.call("GET", "/v1/admin/firms/firm-b", { key: OPERATOR_KEY })).body
      .depositAccountRef;
    await (await firmB.requestIssuance(100_000n, depositRef)).wait();
    await (await firmB.requestIssuance(900_000n, depositRef)).wait();
    await settle(
      g,
      chain,
      async () =>
        (await chain.dcjpy.issuanceRequest(2n)).status === 3n &&
        (await balance(b.key, b.account)).posted === "400000",
    );
    expect((await chain.dcjpy.issuanceRequest(1n)).status).to.equal(2n); // Fulfilled
    expect(await chain.dcjpy.balanceOf(chain.firms[1]!.address)).to.equal(100_000n);
    expect(await balance(b.key, b.account)).to.deep.equal({
      posted: "400000",
      available: "400000",
      pendingDebits: "0",
      pendingCredits: "0",
    });
  });

  it("voids the hold when DCJPY refuses for good (a frozen account), and posts nothing", async function () {
    this.timeout(60_000);
    await (
      await chain.dcjpy.connect(chain.bank).setAccountFrozen(chain.firms[0]!.address, true)
    ).wait();
    const before = await balance(a.key, a.account);
    const r = await g.call("POST", "/v1/issuances", {
      key: a.key,
      idem: "a-frozen",
      body: { account: a.account, amount: 1_000 },
    });
    expect(r.status).to.equal(201);
    await g.tick();
    const failed = await issuance(a.key, r.body.id);
    expect(failed.state).to.equal("failed");
    expect(failed.error.code).to.equal("DepositTokenAccountFrozen");
    expect(await balance(a.key, a.account)).to.deep.equal(before);
    await (
      await chain.dcjpy.connect(chain.bank).setAccountFrozen(chain.firms[0]!.address, false)
    ).wait();
  });

  it("takes back an unconfirmed issuance that a reorg moved, and posts it once when confirmed", async function () {
    this.timeout(60_000);
    await chain.mine(3);
    await g.tick();
    const snapshot = await chain.ethers.provider.send("evm_snapshot", []);
    const r = await g.call("POST", "/v1/issuances", {
      key: a.key,
      idem: "a-reorg",
      body: { account: a.account, amount: 7_000 },
    });
    await g.tick(); // sent; seen in its block, unconfirmed
    await g.tick();
    const mined = await issuance(a.key, r.body.id);
    expect(mined.state).to.equal("mined");
    const sentTx = await chain.ethers.provider.getTransaction(mined.txHash);
    const supply = await chain.dcjpy.totalSupply();
    // A reorg one block deep (less than the 2 confirmations): the block with the issuance is
    // replaced by a longer chain without it.
    await chain.ethers.provider.send("evm_revert", [snapshot]);
    await chain.mine(2);
    expect(await chain.dcjpy.totalSupply()).to.equal(supply - 7_000n);
    await g.tick();
    expect((await issuance(a.key, r.body.id)).state).to.equal("sent");
    expect((await balance(a.key, a.account)).pendingDebits).to.equal("7000");
    // The transaction comes back in a later block, as after a real reorg.
    await (
      await chain.bank.sendTransaction({
        to: sentTx!.to,
        data: sentTx!.data,
        nonce: sentTx!.nonce,
        gasLimit: sentTx!.gasLimit,
      })
    ).wait();
    await settle(g, chain, async () => (await issuance(a.key, r.body.id)).state === "issued");
    expect(await chain.dcjpy.totalSupply()).to.equal(supply);
    await chain.mine(3);
    await g.tick();
    const rec = await g.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
    expect(rec.body).to.include({ ok: true, supplyDifference: "0" });
    expect((await balance(a.key, a.account)).pendingDebits).to.equal("0");
  });

  it("closes a firm on the ledger and on DCJPY together, through the outbox", async function () {
    this.timeout(60_000);
    const c = await openFirm(g, "firm-c", chain.firms[2]!.address);
    const addressC = chain.firms[2]!.address;
    expect(await chain.dcjpy.isAccountOpen(addressC)).to.equal(true);
    const r = await g.call("POST", "/v1/admin/firms/firm-c/close", { key: OPERATOR_KEY });
    expect(r.status, JSON.stringify(r.body)).to.equal(202);
    expect(r.body).to.include({ status: "closing" });
    // Refused at once while it closes.
    const refused = await g.call("POST", "/v1/issuances", {
      key: c.key,
      idem: "c-1",
      body: { account: c.account, amount: 1 },
    });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal("account_not_open");
    await g.tick();
    expect(await chain.dcjpy.isAccountOpen(addressC)).to.equal(false);
    const firm = await g.call("GET", "/v1/admin/firms/firm-c", { key: OPERATOR_KEY });
    expect(firm.body).to.include({ status: "closed", lastError: null });
    expect(
      (await g.call("GET", `/v1/accounts/${c.account}`, { key: OPERATOR_KEY })).body,
    ).to.include({ status: "closed" });
    const deposit = await g.call("POST", "/v1/admin/deposits", {
      key: OPERATOR_KEY,
      idem: "fund-closed-c",
      body: { firmId: "firm-c", amount: "5" },
    });
    expect(deposit.status).to.equal(409);
    expect(deposit.body.error.code).to.equal("account_closed");
    const again = await g.call("POST", "/v1/admin/firms/firm-c/close", { key: OPERATOR_KEY });
    expect(again.status).to.equal(409);

    // A firm with money on its deposit account is refused before anything is sent.
    const a2 = await g.call("POST", "/v1/admin/firms/firm-a/close", { key: OPERATOR_KEY });
    expect(a2.status).to.equal(409);
    expect(a2.body.error.code).to.equal("account_not_empty");
    expect(
      (await g.call("GET", "/v1/admin/firms/firm-a", { key: OPERATOR_KEY })).body.status,
    ).to.equal("open");
  });

  it("keeps a firm open when DCJPY refuses to close an account that still holds DCJPY", async function () {
    this.timeout(60_000);
    await openFirm(g, "firm-d", chain.firms[3]!.address);
    // DCJPY reaches the address outside the gateway (a transfer from firm A).
    await (
      await chain.dcjpy.connect(chain.firms[0]!).transfer(chain.firms[3]!.address, 10n)
    ).wait();
    const r = await g.call("POST", "/v1/admin/firms/firm-d/close", { key: OPERATOR_KEY });
    expect(r.status).to.equal(202);
    await g.tick();
    const firm = (await g.call("GET", "/v1/admin/firms/firm-d", { key: OPERATOR_KEY })).body;
    expect(firm.status).to.equal("open");
    expect(firm.lastError).to.match(/^DepositTokenAccountNotEmpty: /);
    expect(await chain.dcjpy.isAccountOpen(chain.firms[3]!.address)).to.equal(true);
    const account = await g.call("GET", "/v1/accounts/dep_firm-d", { key: OPERATOR_KEY });
    expect(account.body.status).to.equal("open");
    const m = (await g.call("GET", "/metrics")).body as string;
    expect(m).to.match(/^gateway_outbox_depth 0$/m);
  });

  it("freezes and unfreezes a firm: the gateway at once, DCJPY through the outbox, in the operator's order", async function () {
    this.timeout(60_000);
    const addressB = chain.firms[1]!.address;
    const deadLetters = async () =>
      /^gateway_outbox_dead_letters (\d+)$/m.exec((await g.call("GET", "/metrics")).body)![1];
    const dead = await deadLetters();
    const freeze = (frozen: boolean) =>
      g.call("POST", "/v1/admin/firms/firm-b/freeze", { key: OPERATOR_KEY, body: { frozen } });
    const f = await freeze(true);
    expect(f.status).to.equal(202);
    expect(f.body).to.include({ frozen: true, status: "open" });
    const refused = await g.call("POST", "/v1/issuances", {
      key: b.key,
      idem: "b-frozen",
      body: { account: b.account, amount: 1 },
    });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.code).to.equal("account_frozen");
    const redemption = await g.call("POST", "/v1/redemptions", {
      key: b.key,
      idem: "b-frozen-red",
      body: { amount: 1 },
    });
    expect(redemption.body.error.code).to.equal("account_frozen");
    expect(await chain.dcjpy.isAccountFrozen(addressB)).to.equal(false); // not sent yet
    await g.tick();
    expect(await chain.dcjpy.isAccountFrozen(addressB)).to.equal(true);
    // Unfreeze and freeze again, then unfreeze, before the worker runs: the chain ends unfrozen.
    await freeze(false);
    await freeze(true);
    await freeze(false);
    await g.tick();
    expect(await chain.dcjpy.isAccountFrozen(addressB)).to.equal(false);
    const firm = (await g.call("GET", "/v1/admin/firms/firm-b", { key: OPERATOR_KEY })).body;
    expect(firm).to.include({ frozen: false, lastError: null });
    const ok = await g.call("POST", "/v1/issuances", {
      key: b.key,
      idem: "b-after-unfreeze",
      body: { account: b.account, amount: 1_000 },
    });
    expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
    await settle(g, chain, async () => (await issuance(b.key, ok.body.id)).state === "issued");
    const m = (await g.call("GET", "/metrics")).body as string;
    expect(m).to.match(/^gateway_outbox_depth 0$/m);
    expect(await deadLetters()).to.equal(dead);
  });

  it("reports a mint the gateway did not make, by its reference", async function () {
    this.timeout(60_000);
    const outside = ref("minted-outside-the-gateway");
    await (
      await chain.dcjpy.connect(chain.bank).issue(chain.firms[1]!.address, 5n, outside)
    ).wait();
    await chain.mine(3);
    await g.tick();
    const rec = await g.call("GET", "/v1/admin/reconciliation", { key: OPERATOR_KEY });
    // Booked suspense -> dedicated: the dedicated account still equals the supply, and the
    // suspense account names it for investigation.
    expect(rec.body.supplyDifference).to.equal("0");
    expect(rec.body.suspense).to.deep.equal({ posted: "-5", postings: 1 });
    const susp = await g.call("GET", "/v1/accounts/bank_suspense/statement", { key: OPERATOR_KEY });
    expect(susp.body.lines[0]).to.include({ reference: `issuance:${outside}`, amount: "-5" });
  });
});
