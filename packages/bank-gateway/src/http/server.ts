/**
 * The HTTP transport (fastify 5): thin routes that authenticate, validate with the zod schemas,
 * call a use case and turn its result or error into JSON. Every error is
 * `{ error: { code, message, field? } }` with a 4xx (or 500/503) status. The OpenAPI 3.1 document
 * is generated from the same route table.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { z } from "zod";
import type { Logger as PinoLogger } from "pino";
import { CheckViolationError, sql } from "@kessai/storage";
import type { GatewayContext } from "../app/context.js";
import {
  accountStatement,
  firmAccount,
  firmAccounts,
  readIssuance,
  readRedemption,
  requestIssuance,
  requestRedemption,
} from "../app/firm-requests.js";
import { checkIdempotencyKey, requestHash } from "../app/idempotency.js";
import {
  closeFirm,
  createFirm,
  createFirmApiKey,
  firm,
  firms,
  freezeFirm,
  fundDeposit,
} from "../app/operator.js";
import { reconcile } from "../app/reconcile.js";
import { accountView } from "../app/views.js";
import { ConflictError, GatewayError, InvalidInputError } from "../domain/errors.js";
import { violates } from "../store/ledger.js";
import { authenticate, requireFirm, requireOperator, type Principal } from "./auth.js";
import { metricsText, RequestCounter } from "./metrics.js";
import * as S from "./schemas.js";

type Auth = "firm" | "operator" | "none";

interface Call {
  principal: Principal | undefined;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  idempotencyKey: string | undefined;
  hash: string;
  req: FastifyRequest;
}

interface Route {
  method: "GET" | "POST";
  url: string;
  summary: string;
  auth: Auth;
  idempotent?: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (c: Call) => Promise<{ status: number; body: unknown; replayed?: boolean }>;
}

const ok = (body: unknown) => ({ status: 200, body });

function routes(
  ctx: GatewayContext,
  health: () => Promise<{ ok: boolean; body: unknown }>,
  metrics: () => Promise<string>,
): Route[] {
  const E = (d: string) => ({ description: d, schema: S.ErrorBody });
  const common = { 400: E("Invalid input"), 401: E("Missing or unknown API key") };
  return [
    {
      method: "POST",
      url: "/v1/issuances",
      auth: "firm",
      idempotent: true,
      body: S.IssuanceRequest,
      summary: "Request DCJPY against a debit of one of the firm's deposit accounts (step 3)",
      responses: {
        201: { description: "Held and queued for issuance", schema: S.IssuanceBody },
        ...common,
        403: E("Not a firm's key"),
        404: E("Unknown account"),
        409: E("Insufficient funds, account not open or frozen"),
        422: E("Idempotency-Key reused with another request"),
      },
      handler: (c) =>
        requestIssuance(ctx, requireFirm(c.principal!), {
          ...(c.body as object as { account: unknown; amount: unknown }),
          idempotencyKey: c.idempotencyKey!,
          hash: c.hash,
        }),
    },
    {
      method: "GET",
      url: "/v1/issuances/:id",
      auth: "firm",
      params: S.IdParams,
      summary: "An issuance of the firm",
      responses: {
        200: { description: "The issuance", schema: S.IssuanceBody },
        ...common,
        404: E("No such issuance for this firm"),
      },
      handler: async (c) => ok(await readIssuance(ctx, requireFirm(c.principal!), c.params.id!)),
    },
    {
      method: "POST",
      url: "/v1/redemptions",
      auth: "firm",
      idempotent: true,
      body: S.RedemptionRequest,
      summary:
        "Instruct the bank to redeem the firm's DCJPY (redeemFrom) and credit its deposit account (step 7)",
      responses: {
        201: { description: "Queued for redemption", schema: S.RedemptionBody },
        ...common,
        409: E("Not enough DCJPY, account not open or frozen"),
        422: E("Idempotency-Key reused with another request"),
      },
      handler: (c) =>
        requestRedemption(ctx, requireFirm(c.principal!), {
          ...(c.body as { amount: unknown }),
          idempotencyKey: c.idempotencyKey!,
          hash: c.hash,
        }),
    },
    {
      method: "GET",
      url: "/v1/redemptions/:id",
      auth: "firm",
      params: S.IdParams,
      summary: "A redemption of the firm",
      responses: {
        200: { description: "The redemption", schema: S.RedemptionBody },
        ...common,
        404: E("No such redemption for this firm"),
      },
      handler: async (c) => ok(await readRedemption(ctx, requireFirm(c.principal!), c.params.id!)),
    },
    {
      method: "GET",
      url: "/v1/accounts",
      auth: "firm",
      summary: "The firm's accounts with their balances",
      responses: {
        200: { description: "Accounts", schema: z.object({ accounts: z.array(S.AccountBody) }) },
        ...common,
      },
      handler: async (c) => ok({ accounts: await firmAccounts(ctx, requireFirm(c.principal!)) }),
    },
    {
      method: "GET",
      url: "/v1/accounts/:id",
      auth: "firm",
      params: S.IdParams,
      summary: "One account and its balances (the firm's own; the operator's: any)",
      responses: {
        200: { description: "The account", schema: S.AccountBody },
        ...common,
        404: E("No such account for this key"),
      },
      handler: async (c) =>
        ok(accountView(await firmAccount(ctx, scopeOf(c.principal!), c.params.id!))),
    },
    {
      method: "GET",
      url: "/v1/accounts/:id/statement",
      auth: "firm",
      params: S.IdParams,
      query: S.StatementQuery,
      summary: "An account's transfers, oldest first; pass nextCursor as cursor for the next page",
      responses: {
        200: { description: "A page of the statement", schema: S.StatementBody },
        ...common,
        404: E("No such account for this key"),
      },
      handler: async (c) =>
        ok(
          await accountStatement(
            ctx,
            scopeOf(c.principal!),
            c.params.id!,
            c.query as { cursor?: string; limit?: number },
          ),
        ),
    },
    {
      method: "POST",
      url: "/v1/admin/firms",
      auth: "operator",
      body: S.FirmRequest,
      summary:
        "Open a firm: its deposit account now, its DCJPY account through the outbox; returns its first API key",
      responses: {
        201: {
          description: "Opening",
          schema: z.object({ firm: S.FirmBody, account: S.AccountBody, apiKey: z.string() }),
        },
        ...common,
        403: E("Not an operator key"),
        409: E("Firm or address exists"),
      },
      handler: async (c) => ({
        status: 201,
        body: await createFirm(ctx, c.body as { id: string; name: string; dcjpyAddress: string }),
      }),
    },
    {
      method: "GET",
      url: "/v1/admin/firms",
      auth: "operator",
      summary: "All firms",
      responses: {
        200: { description: "Firms", schema: z.object({ firms: z.array(S.FirmBody) }) },
        ...common,
        403: E("Not an operator key"),
      },
      handler: async () => ok({ firms: await firms(ctx) }),
    },
    {
      method: "GET",
      url: "/v1/admin/firms/:id",
      auth: "operator",
      params: S.IdParams,
      summary: "One firm",
      responses: {
        200: { description: "The firm", schema: S.FirmBody },
        ...common,
        403: E("Not an operator key"),
        404: E("No such firm"),
      },
      handler: async (c) => ok(await firm(ctx, c.params.id!)),
    },
    {
      method: "POST",
      url: "/v1/admin/firms/:id/api-keys",
      auth: "operator",
      params: S.IdParams,
      summary: "Another API key for a firm (shown once)",
      responses: {
        201: { description: "The key", schema: z.object({ apiKey: z.string() }) },
        ...common,
        403: E("Not an operator key"),
        404: E("No such firm"),
      },
      handler: async (c) => ({ status: 201, body: await createFirmApiKey(ctx, c.params.id!) }),
    },
    {
      method: "POST",
      url: "/v1/admin/firms/:id/close",
      auth: "operator",
      params: S.IdParams,
      summary: "Close a firm's deposit account and DCJPY account (both empty)",
      responses: {
        202: { description: "Closing", schema: S.FirmBody },
        ...common,
        403: E("Not an operator key"),
        404: E("No such firm"),
        409: E("Not open, or not empty"),
      },
      handler: async (c) => ({ status: 202, body: await closeFirm(ctx, c.params.id!) }),
    },
    {
      method: "POST",
      url: "/v1/admin/firms/:id/freeze",
      auth: "operator",
      params: S.IdParams,
      body: S.FreezeRequest,
      summary: "Freeze or unfreeze a firm (gateway at once, DCJPY through the outbox)",
      responses: {
        202: { description: "Freezing", schema: S.FirmBody },
        ...common,
        403: E("Not an operator key"),
        404: E("No such firm"),
      },
      handler: async (c) => ({
        status: 202,
        body: await freezeFirm(ctx, c.params.id!, (c.body as { frozen: boolean }).frozen),
      }),
    },
    {
      method: "POST",
      url: "/v1/admin/deposits",
      auth: "operator",
      idempotent: true,
      body: S.DepositRequest,
      summary: "Credit a firm's deposit account with money from outside the ledger (funding)",
      responses: {
        201: {
          description: "Posted",
          schema: z.object({ transferId: z.number(), amount: z.string(), account: S.AccountBody }),
        },
        ...common,
        403: E("Not an operator key"),
        404: E("No such firm"),
        409: E("Account closed"),
        422: E("Idempotency-Key reused with another request"),
      },
      handler: (c) =>
        fundDeposit(ctx, {
          ...(c.body as { firmId: unknown; amount: unknown }),
          idempotencyKey: c.idempotencyKey!,
          hash: c.hash,
        }),
    },
    {
      method: "GET",
      url: "/v1/admin/reconciliation",
      auth: "operator",
      summary:
        "Reconcile the dedicated account with DCJPY's supply and every event with one posting",
      responses: {
        200: { description: "The report (ok: false lists every difference)" },
        ...common,
        403: E("Not an operator key"),
        409: E("The watcher has applied no block yet"),
      },
      handler: async () => ok(await reconcile(ctx)),
    },
    {
      method: "GET",
      url: "/healthz",
      auth: "none",
      summary: "Database and chain reachability",
      responses: { 200: { description: "Both reachable" }, 503: { description: "One is not" } },
      handler: async () => {
        const h = await health();
        return { status: h.ok ? 200 : 503, body: h.body };
      },
    },
    {
      method: "GET",
      url: "/metrics",
      auth: "none",
      summary: "Prometheus metrics",
      responses: { 200: { description: "Prometheus text format" } },
      handler: async () => ({ status: 200, body: await metrics() }),
    },
  ];
}

/** Operators read any account; a firm its own. */
function scopeOf(p: Principal): string | undefined {
  return p.role === "operator" ? undefined : p.firmId;
}

