/**
 * The typed HTTP client (`GatewayClient`) against a running gateway (SQLite, DCJPY on an
 * in-process Hardhat network): every call with bigint amounts, statement paging, the refusals
 * mapped to their classes with the body's code and field, and retries of idempotent requests
 * with the same Idempotency-Key (a lost response and a 5xx: executed once), timeouts and an
 * unreachable gateway.
 */
import { createServer } from "node:http";
import { expect } from "chai";
import {
  GatewayClient,
  GatewayConflictError,
  GatewayForbiddenError,
  GatewayIdempotencyKeyReusedError,
  GatewayInvalidRequestError,
  GatewayNotFoundError,
  GatewayServerError,
  GatewayUnauthorizedError,
  GatewayUnreachableError,
  InvalidAmountError,
  type GatewayRequestError,
} from "../../../packages/bank-gateway/src/client.js";
import {
  freePort,
  tempSqliteDir,
  type TempSqliteDir,
} from "../../../packages/storage/src/testing/index.js";
import {
  OPERATOR_KEY,
  deployDcjpy,
  settle,
  startGateway,
  type Dcjpy,
  type TestGateway,
} from "./helpers.js";

async function refusal<T extends Error>(
  p: Promise<unknown>,
  Cls: abstract new (...a: never[]) => T,
): Promise<T> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Cls) return e;
    throw e;
  }
  throw new Error(`expected ${Cls.name}`);
}

