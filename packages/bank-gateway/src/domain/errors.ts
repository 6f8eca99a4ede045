/**
 * Domain errors of the gateway. Each has a stable `code` (the `error.code` of the HTTP body), an
 * HTTP status, and the field it is about when there is one. The domain knows nothing of HTTP
 * beyond this number: the transport layer turns a GatewayError into `{ error: { code, message,
 * field? } }` with that status.
 */
export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly field?: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Input that does not fit its schema (400). */
export class InvalidInputError extends GatewayError {
  override name = "InvalidInputError";
  constructor(code: string, message: string, field?: string) {
    super(code, 400, message, field);
  }
}

/** Something this caller may not see, or that does not exist: the same 404 either way. */
export class NotFoundError extends GatewayError {
  override name = "NotFoundError";
  constructor(code: string, message: string, field?: string) {
    super(code, 404, message, field);
  }
}

/** The account cannot pay `needed`: it has `available` (posted credits − posted and held debits). */
export class InsufficientFundsError extends GatewayError {
  override name = "InsufficientFundsError";
  constructor(
    readonly accountId: string,
    readonly available: bigint,
    readonly needed: bigint,
    field = "amount",
  ) {
    super(
      "insufficient_funds",
      409,
      `Account ${accountId} has ${available} available, ${needed} needed`,
      field,
    );
  }
}

/** The request conflicts with the state of what it names (409). */
export class ConflictError extends GatewayError {
  override name = "ConflictError";
  constructor(code: string, message: string, field?: string) {
    super(code, 409, message, field);
  }
}

/** An Idempotency-Key reused with another request (422, as Stripe answers). */
export class IdempotencyKeyReusedError extends GatewayError {
  override name = "IdempotencyKeyReusedError";
  constructor(key: string) {
    super(
      "idempotency_key_reused",
      422,
      `Idempotency-Key ${JSON.stringify(key)} was used with a different request`,
      "Idempotency-Key",
    );
  }
}

/** Missing or unknown credentials (401). */
export class UnauthorizedError extends GatewayError {
  override name = "UnauthorizedError";
  constructor(message = "A valid API key is required (Authorization: Bearer <key>)") {
    super("unauthorized", 401, message);
  }
}

/** Valid credentials without the right to this endpoint (403). */
export class ForbiddenError extends GatewayError {
  override name = "ForbiddenError";
  constructor(message: string) {
    super("forbidden", 403, message);
  }
}

/**
 * A ledger transfer key (idempotent ID) already names another transfer: a bug in the caller, never
 * a user error.
 */
export class TransferKeyConflictError extends Error {
  override name = "TransferKeyConflictError";
  constructor(readonly key: string) {
    super(`Ledger transfer key ${key} is already used by a different transfer`);
  }
}

/** A pending transfer was already resolved the other way (posted when voiding, or voided). */
export class PendingResolvedError extends Error {
  override name = "PendingResolvedError";
  constructor(
    readonly pendingId: number,
    readonly resolution: "post_pending" | "void_pending",
  ) {
    super(`Pending transfer ${pendingId} was already resolved by ${resolution}`);
  }
}
