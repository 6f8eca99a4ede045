/** Prometheus text exposition of the gateway's state and request counts (no client library). */
import { cursors, outbox, sql, toBigInt } from "@kessai/storage";
import { databaseNow, type GatewayContext } from "../app/context.js";

export class RequestCounter {
  private readonly counts = new Map<string, number>();
  inc(method: string, route: string, status: number) {
    const k = `${method}\u0000${route}\u0000${status}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }
  lines(): string[] {
    const out = [
      "# HELP gateway_http_requests_total HTTP requests by route and status.",
      "# TYPE gateway_http_requests_total counter",
    ];
    for (const [k, n] of [...this.counts].sort()) {
      const [method, route, status] = k.split("\u0000");
      out.push(
        `gateway_http_requests_total{method="${method}",route="${esc(route!)}",status="${status}"} ${n}`,
      );
    }
    return out;
  }
}

const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

export async function metricsText(
  ctx: GatewayContext,
  requests: RequestCounter,
  extra: { deepReorg: boolean },
): Promise<string> {
  const s = await outbox.stats(ctx.store, { now: databaseNow(ctx) });
  const holds = await ctx.store.get<{
    n: unknown;
    amount: unknown;
  }>(sql`SELECT COUNT(*) AS n, COALESCE(SUM(p.amount), 0) AS amount
    FROM gw_transfers p WHERE p.kind = 'pending' AND NOT EXISTS (SELECT 1 FROM gw_transfers r WHERE r.pending_id = p.id)`);
  const states = await ctx.store.all<{ state: string; n: unknown }>(
    sql`SELECT state, COUNT(*) AS n FROM gw_issuances GROUP BY state ORDER BY state`,
  );
  const cs = await cursors.list(ctx.store);
  const lines = [
    "# HELP gateway_outbox_items Outbox items by status.",
    "# TYPE gateway_outbox_items gauge",
    ...(["pending", "claimed", "done", "dead"] as const).map(
      (k) => `gateway_outbox_items{status="${k}"} ${s[k]}`,
    ),
    "# HELP gateway_outbox_depth Outbox items not finished (pending or claimed).",
    "# TYPE gateway_outbox_depth gauge",
    `gateway_outbox_depth ${s.pending + s.claimed}`,
    "# HELP gateway_outbox_dead_letters Outbox items that ran out of attempts or failed permanently.",
    "# TYPE gateway_outbox_dead_letters gauge",
    `gateway_outbox_dead_letters ${s.dead}`,
    "# HELP gateway_holds Pending transfers (holds) not yet posted or voided.",
    "# TYPE gateway_holds gauge",
    `gateway_holds ${Number(holds?.n ?? 0)}`,
    "# HELP gateway_holds_amount Sum of the open holds.",
    "# TYPE gateway_holds_amount gauge",
    `gateway_holds_amount ${toBigInt(holds?.amount ?? 0)}`,
    "# HELP gateway_issuances Issuances by state.",
    "# TYPE gateway_issuances gauge",
    ...states.map((r) => `gateway_issuances{state="${r.state}"} ${Number(r.n)}`),
    "# HELP gateway_last_processed_block Last confirmed block applied, per consumer and chain.",
    "# TYPE gateway_last_processed_block gauge",
    ...cs.map(
      (c) =>
        `gateway_last_processed_block{consumer="${esc(c.consumer)}",chain_id="${c.chainId}"} ${c.blockNumber}`,
    ),
    "# HELP gateway_deep_reorg 1 when a reorg deeper than the confirmations stopped the watcher.",
    "# TYPE gateway_deep_reorg gauge",
    `gateway_deep_reorg ${extra.deepReorg ? 1 : 0}`,
    ...requests.lines(),
  ];
  return `${lines.join("\n")}\n`;
}
