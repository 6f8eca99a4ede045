import { expect } from "chai";
import { Wallet } from "ethers";
import {
  CrossLedgerAttestationNotReadyError,
  InvalidParameterError,
  VerifierRequestError,
  VerifierUnreachableError,
  buildCrossLedgerTerms,
  fetchCrossLedgerAttestation,
  type CrossLedgerTerms,
} from "../../../packages/sdk/src/index.js";
import { expectError } from "./helpers.js";

/**
 * `fetchCrossLedgerAttestation` against a stand-in for the verifier's `GET
 * /settlements/<id>/attestation` (its bodies as packages/verifier/src/http.ts answers them): the
 * attestation once served, a typed error for every other answer. No chain is needed.
 */
describe("sdk: the ST ledger's attestation from the verifier service", function () {
  const addr = () => Wallet.createRandom().address;
  const terms: CrossLedgerTerms = buildCrossLedgerTerms({
    id: `0x${"ab".repeat(32)}`,
    seller: addr(),
    buyer: addr(),
    stChainId: 31338,
    stLedger: addr(),
    securityToken: addr(),
    quantity: 10n,
    cashChainId: 31339,
    cashLedger: addr(),
    cashToken: addr(),
    amount: 1_000_000n,
    deadline: 4_102_444_800n,
    verifier: addr(),
  });
  const json = Object.fromEntries(Object.entries(terms).map(([k, v]) => [k, String(v)]));
  const signature = `0x${"1c".repeat(65)}`;
  const base = "http://verifier.test:9464/";

  /** A fetch that answers `status` with `body` and records the URLs asked. */
  function serve(status: number, body: unknown) {
    const asked: string[] = [];
    const fetch = (async (url: string | URL | Request) => {
      asked.push(String(url));
      return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
    }) as typeof globalThis.fetch;
    return { asked, fetch };
  }

  it("returns the attestation served for these terms, from /settlements/<id>/attestation", async function () {
    const { asked, fetch } = serve(200, {
      id: terms.id,
      outcome: "paid",
      attestation: signature,
      terms: json,
    });
    const got = await fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch });
    expect(got).to.deep.equal({ id: terms.id, outcome: "Paid", attestation: signature, terms });
    expect(asked).to.deep.equal([`http://verifier.test:9464/settlements/${terms.id}/attestation`]);
    const refunded = serve(200, {
      id: terms.id,
      outcome: "refunded",
      attestation: signature,
      terms: json,
    });
    expect(
      (await fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch: refunded.fetch }))
        .outcome,
    ).to.equal("Refunded");
  });

  it("404: not signed yet, a typed error naming the settlement", async function () {
    const message = `no attestation for ${terms.id} (not signed: the cash ledger's outcome is not confirmed, or not this service's settlement)`;
    const { fetch } = serve(404, { error: "not_found", message });
    const e = await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch }),
      CrossLedgerAttestationNotReadyError,
      { id: terms.id, status: 404, code: "not_found", reason: message },
    );
    expect(e).to.be.instanceOf(VerifierRequestError);
  });

  it("400 and 5xx: the verifier's refusal, typed with its status and body", async function () {
    const bad = serve(400, {
      error: "bad_request",
      message: "settlement ID must be 0x and 64 hex digits",
    });
    await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch: bad.fetch }),
      VerifierRequestError,
      { status: 400, code: "bad_request", reason: "settlement ID must be 0x and 64 hex digits" },
    );
    const down = serve(503, "upstream unavailable");
    await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch: down.fetch }),
      VerifierRequestError,
      { status: 503, code: "http_503", reason: "upstream unavailable" },
    );
  });

  it("no answer, a body that is not the verifier's, or an attestation for other terms: unreachable", async function () {
    const refused = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof globalThis.fetch;
    await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch: refused }),
      VerifierUnreachableError,
      { url: `http://verifier.test:9464/settlements/${terms.id}/attestation` },
    );
    for (const [status, body, reason] of [
      [200, "<html>", /answered 200 with a body that is not JSON$/],
      [
        200,
        { id: terms.id, outcome: "maybe", attestation: signature, terms: json },
        /not an attestation$/,
      ],
      [
        200,
        { id: terms.id, outcome: "paid", attestation: "0x", terms: json },
        /not an attestation$/,
      ],
      [
        200,
        { id: terms.id, outcome: "paid", attestation: signature },
        /without the attestation's terms$/,
      ],
      [
        200,
        { id: terms.id, outcome: "paid", attestation: signature, terms: { ...json, amount: "1" } },
        /for other terms than those of 0xab/,
      ],
    ] as const) {
      const { fetch } = serve(status, body);
      const e = await expectError(
        fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch }),
        VerifierUnreachableError,
      );
      expect(e.shortMessage).to.match(reason);
    }
  });

  it("bad parameters: a typed error before any request", async function () {
    const { asked, fetch } = serve(200, {});
    await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: "verifier:9464", terms, fetch }),
      InvalidParameterError,
      { field: "verifierUrl" },
    );
    await expectError(
      fetchCrossLedgerAttestation({ verifierUrl: base, terms, fetch, timeoutMs: 0 }),
      InvalidParameterError,
      { field: "timeoutMs" },
    );
    expect(asked).to.deep.equal([]);
  });
});
