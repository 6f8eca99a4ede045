/**
 * readViews keeps readView's typed error for a read whose arguments do not encode: in a batch
 * the read fails as it fails alone, with the same class and message.
 */
import { expect } from "chai";
import { readView } from "../../../packages/sdk/src/context/send.js";
import { readViews, type ViewRead } from "../../../packages/sdk/src/context/readMany.js";
import { KessaiError } from "../../../packages/sdk/src/index.js";
import { deployKessai } from "./fixture.js";

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

describe("sdk: readViews' typed errors for arguments that do not encode", function () {
  it("an address argument ethers refuses: the same typed error in a batch as alone", async function () {
    const k = await deployKessai();
    const ctx = k.clients.seller.ctx;
    const good: ViewRead = {
      action: "deposit.totalSupply",
      contract: ctx.depositToken,
      method: "totalSupply",
      args: [],
    };
    const bad: ViewRead = {
      action: "deposit.isAccountOpen",
      contract: ctx.depositToken,
      method: "isAccountOpen",
      args: ["0x1234"],
    };
    const alone = await failure(readView(ctx, bad.action, bad.contract, bad.method, bad.args));
    const batched = await failure(readViews(ctx, [good, bad]));
    expect(alone).to.be.instanceOf(KessaiError);
    expect(batched.constructor).to.equal(alone.constructor);
    expect(batched.message).to.equal(alone.message);
  });
});
