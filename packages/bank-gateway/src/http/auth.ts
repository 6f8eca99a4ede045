/**
 * API keys. A firm's key is `kgw_<key id>_<secret>`: the key ID finds the row, and the SHA-256 of
 * the secret is compared with the stored one in constant time (the secret has 192 random bits, so
 * a fast hash is enough; nothing reversible is stored). Operator keys are configured as SHA-256
 * hashes and compared the same way.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Store } from "@kessai/storage";
import { ForbiddenError, UnauthorizedError } from "../domain/errors.js";
import { getApiKey } from "../store/records.js";

export type Principal =
  { role: "firm"; firmId: string; keyId: string } | { role: "operator"; keyId: string };

const sha256 = (s: string) => createHash("sha256").update(s).digest();
const DUMMY = sha256("kessai-gateway/no-such-key");

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The principal of an `Authorization: Bearer <key>` header; 401 when missing or unknown. */
export async function authenticate(
  store: Store,
  operatorKeyHashes: readonly string[],
  header: string | undefined,
): Promise<Principal> {
  const m = /^Bearer ([\x21-\x7e]{1,200})$/.exec(header ?? "");
  if (!m) throw new UnauthorizedError();
  const key = m[1]!;
  const digest = sha256(key);
  const firm = /^kgw_([0-9a-f]{16})_([A-Za-z0-9_-]{32})$/.exec(key);
  if (firm) {
    const row = await getApiKey(store, firm[1]!);
    const ok = equal(sha256(firm[2]!), row ? Buffer.from(row.secretSha256, "hex") : DUMMY);
    if (!row || !ok || row.revoked) throw new UnauthorizedError("Unknown or revoked API key");
    return row.role === "operator"
      ? { role: "operator", keyId: row.id }
      : { role: "firm", firmId: row.firmId!, keyId: row.id };
  }
  let match: number | undefined;
  operatorKeyHashes.forEach((h, i) => {
    if (equal(digest, Buffer.from(h, "hex")) && match === undefined) match = i;
  });
  if (match === undefined) throw new UnauthorizedError("Unknown or revoked API key");
  return { role: "operator", keyId: `operator-${match}` };
}

export function requireFirm(p: Principal): string {
  if (p.role !== "firm") throw new ForbiddenError("This endpoint is for firms' API keys");
  return p.firmId;
}

export function requireOperator(p: Principal): void {
  if (p.role !== "operator")
    throw new ForbiddenError("This endpoint is for the bank's operator keys");
}
