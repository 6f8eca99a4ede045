/** Options of every {@link KessaiError} constructor. */
export interface KessaiErrorOptions {
  /** The underlying error (an ethers error, a transport failure, ...). */
  cause?: unknown;
  /** Extra detail, usually the underlying error's message. */
  details?: string;
  /** Additional lines appended to `message` (e.g. the call that failed). */
  metaMessages?: string[];
}

/**
 * Base of every error the SDK throws, in the manner of viem's `BaseError`: a one-line
 * `shortMessage`, optional `details` and `metaMessages`, and the original `cause`. The full
 * `message` joins them so a log line says everything (details that only repeat the short message
 * are left out of it).
 */
export class KessaiError extends Error {
  override name = "KessaiError";
  /** One line, human readable, without the details. */
  readonly shortMessage: string;
  /** Extra detail (often the underlying error's message), or undefined. */
  readonly details: string | undefined;
  /** Additional context lines. */
  readonly metaMessages: string[] | undefined;
  override readonly cause: unknown;

  constructor(shortMessage: string, options: KessaiErrorOptions = {}) {
    const details =
      options.details ??
      (options.cause instanceof KessaiError
        ? options.cause.details
        : options.cause instanceof Error
          ? ((options.cause as { shortMessage?: string }).shortMessage ?? options.cause.message)
          : undefined);
    const message = [
      shortMessage,
      ...(options.metaMessages?.length ? ["", ...options.metaMessages] : []),
      ...(details && details !== shortMessage ? ["", `Details: ${details}`] : []),
    ].join("\n");
    super(message);
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = options.metaMessages;
    this.cause = options.cause;
  }

  /** Walks the `cause` chain and returns the first error `fn` accepts (this one included). */
  walk(fn: (e: unknown) => boolean): unknown {
    let e: unknown = this;
    for (let i = 0; e !== undefined && i < 16; i++) {
      if (fn(e)) return e;
      e = (e as { cause?: unknown }).cause;
    }
    return undefined;
  }
}
