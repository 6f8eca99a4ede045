import { Result, type BaseContract, type FunctionFragment, type ParamType } from "ethers";

import { HEX_DATA, staticWords, word } from "../utils/abiWords.js";
import { checksumAddress } from "../utils/validate.js";

// Call data and answers of the usual calls, written and read word by word: ethers' coder builds
// its coders from the types on every call, checks and copies every value, several times the
// work of the words themselves on a local network. Anything else is left to ethers.

const selectors = new WeakMap<FunctionFragment, string>();
/**
 * The call data of `fragment` with `args`, as `encodeFunctionData` makes it: written out by hand
 * when every argument is an address, a bytes32, a uintN or a bool given in its usual form, a
 * struct of those, or `bytes` given as hex (the selector computed once per fragment), otherwise
 * by ethers, with ethers' errors.
 */
export function encodeCall(
  contract: BaseContract,
  fragment: FunctionFragment,
  args: readonly unknown[],
): string {
  return handEncoded(fragment, args) ?? contract.interface.encodeFunctionData(fragment, args);
}

/** {@link encodeCall}'s hand-written call data, or undefined where ethers should encode it. */
export function handEncoded(
  fragment: FunctionFragment,
  args: readonly unknown[],
): string | undefined {
  const inputs = fragment.inputs;
  if (args.length !== inputs.length) return undefined;
  let selector = selectors.get(fragment);
  if (selector === undefined) selectors.set(fragment, (selector = fragment.selector));
  const heads: (string | undefined)[] = [];
  const tails: string[] = [];
  let headBytes = 0;
  for (let i = 0; i < args.length; i++) {
    const p = inputs[i];
    if (p.type === "bytes") {
      const v = args[i];
      if (typeof v !== "string" || !HEX_DATA.test(v)) return undefined;
      const hex = v.slice(2).toLowerCase();
      tails.push(word(hex.length / 2) + hex.padEnd(Math.ceil(hex.length / 64) * 64, "0"));
      heads.push(undefined); // its offset, once the heads' size is known
      headBytes += 32;
      continue;
    }
    const w = staticWords(p, args[i]);
    if (w === undefined) return undefined;
    heads.push(w);
    headBytes += w.length / 2;
  }
  let out = selector;
  let offset = headBytes;
  let t = 0;
  for (const h of heads) {
    if (h !== undefined) out += h;
    else {
      out += word(offset);
      offset += tails[t++].length / 2;
    }
  }
  return out + tails.join("");
}

/** Reads one value from 64-hex-digit word `at` of `hex` (no 0x); undefined to leave it to ethers. */
type WordReader = (hex: string, at: number) => unknown;

/** A decoder of a function's outputs, or null when one of them is dynamic (ethers decodes). */
type Decoder = { words: number; read: (hex: string, at: number) => Result | undefined };

const decoders = new WeakMap<FunctionFragment, Decoder | null>();

const UINT_RE = /^uint(\d+)$/;
const INT_RE = /^int(\d+)$/;
const BYTES_RE = /^bytes(\d+)$/;
const ADDRESS_HIGH = "0".repeat(24);

/** The reader of one static elementary type, as ethers' coders decode it; undefined if not one. */
function wordReader(type: string): WordReader | undefined {
  if (type === "address")
    // ethers refuses a word above 20 bytes (toBeHex), and checksums the address
    return (hex, at) =>
      hex.startsWith(ADDRESS_HIGH, at)
        ? checksumAddress("0x" + hex.slice(at + 24, at + 64))
        : undefined;
  if (type === "bool") return (hex, at) => BigInt("0x" + hex.slice(at, at + 64)) !== 0n;
  let m = UINT_RE.exec(type);
  if (m) {
    // ethers masks the word to the type's width
    const mask = (1n << BigInt(Number(m[1]))) - 1n;
    return (hex, at) => BigInt("0x" + hex.slice(at, at + 64)) & mask;
  }
  if ((m = INT_RE.exec(type))) {
    const bits = BigInt(Number(m[1]));
    const mask = (1n << bits) - 1n;
    const top = 1n << (bits - 1n);
    return (hex, at) => {
      const v = BigInt("0x" + hex.slice(at, at + 64)) & mask;
      return v & top ? v - (mask + 1n) : v;
    };
  }
  if ((m = BYTES_RE.exec(type))) {
    const digits = 2 * Number(m[1]);
    return (hex, at) => "0x" + hex.slice(at, at + digits).toLowerCase();
  }
  return undefined;
}

/**
 * The decoder of `params` laid out in place (static types, static tuples of them), giving the
 * `Result` ethers' coder gives (values in order, named by the parameters' names); null when a
 * parameter is of another kind (dynamic, an array).
 */
function compile(params: readonly ParamType[]): Decoder | null {
  const parts: { words: number; read: (hex: string, at: number) => unknown }[] = [];
  for (const p of params) {
    if (p.baseType === "tuple") {
      const inner = compile(p.components ?? []);
      if (!inner) return null;
      parts.push(inner);
      continue;
    }
    const read = wordReader(p.type);
    if (!read) return null;
    parts.push({ words: 1, read });
  }
  const keys = params.map((p) => p.name || null);
  const words = parts.reduce((n, p) => n + p.words, 0);
  return {
    words,
    read: (hex, at) => {
      const values: unknown[] = [];
      let w = at;
      for (const part of parts) {
        const v = part.read(hex, w);
        if (v === undefined) return undefined;
        values.push(v);
        w += part.words * 64;
      }
      return Result.fromItems(values, keys);
    },
  };
}

/**
 * The result of `fragment` from the answer `raw` of its call, as
 * `contract.interface.decodeFunctionResult(fragment, raw)` gives it: read word by word when every
 * output is a static elementary type or a tuple of them (the reads' answers: states, amounts,
 * addresses, records), otherwise, or when the answer is short or not what ethers would accept, by
 * ethers with ethers' errors. Ethers' coder builds its coders from the types on every call and
 * copies the bytes a word at a time, several times the work of reading the words.
 */
export function decodeResult(
  contract: BaseContract,
  fragment: FunctionFragment,
  raw: string,
): Result {
  let d = decoders.get(fragment);
  if (d === undefined) decoders.set(fragment, (d = compile(fragment.outputs)));
  if (
    d &&
    d.words > 0 &&
    raw.length >= 2 + 64 * d.words &&
    (raw.length - 2) % 64 === 0 && // whole words, or ethers' BAD_DATA below
    /^0x[0-9a-fA-F]*$/.test(raw)
  ) {
    const r = d.read(raw.slice(2), 0);
    if (r) return r;
  }
  return contract.interface.decodeFunctionResult(fragment, raw);
}
