import { KessaiError, type KessaiErrorOptions } from "./base.js";
import { ConfigurationError } from "./configuration.js";

/** Every `error.code` the bank gateway answers with (@kessai/bank-gateway's README, "API"). */
export type GatewayErrorCode =
  | "amount_invalid"
  | "amount_too_large"
  | "unknown_field"
  | "malformed_json"
  | "idempotency_key_missing"
  | "idempotency_key_invalid"
  | "cursor_invalid"
  | "unauthorized"
  | "forbidden"
  | "account_not_found"
  | "issuance_not_found"
  | "redemption_not_found"
  | "firm_not_found"
  | "route_not_found"
  | "insufficient_funds"
  | "insufficient_dcjpy"
  | "account_not_open"
  | "account_frozen"
  | "account_not_empty"
  | "account_closed"
  | "firm_exists"
  | "address_in_use"
  | "not_synced"
  | "body_too_large"
  | "unsupported_media_type"
  | "idempotency_key_reused"
  | "internal"
  | `${string}_invalid`
  | (string & {});

/**
 * A refusal of the bank gateway: its HTTP status and the typed body's
 * `{ error: { code, message, field? } }`. Subclasses by status; nothing was executed.
 */
export class GatewayRequestError extends KessaiError {
  override name = "GatewayRequestError";
  constructor(
    /** The HTTP status. */
    readonly status: number,
    /** The body's `error.code` (`http_<status>` when the body has none). */
    readonly code: GatewayErrorCode,
    /** The body's `error.message`. */
    readonly reason: string,
    /** The body's `error.field`: the input the refusal is about. */
    readonly field: string | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${code}: ${reason}`);
  }
}
/** 400, 413, 415: the request does not fit (a field, the JSON, the body's size or type). */
export class GatewayInvalidRequestError extends GatewayRequestError {
  override name = "GatewayInvalidRequestError";
}
/** 401: no key, or an unknown or revoked one. */
export class GatewayUnauthorizedError extends GatewayRequestError {
  override name = "GatewayUnauthorizedError";
}
/** 403: a valid key without the right to the route (a firm on an operator route). */
export class GatewayForbiddenError extends GatewayRequestError {
  override name = "GatewayForbiddenError";
}
/** 404: unknown, or another firm's (the same answer). */
export class GatewayNotFoundError extends GatewayRequestError {
  override name = "GatewayNotFoundError";
}
/** 409: the state forbids it (`insufficient_funds`, `account_frozen`, `not_synced`, ...). */
export class GatewayConflictError extends GatewayRequestError {
  override name = "GatewayConflictError";
}
/** 422: the Idempotency-Key was used with another request. */
export class GatewayIdempotencyKeyReusedError extends GatewayRequestError {
  override name = "GatewayIdempotencyKeyReusedError";
}
/** 5xx: the gateway failed (retried for idempotent requests before this is thrown). */
export class GatewayServerError extends GatewayRequestError {
  override name = "GatewayServerError";
}

/** No answer, a timeout, or an answer that is not the gateway's JSON. */
export class GatewayUnreachableError extends KessaiError {
  override name = "GatewayUnreachableError";
  constructor(
    readonly method: string,
    readonly path: string,
    reason: string,
    options: KessaiErrorOptions = {},
  ) {
    super(`${method} ${path}: ${reason}`, options);
  }
}

/** The error class of a refusal with HTTP status `status`. */
export function gatewayRequestError(
  status: number,
  body: unknown,
  method: string,
  path: string,
): GatewayRequestError {
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } })?.error;
  const code = typeof e?.code === "string" ? e.code : `http_${status}`;
  const message = typeof e?.message === "string" ? e.message : "no error body";
  const field = typeof e?.field === "string" ? e.field : undefined;
  const Cls =
    status === 400 || status === 413 || status === 415
      ? GatewayInvalidRequestError
      : status === 401
        ? GatewayUnauthorizedError
        : status === 403
          ? GatewayForbiddenError
          : status === 404
            ? GatewayNotFoundError
            : status === 409
              ? GatewayConflictError
              : status === 422
                ? GatewayIdempotencyKeyReusedError
                : status >= 500
                  ? GatewayServerError
                  : GatewayRequestError;
  return new Cls(status, code, message, field, method, path);
}

/** A {@link BankClient}'s `gateway` was used without a gateway (`withGateway` or the options). */
export class GatewayNotConfiguredError extends ConfigurationError {
  override name = "GatewayNotConfiguredError";
  constructor() {
    super(
      "This BankClient has no bank gateway: pass { gateway: { url, apiKey } } or call withGateway",
    );
  }
}
