import { type ParamType } from "ethers";
import { checksumAddress } from "./validate.js";

// ABI words written by hand, as ethers' coder writes them, for the usual values (addresses,
// bytes32, unsigned integers, booleans, structs of them); undefined where ethers should encode.

/** A 32-byte ABI word holding `n`, as 64 hex digits. */
export const word = (n: number) => n.toString(16).padStart(64, "0");

export const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_WORD = /^0x[0-9a-fA-F]{64}$/;

function checksummed(v: string): boolean {
  try {
    return checksumAddress(v) === v;
  } catch {
    return false;
  }
}

const UINT_BITS = /^uint(\d+)$/;
export const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** One argument of a static type as its ABI word, or undefined when ethers should encode it. */
function staticWord(type: string, v: unknown): string | undefined {
  if (type === "address" && typeof v === "string" && HEX_ADDRESS.test(v)) {
    const lower = v.toLowerCase();
    // a mixed-case address must carry its checksum (ethers' rule)
    if (v !== lower && v !== "0x" + v.slice(2).toUpperCase() && !checksummed(v)) return;
    return lower.slice(2).padStart(64, "0");
  }
  if (type === "bytes32" && typeof v === "string" && HEX_WORD.test(v))
    return v.slice(2).toLowerCase();
  if (typeof v === "bigint") {
    const m = UINT_BITS.exec(type);
    if (m && v >= 0n && v < 1n << BigInt(Number(m[1]))) return v.toString(16).padStart(64, "0");
    return undefined;
  }
  if (type === "bool" && typeof v === "boolean") return v ? "1".padStart(64, "0") : "0".repeat(64);
  return undefined;
}

/**
 * `v` as the words of `p` laid out in place: a static elementary type, or a tuple of them given
 * as an array or as an object by component name (as ethers takes a struct); undefined otherwise.
 */
export function staticWords(p: ParamType, v: unknown): string | undefined {
  if (p.baseType !== "tuple") return staticWord(p.type, v);
  const cs = p.components;
  if (!cs || v === null || typeof v !== "object") return undefined;
  const positional = Array.isArray(v);
  if (positional && v.length !== cs.length) return undefined;
  let out = "";
  for (let i = 0; i < cs.length; i++) {
    if (!positional && !cs[i].name) return undefined;
    const item = positional ? v[i] : (v as Record<string, unknown>)[cs[i].name];
    const w = staticWords(cs[i], item);
    if (w === undefined) return undefined;
    out += w;
  }
  return out;
}
