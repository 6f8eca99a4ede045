import { AbiCoder, Interface, isHexString, type ErrorDescription } from "ethers";
import { CONTRACT_ERRORS, ERROR_ABI } from "../generated/errors.js";
import { KessaiError } from "./base.js";
import {
  ContractError,
  ContractPanicError,
  ContractRevertedError,
  UnknownContractError,
  type ContractErrorOptions,
} from "./contract.js";
import { NonceError, TransactionFailedError } from "./transaction.js";
import { NetworkError, NodeError } from "./transport.js";

let iface: Interface | undefined;
/** An ethers Interface holding every custom error of every contract ABI. */
export function errorInterface(): Interface {
  iface ??= new Interface(ERROR_ABI as unknown as string);
  return iface;
}

type ErrorClass = new (args: never, options?: ContractErrorOptions) => ContractError<object>;

/** Decodes raw revert data into its typed error class (never throws). */
export function decodeRevertData(
  data: string,
  options: ContractErrorOptions = {},
): ContractError<object> {
  const opts = { ...options, data };
  if (!isHexString(data) || data.length < 10) return new UnknownContractError(data ?? "0x", opts);
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === "0x08c379a0") {
      const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], "0x" + data.slice(10));
      return new ContractRevertedError(reason as string, opts);
    }
    if (selector === "0x4e487b71") {
      const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], "0x" + data.slice(10));
      return new ContractPanicError(code as bigint, opts);
    }
    const Cls = (CONTRACT_ERRORS as Record<string, ErrorClass>)[selector];
    if (!Cls) return new UnknownContractError(data, opts);
    const desc = errorInterface().parseError(data) as ErrorDescription;
    const args: Record<string, unknown> = {};
    desc.fragment.inputs.forEach((p, i) => {
      args[p.name || `arg${i}`] = toPlain(desc.args[i]);
    });
    return new Cls(args as never, opts);
  } catch {
    return new UnknownContractError(data, opts);
  }
}

/**
 * Converts ethers `Result` objects (decoded structs, tuples and arrays: event and error
 * arguments, call results) to plain values, recursively: named structs become objects, unnamed
 * tuples and arrays become arrays; other values pass unchanged. The decoded `args` of every
 * contract error are converted this way; the `kessai watch` command prints event arguments so.
 *
 * @param v A decoded value.
 * @returns The same value without ethers' `Result` wrappers.
 */
export function toPlain(v: unknown): unknown {
  if (v && typeof v === "object" && typeof (v as { toObject?: unknown }).toObject === "function") {
    const r = v as { toObject(): Record<string, unknown>; toArray(): unknown[] };
    try {
      const o = r.toObject();
      if (Object.keys(o).every((k) => k !== "")) {
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, toPlain(x)]));
      }
    } catch {
      /* unnamed tuple: fall through */
    }
    return r.toArray().map(toPlain);
  }
  return v;
}

/** Finds revert data in an ethers / Hardhat / JSON-RPC error, wherever the layer put it. */
export function findRevertData(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length) {
    const e = stack.pop();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    const d = o.data;
    if (typeof d === "string" && isHexString(d) && d.length >= 10) return d;
    if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string") {
      const dd = (d as { data: string }).data;
      if (isHexString(dd) && dd.length >= 10) return dd;
    }
    for (const k of ["error", "info", "cause", "revert", "payload", "originalError", "parent"]) {
      if (o[k] && typeof o[k] === "object") stack.push(o[k]);
    }
  }
  return undefined;
}

/** Finds the hash of a mined transaction in an error (Hardhat reports it for in-block reverts). */
export function findTxHash(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; e && typeof e === "object" && i < 8; i++) {
    const o = e as Record<string, unknown>;
    for (const h of [o.transactionHash, (o.receipt as { hash?: unknown } | undefined)?.hash]) {
      if (typeof h === "string" && isHexString(h, 32)) return h;
    }
    e = o.cause ?? o.error ?? o.info;
  }
  return undefined;
}

function code(err: unknown): string | undefined {
  return (err as { code?: string })?.code;
}
function text(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(err);
}

/** A JSON-RPC error object (`{ code, message }`) and the method it answered, when known. */
export interface RpcErrorInfo {
  code: number;
  message: string;
  method: string | undefined;
}

/**
 * Finds the node's JSON-RPC error object in an ethers / Hardhat error (ethers keeps it in
 * `info.error` or `error`, with the request in `payload`; Hardhat's provider errors carry a
 * numeric `code` themselves).
 */
export function findRpcError(err: unknown): RpcErrorInfo | undefined {
  const seen = new Set<unknown>();
  const stack: { e: unknown; method: string | undefined }[] = [{ e: err, method: undefined }];
  while (stack.length) {
    const { e, method: m } = stack.shift()!;
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as Record<string, unknown>;
    const payload = (o.payload ?? (o.info as Record<string, unknown> | undefined)?.payload) as
      { method?: unknown } | undefined;
    const method = typeof payload?.method === "string" ? payload.method : m;
    if (typeof o.code === "number" && typeof o.message === "string" && Number.isInteger(o.code))
      return { code: o.code, message: o.message, method };
    for (const k of ["error", "info", "cause", "originalError", "parent"]) {
      if (o[k] && typeof o[k] === "object") stack.push({ e: o[k], method });
    }
  }
  return undefined;
}