describe("bank gateway client", function () {
  let chain: Dcjpy;
  let g: TestGateway;
  let tmp: TempSqliteDir;
  let operator: GatewayClient;
  let firm: GatewayClient;
  let firmKey: string;
  let account: string;
  before(async function () {
    this.timeout(60_000);
    tmp = await tempSqliteDir();
    chain = await deployDcjpy();
    g = await startGateway(chain, `sqlite:${tmp.file()}`);
    operator = g.client(OPERATOR_KEY);
    const created = await operator.createFirm({
      id: "firm-a",
      name: "Firm A",
      dcjpyAddress: chain.firms[0]!.address,
    });
    expect(created.firm).to.include({ id: "firm-a", status: "opening", frozen: false });
    expect(created.account.balances.posted).to.equal(0n);
    firmKey = created.apiKey;
    firm = g.client(firmKey);
    account = created.account.id;
    await g.tick();
    expect((await operator.getFirm("firm-a")).status).to.equal("open");
  });
  after(async () => {
    await g?.stop();
    await tmp?.remove();
  });

  it("funds, issues, reads and redeems with bigint amounts; replays by Idempotency-Key", async function () {
    this.timeout(60_000);
    const d = await operator.fundDeposit(
      { firmId: "firm-a", amount: 1_000_000n },
      { idempotencyKey: "fund-1" },
    );
    expect(d).to.deep.include({ amount: 1_000_000n, replayed: false });
    expect(d.account.balances).to.deep.equal({
      posted: 1_000_000n,
      available: 1_000_000n,
      pendingDebits: 0n,
      pendingCredits: 0n,
    });
    const again = await operator.fundDeposit(
      { firmId: "firm-a", amount: "1000000" },
      { idempotencyKey: "fund-1" },
    );
    expect(again).to.deep.include({ transferId: d.transferId, replayed: true });

    const i = await firm.requestIssuance({ account, amount: 300_000n });
    expect(i).to.deep.include({
      source: "api",
      account,
      amount: 300_000n,
      state: "pending",
      requestId: null,
      replayed: false,
    });
    expect(i).to.not.have.property("object");
    await settle(g, chain, async () => (await firm.getIssuance(i.id)).state === "issued");
    expect((await firm.getAccount(account)).balances).to.deep.include({
      posted: 700_000n,
      available: 700_000n,
    });
    expect((await firm.listAccounts()).map((a) => a.id)).to.deep.equal([account]);

    const r = await firm.requestRedemption({ amount: 20_000 }, { idempotencyKey: "red-1" });
    expect(r).to.deep.include({ amount: 20_000n, state: "pending" });
    await settle(g, chain, async () => (await firm.getRedemption(r.id)).state === "credited");

    const lines = [];
    for await (const l of firm.statementLines(account, { pageSize: 1 })) lines.push(l);
    expect(lines.map((l) => `${l.kind} ${l.amount}`)).to.deep.equal([
      "posted 1000000",
      "pending -300000",
      "post_pending -300000",
      "posted 20000",
    ]);
    const page = await firm.getStatement(account, { limit: 2 });
    expect(page.lines).to.have.length(2);
    expect(page.nextCursor).to.be.a("string");

    await chain.mine(3);
    await g.tick();
    const rec = await operator.reconcile();
    expect(rec).to.deep.include({
      ok: true,
      totalSupply: 280_000n,
      dedicatedPosted: 280_000n,
      supplyDifference: 0n,
      differences: [],
    });
    expect(rec.pendingHolds).to.deep.equal({ count: 0, amount: 0n, items: [] });
    expect(rec.events).to.deep.equal({ issued: 1, redeemed: 1 });
  });

  it("maps every refusal to its class with the body's code and field", async function () {
    const check = (e: GatewayRequestError, status: number, code: string, field?: string) =>
      expect({ status: e.status, code: e.code, field: e.field }).to.deep.equal({
        status,
        code,
        field,
      });
    check(
      await refusal(g.client("kgw_nope").listAccounts(), GatewayUnauthorizedError),
      401,
      "unauthorized",
    );
    check(await refusal(firm.listFirms(), GatewayForbiddenError), 403, "forbidden");
    check(
      await refusal(firm.getIssuance("iss_missing"), GatewayNotFoundError),
      404,
      "issuance_not_found",
    );
    check(
      await refusal(firm.requestIssuance({ account, amount: 10n ** 11n }), GatewayConflictError),
      409,
      "insufficient_funds",
      "amount",
    );
    check(
      await refusal(firm.requestIssuance({ account, amount: 0 }), GatewayInvalidRequestError),
      400,
      "amount_invalid",
      "amount",
    );
    await firm.requestIssuance({ account, amount: 5 }, { idempotencyKey: "same" });
    check(
      await refusal(
        firm.requestIssuance({ account, amount: 6 }, { idempotencyKey: "same" }),
        GatewayIdempotencyKeyReusedError,
      ),
      422,
      "idempotency_key_reused",
      "Idempotency-Key",
    );
    check(
      await refusal(
        operator.createFirm({ id: "firm-a", name: "again", dcjpyAddress: chain.firms[5]!.address }),
        GatewayConflictError,
      ),
      409,
      "firm_exists",
      "id",
    );
    // A bad amount never leaves the process.
    let sent = 0;
    const counting = new GatewayClient({
      url: g.url!,
      apiKey: "x",
      fetch: (...a) => (sent++, fetch(...a)),
    });
    for (const amount of [-1, 1.5, "1e3", "0x10"]) {
      const e = await refusal(counting.requestIssuance({ account, amount }), InvalidAmountError);
      expect(e.field).to.equal("amount");
      expect(e.value).to.equal(amount);
      expect(e.shortMessage).to.equal(
        `amount must be a whole number of yen: ${JSON.stringify(amount)}`,
      );
    }
    expect(sent).to.equal(0);
  });

  it("retries an idempotent request with the same key after a lost answer and a 5xx: executed once", async function () {
    this.timeout(30_000);
    const before = (await firm.getAccount(account)).balances.pendingDebits;
    let calls = 0;
    const keys: (string | null)[] = [];
    const flaky: typeof fetch = async (url, init) => {
      calls++;
      keys.push(new Headers(init?.headers).get("idempotency-key"));
      const res = await fetch(url, init);
      if (calls === 1) throw new TypeError("fetch failed"); // the gateway did it; the answer is lost
      if (calls === 2)
        return new Response('{"error":{"code":"internal","message":"x"}}', { status: 503 });
      return res;
    };
    const c = new GatewayClient({
      url: g.url!,
      apiKey: firmKey,
      fetch: flaky,
      retryDelayMs: 1,
    });
    const i = await c.requestIssuance({ account, amount: 7 });
    expect(calls).to.equal(3);
    expect(new Set(keys).size).to.equal(1);
    expect(i.replayed).to.equal(true);
    expect((await firm.getAccount(account)).balances.pendingDebits).to.equal(before + 7n);

    // Out of retries: the last failure.
    const down: typeof fetch = async () =>
      new Response("<html>bad gateway</html>", { status: 502 });
    const e = await refusal(
      new GatewayClient({
        url: g.url!,
        apiKey: "k",
        fetch: down,
        retryDelayMs: 1,
      }).requestRedemption({ amount: 1 }),
      GatewayServerError,
    );
    expect(e.status).to.equal(502);
    // Not idempotent: sent once.
    let n = 0;
    const once: typeof fetch = async () => {
      n++;
      throw new TypeError("fetch failed");
    };
    await refusal(
      new GatewayClient({
        url: g.url!,
        apiKey: OPERATOR_KEY,
        fetch: once,
        retryDelayMs: 1,
      }).freezeFirm("firm-a", true),
      GatewayUnreachableError,
    );
    expect(n).to.equal(1);
  });

  it("reports an unreachable gateway, a timeout and an answer that is not JSON", async function () {
    this.timeout(30_000);
    const port = await freePort();
    const e1 = await refusal(
      new GatewayClient({ url: `http://127.0.0.1:${port}`, retries: 0 }).health(),
      GatewayUnreachableError,
    );
    expect(e1.message).to.match(/^GET \/healthz: /);
    const silent = createServer(() => undefined); // accepts, never answers
    const port2 = await freePort();
    await new Promise<void>((r) => silent.listen(port2, "127.0.0.1", r));
    try {
      await refusal(
        new GatewayClient({ url: `http://127.0.0.1:${port2}`, timeoutMs: 100 }).listFirms(),
        GatewayUnreachableError,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
    const html: typeof fetch = async () => new Response("<html/>", { status: 200 });
    await refusal(
      new GatewayClient({ url: g.url!, fetch: html }).listFirms(),
      GatewayUnreachableError,
    );
  });

  it("reads health, metrics and the OpenAPI document", async function () {
    expect(await operator.health()).to.deep.include({ ok: true, database: "ok" });
    expect(await operator.metrics()).to.match(/^gateway_deep_reorg 0$/m);
    const doc = await operator.openApi();
    expect(Object.keys(doc.paths as object)).to.include("/v1/issuances/{id}");
  });
});
