import { ZeroAddress, ZeroHash, getAddress, isHexString } from "ethers";
import {
  InvalidAddressError,
  InvalidAmountError,
  InvalidBatchError,
  InvalidDeadlineError,
  InvalidParameterError,
  InvalidSettlementIdError,
} from "../errors/input.js";
import { toBankReference } from "./reference.js";

/**
 * An integer amount as the SDK accepts it: a `bigint` only. A `number` loses precision above
 * 2^53 and a string hides typos, so both are refused with {@link InvalidAmountError}; parse text
 * with `parseAmount`.
 */
export type AmountLike = bigint;

const UINT256_MAX = (1n << 256n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Spellings already checked (exact input string -> checksummed address). Only inputs that
 * passed `getAddress` are stored, so a bad checksum is refused every time; bounded.
 */
const checksummed = new Map<string, string>();
const CHECKSUM_CACHE_SIZE = 4096;

/**
 * @internal ethers' `getAddress(value)` (the checksummed address; throws as it throws), with the
 * spellings already checked kept: the same few addresses (the parties, the deployment) are
 * checksummed many times per trade, a keccak256 each.
 */
export function checksumAddress(value: string): string {
  let a = checksummed.get(value);
  if (a === undefined) {
    a = getAddress(value);
    if (checksummed.size >= CHECKSUM_CACHE_SIZE) checksummed.clear();
    checksummed.set(value, a);
  }
  return a;
}

/**
 * Validates an address, as every SDK action does with its address parameters and the `kessai`
 * CLI with its address flags: 0x + 40 hex digits, with a valid checksum when mixed-case, not the
 * zero address unless `allowZero`.
 *
 * @param value The address.
 * @param field Named in the error, e.g. `terms.seller` or `--to`.
 * @returns The checksummed address.
 * @throws {@link InvalidAddressError} with `field` and `value`.
 */
export function toAddress(
  value: unknown,
  field: string,
  opts: { allowZero?: boolean } = {},
): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new InvalidAddressError(field, value);
  }
  let a: string;
  try {
    a = checksumAddress(value);
  } catch {
    throw new InvalidAddressError(field, value, "has a bad checksum");
  }
  if (!opts.allowZero && a === ZeroAddress)
    throw new InvalidAddressError(field, value, "must not be the zero address");
  return a;
}

/**
 * Validates an amount, as every SDK action does: a uint256 given as a `bigint`; refuses any
 * other type (a `number`, a numeric string: parse text with `parseAmount`), negative
 * values, values above `max` (default 2^256 - 1) and zero unless `allowZero`.
 *
 * @param value The amount.
 * @param field Named in the error, e.g. `amount`.
 * @returns The amount.
 * @throws {@link InvalidAmountError} with `field` and `value`.
 */
export function toAmount(
  value: unknown,
  field: string,
  opts: { allowZero?: boolean; max?: bigint } = {},
): bigint {
  if (typeof value !== "bigint") {
    throw new InvalidAmountError(
      field,
      value,
      typeof value === "number"
        ? "must be a bigint (e.g. 1000n), not a number"
        : typeof value === "string"
          ? "must be a bigint (e.g. 1000n), not a string: parse text with parseAmount"
          : "must be a bigint",
    );
  }
  const reason = amountRangeError(value, opts);
  if (reason) throw new InvalidAmountError(field, value, reason);
  return value;
}

/** Why `v` is out of range for an amount (negative, above `max`, zero), or undefined. */
export function amountRangeError(
  v: bigint,
  opts: { allowZero?: boolean; max?: bigint } = {},
): string | undefined {
  if (v < 0n) return "must not be negative";
  if (v > (opts.max ?? UINT256_MAX)) return "is too large";
  if (v === 0n && !opts.allowZero) return "must be greater than zero";
  return undefined;
}

/**
 * A reference as bytes32: 0x + 64 hex digits as is, or a text of at most 31 UTF-8 bytes as a
 * bytes32 string (see `toBankReference`, the one convention of the SDK and the CLI). Zero is
 * refused unless `allowZero`.
 */
export function toReference(
  value: unknown,
  field: string,
  opts: { allowZero?: boolean } = {},
): string {
  return toBankReference(value as string, field, opts);
}

/**
 * Validates a secp256k1 private key: 32 bytes of hex (with or without `0x`), non-zero and below
 * the curve order. The key never appears in the error (its `value` is `<redacted>`).
 *
 * @param value The key.
 * @param field Named in the error, e.g. `privateKey` or `--key`.
 * @returns The key as 0x-prefixed hex.
 * @throws {@link InvalidParameterError}.
 */
