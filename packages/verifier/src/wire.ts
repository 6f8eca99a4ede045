/**
 * The verifier's hot path on the wire: its ledgers' events read into the inbox's payloads, and the
 * call data of its sends, written out by hand for the shapes the ledgers use and by ethers for
 * anything else (same results, same errors), since ethers checksums every address of the terms
 * each time (a Keccak-256 each), as costly as the rest of a settlement's work.
 */
import { getAddress, type Interface, type Log } from "ethers";
import { TERMS_FIELDS, termsToJson, toTerms, type TermsJson } from "./terms.js";

/** The JSON kept in the inbox for one event. */
export interface EventPayload {
  name: string;
  id: string;
  terms?: TermsJson;
}

/** The inbox's payload of one event parsed by ethers (its ID, and its terms if it has them). */
export function eventPayload(name: string, args: Record<string, unknown>): EventPayload {
  const p: EventPayload = { name, id: String(args.id).toLowerCase() };
  if (args.terms)
    p.terms = termsToJson(
      toTerms((args.terms as { toObject(): Record<string, unknown> }).toObject()),
    );
  return p;
}

/** The events of a set by topic hash, per interface (computed once: ethers hashes per lookup). */
type Shape = { name: string; topics: number; words: number };
const watchedTopics = new WeakMap<Interface, WeakMap<ReadonlySet<string>, Map<string, Shape>>>();

/**
 * The inbox's payload of `log` when it is one of the events `names` of `iface`, else undefined.
 * The events with terms (`DeliveryRegistered`, `PaymentInstructed`: `termsHash` and the thirteen
 * static words of the terms in `data`) are read word by word, addresses checksummed through a
 * cache (the same parties, ledgers and tokens recur); anything else, or data of another shape,
 * goes through ethers' `parseLog`, which gives the same payload.
 */
export function watchedEvent(
  names: ReadonlySet<string>,
  iface: Interface,
  log: Log,
): EventPayload | undefined {
  let bySet = watchedTopics.get(iface);
  if (!bySet) watchedTopics.set(iface, (bySet = new WeakMap()));
  let topics = bySet.get(names);
  if (!topics) {
    topics = new Map();
    for (const name of names) {
      const e = iface.getEvent(name)!;
      const indexed = e.inputs.filter((i) => i.indexed).length;
      const words = e.inputs.length - indexed;
      topics.set(e.topicHash, { name, topics: 1 + indexed, words });
    }
    bySet.set(names, topics);
  }
  const shape = topics.get((log.topics[0] ?? "").toLowerCase());
  if (!shape) return undefined;
  const name = shape.name;
  const id = log.topics[1];
  const hasTerms = name === "DeliveryRegistered" || name === "PaymentInstructed";
  const dataWords = hasTerms ? 1 + TERMS_FIELDS.length : shape.words;
  if (id && log.topics.length === shape.topics && log.data.length === 2 + 64 * dataWords) {
    const p: EventPayload = { name, id: id.toLowerCase() };
    if (!hasTerms) return p;
    const terms = {} as Record<string, string>;
    for (const [i, f] of TERMS_FIELDS.entries()) {
      const word = log.data.slice(2 + 64 * (1 + i), 2 + 64 * (2 + i));
      if (f.type === "bytes32") terms[f.name] = "0x" + word.toLowerCase();
      else if (f.type === "address") {
        if (!/^0{24}[0-9a-fA-F]{40}$/.test(word)) return parsedEvent(iface, log);
        terms[f.name] = checksummed("0x" + word.slice(24).toLowerCase());
      } else {
        const v = BigInt("0x" + word);
        if (f.type === "uint64" && v >= 1n << 64n) return parsedEvent(iface, log);
        terms[f.name] = v.toString();
      }
    }
    p.terms = terms as TermsJson;
    return p;
  }
  return parsedEvent(iface, log);
}

function parsedEvent(iface: Interface, log: Log): EventPayload | undefined {
  const parsed = iface.parseLog(log);
  return parsed
    ? eventPayload(parsed.name, parsed.args as unknown as Record<string, unknown>)
    : undefined;
}

/** Per interface and function: its selector, and 1 or 2 for the shapes written out (else 0). */
const selectors = new WeakMap<Interface, Map<string, { selector: string; arity: number }>>();
const HEX_WORD = /^0x[0-9a-fA-F]{64}$/;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * The call data of a ledger function taking the terms and, for all but `refund`, a signature
 * (`pay`, `refuse`, `refund`, `deliver`, `returnToSeller`), as `encodeFunctionData` gives it: the
 * terms are thirteen static words, then the offset, length and padded bytes of the signature.
 * Written out by hand (the selector looked up once): ethers checksums every address of the terms
 * on the way, as costly as the rest of a send's encoding. Arguments of any other shape go through
 * ethers, with its errors.
 */
export function encodeTermsCall(iface: Interface, fn: string, args: unknown[]): string {
  let byFn = selectors.get(iface);
  if (!byFn) selectors.set(iface, (byFn = new Map()));
  let known = byFn.get(fn);
  if (known === undefined) {
    const f = iface.getFunction(fn)!;
    const shape = f.inputs.map((i) => i.format("sighash")).join(",");
    const terms = `(${TERMS_FIELDS.map((x) => x.type).join(",")})`;
    // Only the two shapes written out below; any other function is encoded by ethers.
    const arity = shape === terms ? 1 : shape === `${terms},bytes` ? 2 : 0;
    byFn.set(fn, (known = { selector: f.selector, arity }));
  }
  const [t, sig] = args;
  const words = args.length === known.arity ? termsWords(t) : undefined;
  if (!words || (known.arity === 2 && (typeof sig !== "string" || !HEX_BYTES.test(sig))))
    return iface.encodeFunctionData(fn, args);
  if (known.arity === 1) return known.selector + words;
  const hex = (sig as string).slice(2).toLowerCase();
  const length = (hex.length / 2).toString(16).padStart(64, "0");
  const offset = (32 * (TERMS_FIELDS.length + 1)).toString(16).padStart(64, "0");
  const padded = hex.padEnd(Math.ceil(hex.length / 64) * 64, "0");
  return known.selector + words + offset + length + padded;
}

/** The terms' thirteen ABI words (hex, no 0x), or undefined when a field is not in its usual form. */
function termsWords(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const t = value as Record<string, unknown>;
  let out = "";
  for (const f of TERMS_FIELDS) {
    const v = t[f.name];
    if (f.type === "bytes32") {
      if (typeof v !== "string" || !HEX_WORD.test(v)) return undefined;
      out += v.slice(2).toLowerCase();
    } else if (f.type === "address") {
      // A mixed-case address must carry its checksum (ethers' rule).
      if (typeof v !== "string" || !HEX_ADDRESS.test(v)) return undefined;
      const lower = v.toLowerCase();
      if (v !== lower && v !== "0x" + v.slice(2).toUpperCase() && checksummed(lower) !== v)
        return undefined;
      out += lower.slice(2).padStart(64, "0");
    } else {
      const bits = f.type === "uint64" ? 64n : 256n;
      if (typeof v !== "bigint" || v < 0n || v >= 1n << bits) return undefined;
      out += v.toString(16).padStart(64, "0");
    }
  }
  return out;
}

const checksums = new Map<string, string>();

/** `getAddress` of a lower-case address, cached (bounded: cleared when it grows large). */
function checksummed(lower: string): string {
  let a = checksums.get(lower);
  if (a === undefined) {
    if (checksums.size >= 10_000) checksums.clear();
    checksums.set(lower, (a = getAddress(lower)));
  }
  return a;
}
