/**
 * readViewsAt (context/readMany.ts): the views of readViews and the latest block's time in one
 * deployless `eth_call` (ReadMany returns `block.timestamp` after its answers), also for a single
 * read; when the node does not run the batch, the time is read as latestBlockTime reads it and the
 * views one by one. In-process.
 */
import { expect } from "chai";
import { latestBlockTime } from "../../../packages/sdk/src/context/send.js";
import {
  readManyTime,
  readViews,
  readViewsAt,
  type ViewRead,
} from "../../../packages/sdk/src/context/readMany.js";
import { deployKessai, type Kessai } from "./fixture.js";

interface Request {
  method: string;
  params?: [{ to?: string }];
}

/** Records every request's method; `refuseBatch` makes the node refuse calls without a `to`. */
function recordRequests(k: Kessai, refuseBatch = false) {
  const p = k.conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
  const original = p.request;
  const methods: string[] = [];
  p.request = function (a) {
    methods.push(a.method);
    if (refuseBatch && a.method === "eth_call" && !a.params?.[0]?.to)
      return Promise.reject(new Error("calls without a `to` are not served here"));
    return original.call(this, a);
  };
  return { methods, restore: () => void (p.request = original) };
}

describe("sdk: readViewsAt", function () {
  let k: Kessai;
  let reads: ViewRead[];

  before(async function () {
    k = await deployKessai();
    const terms = await k.newTerms();
    const { dvp, depositToken: dt } = k.clients.seller.ctx;
    reads = [
      { action: "dvp.stateOf", contract: dvp, method: "stateOf", args: [terms.id] },
      { action: "deposit.totalSupply", contract: dt, method: "totalSupply", args: [] },
    ];
  });

  /** Moves the clock by `seconds` and mines a block: the latest block's time, as the node says. */
  async function later(seconds: number): Promise<bigint> {
    await k.ethers.provider.send("evm_increaseTime", [seconds]);
    await k.ethers.provider.send("evm_mine", []);
    return BigInt(
      (await k.ethers.provider.send("eth_getBlockByNumber", ["latest", false])).timestamp,
    );
  }

  it("answers the views and the latest block's time in one eth_call, the moment the clock moved", async function () {
    const ctx = k.clients.seller.ctx;
    const expected = (await readViews(ctx, reads)).map((r) => r.toArray(true));
    for (const seconds of [1000, 7]) {
      const latest = await later(seconds);
      const rec = recordRequests(k);
      try {
        const got = await readViewsAt(ctx, reads);
        expect(got.time).to.equal(latest);
        expect(got.answers.map((r) => r.toArray(true))).to.deep.equal(expected);
        // a single read too: the time comes with it
        const one = await readViewsAt(ctx, [reads[1]]);
        expect(one.time).to.equal(latest);
        expect(one.answers[0].toArray(true)).to.deep.equal(expected[1]);
        expect(rec.methods).to.deep.equal(["eth_call", "eth_call"]);
      } finally {
        rec.restore();
      }
      expect(await latestBlockTime(ctx)).to.equal(latest);
    }
  });

  it("reads the block time and the views one by one when the node does not run the batch", async function () {
    const ctx = k.clients.seller.ctx;
    const expected = (await readViews(ctx, reads)).map((r) => r.toArray(true));
    const latest = await later(60);
    const rec = recordRequests(k, true);
    try {
      const got = await readViewsAt(ctx, reads);
      expect(got.time).to.equal(latest);
      expect(got.answers.map((r) => r.toArray(true))).to.deep.equal(expected);
      // the refused batch, then the block and each view alone
      expect(rec.methods.slice(1).sort()).to.deep.equal([
        "eth_call",
        "eth_call",
        "eth_getBlockByNumber",
      ]);
      expect(rec.methods[0]).to.equal("eth_call");
    } finally {
      rec.restore();
    }
  });

  it("takes the time from the third word of ReadMany's answer, and refuses an answer without it", function () {
    const word = (n: bigint) => n.toString(16).padStart(64, "0");
    expect(readManyTime("0x" + word(96n) + word(128n) + word(1_764_590_400n))).to.equal(
      1_764_590_400n,
    );
    expect(() => readManyTime("0x" + word(64n) + word(96n))).to.throw("no block time");
  });
});
