/**
 * `checksumAddress`, the SDK's `getAddress` with the spellings it has already checked kept (the
 * same few addresses are checksummed some forty times per trade): the same answer as ethers for
 * every spelling, and the same refusal for a bad checksum however often the good one was seen.
 */
import { expect } from "chai";
import { getAddress, hexlify, randomBytes } from "ethers";
import { checksumAddress } from "../../../packages/sdk/src/utils/validate.js";

/** The address with the case of every letter flipped (a bad checksum unless it has no letter). */
const flipped = (a: string) =>
  "0x" +
  [...a.slice(2)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");

describe("sdk: checksumAddress", function () {
  it("answers as getAddress for lower-case, upper-case and checksummed spellings, asked twice", function () {
    for (let i = 0; i < 200; i++) {
      const good = getAddress(hexlify(randomBytes(20)));
      for (const spelling of [good.toLowerCase(), "0x" + good.slice(2).toUpperCase(), good])
        for (let twice = 0; twice < 2; twice++)
          expect(checksumAddress(spelling)).to.equal(getAddress(spelling));
    }
  });

  it("refuses a bad checksum as getAddress does, every time, after the good spelling was kept", function () {
    const good = getAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
    const bad = flipped(good);
    expect(() => getAddress(bad)).to.throw();
    checksumAddress(good);
    for (let i = 0; i < 2; i++) {
      let mine: unknown;
      let ethers: unknown;
      try {
        checksumAddress(bad);
      } catch (err) {
        mine = (err as { shortMessage?: string }).shortMessage;
      }
      try {
        getAddress(bad);
      } catch (err) {
        ethers = (err as { shortMessage?: string }).shortMessage;
      }
      expect(mine).to.be.a("string");
      expect(mine).to.equal(ethers);
    }
    expect(() => checksumAddress("0x1234")).to.throw();
  });
});