export function toPrivateKey(value: unknown, field = "privateKey"): string {
  const hex = typeof value === "string" && !value.startsWith("0x") ? `0x${value}` : value;
  if (typeof hex !== "string" || !isHexString(hex, 32)) {
    throw new InvalidParameterError(field, "<redacted>", "must be a 32-byte hex private key");
  }
  const k = BigInt(hex);
  if (k === 0n || k >= SECP256K1_N) {
    throw new InvalidParameterError(field, "<redacted>", "is not a valid secp256k1 private key");
  }
  return hex;
}

/**
 * Validates a settlement ID: a non-zero bytes32 as 0x + 64 hex digits.
 *
 * @param value The ID.
 * @param field Named in the error, e.g. `terms.id` or `--id`.
 * @returns The ID, lower-cased.
 * @throws {@link InvalidSettlementIdError} with `field` and `value`.
 */
export function toSettlementId(value: unknown, field = "id"): string {
  if (typeof value !== "string" || !isHexString(value, 32) || BigInt(value) === 0n) {
    throw new InvalidSettlementIdError(field, value);
  }
  return value.toLowerCase();
}

/**
 * Validates a deadline or expiry: a unix time in seconds (a `bigint`, a safe-integer `number` or
 * a `Date`) that is positive and fits uint64; with `future`, after `now`. Text is parsed with
 * `parseUnixTime`.
 *
 * @param value The time.
 * @param field Named in the error, e.g. `terms.deadline`.
 * @returns The unix time in seconds.
 * @throws {@link InvalidDeadlineError} with `field` and `value`.
 */
export function toDeadline(
  value: unknown,
  field: string,
  opts: { now?: bigint; future?: boolean } = {},
): bigint {
  let v: bigint;
  if (value instanceof Date) v = BigInt(Math.floor(value.getTime() / 1000));
  else if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
  else throw new InvalidDeadlineError(field, value);
  if (v <= 0n || v > UINT64_MAX)
    throw new InvalidDeadlineError(field, value, "must be a positive uint64 unix time");
  if (opts.future && opts.now !== undefined && v <= opts.now) {
    throw new InvalidDeadlineError(
      field,
      value,
      `must be after the current block time ${opts.now}`,
    );
  }
  return v;
}

/**
 * Validates an optional expiry: `undefined`, `0` and `0n` are none (0); anything else is a
 * {@link toDeadline}.
 *
 * @throws {@link InvalidDeadlineError} with `field` and `value`.
 */
export function toExpiry(value: unknown, field: string): bigint {
  return value === undefined || value === 0 || value === 0n ? 0n : toDeadline(value, field);
}

/** A hex byte string (default "0x"). */
export function toBytes(value: unknown, field: string): string {
  if (value === undefined) return "0x";
  if (typeof value !== "string" || !isHexString(value))
    throw new InvalidParameterError(field, value, "must be hex bytes");
  return value;
}

/** A boolean switch. */
export function toBool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean")
    throw new InvalidParameterError(field, value, "must be a boolean");
  return value;
}

/** Arrays of equal, non-zero length. */
export function sameLength(field: string, ...arrays: readonly unknown[][]): number {
  const n = arrays[0]?.length ?? 0;
  if (!arrays.every((a) => Array.isArray(a)))
    throw new InvalidBatchError(field, arrays, "must be arrays");
  if (n === 0) throw new InvalidBatchError(field, arrays, "must not be empty");
  if (arrays.some((a) => a.length !== n)) {
    throw new InvalidBatchError(
      field,
      arrays,
      `lengths differ (${arrays.map((a) => a.length).join(", ")})`,
    );
  }
  return n;
}

/** A non-negative block number (or undefined). */
export function toBlock(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "bigint" && value >= 0n) return Number(value);
  throw new InvalidParameterError(field, value, "must be a non-negative block number");
}

/**
 * A transfer authorization as an action accepts it: `true` (the signer signs one now, with
 * `sign`), or one signed beforehand, `{ validBefore: bigint, signature: string }`; anything else
 * is refused with {@link InvalidParameterError} on `authorization`.
 */
export async function toAuthorization<A extends { validBefore: bigint; signature: string }>(
  value: true | A,
  sign: () => Promise<A>,
): Promise<A> {
  if (value === true) return sign();
  if (
    typeof value === "object" &&
    value !== null &&
    typeof value.validBefore === "bigint" &&
    typeof value.signature === "string"
  )
    return value;
  throw new InvalidParameterError(
    "authorization",
    value,
    "must be true or { validBefore: bigint, signature: string }",
  );
}
