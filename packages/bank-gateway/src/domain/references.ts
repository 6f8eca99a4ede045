/**
 * References the gateway derives: bytes32 values (0x + 64 lower-case hex) that are the same every
 * time for the same intent, so a retried request, a restarted worker and a re-read event all name
 * the same issuance, redemption or account.
 */
import { createHash } from "node:crypto";

const derive = (...parts: string[]) =>
  `0x${createHash("sha256").update(parts.join("\u0000")).digest("hex")}`;

/** The bank reference of an issuance requested over the API with `idempotencyKey`. */
export const apiIssuanceReference = (firmId: string, idempotencyKey: string) =>
  derive("kessai-gateway/issuance", firmId, idempotencyKey);

/** The bank reference that fulfils on-chain issuance request `requestId` of `token`. */
export const requestIssuanceReference = (chainId: number, token: string, requestId: bigint) =>
  derive("kessai-gateway/request", String(chainId), token.toLowerCase(), requestId.toString());

/** The redemption reference of a redemption requested over the API with `idempotencyKey`. */
export const apiRedemptionReference = (firmId: string, idempotencyKey: string) =>
  derive("kessai-gateway/redemption", firmId, idempotencyKey);

/** The deposit-account reference a firm's DCJPY account is bound to. */
export const depositAccountReference = (firmId: string) =>
  derive("kessai-gateway/deposit-account", firmId);

/** The ledger account ID of a firm's deposit account. */
export const depositAccountId = (firmId: string) => `dep_${firmId}`;

/** The ledger's bank accounts. */
export const DEDICATED_ACCOUNT = "bank_dedicated";
export const FUNDING_ACCOUNT = "bank_funding";
export const SUSPENSE_ACCOUNT = "bank_suspense";

/** A bytes32 as the ledger keeps it. */
export const isBytes32 = (v: string) => /^0x[0-9a-f]{64}$/.test(v);
