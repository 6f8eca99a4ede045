import { expect } from "chai";
import { ZeroAddress, type Provider } from "ethers";
import { readView } from "../../../packages/sdk/src/context/send.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";

/** readView: one raw eth_call per view, the same answers as the contract's own method. */
describe("sdk: readView", function () {
  let k: Kessai;

  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  it("answers as the contract method: an enum, a struct, a uint, a bool", async function () {
    const ctx = k.clients.seller.ctx;
    const terms = await k.newTerms();
    await k.clients.seller.createSettlement({ terms });
    const id = terms.id;
    const [state] = await readView(ctx, "dvp.stateOf", ctx.dvp, "stateOf", [id]);
    expect(state).to.equal(await ctx.dvp.stateOf(id));
    expect(state).to.equal(1n); // Pending
    const [rec] = await readView(ctx, "dvp.settlementOf", ctx.dvp, "settlementOf", [id]);
    const viaContract = await ctx.dvp.settlementOf(id);
    expect(rec.state).to.equal(viaContract.state);
    expect(rec.termsDigest).to.equal(viaContract.termsDigest);

    const bankRef = ref("read-view-issuance");
    await k.clients.bank.issueDeposit({
      account: k.signers.buyer.address,
      amount: 7n,
      bankReference: bankRef,
    });
    const dt = ctx.depositToken;
    const [issued] = await readView(ctx, "deposit.issuanceOf", dt, "issuanceOf", [bankRef]);
    expect(issued.account).to.equal(k.signers.buyer.address);
    expect(issued.amount).to.equal(7n);
    const [none] = await readView(ctx, "deposit.issuanceOf", dt, "issuanceOf", [ref("unused")]);
    expect(none.account).to.equal(ZeroAddress);
    const [supply] = await readView(ctx, "deposit.totalSupply", dt, "totalSupply", []);
    expect(supply).to.equal(await dt.totalSupply());
    const [open] = await readView(ctx, "deposit.isAccountOpen", dt, "isAccountOpen", [
      k.signers.buyer.address,
    ]);
    expect(open).to.equal(true);
  });

  it("sees the state a transaction just changed", async function () {
    const ctx = k.clients.seller.ctx;
    const terms = await k.newTerms();
    const [before] = await readView(ctx, "dvp.stateOf", ctx.dvp, "stateOf", [terms.id]);
    expect(before).to.equal(0n); // None
    await k.clients.seller.createSettlement({ terms });
    const [after] = await readView(ctx, "dvp.stateOf", ctx.dvp, "stateOf", [terms.id]);
    expect(after).to.equal(1n);
  });

  it("uses the contract call when the provider has no send()", async function () {
    const ctx = k.clients.seller.ctx;
    const terms = await k.newTerms();
    await k.clients.seller.createSettlement({ terms });
    const bare = { provider: {} as Provider };
    const [state] = await readView(bare, "dvp.stateOf", ctx.dvp, "stateOf", [terms.id]);
    expect(state).to.equal(1n);
  });
});
