/**
 * The service's HTTP endpoints (fastify, as the bank gateway's API): `GET /healthz` (200 when both
 * chains answer and the database is open, 503 otherwise, a {@link HealthReport} either way) and
 * `GET /metrics` (Prometheus text from {@link Verifier.metricsText}) and `GET
 * /settlements/<id>/attestation` (the ST ledger's attestation once the service signed it, after
 * the cash ledger's outcome had its confirmations: 200 {@link PublishedAttestation}, 404 before,
 * 400 for an ID that is not 32 bytes of hex), so that the buyer or any relayer can present it
 * without the service. Nothing else is served: the service takes no commands over HTTP.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { HealthReport, PublishedAttestation, Verifier } from "./verifier.js";

export interface HttpOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one, see {@link VerifierHttp.url}). */
  port?: number;
  /** Milliseconds each readiness check may take (default 2,000). */
  healthTimeoutMs?: number;
}

/** A listening HTTP server of the service. */
export interface VerifierHttp {
  /** `http://host:port` it listens on. */
  url: string;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** The 404 body for any other path, or an attestation not signed yet. */
export interface NotFoundBody {
  error: "not_found";
  message: string;
}

/** The 400 body for a settlement ID that is not 32 bytes of hex. */
export interface BadRequestBody {
  error: "bad_request";
  message: string;
}

/** Builds the fastify app (not listening: tests may `inject`). */
export function buildHttp(
  verifier: Pick<Verifier, "health" | "metricsText" | "attestation">,
  o: Pick<HttpOptions, "healthTimeoutMs"> = {},
): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get("/healthz", async (_req, reply) => {
    const report: HealthReport = await verifier.health(o.healthTimeoutMs);
    return reply.code(report.status === "ok" ? 200 : 503).send(report);
  });
  app.get("/metrics", async (_req, reply) =>
    reply
      .code(200)
      .header("content-type", "text/plain; version=0.0.4; charset=utf-8")
      .send(await verifier.metricsText()),
  );
  app.get<{ Params: { id: string } }>("/settlements/:id/attestation", async (req, reply) => {
    const { id } = req.params;
    if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
      const body: BadRequestBody = {
        error: "bad_request",
        message: `settlement ID must be 0x and 64 hex digits, got ${JSON.stringify(id)}`,
      };
      return reply.code(400).send(body);
    }
    const found: PublishedAttestation | undefined = await verifier.attestation(id);
    if (found) return reply.code(200).send(found);
    const body: NotFoundBody = {
      error: "not_found",
      message: `no attestation for ${id.toLowerCase()} (not signed: the cash ledger's outcome is not confirmed, or not this service's settlement)`,
    };
    return reply.code(404).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const body: NotFoundBody = { error: "not_found", message: `no route ${req.method} ${req.url}` };
    return reply.code(404).send(body);
  });
  return app;
}

/** Starts the endpoints; `close()` stops them. */
export async function listenHttp(
  verifier: Pick<Verifier, "health" | "metricsText" | "attestation">,
  o: HttpOptions = {},
): Promise<VerifierHttp> {
  const server = buildHttp(verifier, o);
  const host = o.host ?? "127.0.0.1";
  await server.listen({ host, port: o.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  return { url: `http://${host}:${port}`, server, close: () => server.close() };
}