function zodError(e: z.ZodError, where: "body" | "query" | "params"): InvalidInputError {
  const issue = e.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = (issue as { keys?: string[] }).keys?.[0] ?? "?";
    return new InvalidInputError("unknown_field", `Unknown field ${key}`, [...path, key].join("."));
  }
  const field = path.join(".") || where;
  const code = path.length ? `${path[path.length - 1]}_invalid` : `${where}_invalid`;
  const message =
    issue.code === "invalid_type" && issue.message.includes("received undefined")
      ? `${field} is required`
      : `${field}: ${issue.message}`;
  return new InvalidInputError(path.length ? code : `${where}_invalid`, message, field);
}

/** An error as the API answers it. */
export function errorResponse(e: unknown): {
  status: number;
  body: { error: { code: string; message: string; field?: string } };
} {
  if (e instanceof GatewayError) {
    return {
      status: e.status,
      body: { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } },
    };
  }
  // The SQL constraints are the last word; their violations are the user's errors too.
  if (violates(e, "gw_accounts__no_overdraft")) {
    return errorResponse(
      new ConflictError("insufficient_funds", "The debit would overdraw the account", "amount"),
    );
  }
  if (violates(e, "gw_transfers__account_open")) {
    return errorResponse(new ConflictError("account_closed", "The account is closed"));
  }
  const fe = e as { code?: string; statusCode?: number; message?: string };
  if (typeof fe.code === "string" && fe.code.startsWith("FST_")) {
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return {
        status: 415,
        body: { error: { code: "unsupported_media_type", message: "Send application/json" } },
      };
    }
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return {
        status: 413,
        body: { error: { code: "body_too_large", message: "The body is too large" } },
      };
    }
    if (fe.statusCode === 400 || fe.code.startsWith("FST_ERR_CTP")) {
      return {
        status: 400,
        body: { error: { code: "malformed_json", message: "The body is not valid JSON" } },
      };
    }
  }
  if (e instanceof CheckViolationError) {
    return {
      status: 409,
      body: { error: { code: "constraint_violated", message: e.shortMessage } },
    };
  }
  return { status: 500, body: { error: { code: "internal", message: "Internal error" } } };
}

