/**
 * The service's HTTP endpoints (fastify, as the bank gateway's API): `GET /healthz` (200 when both
 * chains answer and the database is open, 503 otherwise, a {@link HealthReport} either way) and
 * `GET /metrics` (Prometheus text from {@link Verifier.metricsText}). Nothing else is served: the
 * service takes no commands over HTTP.
 */
import Fastify, { type FastifyInstance } from "fastify";
import type { HealthReport, Verifier } from "./verifier.js";

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

/** The 404 body for any other path. */
export interface NotFoundBody {
  error: "not_found";
  message: string;
}

/** Builds the fastify app (not listening: tests may `inject`). */
export function buildHttp(
  verifier: Pick<Verifier, "health" | "metricsText">,
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
  app.setNotFoundHandler((req, reply) => {
    const body: NotFoundBody = { error: "not_found", message: `no route ${req.method} ${req.url}` };
    return reply.code(404).send(body);
  });
  return app;
}

/** Starts the endpoints; `close()` stops them. */
export async function listenHttp(
  verifier: Pick<Verifier, "health" | "metricsText">,
  o: HttpOptions = {},
): Promise<VerifierHttp> {
  const server = buildHttp(verifier, o);
  const host = o.host ?? "127.0.0.1";
  await server.listen({ host, port: o.port ?? 0 });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  return { url: `http://${host}:${port}`, server, close: () => server.close() };
}
