/**
 * `checksumAddress` answers and refuses as ethers' `getAddress` for every form getAddress takes
 * (0x-prefixed or not, ICAP) and every one it refuses (a bad ICAP checksum, an upper-case 0X, a
 * stray space or newline, not a string), asked again and again, also after more spellings than
 * it keeps went through it.
 */
import { expect } from "chai";
import { getAddress, getIcapAddress, hexlify, randomBytes } from "ethers";
import { checksumAddress } from "../../../packages/sdk/src/utils/validate.js";

/** getAddress's answer, or its refusal's message. */
function outcome(f: (v: string) => string, v: unknown): string {
  try {
    return "= " + f(v as string);
  } catch (err) {
    return "! " + ((err as { shortMessage?: string }).shortMessage ?? String(err));
  }
}

describe("sdk: checksumAddress takes and refuses what getAddress does", function () {
  const spellings: unknown[] = [undefined, null, 5, {}, "", "0x", "XE00"];
  for (let i = 0; i < 50; i++) {
    const good = getAddress(hexlify(randomBytes(20)));
    const icap = getIcapAddress(good);
    spellings.push(
      good.slice(2),
      good.slice(2).toLowerCase(),
      icap,
      icap.toLowerCase(),
      icap.slice(0, 2) + (icap.slice(2, 4) === "00" ? "01" : "00") + icap.slice(4),
      "0X" + good.slice(2),
      good + "\n",
      " " + good,
    );
  }

  it("the same answer or refusal for every spelling, three times over", function () {
    const refused = spellings.filter((v) => outcome(getAddress, v).startsWith("!"));
    expect(refused.length).to.be.greaterThan(spellings.length / 3);
    for (let round = 0; round < 3; round++)
      for (const v of spellings)
        expect(outcome(checksumAddress, v)).to.equal(outcome(getAddress, v));
  });

  it("the same after more spellings than it keeps went through it", function () {
    for (const v of spellings) outcome(checksumAddress, v);
    for (let i = 0; i < 5000; i++) checksumAddress(hexlify(randomBytes(20)));
    for (const v of spellings) expect(outcome(checksumAddress, v)).to.equal(outcome(getAddress, v));
  });
});
