/**
 * An in-process Hardhat network served over HTTP JSON-RPC on a free port (the CLI speaks HTTP
 * only): what the two-ledger CLI tests start for each ledger.
 */
import { createServer, type Server } from "node:http";
import type { NetworkConnection } from "hardhat/types/network";

/** Serves an in-process Hardhat network over HTTP JSON-RPC (the CLI speaks HTTP only). */
export async function serve(c: NetworkConnection): Promise<Server & { url: string }> {
  const one = async (req: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      const result = await c.provider.request({ method: req.method, params: req.params ?? [] });
      return { jsonrpc: "2.0", id: req.id, result };
    } catch (e) {
      const err = e as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: req.id,
        error: { code: err.code ?? -32603, message: err.message ?? String(e), data: err.data },
      };
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      void (async () => {
        const doc = JSON.parse(body) as Parameters<typeof one>[0] | Parameters<typeof one>[0][];
        const out = Array.isArray(doc) ? await Promise.all(doc.map(one)) : await one(doc);
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify(out, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)),
        );
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return Object.assign(server, { url: `http://127.0.0.1:${port}` });
}
