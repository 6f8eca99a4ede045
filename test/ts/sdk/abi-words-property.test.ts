/**
 * Property checks of the call data and answers the SDK writes and reads by hand
 * (`context/abiWords.ts`, `utils/abiWords.ts`, `encodeTerms`): for random valid arguments of every
 * function of every Kessai ABI, and for arguments ethers refuses or reads in its own way, the
 * bytes (or the refusal) are ethers' own.
 */
import { expect } from "chai";
import {
  AbiCoder,
  BaseContract,
  Interface,
  Result,
  Typed,
  getAddress,
  type FunctionFragment,
  type ParamType,
} from "ethers";
import { buildTerms, contracts, encodeTerms } from "../../../packages/sdk/src/index.js";
import {
  decodeResult,
  encodeCall,
  handEncoded,
} from "../../../packages/sdk/src/context/abiWords.js";
import { populateCall } from "../../../packages/sdk/src/context/send.js";

// mulberry32: the same cases on every run
let seed = 0x5eed1234;
function rnd(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const hex = (bytes: number) => {
  let s = "";
  for (let i = 0; i < 2 * bytes; i++) s += "0123456789abcdef"[int(16)];
  return s;
};

function randomAddress(): string {
  const a = "0x" + hex(20);
  return pick([getAddress(a), a, "0x" + a.slice(2).toUpperCase()]);
}

function randomUint(bits: number): bigint {
  const max = (1n << BigInt(bits)) - 1n;
  const edges = [0n, 1n, 2n, max, max - 1n, 1n << BigInt(bits - 1)];
  if (bits > 128) edges.push((1n << 128n) - 1n, 1n << 128n);
  return rnd() < 0.5 ? pick(edges) : BigInt("0x" + hex(bits / 8));
}

function randomInt(bits: number): bigint {
  const u = randomUint(bits);
  return u >= 1n << BigInt(bits - 1) ? u - (1n << BigInt(bits)) : u;
}

function randomBytes(): string {
  const n = pick([0, 1, 4, 31, 32, 33, 63, 64, 65, 100, int(300)]);
  const h = hex(n);
  return "0x" + (rnd() < 0.3 ? h.toUpperCase() : h);
}

/** A valid value of `p`, in one of the forms ethers takes (structs positional or by name). */
function randomValue(p: ParamType): unknown {
  if (p.baseType === "tuple") {
    const cs = p.components!;
    const values = cs.map(randomValue);
    if (cs.every((c) => c.name) && rnd() < 0.6)
      return Object.fromEntries(cs.map((c, i) => [c.name, values[i]]));
    return values;
  }
  if (p.baseType === "array") {
    const n = p.arrayLength === -1 ? int(4) : p.arrayLength!;
    return Array.from({ length: n }, () => randomValue(p.arrayChildren!));
  }
  if (p.type === "address") return randomAddress();
  if (p.type === "bool") return rnd() < 0.5;
  if (p.type === "bytes") return randomBytes();
  if (p.type === "string") return "s" + hex(int(40));
  let m = /^bytes(\d+)$/.exec(p.type);
  if (m) {
    const h = hex(Number(m[1]));
    return "0x" + (rnd() < 0.3 ? h.toUpperCase() : h);
  }
  if ((m = /^uint(\d+)$/.exec(p.type))) return randomUint(Number(m[1]));
  if ((m = /^int(\d+)$/.exec(p.type))) return randomInt(Number(m[1]));
  throw new Error(`no generator for ${p.type}`);
}

/** Every ABI the SDK ships (TypeChain factories with a static `abi`). */
const interfaces: [string, Interface][] = Object.entries(contracts)
  .filter(([k, v]) => k.endsWith("__factory") && Array.isArray((v as { abi?: unknown }).abi))
  .map(([k, v]) => [k, new Interface((v as unknown as { abi: object[] }).abi)]);

function outcome(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return "throws";
  }
}

/** A Result as plain data, with deferred decoding errors as markers. */
function shape(r: unknown): unknown {
  if (!(r instanceof Result)) return typeof r === "bigint" ? `${r}n` : r;
  const items: unknown[] = [];
  for (let i = 0; i < r.length; i++) {
    try {
      items.push(shape(r[i]));
    } catch {
      items.push("deferred error");
    }
  }
  const names = Object.keys(r).filter((k) => !/^\d+$/.test(k));
  return { items, names };
}

function decodeOutcome(f: () => Result): unknown {
  try {
    return shape(f());
  } catch {
    return "throws";
  }
}

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

