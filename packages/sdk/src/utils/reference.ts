import { ZeroHash, decodeBytes32String, encodeBytes32String, keccak256, toUtf8Bytes } from "ethers";
import {
  InvalidReferenceError,
  InvalidSettlementIdError,
  ReferenceTooLongError,
} from "../errors/input.js";

/** Options of {@link toBankReference}. */
export interface BankReferenceOptions {
  /** Accept the zero reference (reason codes, investor references). Default: refused. */
  allowZero?: boolean;
}

/** Control characters (C0, DEL, C1): never part of a text reference. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Longest text reference in UTF-8 bytes: one byte of the 32 is left for the terminating zero. */
export const MAX_REFERENCE_TEXT_BYTES = 31;

/**
 * The one reference convention of the SDK and the `kessai` CLI: turns a reference as a person
 * writes it into the bytes32 the contracts store.
 *
 * - `0x` followed by exactly 64 hex digits: used as is (lower-cased).
 * - Any other text: its UTF-8 bytes, left-aligned and zero-padded to 32 bytes (a "bytes32
 *   string": `ethers.encodeBytes32String`, Solidity's `bytes32("DEBIT-0001")`). At most 31 bytes
 *   ({@link MAX_REFERENCE_TEXT_BYTES}), so the bank reads the text back from any `Issued` or
 *   `Redeemed` event with {@link referenceText}. Longer text is refused
 *   ({@link ReferenceTooLongError}), never truncated or hashed: two tools must never turn one
 *   text into two references. Text is taken byte for byte (no trimming, no case folding), and
 *   must be printable and in Unicode NFC, so that two texts that look the same are the same
 *   bytes: control characters (C0, DEL, C1) and text that `text.normalize("NFC")` would change
 *   (e.g. "e" + U+0301 for "é") are refused, never silently normalized.
 *
 * So `bank.issueDeposit({ ..., bankReference: "DEBIT-0001" })` and `kessai dcjpy issue --ref DEBIT-0001`
 * issue under the same reference, and the second of them is refused
 * (`DepositTokenIssuanceReferenceUsed`). Used for bank references (issuance), redemption
 * references, deposit-account references, investor references and reason codes.
 *
 * @param value The reference: 0x + 64 hex digits, or a text of 1 to 31 UTF-8 bytes.
 * @param field Named in the error (e.g. `bankReference`, `--ref`).
 * @returns The reference as lower-case 0x-prefixed bytes32 hex.
 * @throws {@link InvalidReferenceError} for a non-string, an empty text, a text with control
 * characters or not in Unicode NFC, a `0x` value that is not 32 bytes of hex, or the zero reference (unless `allowZero`); {@link ReferenceTooLongError} for
 * text longer than 31 bytes.
 */
export function toBankReference(
  value: string,
  field = "reference",
  opts: BankReferenceOptions = {},
): string {
  if (typeof value !== "string") {
    throw new InvalidReferenceError(field, value, "must be 32-byte hex or a text");
  }
  let out: string;
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) out = value.toLowerCase();
  else if (/^0x[0-9a-fA-F]*$/.test(value)) {
    throw new InvalidReferenceError(
      field,
      value,
      "starts with 0x but is not 32 bytes of hex (0x + 64 hex digits); a text reference must not look like hex",
    );
  } else {
    if (value.length === 0) throw new InvalidReferenceError(field, value, "must not be empty");
    if (CONTROL.test(value)) {
      throw new InvalidReferenceError(field, value, "must not contain control characters");
    }
    if (value.normalize("NFC") !== value) {
      throw new InvalidReferenceError(
        field,
        value,
        'must be in Unicode normalization form NFC (compose it with text.normalize("NFC"))',
      );
    }
    const bytes = toUtf8Bytes(value).length;
    if (bytes > MAX_REFERENCE_TEXT_BYTES) throw new ReferenceTooLongError(field, value, bytes);
    out = encodeBytes32String(value);
  }
  if (!opts.allowZero && out === ZeroHash) {
    throw new InvalidReferenceError(field, value, "must not be zero");
  }
  return out;
}

/**
 * Reads a reference back as text: the text {@link toBankReference} encoded, when `reference` is
 * a bytes32 string of printable characters; undefined for a zero reference or any other bytes32
 * (e.g. a hash given as hex).
 *
 * @param reference A bytes32 as 0x-prefixed hex (e.g. an `Issued` event's `reference`).
 * @returns The text, or undefined.
 */
export function referenceText(reference: string): string | undefined {
  try {
    const s = decodeBytes32String(reference);
    // printable: no control characters (C0, DEL, C1)
    if (s.length > 0 && !CONTROL.test(s)) return s;
  } catch {
    /* not a bytes32 string */
  }
  return undefined;
}

/**
 * The reference a trade uses by default for its issuance (`"issuance"`, step 3: the bank
 * reference of the buyer's deposit-account debit) or its redemption (`"redemption"`, step 7),
 * derived from the settlement ID so that every trade has its own and a resumed trade finds it
 * again: `keccak256(utf8("kessai:" + kind + ":" + id))`, with `id` as lower-case 0x-prefixed hex.
 * It is 32 bytes of hex, so {@link toBankReference} takes it as is; the bank sees it in the
 * `Issued` / `Redeemed` event and can recompute it from the settlement ID.
 *
 * @param id The settlement ID (0x + 64 hex digits).
 * @param kind `issuance` or `redemption`.
 * @returns The reference as lower-case 0x-prefixed bytes32 hex.
 */
export function tradeReference(id: string, kind: "issuance" | "redemption"): string {
  if (typeof id !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(id) || BigInt(id) === 0n)
    throw new InvalidSettlementIdError("id", id);
  return keccak256(toUtf8Bytes(`kessai:${kind}:${id.toLowerCase()}`));
}
