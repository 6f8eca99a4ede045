import { InputError, KessaiError } from "@kessai/sdk";

/**
 * Bad command-line input: an unknown command or option, a flag that is missing or comes with
 * another it excludes. An {@link InputError} whose `field` is the flag (`--ref`) or `argv`, so
 * `kessai` reports it like every SDK input refusal: one line, exit status 2, nothing sent. (A
 * malformed value is refused by the SDK's own validator, with the flag as its field.)
 */
export class CliUsageError extends InputError {
  override name = "CliUsageError";
  constructor(field: string, shortMessage: string, value?: unknown) {
    super(field, value, shortMessage);
  }
}

/** Something asked for does not exist on chain (e.g. an unknown settlement): exit status 1. */
export class CliNotFoundError extends KessaiError {
  override name = "CliNotFoundError";
}