describe("sdk: hand-written call data and answers, property checks against ethers", function () {
  it("every function of every Kessai ABI: random valid arguments give ethers' call data", function () {
    let hand = 0;
    let total = 0;
    const synthetic = new Interface([
      "function a(bytes x, bytes y, bytes z)",
      "function b((address who, (bool ok, uint40 at, bytes4 tag) inner, uint8 n) r, bytes x, uint16 k, bytes y)",
      "function c(bytes x, (bytes32 id, uint128 amount) r, bool f)",
      "function d(uint8 a, uint24 b, uint64 c, uint128 d, uint256 e, int8 f, bytes1 g, bytes31 h)",
    ]);
    for (const [name, iface] of [...interfaces, ["synthetic", synthetic] as [string, Interface]]) {
      const c = new BaseContract("0x" + "11".repeat(20), iface);
      iface.forEachFunction((f) => {
        for (let i = 0; i < (name === "synthetic" ? 60 : 8); i++) {
          const args = f.inputs.map(randomValue);
          const theirs = iface.encodeFunctionData(f, args);
          const mine = handEncoded(f, args);
          if (mine !== undefined) hand++;
          total++;
          expect(mine ?? theirs, `${name}.${f.format()}`).to.equal(theirs);
          expect(encodeCall(c, f, args), `${name}.${f.format()}`).to.equal(theirs);
        }
      });
    }
    // the check reaches the hand-written path, not only ethers'
    expect(hand).to.be.greaterThan(total / 3);
  });

  it("random terms: encodeTerms is ethers' abi.encode of the struct", function () {
    const TUPLE =
      "tuple(bytes32 id,address seller,address buyer,address securityToken,uint256 quantity,address cashToken,uint256 amount,uint64 deadline,address agent)";
    const p = AbiCoder.defaultAbiCoder();
    const tp = new Interface([`function f(${TUPLE} t)`]).getFunction("f")!.inputs[0];
    for (let i = 0; i < 300; i++) {
      const t = randomValue(tp) as Record<string, unknown>;
      const obj = Array.isArray(t)
        ? Object.fromEntries(tp.components!.map((c, j) => [c.name, (t as unknown[])[j]]))
        : t;
      expect(encodeTerms(obj as never)).to.equal(p.encode([TUPLE], [obj]));
    }
  });

  it("arguments ethers refuses or reads its own way: the hand encoder refuses them or writes ethers' bytes", function () {
    const dvpIface = new Interface(contracts.DeliveryVersusPayment__factory.abi);
    const dtIface = new Interface(contracts.DepositToken__factory.abi);
    const stIface = new Interface(contracts.SecurityToken__factory.abi);
    const addr = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const badAddresses: unknown[] = [
      addr.slice(0, -1),
      addr + "0",
      "0X" + addr.slice(2),
      addr.slice(2),
      addr.replace("C", "c"), // a mixed-case address with a wrong checksum
      "kessai.eth",
      "0x" + "g".repeat(40),
      Typed.address(addr),
      BigInt(addr),
      1,
      null,
      undefined,
      "",
    ];
    const badUints: unknown[] = [
      -1n,
      1n << 256n,
      1,
      "1",
      "0x01",
      1.5,
      true,
      Typed.uint256(1n),
      Typed.uint8(1),
      null,
      undefined,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
    ];
    const badBytes32: unknown[] = [
      "0x" + "ab".repeat(31),
      "0x" + "ab".repeat(33),
      "0x" + "zz".repeat(32),
      "ab".repeat(32),
      "0X" + "ab".repeat(32),
      Typed.bytes32("0x" + "ab".repeat(32)),
      new Uint8Array(32).fill(0xab),
      1n,
      "0x" + "a".repeat(63),
    ];
    const badBytes: unknown[] = [
      "0xabc",
      "0xzz",
      "abcd",
      "0XABCD",
      new Uint8Array([1, 2, 3]),
      Typed.bytes("0x0102"),
      1,
      "",
      null,
    ];
    const cases: [Interface, string, (v: unknown) => unknown[], unknown[]][] = [
      [dtIface, "issue", (v) => [v, 1n, "0x" + "00".repeat(32)], badAddresses],
      [dtIface, "issue", (v) => [addr, v, "0x" + "00".repeat(32)], badUints],
      [dtIface, "issue", (v) => [addr, 1n, v], badBytes32],
      [dtIface, "redeem", (v) => [v, "0x" + "00".repeat(32)], badUints],
      [stIface, "lock", (v) => [addr, 1n, v], badBytes],
      [stIface, "lock", (v) => [v, 1n, "0x"], badAddresses],
      [dvpIface, "affirm", (v) => [{ ...terms, seller: v }], badAddresses],
      [dvpIface, "affirm", (v) => [{ ...terms, amount: v }], badUints],
      [dvpIface, "affirm", (v) => [{ ...terms, deadline: v }], [...badUints, 1n << 64n]],
      [dvpIface, "affirm", (v) => [{ ...terms, id: v }], badBytes32],
      [dvpIface, "settleWithAuthorization", (v) => [terms, 1n, v], badBytes],
      [dvpIface, "settleWithAuthorization", (v) => [terms, v, "0x"], badUints],
      [
        dvpIface,
        "affirm",
        (v) => [v],
        [
          Object.values(terms).slice(1),
          [...Object.values(terms), 1n],
          { ...terms, agent: undefined },
          null,
          "0x",
        ],
      ],
    ];
    let n = 0;
    for (const [iface, name, args, values] of cases) {
      const f = iface.getFunction(name)!;
      const c = new BaseContract("0x" + "11".repeat(20), iface);
      for (const v of values) {
        const a = args(v);
        const theirs = outcome(() => iface.encodeFunctionData(f, a));
        expect(
          outcome(() => encodeCall(c, f, a)),
          `${name} ${String(v)}`,
        ).to.equal(theirs);
        const mine = handEncoded(f, a);
        if (mine !== undefined) expect(mine, `${name} ${String(v)}`).to.equal(theirs);
        n++;
      }
    }
    expect(n).to.be.greaterThan(100);
  });

  it("populateCall refuses what populateTransaction refuses and writes the same call otherwise", async function () {
    const dvp = contracts.DeliveryVersusPayment__factory.connect(
      "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    );
    const variants: unknown[] = [
      terms,
      { ...terms, seller: terms.seller.toLowerCase() },
      { ...terms, seller: "seller.eth" },
      { ...terms, amount: -1n },
      { ...terms, amount: 5 },
      { ...terms, deadline: 1n << 64n },
    ];
    for (const t of variants) {
      const theirs = await dvp.affirm.populateTransaction(t as never).then(
        (r) => r.data,
        () => "throws",
      );
      const mine = await populateCall(dvp, dvp.affirm, t as never).then(
        (r) => r.data,
        () => "throws",
      );
      expect(
        mine,
        JSON.stringify(t, (_k, x) => (typeof x === "bigint" ? `${x}` : x)),
      ).to.equal(theirs);
    }
  });

  it("every static output of every Kessai ABI and every static type: random words decode as ethers decodes them", function () {
    const synthetic = new Interface([
      "function a() view returns (address, bool, uint8, uint16, uint64, uint128, uint256, int8, int16, int64, int128, int256)",
      "function b() view returns (bytes1 x, bytes4 y, bytes20 z, bytes31 w, bytes32 v)",
      "function c() view returns ((address who, (bool ok, int24 tick, bytes3 tag) inner, uint40 at) r, uint256 n)",
      "function d() view returns (uint256 length, address)",
      "function e() view returns (uint256 x, uint256 x)",
    ]);
    const all: [string, Interface][] = [...interfaces, ["synthetic", synthetic]];
    let checked = 0;
    for (const [name, iface] of all) {
      const c = new BaseContract("0x" + "11".repeat(20), iface);
      iface.forEachFunction((f: FunctionFragment) => {
        if (f.outputs.length === 0) return;
        const words = f.outputs.reduce((s, p) => s + staticWords(p), 0);
        if (!Number.isFinite(words)) return; // a dynamic output: ethers decodes it
        for (let i = 0; i < 20; i++) {
          let body = "";
          for (let k = 0; k < words; k++) {
            const kind = int(5);
            body +=
              kind === 0
                ? hex(32) // garbage in every byte
                : kind === 1
                  ? hex(int(3)).padStart(64, "0") // small
                  : kind === 2
                    ? "f".repeat(64 - 2 * int(4)).padEnd(64, "0")
                    : kind === 3
                      ? hex(20).padStart(64, "0") // an address's word
                      : "0".repeat(63) + pick(["0", "1", "2"]);
          }
          const tail = pick(["", "", hex(32), hex(64)]); // trailing words: ethers ignores them
          let raw = "0x" + body + tail;
          if (rnd() < 0.2) raw = "0x" + raw.slice(2).toUpperCase();
          const theirs = decodeOutcome(() => iface.decodeFunctionResult(f, raw));
          const mine = decodeOutcome(() => decodeResult(c, f, raw));
          expect(mine, `${name}.${f.format()} ${raw}`).to.deep.equal(theirs);
          checked++;
        }
      });
    }
    expect(checked).to.be.greaterThan(300);
  });
});

describe("sdk: hand-decoded answers refuse what ethers refuses", function () {
  it("an answer whose length is not a whole number of words is BAD_DATA, as in ethers", function () {
    const iface = new Interface(contracts.DeliveryVersusPayment__factory.abi);
    const c = new BaseContract("0x" + "11".repeat(20), iface);
    const f = iface.getFunction("DEFAULT_ADMIN_ROLE")!;
    for (const extra of ["00", "ab".repeat(16), "ff".repeat(31)]) {
      const raw = "0x" + "cd".repeat(32) + extra;
      expect(() => iface.decodeFunctionResult(f, raw)).to.throw(/invalid length for result data/);
      expect(() => decodeResult(c, f, raw), `${extra.length / 2} trailing bytes`).to.throw(
        /invalid length for result data/,
      );
    }
  });
});

/** Words of a static output; Infinity when it is dynamic. */
function staticWords(p: ParamType): number {
  if (p.baseType === "tuple") return p.components!.reduce((s, c) => s + staticWords(c), 0);
  if (p.baseType === "array" || p.type === "bytes" || p.type === "string") return Infinity;
  return 1;
}
