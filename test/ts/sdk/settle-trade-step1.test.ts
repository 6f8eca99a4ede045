/**
 * Step 1 of settleTrade reads its own checks (the block time, the trade's eligibility) right
 * before the lock, not only in the checks before step 1: whatever runs in between (the caller's
 * progress callback, the journal lookup) cannot make it send a lock that the chain as it is now
 * would not settle. And `force` is validated before it can switch those checks off.
 */
import { expect } from "chai";
import {
  IneligibleTradeError,
  InvalidDeadlineError,
  InvalidParameterError,
  settleTrade,
  type ProgressEvent,
} from "../../../packages/sdk/src/index.js";
import { deployKessai, type Kessai } from "./fixture.js";
import { expectError } from "./helpers.js";

describe("sdk: settleTrade's step 1 reads the chain as it is when it locks", function () {
  let k: Kessai;
  const party = () => ({ seller: k.clients.seller, buyer: k.clients.buyer, bank: k.clients.bank });
  const books = async () => ({
    locked: await k.contracts.bond.lockedOf(k.addresses.dvp, k.signers.seller.address),
    sellerUnits: await k.contracts.bond.balanceOf(k.signers.seller.address),
    buyerCash: await k.contracts.dcjpy.balanceOf(k.signers.buyer.address),
    supply: await k.contracts.dcjpy.totalSupply(),
  });
  const frozen = (yes: boolean) =>
    k.clients.bank.setAccountFrozen({ account: k.signers.buyer.address, frozen: yes });

  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
  });

  it("the buyer's DCJPY account frozen after the checks, while step 1 starts: IneligibleTradeError, nothing locked", async function () {
    const terms = await k.newTerms();
    const before = await books();
    const onProgress = async (e: ProgressEvent) => {
      if (e.step === 1 && e.status === "started") await frozen(true);
    };
    try {
      await expectError(settleTrade({ ...party(), terms, onProgress }), IneligibleTradeError, {
        id: terms.id,
        reason: "buyerAccountFrozen",
        account: k.signers.buyer.address,
      });
    } finally {
      await frozen(false);
    }
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await books()).to.deep.equal(before);
  });

  it("the deadline passes after the checks, while step 1 starts: InvalidDeadlineError, nothing locked", async function () {
    const latest = (await k.ethers.provider.getBlock("latest"))!.timestamp;
    const terms = await k.newTerms({ deadline: BigInt(latest) + 60n });
    const before = await books();
    const onProgress = async (e: ProgressEvent) => {
      if (e.step === 1 && e.status === "started") await k.networkHelpers.time.increase(120);
    };
    await expectError(settleTrade({ ...party(), terms, onProgress }), InvalidDeadlineError, {
      field: "terms.deadline",
      value: terms.deadline,
    });
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await books()).to.deep.equal(before);
  });

  it('force given as the string "false" (a JavaScript caller): InvalidParameterError, nothing locked', async function () {
    const terms = await k.newTerms();
    await frozen(true);
    const before = await books();
    try {
      await expectError(
        settleTrade({ ...party(), terms, force: "false" as unknown as boolean }),
        InvalidParameterError,
        { field: "force" },
      );
    } finally {
      await frozen(false);
    }
    expect(await k.contracts.dvp.stateOf(terms.id)).to.equal(0n);
    expect(await books()).to.deep.equal(before);
  });
});