export interface HttpOptions {
  operatorKeyHashes: readonly string[];
  logger: PinoLogger;
  /** Whether the watcher stopped on a reorg deeper than the confirmations (for /metrics). */
  deepReorg: () => boolean;
}

/** The fastify app with every route, the error handler and /openapi.json. */
export async function buildHttp(ctx: GatewayContext, o: HttpOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.logger as unknown as FastifyBaseLogger,
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
    bodyLimit: 64 * 1024,
  });
  const requests = new RequestCounter();
  const health = async () => {
    const db = await ctx.store.get(sql`SELECT 1 AS ok`).then(
      () => "ok",
      (e: Error) => e.message,
    );
    const chain = await Promise.race([
      ctx.chain.head().then(
        (h) => `ok (block ${h.number})`,
        (e: Error) => e.message,
      ),
      new Promise<string>((r) => setTimeout(() => r("timeout after 2000 ms"), 2_000).unref()),
    ]);
    return { ok: db === "ok" && chain.startsWith("ok"), body: { database: db, chain } };
  };
  const table = routes(ctx, health, () => metricsText(ctx, requests, { deepReorg: o.deepReorg() }));

  app.setErrorHandler((err, req, reply) => {
    const r = errorResponse(err);
    if (r.status >= 500) req.log.error({ err }, "request failed");
    else req.log.info({ code: r.body.error.code, status: r.status }, "request refused");
    void reply.status(r.status).send(r.body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: {
        code: "route_not_found",
        message: `No route ${req.method} ${req.url.split("?")[0]}`,
      },
    });
  });
  app.addHook("onResponse", async (req, reply) => {
    requests.inc(req.method, req.routeOptions.url ?? "unknown", reply.statusCode);
  });

  for (const r of table) {
    app.route({
      method: r.method,
      url: r.url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        let principal: Principal | undefined;
        if (r.auth !== "none") {
          principal = await authenticate(ctx.store, o.operatorKeyHashes, req.headers.authorization);
          if (r.auth === "operator") requireOperator(principal);
          if (
            r.auth === "firm" &&
            principal.role !== "firm" &&
            !r.url.startsWith("/v1/accounts/:id")
          )
            requireFirm(principal);
        }
        const parse = (
          schema: z.ZodType | undefined,
          value: unknown,
          where: "body" | "query" | "params",
        ) => {
          if (!schema) return value;
          const res = schema.safeParse(value ?? (where === "body" ? undefined : {}));
          if (!res.success) throw zodError(res.error, where);
          return res.data;
        };
        const params = parse(r.params, req.params, "params") as Record<string, string>;
        const query = parse(r.query, req.query, "query") as Record<string, unknown>;
        const body = parse(r.body, req.body, "body");
        let idempotencyKey: string | undefined;
        if (r.idempotent) idempotencyKey = checkIdempotencyKey(req.headers["idempotency-key"]);
        const hash = requestHash(r.method, r.url, body);
        const result = await r.handler({
          principal,
          params,
          query,
          body,
          idempotencyKey,
          hash,
          req,
        });
        const b = result.body as { reference?: string; id?: string } | string;
        if (typeof b === "object" && b && (b.reference || b.id) && r.method === "POST") {
          req.log.info(
            {
              reference: b.reference,
              id: b.id,
              replayed: result.replayed ?? false,
              status: result.status,
            },
            `${r.method} ${r.url}`,
          );
        }
        if (result.replayed) void reply.header("idempotent-replayed", "true");
        if (typeof result.body === "string") void reply.type("text/plain; version=0.0.4");
        return reply.status(result.status).send(result.body);
      },
    });
  }
  const openapi = openApiDocument(table);
  app.get("/openapi.json", async () => openapi);
  return app;
}

