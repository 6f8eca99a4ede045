import { isHexString } from "ethers";
import {
  CrossLedgerAttestationNotReadyError,
  VerifierRequestError,
  VerifierUnreachableError,
} from "../../errors/crossLedger.js";
import { InvalidParameterError } from "../../errors/input.js";
import {
  buildCrossLedgerTerms,
  crossLedgerTermsFromResult,
  hashCrossLedgerTerms,
  type CrossLedgerTerms,
  type CrossLedgerTermsInput,
} from "../../settlement/crossLedger.js";
import { toRpcUrl } from "../../utils/rpc.js";
import type { CrossLedgerTermsLike } from "./common.js";

/** Parameters of {@link fetchCrossLedgerAttestation}. */
export interface FetchCrossLedgerAttestationParams {
  /** The verifier service's HTTP endpoint (`kessai verifier start`'s `http`), e.g. `http://127.0.0.1:9464`. */
  verifierUrl: string;
  /** The settlement's terms: the attestation served must be for exactly these. */
  terms: CrossLedgerTermsLike;
  /** Longest wait for the answer (ms). Default 10,000. */
  timeoutMs?: number;
  /** Stops the request. */
  signal?: AbortSignal;
  /** A fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** The ST ledger's attestation of a settlement's outcome, as the verifier serves it. */
export interface CrossLedgerAttestation {
  id: string;
  /** `Paid`: present it to `deliver`; `Refunded`: to `returnToSeller`. */
  outcome: "Paid" | "Refunded";
  /** The verifier's EIP-712 `Outcome` signature under the delivery contract's domain. */
  attestation: string;
  /** The terms it is for (equal to those asked for). */
  terms: CrossLedgerTerms;
}

/**
 * Fetches the ST ledger's attestation of settlement `terms.id` from the verifier service: `GET
 * <verifierUrl>/settlements/<id>/attestation`. The verifier signs it only after the cash ledger's
 * outcome (`SettlementPaid`, `SettlementRefunded`) has its confirmations; the cash ledger's events
 * carry no signature. Anyone may then present it: `deliver` for `Paid`, `returnToSeller` for
 * `Refunded`.
 *
 * @throws {@link CrossLedgerAttestationNotReadyError} (404) while the verifier has not signed it;
 * {@link VerifierRequestError} for another refusal (400, 5xx); {@link VerifierUnreachableError}
 * when the service does not answer in `timeoutMs`, answers with something that is not its JSON,
 * or serves an attestation for other terms than `terms`; `InvalidParameterError` /
 * `InvalidTermsError` for bad parameters, before any request.
 */
export async function fetchCrossLedgerAttestation(
  p: FetchCrossLedgerAttestationParams,
): Promise<CrossLedgerAttestation> {
  const base = toRpcUrl(p?.verifierUrl, "verifierUrl").replace(/\/+$/, "");
  const terms = buildCrossLedgerTerms(p.terms as CrossLedgerTermsInput);
  const timeoutMs = p.timeoutMs ?? 10_000;
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0))
    throw new InvalidParameterError("timeoutMs", timeoutMs, "must be a positive number of ms");
  const url = `${base}/settlements/${terms.id}/attestation`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = p.signal ? AbortSignal.any([p.signal, timeout]) : timeout;
  let status: number;
  let text: string;
  try {
    const res = await (p.fetch ?? globalThis.fetch)(url, {
      headers: { accept: "application/json" },
      signal,
    });
    status = res.status;
    text = await res.text();
  } catch (e) {
    if (p.signal?.aborted) throw p.signal.reason;
    throw new VerifierUnreachableError(url, (e as Error)?.message ?? String(e), { cause: e });
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    if (status >= 500) throw new VerifierRequestError(status, `http_${status}`, text, url);
    throw new VerifierUnreachableError(url, `answered ${status} with a body that is not JSON`, {
      cause: e,
    });
  }
  if (status !== 200) {
    const reason = typeof body?.message === "string" ? body.message : "no error body";
    if (status === 404) throw new CrossLedgerAttestationNotReadyError(terms.id, reason, url);
    const code = typeof body?.error === "string" ? body.error : `http_${status}`;
    throw new VerifierRequestError(status, code, reason, url);
  }
  const outcome =
    body?.outcome === "paid" ? "Paid" : body?.outcome === "refunded" ? "Refunded" : undefined;
  const attestation = body?.attestation;
  if (
    outcome === undefined ||
    typeof attestation !== "string" ||
    !isHexString(attestation) ||
    attestation === "0x" ||
    String(body.id).toLowerCase() !== terms.id
  )
    throw new VerifierUnreachableError(url, "answered 200 with a body that is not an attestation");
  let served: string;
  try {
    served = hashCrossLedgerTerms(
      crossLedgerTermsFromResult(body.terms as Record<string, unknown>),
    );
  } catch (e) {
    throw new VerifierUnreachableError(url, "answered 200 without the attestation's terms", {
      cause: e,
    });
  }
  if (served !== hashCrossLedgerTerms(terms))
    throw new VerifierUnreachableError(
      url,
      `served an attestation for other terms than those of ${terms.id}`,
    );
  return { id: terms.id, outcome, attestation: attestation.toLowerCase(), terms };
}
