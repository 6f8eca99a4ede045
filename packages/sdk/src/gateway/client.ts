/**
 * A typed HTTP client of the bank gateway's API (@kessai/bank-gateway), for firms, the bank's
 * operator, the CLI and {@link BankClient}'s `gateway`. One method per route, named after its use
 * case; amounts are bigints both ways (decimal strings on the wire); every refusal is a
 * {@link GatewayRequestError} subclass by HTTP status carrying the body's `code`, `reason` and
 * `field`; a network failure or a non-JSON answer is a {@link GatewayUnreachableError}; an amount
 * that is not whole yen is an {@link InvalidAmountError} and is never sent.
 *
 * Requests with an Idempotency-Key (issuance, redemption, deposit) take the caller's key, or make
 * one; a failure in transport or a 5xx is retried with the same key (`retries`, default 2), so a
 * retried request never executes twice. Other requests are sent once.
 *
 * Needs only `fetch` (Node 18+, browsers) and imports nothing of ethers: it is also the SDK's
 * subpath `@kessai/sdk/gateway`, which the gateway re-exports as `@kessai/bank-gateway/client`.
 *
 * @example
 * const firm = new GatewayClient({ url: "http://127.0.0.1:8080", apiKey: firmKey });
 * const i = await firm.requestIssuance({ account: "dep_firm-a", amount: 300_000n });
 * const done = await firm.getIssuance(i.id); // state: pending → sent → mined → issued
 */
import {
  GatewayServerError,
  GatewayUnreachableError,
  gatewayRequestError,
} from "../errors/gateway.js";
import { InvalidAmountError } from "../errors/input.js";
import type {
  GatewayAccount,
  GatewayAccountBalances,
  GatewayAmount,
  GatewayDeposit,
  GatewayDifference,
  GatewayFirm,
  GatewayHealth,
  GatewayIssuance,
  GatewayReconciliation,
  GatewayRedemption,
  GatewayStatement,
  GatewayStatementLine,
} from "./types.js";

/** Options of {@link GatewayClient}. */
export interface GatewayClientOptions {
  /** The gateway's base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  /** A firm's key (`kgw_<id>_<secret>`) or an operator key. */
  apiKey?: string;
  /** Per request, ms (default 30,000). */
  timeoutMs?: number;
  /** Retries of an idempotent request after a transport failure or a 5xx (default 2). */
  retries?: number;
  /** Pause before a retry, ms (default 200, doubling). */
  retryDelayMs?: number;
  /** A fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** Per-call options of requests that take an Idempotency-Key. */
export interface GatewayIdempotentOptions {
  /** The same key and body: the same response, executed once (default: a new random key). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

type Json = Record<string, unknown>;

const big = (v: unknown) => BigInt(v as string);
const bigOrNull = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as string));

const toBalances = (b: Json): GatewayAccountBalances => ({
  posted: big(b.posted),
  available: big(b.available),
  pendingDebits: big(b.pendingDebits),
  pendingCredits: big(b.pendingCredits),
});
const toAccount = (a: Json): GatewayAccount =>
  ({ ...a, balances: toBalances(a.balances as Json) }) as unknown as GatewayAccount;
const toIssuance = (i: Json, replayed: boolean): GatewayIssuance => {
  const { object: _o, ...rest } = i;
  return {
    ...(rest as unknown as GatewayIssuance),
    requestId: bigOrNull(i.requestId),
    amount: big(i.amount),
    replayed,
  };
};
const toRedemption = (r: Json, replayed: boolean): GatewayRedemption => {
  const { object: _o, ...rest } = r;
  return { ...(rest as unknown as GatewayRedemption), amount: big(r.amount), replayed };
};

function yen(v: GatewayAmount, field: string): string {
  const s = typeof v === "bigint" ? v.toString() : typeof v === "number" ? String(v) : v;
  if (
    typeof s !== "string" ||
    !/^[0-9]+$/.test(s) ||
    (typeof v === "number" && !Number.isSafeInteger(v))
  )
    throw new InvalidAmountError(field, v, "must be a whole number of yen");
  return s;
}

/** A typed client of one gateway's API with one key. */
export class GatewayClient {
  readonly url: string;
  private readonly apiKey: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly fetch: typeof fetch;

