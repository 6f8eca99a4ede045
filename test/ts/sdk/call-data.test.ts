/**
 * Call data written by hand (the sends' `populateCall`, the reads' `encodeCall`, `encodeTerms`):
 * byte for byte what ethers writes, and ethers itself (with its errors) for anything unusual.
 */
import { expect } from "chai";
import { AbiCoder, BaseContract, type FunctionFragment, type Interface } from "ethers";
import { buildTerms, contracts, encodeTerms } from "../../../packages/sdk/src/index.js";
import { encodeCall, handEncoded } from "../../../packages/sdk/src/context/abiWords.js";
import { populateCall } from "../../../packages/sdk/src/context/send.js";

const dvpAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const dvp = contracts.DeliveryVersusPayment__factory.connect(dvpAddress);
const st = contracts.SecurityToken__factory.connect("0x" + "22".repeat(20));
const dt = contracts.DepositToken__factory.connect("0x" + "33".repeat(20));
const fn = (c: BaseContract, name: string) => c.interface.getFunction(name) as FunctionFragment;
const terms = buildTerms({
  id: "0x" + "ab".repeat(32),
  seller: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  buyer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  securityToken: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  quantity: 7n,
  cashToken: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  amount: 123_456_789n,
  deadline: 1_900_000_000n,
});
const TERMS_TUPLE =
  "tuple(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";

describe("sdk: call data written by hand", function () {
  it("is ethers' call data for structs, bytes, uintN and addresses", function () {
    const sig = "0x" + "1f".repeat(65);
    const cases: [BaseContract, string, unknown[]][] = [
      [dvp, "affirm", [terms]],
      [dvp, "affirm", [Object.values(terms)]],
      [dvp, "settle", [{ ...terms, extra: 1 }]],
      [dvp, "settleWithAuthorization", [terms, 1_900_000_001n, sig]],
      [dvp, "settleWithAuthorization", [terms, 0n, "0x"]],
      [dvp, "settleWithAuthorization", [terms, 1n, "0xABCDEF"]],
      [st, "lock", [dvpAddress, 5n, encodeTerms(terms)]],
      [dt, "issue", [terms.buyer, 10n ** 30n, "0x" + "CD".repeat(32)]],
      [dt, "redeem", [1n, "0x" + "00".repeat(32)]],
    ];
    for (const [c, name, args] of cases) {
      const f = fn(c, name);
      const ethers = c.interface.encodeFunctionData(f, args);
      expect(handEncoded(f, args), name).to.equal(ethers);
      expect(encodeCall(c, f, args), name).to.equal(ethers);
    }
  });

  it("leaves unusual arguments to ethers, with ethers' errors", function () {
    const f = fn(dvp, "settleWithAuthorization");
    const unusual: unknown[][] = [
      [terms, 1n, "0xabc"], // odd-length bytes
      [terms, -1n, "0x"], // negative uint
      [terms, 1n << 256n, "0x"], // too wide
      [{ ...terms, deadline: 1n << 64n }, 1n, "0x"], // uint64 overflow
      [{ ...terms, seller: terms.seller.toLowerCase().replace("a", "A") }, 1n, "0x"], // bad checksum
      [{ ...terms, agent: undefined }, 1n, "0x"],
      [terms, 1], // too few
    ];
    for (const args of unusual) {
      expect(handEncoded(f, args), String(args[1])).to.equal(undefined);
      let theirs: unknown;
      try {
        theirs = (dvp.interface as Interface).encodeFunctionData(f, args);
      } catch (e) {
        theirs = e;
      }
      if (theirs instanceof Error) expect(() => encodeCall(dvp, f, args)).to.throw(theirs.message);
      else expect(encodeCall(dvp, f, args)).to.equal(theirs);
    }
    // a number (not a bigint) is ethers' to check and write
    expect(handEncoded(fn(dt, "redeem"), [1, "0x" + "00".repeat(32)])).to.equal(undefined);
  });

  it("encodeTerms is ethers' abi.encode of the terms struct", function () {
    const coder = AbiCoder.defaultAbiCoder();
    expect(encodeTerms(terms)).to.equal(coder.encode([TERMS_TUPLE], [terms]));
    const big = { ...terms, deadline: 1n << 64n };
    expect(() => encodeTerms(big)).to.throw(/value out-of-bounds|overflow/);
  });

  it("populateCall gives what populateTransaction gives; without an address target, ethers does it", async function () {
    const sig = "0x" + "1f".repeat(65);
    expect(await populateCall(dvp, dvp.settleWithAuthorization, terms, 5n, sig)).to.deep.equal(
      await dvp.settleWithAuthorization.populateTransaction(terms, 5n, sig),
    );
    const lower = contracts.DeliveryVersusPayment__factory.connect(dvpAddress.toLowerCase());
    expect((await populateCall(lower, lower.affirm, terms)).to).to.equal(dvpAddress);
    // an Addressable target is resolved by ethers' populateTransaction
    const named = new BaseContract(
      { getAddress: async () => dvpAddress },
      dvp.interface,
    ) as unknown as typeof dvp;
    let asked = false;
    const method = {
      fragment: fn(dvp, "affirm"),
      populateTransaction: async (...a: [typeof terms]) => {
        asked = true;
        return named.affirm.populateTransaction(...a);
      },
    };
    expect(await populateCall(named, method, terms)).to.deep.equal(
      await dvp.affirm.populateTransaction(terms),
    );
    expect(asked).to.equal(true);
  });
});
