/**
 * The engine's raw gas estimate (one `eth_estimateGas` of the call, its refusals the typed contract
 * errors as before) and the reads' word-by-word decoder (the `Result` ethers' coder gives, or
 * ethers itself where it is not the usual case).
 */
import { expect } from "chai";
import { BaseContract, Interface, Result, type FunctionFragment } from "ethers";
import { DepositTokenIssuanceReferenceUsed } from "../../../packages/sdk/src/index.js";
import { decodeResult } from "../../../packages/sdk/src/context/abiWords.js";
import { deployKessai, ref } from "./fixture.js";
import { expectError } from "./helpers.js";

interface Request {
  method: string;
  params?: unknown[];
}

const iface = new Interface([
  "function plain() view returns (address a, bool b, uint8 small, uint256 big, int8 neg, int256 wide, bytes32 digest, bytes4 tag)",
  "function record() view returns ((address account, uint128 amount, uint64 at) r)",
  "function nested() view returns (uint256, (bool ok, (address who, bytes32 id) inner) t)",
  "function dynamic() view returns (bool ok, bytes data)",
  "function nothing() view",
]);
const contract = new BaseContract("0x" + "11".repeat(20), iface);
const fn = (name: string) => iface.getFunction(name) as FunctionFragment;
const w = (hex: string) => hex.padStart(64, "0");
const ff = "f".repeat(64);

/** A Result as plain data: its items (nested Results too) and their names. */
function shape(r: unknown): unknown {
  if (!(r instanceof Result)) return typeof r === "bigint" ? `${r}n` : r;
  const names = Object.keys(r).filter((k) => !/^\d+$/.test(k));
  return { items: r.toArray().map(shape), names };
}

describe("sdk: reads decoded word by word, estimates asked raw", function () {
  it("decodes static outputs and static tuples as ethers' coder does", function () {
    const cases: [string, string][] = [
      [
        "plain",
        w("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".toLowerCase()) +
          w("1") +
          ("ab".repeat(31) + "07") + // uint8: the word is masked to its width
          ff +
          ff + // int8 -1
          ("8" + "0".repeat(63)) + // int256 min
          "cd".repeat(32) +
          "deadbeef" +
          "9".repeat(56),
      ],
      ["plain", "0".repeat(64 * 8) + "abcd".repeat(16)], // trailing words ignored
      ["record", w("ab".repeat(20)) + w("3b9aca00") + w("65f0c2a1")],
      ["nested", ff + w("2") + w("cd".repeat(20)) + "ef".repeat(32)],
    ];
    for (const [name, hex] of cases) {
      const f = fn(name);
      const mine = decodeResult(contract, f, "0x" + hex);
      const theirs = iface.decodeFunctionResult(f, "0x" + hex);
      expect(mine, name).to.be.instanceOf(Result);
      expect(shape(mine), name).to.deep.equal(shape(theirs));
    }
    const r = decodeResult(contract, fn("record"), "0x" + cases[2][1]);
    expect(r[0].account).to.equal("0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB");
    expect(r.r.amount).to.equal(1_000_000_000n);
    expect(decodeResult(contract, fn("plain"), "0x" + cases[0][1]).wide).to.equal(-(1n << 255n));
  });

  it("leaves the rest to ethers: dynamic outputs, short or malformed answers, and their errors", function () {
    const dyn = "0x" + w("1") + w("40") + w("2") + "abcd".padEnd(64, "0");
    expect(shape(decodeResult(contract, fn("dynamic"), dyn))).to.deep.equal(
      shape(iface.decodeFunctionResult(fn("dynamic"), dyn)),
    );
    for (const raw of ["0x", "0x" + w("1").repeat(2), "0x" + w("1") + w("2").slice(1)]) {
      expect(() => decodeResult(contract, fn("record"), raw), raw).to.throw();
    }
    // an address word above 20 bytes: ethers keeps the item as an error thrown when read
    const high = "0x" + w("1" + "ab".repeat(20)) + w("1") + w("2");
    const r = decodeResult(contract, fn("record"), high);
    expect(() => r[0].account).to.throw(/deferred error during ABI decoding/);
    expect(decodeResult(contract, fn("nothing"), "0x")).to.have.length(0);
  });

  it("estimates a send's gas with one raw eth_estimateGas of the call at the pending block; a refused estimate is the typed error, nothing sent", async function () {
    const k = await deployKessai();
    const bank = k.clients.bank;
    const p = k.conn.provider as unknown as { request: (a: Request) => Promise<unknown> };
    const original = p.request;
    const seen: Request[] = [];
    p.request = function (a) {
      seen.push(a);
      return original.call(this, a);
    };
    try {
      const account = k.signers.buyer.address;
      await bank.issueDeposit({ account, amount: 5n, bankReference: ref("estimate-1") });
      const estimates = seen.filter((r) => r.method === "eth_estimateGas");
      expect(estimates).to.have.length(1);
      const [call, block] = estimates[0].params as [Record<string, string>, string];
      expect(block).to.equal("pending");
      expect(call.from).to.equal(k.signers.bank.address.toLowerCase());
      expect(call.to).to.equal(k.addresses.depositToken.toLowerCase());
      const sent = seen.find((r) => r.method === "eth_sendTransaction")!.params![0] as {
        data: string;
      };
      expect(call.data).to.equal(sent.data);
      const nonce = await k.ethers.provider.getTransactionCount(k.signers.bank.address);
      seen.length = 0;
      await expectError(
        bank.issueDeposit({ account, amount: 1n, bankReference: ref("estimate-1") }),
        DepositTokenIssuanceReferenceUsed,
        { bankReference: ref("estimate-1") },
      );
      expect(seen.map((r) => r.method)).to.include("eth_estimateGas");
      expect(seen.map((r) => r.method)).to.not.include("eth_sendTransaction");
      expect(await k.ethers.provider.getTransactionCount(k.signers.bank.address)).to.equal(nonce);
      expect(await k.contracts.dcjpy.balanceOf(account)).to.equal(5n);
    } finally {
      p.request = original;
    }
  });
});