/** Node-side failures that are never a contract's answer (codes per EIP-1474 and geth). */
const NODE_CODES = new Set([-32700, -32600, -32601, -32602, -32603, -32004, -32005, -32006]);
const NODE_MESSAGE_RE =
  /block.*(out of range|not found)|header not found|missing trie node|unknown block|pruned|historical state|state.*not available|not supported|does not exist|invalid block/i;

/** True when a JSON-RPC error reports a revert (EIP-1474 code 3, or a message saying so). */
function isRevertRpcError(e: RpcErrorInfo): boolean {
  return e.code === 3 || /revert/i.test(e.message);
}

const NONCE_RE =
  /nonce (too low|too high|has already been used)|invalid nonce|replacement (transaction )?underpriced|already known|known transaction/i;
const NETWORK_RE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|fetch failed|socket hang up|network error|could not detect network|request timeout/i;

/**
 * The message of an EIP-1193 provider's own failure (e.g. `connect ECONNREFUSED`), which ethers'
 * `BrowserProvider` keeps only as `{ code, message }`: as `error` of an UNKNOWN_ERROR "could not
 * coalesce error", as `info.error` of the CALL_EXCEPTION "missing revert data" it makes of an
 * `eth_call`; "" when there is none.
 */
function providerMessage(err: unknown): string {
  type Inner = { message?: unknown } | undefined;
  const e = err as { error?: Inner; info?: { error?: Inner } } | undefined;
  const m = e?.error?.message ?? e?.info?.error?.message;
  return typeof m === "string" ? m : "";
}

/**
 * EIP-1193's codes for a provider cut off from its chain: 4900 Disconnected, 4901 Chain
 * Disconnected (kept by ethers where {@link providerMessage} finds the message).
 */
const DISCONNECTED_CODES = new Set<unknown>([4900, 4901]);

/** The code of the EIP-1193 provider's own failure ({@link providerMessage}), if any. */
function providerCode(err: unknown): unknown {
  type Inner = { code?: unknown } | undefined;
  const e = err as { error?: Inner; info?: { error?: Inner } } | undefined;
  return e?.error?.code ?? e?.info?.error?.code;
}

/**
 * Turns anything thrown by ethers, Hardhat or a JSON-RPC node into a {@link KessaiError}:
 * revert data → the generated contract error class; nonce refusals → {@link NonceError};
 * transport failures → {@link NetworkError}; a node's own JSON-RPC error (block out of range,
 * missing state, unsupported method, internal error; also when ethers reports it as a call
 * exception) → {@link NodeError}; a revert without data (the same on every provider: a node's
 * answer through ethers, or the in-process Hardhat provider's error with the revert code 3) →
 * {@link UnknownContractError} with data `0x`; the rest → {@link TransactionFailedError}.
 */
export function toKessaiError(err: unknown, options: ContractErrorOptions = {}): KessaiError {
  if (err instanceof KessaiError) return err;
  const txHash = options.txHash ?? findTxHash(err);
  if (txHash) options = { ...options, txHash };
  const data = findRevertData(err);
  if (data) return decodeRevertData(data, { ...options, cause: err });
  const c = code(err);
  const msg = text(err);
  if (c === "NONCE_EXPIRED" || c === "REPLACEMENT_UNDERPRICED" || NONCE_RE.test(msg)) {
    return new NonceError(
      options.sender ?? "?",
      (err as { transaction?: { nonce?: number } }).transaction?.nonce,
      { cause: err },
    );
  }
  if (
    c === "NETWORK_ERROR" ||
    c === "TIMEOUT" ||
    c === "SERVER_ERROR" ||
    NETWORK_RE.test(msg) ||
    ((c === "UNKNOWN_ERROR" || c === "CALL_EXCEPTION") &&
      (NETWORK_RE.test(providerMessage(err)) || DISCONNECTED_CODES.has(providerCode(err))))
  ) {
    return new NetworkError(
      `JSON-RPC request failed${options.action ? ` during ${options.action}` : ""}`,
      { cause: err },
    );
  }
  // ethers turns every error of eth_call / eth_estimateGas into CALL_EXCEPTION, even a node's
  // "block out of range": only a revert is a contract's answer.
  const rpc = findRpcError(err);
  if (rpc && !isRevertRpcError(rpc)) {
    if (c === "CALL_EXCEPTION" || NODE_CODES.has(rpc.code) || NODE_MESSAGE_RE.test(rpc.message)) {
      return new NodeError(rpc.code, rpc.message, rpc.method, {
        cause: err,
        action: options.action,
      });
    }
  }
  // A revert without data, however the provider puts it: ethers' CALL_EXCEPTION "missing revert
  // data" (a JSON-RPC node: hardhat node, anvil), or the in-process provider's own error with the
  // JSON-RPC revert code 3 and a message of its own ("Transaction reverted without a reason
  // string", the message in `err.message` with no ethers `code` of its kind).
  if (c === "CALL_EXCEPTION" || (rpc && isRevertRpcError(rpc))) {
    return new UnknownContractError("0x", { ...options, cause: err });
  }
  if (/revert/i.test(msg) && !c) {
    return new UnknownContractError("0x", { ...options, cause: err });
  }
  return new TransactionFailedError(
    `Transaction failed${options.action ? ` during ${options.action}` : ""}: ${msg.split("\n")[0]}`,
    options.txHash ?? (err as { receipt?: { hash?: string } }).receipt?.hash,
    { cause: err },
  );
}