  constructor(o: GatewayClientOptions) {
    this.url = o.url.replace(/\/+$/, "");
    this.apiKey = o.apiKey;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.retries = o.retries ?? 2;
    this.retryDelayMs = o.retryDelayMs ?? 200;
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  /** The same gateway with another key. */
  withKey(apiKey: string): GatewayClient {
    return new GatewayClient({
      url: this.url,
      apiKey,
      timeoutMs: this.timeoutMs,
      retries: this.retries,
      retryDelayMs: this.retryDelayMs,
      fetch: this.fetch,
    });
  }

  // ---- firms -------------------------------------------------------------------------------

  /** Step 3: a hold on one of the firm's deposit accounts, then DCJPY issued to its address. */
  async requestIssuance(
    p: { account: string; amount: GatewayAmount },
    o: GatewayIdempotentOptions = {},
  ): Promise<GatewayIssuance> {
    const r = await this.idempotent(
      "/v1/issuances",
      { account: p.account, amount: yen(p.amount, "amount") },
      o,
    );
    return toIssuance(r.body, r.replayed);
  }

  /** An issuance of the firm (404 for another firm's). */
  async getIssuance(id: string, o: { signal?: AbortSignal } = {}): Promise<GatewayIssuance> {
    return toIssuance(await this.get(`/v1/issuances/${encodeURIComponent(id)}`, o), false);
  }

  /** Step 7 on the firm's instruction: the bank burns its DCJPY and credits its deposit account. */
  async requestRedemption(
    p: { amount: GatewayAmount },
    o: GatewayIdempotentOptions = {},
  ): Promise<GatewayRedemption> {
    const r = await this.idempotent("/v1/redemptions", { amount: yen(p.amount, "amount") }, o);
    return toRedemption(r.body, r.replayed);
  }

  /** A redemption of the firm. */
  async getRedemption(id: string, o: { signal?: AbortSignal } = {}): Promise<GatewayRedemption> {
    return toRedemption(await this.get(`/v1/redemptions/${encodeURIComponent(id)}`, o), false);
  }

  /** The firm's accounts with their balances. */
  async listAccounts(o: { signal?: AbortSignal } = {}): Promise<GatewayAccount[]> {
    const body = await this.get("/v1/accounts", o);
    return (body.accounts as Json[]).map(toAccount);
  }

  /** One account (the firm's own; any for an operator). */
  async getAccount(id: string, o: { signal?: AbortSignal } = {}): Promise<GatewayAccount> {
    return toAccount(await this.get(`/v1/accounts/${encodeURIComponent(id)}`, o));
  }

  /** One page of an account's statement, oldest first; pass `nextCursor` as `cursor`. */
  async getStatement(
    id: string,
    page: { cursor?: string; limit?: number; signal?: AbortSignal } = {},
  ): Promise<GatewayStatement> {
    const q = new URLSearchParams();
    if (page.cursor !== undefined) q.set("cursor", page.cursor);
    if (page.limit !== undefined) q.set("limit", String(page.limit));
    const qs = q.toString() ? `?${q.toString()}` : "";
    const body = await this.get(`/v1/accounts/${encodeURIComponent(id)}/statement${qs}`, page);
    return {
      account: body.account as string,
      nextCursor: body.nextCursor as string | null,
      lines: (body.lines as Json[]).map(
        (l) => ({ ...l, amount: big(l.amount) }) as unknown as GatewayStatementLine,
      ),
    };
  }

  /** Every line of an account's statement, page by page. */
  async *statementLines(
    id: string,
    o: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<GatewayStatementLine> {
    let cursor: string | undefined;
    do {
      const page = await this.getStatement(id, { cursor, limit: o.pageSize, signal: o.signal });
      yield* page.lines;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  // ---- the bank's operator -----------------------------------------------------------------

  /** Opens a firm: its deposit account now, its DCJPY account through the outbox; its first key. */
  async createFirm(p: {
    id: string;
    name: string;
    dcjpyAddress: string;
  }): Promise<{ firm: GatewayFirm; account: GatewayAccount; apiKey: string }> {
    const body = await this.send("POST", "/v1/admin/firms", p);
    return {
      firm: body.firm as unknown as GatewayFirm,
      account: toAccount(body.account as Json),
      apiKey: body.apiKey as string,
    };
  }

  /** Every firm (operator). */
  async listFirms(o: { signal?: AbortSignal } = {}): Promise<GatewayFirm[]> {
    return (await this.get("/v1/admin/firms", o)).firms as unknown as GatewayFirm[];
  }

  /** One firm (operator). */
  async getFirm(id: string, o: { signal?: AbortSignal } = {}): Promise<GatewayFirm> {
    return (await this.get(
      `/v1/admin/firms/${encodeURIComponent(id)}`,
      o,
    )) as unknown as GatewayFirm;
  }

  /** Another API key for a firm (shown once). */
  async createFirmApiKey(firmId: string): Promise<string> {
    const body = await this.send("POST", `/v1/admin/firms/${encodeURIComponent(firmId)}/api-keys`);
    return body.apiKey as string;
  }

  /** Closes a firm's deposit and DCJPY accounts (both empty); `status` goes closing → closed. */
  async closeFirm(firmId: string): Promise<GatewayFirm> {
    return (await this.send(
      "POST",
      `/v1/admin/firms/${encodeURIComponent(firmId)}/close`,
    )) as unknown as GatewayFirm;
  }

  /** Freezes (or unfreezes) a firm: refused by the gateway at once, on DCJPY via the outbox. */
  async freezeFirm(firmId: string, frozen: boolean): Promise<GatewayFirm> {
    return (await this.send("POST", `/v1/admin/firms/${encodeURIComponent(firmId)}/freeze`, {
      frozen,
    })) as unknown as GatewayFirm;
  }

  /** Money entering a firm's deposit account from outside the ledger. */
  async fundDeposit(
    p: { firmId: string; amount: GatewayAmount },
    o: GatewayIdempotentOptions = {},
  ): Promise<GatewayDeposit> {
    const r = await this.idempotent(
      "/v1/admin/deposits",
      { firmId: p.firmId, amount: yen(p.amount, "amount") },
      o,
    );
    return {
      transferId: r.body.transferId as number,
      amount: big(r.body.amount),
      account: toAccount(r.body.account as Json),
      replayed: r.replayed,
    };
  }

  /** Reconciliation of the dedicated account with DCJPY's supply, event by event. */
  async reconcile(o: { signal?: AbortSignal } = {}): Promise<GatewayReconciliation> {
    const b = await this.get("/v1/admin/reconciliation", o);
    const holds = b.pendingHolds as Json;
    const suspense = b.suspense as Json;
    return {
      ...(b as unknown as GatewayReconciliation),
      totalSupply: big(b.totalSupply),
      dedicatedPosted: big(b.dedicatedPosted),
      supplyDifference: big(b.supplyDifference),
      differences: (b.differences as Json[]).map(
        (d) =>
          ({
            ...d,
            eventAmount: bigOrNull(d.eventAmount),
            postedAmount: bigOrNull(d.postedAmount),
          }) as unknown as GatewayDifference,
      ),
      pendingHolds: {
        count: holds.count as number,
        amount: big(holds.amount),
        items: (holds.items as Json[]).map((h) => ({
          reference: h.reference as string,
          amount: big(h.amount),
          createdAt: h.createdAt as string,
        })),
      },
      suspense: { posted: big(suspense.posted), postings: suspense.postings as number },
      totalsMismatches: (b.totalsMismatches as Json[]).map((m) => ({
        accountId: m.accountId as string,
        column: m.column as string,
        stored: big(m.stored),
        fromTransfers: big(m.fromTransfers),
      })),
    };
  }

  // ---- anyone ------------------------------------------------------------------------------

  /** `/healthz`: the database and the chain reachable (`ok: false` on a 503, not thrown). */
  async health(): Promise<GatewayHealth> {
    const r = await this.request("GET", "/healthz", undefined, {}, [200, 503]);
    return { ok: r.status === 200, ...(r.body as { database: string; chain: string }) };
  }

  /** `/metrics` in Prometheus's text format. */
  async metrics(): Promise<string> {
    return (await this.request("GET", "/metrics", undefined, {}, [200], "text")).text;
  }

  /** The OpenAPI 3.1 document of the API. */
  async openApi(): Promise<Record<string, unknown>> {
    return this.get("/openapi.json", {});
  }

  // ---- transport ---------------------------------------------------------------------------

  private async get(path: string, o: { signal?: AbortSignal }): Promise<Json> {
    return (await this.request("GET", path, undefined, { signal: o.signal })).body as Json;
  }

  private async send(method: "POST", path: string, body?: unknown): Promise<Json> {
    return (await this.request(method, path, body, {})).body as Json;
  }

  /** A POST with an Idempotency-Key, retried with that key on a transport failure or a 5xx. */
  private async idempotent(
    path: string,
    body: unknown,
    o: GatewayIdempotentOptions,
  ): Promise<{ body: Json; replayed: boolean }> {
    const key = o.idempotencyKey ?? globalThis.crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.request("POST", path, body, {
          signal: o.signal,
          headers: { "idempotency-key": key },
        });
        return { body: r.body as Json, replayed: r.replayed };
      } catch (e) {
        const retry =
          (e instanceof GatewayUnreachableError || e instanceof GatewayServerError) &&
          attempt < this.retries &&
          !o.signal?.aborted;
        if (!retry) throw e;
        await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
      }
    }
  }

  private async request(
    method: string,
    path: string,
    body: unknown,
    o: { signal?: AbortSignal; headers?: Record<string, string> },
    ok: number[] = [200, 201, 202],
    as: "json" | "text" = "json",
  ): Promise<{ status: number; body: unknown; text: string; replayed: boolean }> {
    const headers: Record<string, string> = { ...o.headers };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
    let res: Response;
    let text: string;
    try {
      res = await this.fetch(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await res.text();
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason;
      throw new GatewayUnreachableError(method, path, (e as Error)?.message ?? String(e), {
        cause: e,
      });
    }
    let parsed: unknown;
    if (as === "json" || !ok.includes(res.status)) {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        if (res.status >= 500) throw gatewayRequestError(res.status, undefined, method, path);
        throw new GatewayUnreachableError(
          method,
          path,
          `answered ${res.status} with a body that is not JSON`,
          { cause: e },
        );
      }
    }
    if (!ok.includes(res.status)) throw gatewayRequestError(res.status, parsed, method, path);
    return {
      status: res.status,
      body: parsed,
      text,
      replayed: res.headers.get("idempotent-replayed") === "true",
    };
  }
}
