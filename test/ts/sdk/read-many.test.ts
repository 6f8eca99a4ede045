/**
 * readViews (context/readMany.ts): reads of several contracts in one deployless `eth_call`, the
 * same answers as readView one by one, the same typed errors, and readView one by one when the
 * node does not run the batch. In-process.
 */
import { expect } from "chai";
import { AbiCoder, Wallet, ZeroAddress, type BaseContract, type Interface } from "ethers";
import { readView } from "../../../packages/sdk/src/context/send.js";
import {
  decodeReadMany,
  encodeCall,
  encodeReadMany,
  readViews,
  type ViewRead,
} from "../../../packages/sdk/src/context/readMany.js";
import { deployKessai, ref, type Kessai } from "./fixture.js";

/** Records the method of every request the network's EIP-1193 provider is asked. */
function recordRequests(k: Kessai): { methods: string[]; restore: () => void } {
  const p = k.conn.provider as unknown as {
    request: (a: { method: string; params?: unknown[] }) => Promise<unknown>;
  };
  const original = p.request;
  const methods: string[] = [];
  p.request = function (a) {
    methods.push(a.method);
    return original.call(this, a);
  };
  return { methods, restore: () => void (p.request = original) };
}

/** Errors as what a test compares: the class and the message. */
async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).constructor.name, message: (err as Error).message };
  }
  throw new Error("expected a failure");
}

describe("sdk: readViews", function () {
  let k: Kessai;
  let reads: ViewRead[];

  before(async function () {
    k = await deployKessai();
    await k.clients.issuer.issueSecurity({ to: k.signers.seller.address, value: 100n });
    const terms = await k.newTerms();
    await k.clients.seller.createSettlement({ terms });
    await k.clients.bank.issueDeposit({
      account: k.signers.buyer.address,
      amount: 7n,
      bankReference: ref("read-many-issuance"),
    });
    const ctx = k.clients.seller.ctx;
    const { dvp, depositToken: dt, securityToken: st } = ctx;
    const { seller, buyer } = k.signers;
    reads = [
      { action: "dvp.stateOf", contract: dvp, method: "stateOf", args: [terms.id] },
      { action: "dvp.settlementOf", contract: dvp, method: "settlementOf", args: [terms.id] },
      {
        action: "deposit.issuanceOf",
        contract: dt,
        method: "issuanceOf",
        args: [ref("read-many-issuance")],
      },
      { action: "deposit.issuanceOf", contract: dt, method: "issuanceOf", args: [ref("unused")] },
      { action: "deposit.totalSupply", contract: dt, method: "totalSupply", args: [] },
      {
        action: "securityToken.canTransfer",
        contract: st,
        method: "canTransfer",
        args: [seller.address, buyer.address, 1n],
      },
      {
        action: "securityToken.canTransfer",
        contract: st,
        method: "canTransfer",
        args: [seller.address, Wallet.createRandom().address, 1n],
      },
    ];
  });

  it("answers reads of three contracts in one eth_call, as readView one by one", async function () {
    const ctx = k.clients.seller.ctx;
    const rec = recordRequests(k);
    let batched;
    try {
      batched = await readViews(ctx, reads);
    } finally {
      rec.restore();
    }
    expect(rec.methods).to.deep.equal(["eth_call"]);
    const alone = await Promise.all(
      reads.map((r) => readView(ctx, r.action, r.contract, r.method, r.args)),
    );
    expect(batched.map((r) => r.toArray(true))).to.deep.equal(alone.map((r) => r.toArray(true)));
    expect(batched[0][0]).to.equal(1n); // Pending
    expect(batched[2][0].amount).to.equal(7n);
    expect(batched[3][0].account).to.equal(ZeroAddress);
    expect(batched[5][0]).to.equal(true);
    expect(batched[6][0]).to.equal(false); // an unregistered buyer
  });

  it("a read that reverts throws readView's typed error, with its arguments", async function () {
    const ctx = k.clients.seller.ctx;
    const terms = await k.newTerms(); // no settlement under this ID: settle reverts
    const bad: ViewRead = {
      action: "dvp.settle",
      contract: ctx.dvp,
      method: "settle",
      args: [terms],
    };
    const expected = await failure(readView(ctx, bad.action, bad.contract, bad.method, bad.args));
    expect(expected.name).to.match(/^Dvp/); // the contract's own error class
    const rec = recordRequests(k);
    let got;
    try {
      got = await failure(readViews(ctx, [reads[0], bad, reads[4]]));
    } finally {
      rec.restore();
    }
    expect(got).to.deep.equal(expected);
    expect(rec.methods).to.deep.equal(["eth_call", "eth_call"]); // the batch, then the read alone
  });

  it("an address without code: readView's error, not a decoding failure", async function () {
    const ctx = k.clients.seller.ctx;
    const nowhere = ctx.dvp.attach(Wallet.createRandom().address) as typeof ctx.dvp;
    const bad: ViewRead = {
      action: "dvp.stateOf",
      contract: nowhere,
      method: "stateOf",
      args: [ref("x")],
    };
    const expected = await failure(readView(ctx, bad.action, bad.contract, bad.method, bad.args));
    expect(await failure(readViews(ctx, [reads[0], bad]))).to.deep.equal(expected);
  });

  it("reads one by one when the node does not run the batch; one read is one readView", async function () {
    const ctx = k.clients.seller.ctx;
    const expected = (await readViews(ctx, reads)).map((r) => r.toArray(true));
    const p = k.conn.provider as unknown as {
      request: (a: { method: string; params?: [{ to?: string }] }) => Promise<unknown>;
    };
    const original = p.request;
    const methods: string[] = [];
    p.request = function (a) {
      methods.push(a.method);
      if (a.method === "eth_call" && !a.params?.[0]?.to)
        return Promise.reject(new Error("calls without a `to` are not served here"));
      return original.call(this, a);
    };
    try {
      const got = await readViews(ctx, reads);
      expect(got.map((r) => r.toArray(true))).to.deep.equal(expected);
      expect(methods).to.have.length(1 + reads.length);
      methods.length = 0;
      await readViews(ctx, [reads[0]]);
      expect(methods).to.deep.equal(["eth_call"]);
    } finally {
      p.request = original;
    }
  });
});

