/**
 * The HTTP API's refusals, on both back ends: authentication, one firm against another's
 * accounts and requests (the exact 401/403/404 bodies), every 4xx of a bad input with its typed
 * body, idempotency keys (replay, and 422 for another body), and that none of them posts anything.
 * Also the OpenAPI document, /healthz, /metrics, and the config's refusal naming the field.
 */
import { expect } from "chai";
import { describeBackends } from "../storage/backends.js";
import { ConfigError, parseConfig } from "../../../packages/bank-gateway/src/config.js";
import {
  OPERATOR_KEY,
  databaseUrl,
  deployDcjpy,
  openFirm,
  startGateway,
  type Dcjpy,
  type TestGateway,
} from "./helpers.js";

describeBackends("bank gateway API", (backend) => {
  let chain: Dcjpy;
  let g: TestGateway;
  let a: { key: string; account: string };
  let b: { key: string; account: string };
  before(async function () {
    this.timeout(120_000);
    chain = await deployDcjpy();
    g = await startGateway(chain, await databaseUrl(backend()), { maxAmount: "1000000" });
    a = await openFirm(g, "firm-a", chain.firms[0]!.address, 100_000n);
    b = await openFirm(g, "firm-b", chain.firms[1]!.address, 100_000n);
  });
  after(async () => g?.stop());

  /** Everything a request could have changed. */
  const snapshot = async () => ({
    a: (await g.call("GET", `/v1/accounts/${a.account}`, { key: a.key })).body.balances,
    b: (await g.call("GET", `/v1/accounts/${b.account}`, { key: b.key })).body.balances,
    metrics: ((await g.call("GET", "/metrics")).body as string)
      .split("\n")
      .filter((l) => /^gateway_(outbox_depth|holds|issuances)/.test(l)),
  });
  /** `idem` null: no Idempotency-Key header. */
  const issue = (
    key: string | undefined,
    body: unknown,
    idem: string | null = `k-${Math.random()}`,
  ) => g.call("POST", "/v1/issuances", { key, idem: idem ?? undefined, body });

  describe("authentication and scope", () => {
    it("answers 401 without a key, with a malformed one, and with an unknown one", async () => {
      const before = await snapshot();
      const want = (message: string) => ({
        status: 401,
        body: { error: { code: "unauthorized", message } },
      });
      const r1 = await issue(undefined, { account: a.account, amount: 1 });
      expect({ status: r1.status, body: r1.body }).to.deep.equal(
        want("A valid API key is required (Authorization: Bearer <key>)"),
      );
      const r2 = await g.call("GET", "/v1/accounts", { headers: { authorization: "Basic abc" } });
      expect({ status: r2.status, body: r2.body }).to.deep.equal(
        want("A valid API key is required (Authorization: Bearer <key>)"),
      );
      const forged = a.key.slice(0, -4) + (a.key.endsWith("AAAA") ? "BBBB" : "AAAA");
      const r3 = await issue(forged, { account: a.account, amount: 1 });
      expect({ status: r3.status, body: r3.body }).to.deep.equal(
        want("Unknown or revoked API key"),
      );
      expect(await snapshot()).to.deep.equal(before);
    });

    it("shows a firm only its own accounts: another's is 404, exactly as an unknown one", async () => {
      const mine = await g.call("GET", "/v1/accounts", { key: a.key });
      expect(mine.body.accounts.map((x: { id: string }) => x.id)).to.deep.equal([a.account]);
      for (const path of [
        `/v1/accounts/${b.account}`,
        `/v1/accounts/${b.account}/statement`,
        "/v1/accounts/bank_dedicated",
      ]) {
        const r = await g.call("GET", path, { key: a.key });
        const id = path.split("/")[3];
        expect({ status: r.status, body: r.body }).to.deep.equal({
          status: 404,
          body: { error: { code: "account_not_found", message: `No account ${id}` } },
        });
      }
      const unknown = await g.call("GET", "/v1/accounts/dep_nobody", { key: a.key });
      expect(unknown.body).to.deep.equal({
        error: { code: "account_not_found", message: "No account dep_nobody" },
      });
    });

    it("lets a firm move nothing of another's: an issuance debiting firm B's account is 404 and posts nothing", async () => {
      const before = await snapshot();
      const r = await issue(a.key, { account: b.account, amount: 10 });
      expect({ status: r.status, body: r.body }).to.deep.equal({
        status: 404,
        body: {
          error: {
            code: "account_not_found",
            message: `No account ${b.account}`,
            field: "account",
          },
        },
      });
      expect(await snapshot()).to.deep.equal(before);
    });

    it("hides another firm's issuances and redemptions (404)", async () => {
      const mine = await issue(b.key, { account: b.account, amount: 5 }, "b-private");
      expect(mine.status).to.equal(201);
      const r = await g.call("GET", `/v1/issuances/${mine.body.id}`, { key: a.key });
      expect({ status: r.status, body: r.body }).to.deep.equal({
        status: 404,
        body: { error: { code: "issuance_not_found", message: `No issuance ${mine.body.id}` } },
      });
      const r2 = await g.call("GET", "/v1/redemptions/red_x", { key: a.key });
      expect(r2.body).to.deep.equal({
        error: { code: "redemption_not_found", message: "No redemption red_x" },
      });
      await g.tick();
    });

    it("refuses operator endpoints to a firm's key (403), and firm endpoints to an operator key (403)", async () => {
      const before = await snapshot();
      for (const [method, path, body] of [
        ["POST", "/v1/admin/deposits", { firmId: "firm-a", amount: 1 }],
        ["POST", "/v1/admin/firms", { id: "x", name: "x", dcjpyAddress: chain.firms[5]!.address }],
        ["POST", "/v1/admin/firms/firm-b/freeze", { frozen: true }],
        ["POST", "/v1/admin/firms/firm-b/close", undefined],
        ["GET", "/v1/admin/reconciliation", undefined],
      ] as const) {
        const r = await g.call(method, path, { key: a.key, idem: "x", body });
        expect({ status: r.status, body: r.body }, path).to.deep.equal({
          status: 403,
          body: {
            error: { code: "forbidden", message: "This endpoint is for the bank's operator keys" },
          },
        });
      }
      const r = await issue(OPERATOR_KEY, { account: a.account, amount: 1 });
      expect({ status: r.status, body: r.body }).to.deep.equal({
        status: 403,
        body: { error: { code: "forbidden", message: "This endpoint is for firms' API keys" } },
      });
      expect(await snapshot()).to.deep.equal(before);
    });
  });

  describe("bad input posts nothing", () => {
    const cases: [string, unknown, number, { code: string; field?: string }][] = [
      ["a negative amount", { amount: -5 }, 400, { code: "amount_invalid", field: "amount" }],
      ["a zero amount", { amount: 0 }, 400, { code: "amount_invalid", field: "amount" }],
      ["a fractional amount", { amount: 1.5 }, 400, { code: "amount_invalid", field: "amount" }],
      [
        "an amount in exponent form",
        { amount: "1e3" },
        400,
        { code: "amount_invalid", field: "amount" },
      ],
      [
        "an amount above the limit",
        { amount: "1000001" },
        400,
        { code: "amount_too_large", field: "amount" },
      ],
      [
        "an amount past 2^53 as a number",
        { amount: 2 ** 60 },
        400,
        { code: "amount_too_large", field: "amount" },
      ],
      [
        "an amount of the wrong type",
        { amount: true },
        400,
        { code: "amount_invalid", field: "amount" },
      ],
      ["a missing amount", { amount: undefined }, 400, { code: "amount_invalid", field: "amount" }],
      ["an unknown field", { extra: 1 }, 400, { code: "unknown_field", field: "extra" }],
      [
        "an unknown account",
        { account: "dep_nobody" },
        404,
        { code: "account_not_found", field: "account" },
      ],
      [
        "an amount above the available balance",
        { amount: 100_001 },
        409,
        { code: "insufficient_funds", field: "amount" },
      ],
    ];
    for (const [what, patch, status, error] of cases) {
      it(`answers ${status} ${error.code} to ${what}`, async () => {
        const before = await snapshot();
        const body = { account: a.account, amount: 10, ...(patch as object) };
        const r = await issue(a.key, body);
        expect(r.status, JSON.stringify(r.body)).to.equal(status);
        expect(r.body.error).to.include(error);
        expect(r.body.error.message).to.be.a("string").and.not.equal("");
        expect(Object.keys(r.body)).to.deep.equal(["error"]);
        expect(await snapshot()).to.deep.equal(before);
      });
    }

    it("answers 400 malformed_json to a body that is not JSON, and 415 to another media type", async () => {
      const before = await snapshot();
      const r = await g.call("POST", "/v1/issuances", {
        key: a.key,
        idem: "mj",
        raw: '{"account": "dep_firm-a", "amount": 1',
      });
      expect({ status: r.status, body: r.body }).to.deep.equal({
        status: 400,
        body: { error: { code: "malformed_json", message: "The body is not valid JSON" } },
      });
      const r2 = await g.call("POST", "/v1/issuances", {
        key: a.key,
        idem: "mt",
        raw: "amount=1",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect({ status: r2.status, body: r2.body }).to.deep.equal({
        status: 415,
        body: { error: { code: "unsupported_media_type", message: "Send application/json" } },
      });
      expect(await snapshot()).to.deep.equal(before);
    });

    it("answers 400 to a missing or malformed Idempotency-Key", async () => {
      const r = await issue(a.key, { account: a.account, amount: 1 }, null);
      expect({ status: r.status, body: r.body }).to.deep.equal({
        status: 400,
        body: {
          error: {
            code: "idempotency_key_missing",
            message: "An Idempotency-Key header is required",
            field: "Idempotency-Key",
          },
        },
      });
      const r2 = await issue(a.key, { account: a.account, amount: 1 }, "x".repeat(256));
      expect(r2.body.error).to.include({
        code: "idempotency_key_invalid",
        field: "Idempotency-Key",
      });
    });

    it("answers 400 to a bad statement cursor or limit, and 404 to an unknown route", async () => {
      const r = await g.call("GET", `/v1/accounts/${a.account}/statement?cursor=abc`, {
        key: a.key,
      });
      expect(r.body).to.deep.equal({
        error: {
          code: "cursor_invalid",
          message: "cursor must be a value returned as nextCursor",
          field: "cursor",
        },
      });
      const r2 = await g.call("GET", `/v1/accounts/${a.account}/statement?limit=0`, { key: a.key });
      expect(r2.status).to.equal(400);
      expect(r2.body.error).to.include({ code: "limit_invalid", field: "limit" });
      const r3 = await g.call("GET", "/v1/nothing", { key: a.key });
      expect({ status: r3.status, body: r3.body }).to.deep.equal({
        status: 404,
        body: { error: { code: "route_not_found", message: "No route GET /v1/nothing" } },
      });
    });

    it("answers 409 to a redemption above the firm's DCJPY and to a duplicate firm", async () => {
      const before = await snapshot();
      const r = await g.call("POST", "/v1/redemptions", {
        key: b.key,
        idem: "too-much",
        body: { amount: 1_000 },
      });
      expect(r.status).to.equal(409);
      expect(r.body.error).to.include({ code: "insufficient_dcjpy", field: "amount" });
      const dup = await g.call("POST", "/v1/admin/firms", {
        key: OPERATOR_KEY,
        body: { id: "firm-a", name: "again", dcjpyAddress: chain.firms[7]!.address },
      });
      expect({ status: dup.status, body: dup.body }).to.deep.equal({
        status: 409,
        body: { error: { code: "firm_exists", message: "Firm firm-a exists", field: "id" } },
      });
      expect(await snapshot()).to.deep.equal(before);
    });
  });

  describe("idempotency keys (Stripe semantics)", () => {
    it("replays the same response for the same key and body, and answers 422 to another body", async () => {
      const body = { account: a.account, amount: 123 };
      const first = await issue(a.key, body, "idem-1");
      expect(first.status).to.equal(201);
      const after1 = await snapshot();
      const again = await issue(a.key, body, "idem-1");
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect(again.headers.get("idempotent-replayed")).to.equal("true");
      const other = await issue(a.key, { ...body, amount: 124 }, "idem-1");
      expect({ status: other.status, body: other.body }).to.deep.equal({
        status: 422,
        body: {
          error: {
            code: "idempotency_key_reused",
            message: 'Idempotency-Key "idem-1" was used with a different request',
            field: "Idempotency-Key",
          },
        },
      });
      expect(await snapshot()).to.deep.equal(after1);
      // Keys are per firm: firm B may use the same key for its own request.
      const theirs = await issue(b.key, { account: b.account, amount: 123 }, "idem-1");
      expect(theirs.status).to.equal(201);
      expect(theirs.body.id).to.not.equal(first.body.id);
      await g.tick();
    });

    it("replays funding by the operator's key too", async () => {
      const body = { firmId: "firm-b", amount: "7" };
      const r1 = await g.call("POST", "/v1/admin/deposits", {
        key: OPERATOR_KEY,
        idem: "fund-7",
        body,
      });
      const r2 = await g.call("POST", "/v1/admin/deposits", {
        key: OPERATOR_KEY,
        idem: "fund-7",
        body,
      });
      expect(r2.body).to.deep.equal(r1.body);
      const st = await g.call("GET", `/v1/accounts/${b.account}/statement`, { key: b.key });
      expect(
        st.body.lines.filter((l: { reference: string }) => l.reference === "funding:fund-7"),
      ).to.have.length(1);
    });
  });

  describe("service endpoints", () => {
    it("serves an OpenAPI document covering every route", async () => {
      const r = await g.call("GET", "/openapi.json");
      expect(r.body.openapi).to.equal("3.1.0");
      expect(Object.keys(r.body.paths)).to.include.members([
        "/v1/issuances",
        "/v1/issuances/{id}",
        "/v1/redemptions",
        "/v1/accounts/{id}/statement",
        "/v1/admin/firms",
        "/v1/admin/deposits",
        "/v1/admin/reconciliation",
      ]);
      expect(
        r.body.paths["/v1/issuances"].post.responses["422"].content["application/json"].schema,
      ).to.be.an("object");
    });

    it("reports health and Prometheus metrics", async () => {
      const h = await g.call("GET", "/healthz");
      expect(h.status).to.equal(200);
      expect(h.body.database).to.equal("ok");
      const m = (await g.call("GET", "/metrics")).body as string;
      for (const name of [
        "gateway_outbox_depth",
        "gateway_outbox_dead_letters",
        "gateway_holds",
        "gateway_last_processed_block",
        "gateway_http_requests_total",
      ]) {
        expect(m).to.match(new RegExp(`^${name}[{ ]`, "m"));
      }
    });
  });
});

describe("bank gateway config", () => {
  const valid = {
    database: { url: "sqlite:/tmp/x.db" },
    chain: {
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      privateKey: `0x${"11".repeat(32)}`,
      depositToken: `0x${"22".repeat(20)}`,
    },
    auth: { operatorKeySha256: ["a".repeat(64)] },
  };
  it("fills the defaults of a valid config", () => {
    const c = parseConfig(valid);
    expect(c.chain.confirmations).to.equal(2);
    expect(c.http.port).to.equal(8080);
  });
  for (const [field, patch] of [
    ["chain.confirmations", { chain: { ...valid.chain, confirmations: -1 } }],
    ["chain.privateKey", { chain: { ...valid.chain, privateKey: "0x12" } }],
    ["database.url", { database: { url: "mysql://x" } }],
    ["auth.operatorKeySha256", { auth: { operatorKeySha256: [] } }],
    ["chain.rpcUrl", { chain: { ...valid.chain, rpcUrl: "ftp://x" } }],
    ["chain.extra", { chain: { ...valid.chain, extra: 1 } }],
  ] as const) {
    it(`stops on a bad ${field}, naming it`, () => {
      expect(() => parseConfig({ ...valid, ...patch }))
        .to.throw(ConfigError)
        .with.property("field", field);
    });
  }
});
