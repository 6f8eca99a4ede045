import { existsSync, readFileSync } from "node:fs";
import { InvalidAmountError } from "@kessai/sdk";
import { CliUsageError } from "./errors.js";

/** Reads field `k` of a terms file with the SDK validator `parse`, under `<file>: terms.<k>`. */
export type TermsField = <T>(k: string, parse: (value: string, name: string) => T) => T;

/**
 * Opens a terms file (`{ "terms": { ... } }` or the terms object alone) for `kessai settlement`
 * and `kessai xledger`: a missing or unparsable file, or one that holds no terms object, is a
 * {@link CliUsageError} on `--terms`. Returns the raw object and its field reader: a field that is
 * absent (or null) is "missing"; one of `amountFields` given as a JSON number is refused with
 * `InvalidAmountError` (JSON.parse has already rounded a number above 2^53: 9007199254740993 reads
 * as ...992), so base-unit amounts must be JSON strings, as the commands print them.
 */
export function openTermsFile(
  file: string,
  amountFields: ReadonlySet<string>,
): { raw: Record<string, unknown>; field: TermsField } {
  if (!existsSync(file)) throw new CliUsageError("--terms", `terms file not found: ${file}`, file);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliUsageError("--terms", `cannot parse ${file}: ${(err as Error).message}`, file);
  }
  const raw = ((doc as { terms?: unknown })?.terms ?? doc) as Record<string, unknown>;
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new CliUsageError("--terms", `${file} holds no terms object`, file);
  const field: TermsField = (k, parse) => {
    const v = raw[k];
    const name = `${file}: terms.${k}`;
    if (v === undefined || v === null)
      throw new CliUsageError("--terms", `${name} is missing`, file);
    if (typeof v === "number" && amountFields.has(k))
      throw new InvalidAmountError(
        name,
        v,
        "must be a JSON string of digits, not a JSON number (numbers lose precision above 2^53)",
      );
    return parse(String(v), name);
  };
  return { raw, field };
}