/** OpenAPI 3.1 from the route table. */
export function openApiDocument(table: Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  const json = (s: z.ZodType) =>
    z.toJSONSchema(s, { target: "openapi-3.0", unrepresentable: "any", io: "input" });
  for (const r of table) {
    const path = r.url.replace(/:([a-z]+)/g, "{$1}");
    const parameters: unknown[] = [];
    for (const m of r.url.matchAll(/:([a-z]+)/g))
      parameters.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
    if (r.query instanceof z.ZodObject) {
      for (const [name, s] of Object.entries(r.query.shape as Record<string, z.ZodType>)) {
        parameters.push({ name, in: "query", required: false, schema: json(s) });
      }
    }
    if (r.idempotent) {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: true,
        schema: { type: "string", maxLength: 255 },
        description: "Same key and body: the same response; same key, another body: 422",
      });
    }
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.auth === "none" ? { security: [] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: json(r.body) } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([code, d]) => [
          code,
          {
            description: d.description,
            ...(d.schema ? { content: { "application/json": { schema: json(d.schema) } } } : {}),
          },
        ]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Kessai bank gateway",
      version: "0.1.0",
      description: "The bank's deposit ledger for DCJPY issuance (step 3) and redemption (step 7).",
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "A firm's key kgw_<id>_<secret>, or an operator key",
        },
      },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}
