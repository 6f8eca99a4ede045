/**
 * settleTrade's checks before steps 2 and 3 right after its own lock and affirmation: the chain
 * can move on in the blocks between that step's transaction and the moment its sender sees the
 * receipt (the named agent rejects the settlement; the bank records the issuance under the
 * trade's reference), so the checks read the chain as it is then. An issuance (step 3: the
 * buyer's deposit account debited, DCJPY minted) for a settlement that can no longer settle must
 * not be sent; one recorded meanwhile is the step done.
 */
import { expect } from "chai";
import { ZeroAddress } from "ethers";
import {
  settleTrade,
  SettlementStateError,
  tradeReference,
  type SettleTradeParams,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";
import { expectError, racing } from "./helpers.js";

describe("sdk: settleTrade reads the chain before steps 2 and 3 after its own steps 1 and 2", function () {
  let k: Kessai;
  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  const party = (): Pick<SettleTradeParams, "seller" | "buyer" | "bank" | "agent"> => ({
    seller: k.clients.seller,
    buyer: k.clients.buyer,
    bank: k.clients.bank,
    agent: k.clients.agent,
  });

  /** The agent rejects the trade right after the transaction of `step` reaches the node. */
  async function rejectedAfter(step: "lock" | "affirm") {
    const terms = await k.newTerms({ agent: k.signers.agent.address });
    const supply = await k.contracts.dcjpy.totalSupply();
    await racing(
      k.conn.provider,
      step === "lock" ? k.contracts.bond : k.contracts.dvp,
      step,
      () => k.clients.agent.rejectSettlement({ terms, reason: ref("kyc") }),
      () =>
        expectError(settleTrade({ ...party(), terms }), SettlementStateError, {
          id: terms.id,
          state: "Rejected",
        }),
    );
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(6n); // Rejected
    // nothing issued: no DCJPY minted, the trade's issuance reference unused
    expect(await k.contracts.dcjpy.totalSupply()).to.equal(supply);
    expect(await k.contracts.dcjpy.balanceOf(terms.buyer)).to.equal(0n);
    const issuance = await k.contracts.dcjpy.issuanceOf(tradeReference(terms.id, "issuance"));
    expect(issuance.account).to.equal(ZeroAddress);
  }

  it("no issuance for a settlement the agent rejected after the buyer's affirmation was mined", async function () {
    await rejectedAfter("affirm");
  });

  it("no affirmation for a settlement the agent rejected after the lock was mined: SettlementStateError, not the DVP's revert", async function () {
    await rejectedAfter("lock");
  });

  it("an issuance the bank recorded under the trade's reference after the affirmation is step 3 done, not sent again", async function () {
    const terms = await k.newTerms();
    const bankReference = ref(`gateway:${terms.id}`);
    const supply = await k.contracts.dcjpy.totalSupply();
    let result: Awaited<ReturnType<typeof settleTrade>> | undefined;
    await racing(
      k.conn.provider,
      k.contracts.dvp,
      "affirm",
      () =>
        k.clients.bank.issueDeposit({ account: terms.buyer, amount: terms.amount, bankReference }),
      async () => {
        result = await settleTrade({ ...party(), agent: undefined, terms, bankReference });
      },
    );
    expect(result!.state).to.equal("Settled");
    expect(result!.steps.find((e) => e.step === 3)).to.deep.include({
      status: "skipped",
      reason: "already issued under this bank reference",
    });
    // issued once: minted, paid to the seller and redeemed
    expect(await k.contracts.dcjpy.totalSupply()).to.equal(supply);
    expect(await k.contracts.dcjpy.balanceOf(terms.buyer)).to.equal(0n);
  });
});
