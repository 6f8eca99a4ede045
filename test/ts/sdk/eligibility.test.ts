import { expect } from "chai";
import {
  FirmClient,
  IneligibleTradeError,
  SecurityTokenIneligibleReceiver,
  SecurityTokenInsufficientUnlockedBalance,
  SecurityTokenTransferApprovalRequired,
  buildTerms,
  settleTrade,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

describe("sdk step 1 refuses a trade that could not settle (createSettlement)", function () {
  let k: Kessai;
  let newcomer: string;
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 1_000n });
    newcomer = k.signers.outsider.address;
  });

  /** What must not move when step 1 is refused: the seller's nonce and its units locked to the DVP. */
  const snapshot = async () => ({
    nonce: await k.ethers.provider.getTransactionCount(k.signers.seller.address, "pending"),
    locked: (await k.clients.seller.getBalances()).security.lockedTo,
  });

  const refused = async (
    terms: Awaited<ReturnType<Kessai["newTerms"]>>,
    fields: Record<string, unknown>,
  ) => {
    const before = await snapshot();
    const e = await expectError(
      k.clients.seller.createSettlement({ terms }),
      IneligibleTradeError,
      { id: terms.id, ...fields },
    );
    expect(await snapshot()).to.deep.equal(before);
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    return e;
  };

  it("a buyer the security token would refuse: securityTokenRefuses, with the token's error as cause", async function () {
    const terms = await k.newTerms({ buyer: newcomer });
    const e = await refused(terms, { reason: "securityTokenRefuses", account: newcomer });
    expect(e.cause).to.be.instanceOf(SecurityTokenIneligibleReceiver);
    expect((e.cause as SecurityTokenIneligibleReceiver).args).to.deep.equal({ account: newcomer });
    expect(e.shortMessage).to.equal(
      `Settlement ${terms.id} would not settle: the security token would refuse the delivery to the buyer ` +
        `(SecurityTokenIneligibleReceiver: ${newcomer.slice(0, 6)}…${newcomer.slice(-4)} may not receive the security token); ` +
        "nothing was locked (force to lock anyway)",
    );
  });

  it("transfers restricted to the approval workflow: securityTokenRefuses", async function () {
    await k.clients.issuer.setSecuritySwitches({ transferApprovalRequired: true });
    try {
      const e = await refused(await k.newTerms(), { reason: "securityTokenRefuses" });
      expect(e.cause).to.be.instanceOf(SecurityTokenTransferApprovalRequired);
    } finally {
      await k.clients.issuer.setSecuritySwitches({ transferApprovalRequired: false });
    }
  });

  it("a buyer without an open DCJPY account: buyerAccountNotOpen", async function () {
    await k.clients.issuer.registerInvestor({ account: newcomer, investorRef: "NEWCOMER-1" });
    const terms = await k.newTerms({ buyer: newcomer });
    const e = await refused(terms, { reason: "buyerAccountNotOpen", account: newcomer });
    expect(e.shortMessage).to.equal(
      `Settlement ${terms.id} would not settle: the buyer ${newcomer} has no open DCJPY account, so it cannot pay; nothing was locked (force to lock anyway)`,
    );
  });

  it("a buyer whose DCJPY account is frozen: buyerAccountFrozen", async function () {
    await k.clients.bank.openDepositAccount({
      account: newcomer,
      depositAccountRef: "ACCT-NEWCOMER",
    });
    await k.clients.bank.freeze(newcomer);
    try {
      await refused(await k.newTerms({ buyer: newcomer }), {
        reason: "buyerAccountFrozen",
        account: newcomer,
      });
    } finally {
      await k.clients.bank.unfreeze(newcomer);
    }
  });

  it("a seller whose DCJPY account is frozen (it could not be paid): sellerAccountFrozen", async function () {
    const seller = k.signers.seller.address;
    await k.clients.bank.freeze(seller);
    try {
      await refused(await k.newTerms(), { reason: "sellerAccountFrozen", account: seller });
    } finally {
      await k.clients.bank.unfreeze(seller);
    }
  });

  it("force: true locks anyway; a seller short of units gets the lock's own error", async function () {
    await k.clients.bank.freeze(newcomer);
    try {
      const terms = await k.newTerms({ buyer: newcomer, quantity: 3n });
      const r = await k.clients.seller.createSettlement({ terms, force: true });
      expect(r.id).to.equal(terms.id);
      expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(1n);
    } finally {
      await k.clients.bank.unfreeze(newcomer);
    }
    await expectError(
      k.clients.seller.createSettlement({ terms: await k.newTerms({ quantity: 10n ** 9n }) }),
      SecurityTokenInsufficientUnlockedBalance,
      { account: k.signers.seller.address, needed: 10n ** 9n },
    );
  });

  it("concurrent step 1s between the same firms share one set of check reads while in flight", async function () {
    const seller = await FirmClient.connect({ runner: k.signers.seller, addresses: k.addresses });
    // the checks are one eth_call (readViews) whose data carries canTransfer's call
    const selector = seller.ctx.securityToken.interface.getFunction("canTransfer")!.selector;
    const p = k.conn.provider as unknown as {
      request: (a: { method: string; params?: [{ data?: string }] }) => Promise<unknown>;
    };
    const original = p.request;
    let reads = 0;
    p.request = function (a) {
      if (a.method === "eth_call" && a.params?.[0]?.data?.includes(selector.slice(2))) reads++;
      return original.call(this, a);
    };
    try {
      const terms = await Promise.all(
        Array.from({ length: 8 }, () => k.newTerms({ quantity: 1n })),
      );
      const results = await Promise.all(terms.map((t) => seller.createSettlement({ terms: t })));
      expect(results.map((r) => r.id)).to.deep.equal(terms.map((t) => t.id));
      expect(reads).to.equal(1);
      // once answered, nothing is kept: the next call reads again
      await seller.createSettlement({ terms: await k.newTerms({ quantity: 1n }) });
      expect(reads).to.equal(2);
    } finally {
      p.request = original;
    }
  });

  it("settleTrade refuses at step 1 (nothing sent); with force it locks and goes on", async function () {
    const seller = k.signers.seller.address;
    const terms = buildTerms(await k.newTerms());
    const params = {
      seller: k.clients.seller,
      buyer: k.clients.buyer,
      bank: k.clients.bank,
      terms,
      bankReference: ref(`${terms.id}b`),
      redemptionRef: ref(`${terms.id}r`),
    };
    await k.clients.bank.freeze(seller);
    let frozen = true;
    try {
      const before = await snapshot();
      await expectError(settleTrade(params), IneligibleTradeError, {
        reason: "sellerAccountFrozen",
        account: seller,
      });
      expect(await snapshot()).to.deep.equal(before);
      // forced: step 1 locks; the bank lifts the freeze meanwhile, and the trade settles
      const r = await settleTrade({
        ...params,
        force: true,
        onProgress: async (e) => {
          if (e.step === 1 && e.status === "done") {
            await k.clients.bank.unfreeze(seller);
            frozen = false;
          }
        },
      });
      expect(r.state).to.equal("Settled");
      expect(r.steps[0]).to.include({ step: 1, name: "lock", status: "done" });
    } finally {
      if (frozen) await k.clients.bank.unfreeze(seller);
    }
  });
});