describe("sdk: readViews' ABI coding (written out by hand)", function () {
  const coder = AbiCoder.defaultAbiCoder();
  const targets = [Wallet.createRandom().address, Wallet.createRandom().address, ZeroAddress];
  const calls = ["0x", "0x12345678", "0x" + "ab".repeat(68)];

  it("encodes (address[], bytes[]) as ethers' coder does", function () {
    expect("0x" + encodeReadMany(targets, calls)).to.equal(
      coder.encode(["address[]", "bytes[]"], [targets, calls]),
    );
    expect("0x" + encodeReadMany([], [])).to.equal(
      coder.encode(["address[]", "bytes[]"], [[], []]),
    );
  });

  it("decodes (bool[], bytes[]) as ethers' coder does, and refuses what is not n answers", function () {
    const ok = [true, false, true];
    const raw = coder.encode(["bool[]", "bytes[]"], [ok, calls]);
    expect(decodeReadMany(raw, 3)).to.deep.equal([ok, calls]);
    expect(() => decodeReadMany(raw, 2)).to.throw("wrong answer count");
    expect(() => decodeReadMany(raw.slice(0, raw.length - 64), 3)).to.throw();
    expect(() => decodeReadMany("0x", 0)).to.throw("bad word");
  });

  it("encodes a call as encodeFunctionData does, by hand for static arguments", async function () {
    const k = await deployKessai();
    const { dvp, depositToken: dt, securityToken: st } = k.clients.seller.ctx;
    const a = Wallet.createRandom().address; // checksummed
    const cases: [BaseContract, string, unknown[]][] = [
      [dvp, "stateOf", [ref("x")]],
      [dt, "allowance", [a, a.toLowerCase()]],
      [dt, "allowance", [a, "0x" + a.slice(2).toUpperCase()]],
      [st, "canTransfer", [a, ZeroAddress, 0n]],
      [st, "canTransfer", [a, a, (1n << 256n) - 1n]],
      [dt, "totalSupply", []],
      [dvp, "isApprovalValid", [await k.newTerms()]], // a tuple: ethers encodes it
      [st, "canTransfer", [a, a, 5]], // a number, not a bigint: ethers encodes it
    ];
    for (const [c, method, args] of cases) {
      const f = c.interface.getFunction(method)!;
      expect(encodeCall(c, f, args), method).to.equal(c.interface.encodeFunctionData(f, args));
    }
    // what ethers refuses is refused with ethers' error
    // every letter's case flipped: the checksum no longer holds
    const flip = (ch: string) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());
    const wrong = "0x" + [...a.slice(2)].map(flip).join("");
    const iface: Interface = dt.interface;
    const f = iface.getFunction("allowance")!;
    for (const args of [
      [wrong, a],
      [a, a, a],
      [-1n, a],
    ]) {
      let expected: unknown;
      try {
        iface.encodeFunctionData(f, args);
      } catch (err) {
        expected = (err as Error).message;
      }
      expect(expected, String(args)).to.be.a("string");
      expect(() => encodeCall(dt, f, args)).to.throw(expected as string);
    }
  });
});
