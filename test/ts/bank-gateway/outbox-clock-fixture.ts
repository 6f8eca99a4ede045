/** What the tests of the gateway's outbox on the database's clock share. */
import { databaseTime, outbox, sql, type Store } from "@kessai/storage";
import type { GatewayContext } from "../../../packages/bank-gateway/src/index.js";
import { TOPIC } from "../../../packages/bank-gateway/src/app/firm-requests.js";
import { RealDate, restoreHostClockAfterEach } from "../skewed-date.js";
import type { TestGateway } from "./helpers.js";

/**
 * In the calling suite, after each test: the host's own clock put back and the gateway the test
 * started stopped. Returns the function that registers that gateway (and returns it).
 */
export function gatewayPerTest(): (g: TestGateway) => TestGateway {
  let started: TestGateway | undefined;
  restoreHostClockAfterEach(async () => {
    await started?.stop();
    started = undefined;
  });
  return (g) => (started = g);
}

/** The gateway's context with its chain's `issue` replaced by `issue`. */
export function withIssue(
  ctx: GatewayContext,
  issue: (send: () => Promise<unknown>) => Promise<unknown>,
): GatewayContext {
  const base = ctx.chain;
  const chain = new Proxy(base, {
    get(target, p) {
      if (p === "issue")
        return (...args: Parameters<typeof base.issue>) => issue(() => target.issue(...args));
      const v = Reflect.get(target, p) as unknown;
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { ...ctx, chain };
}

/** The issue item's status, and whether its due time is before the database's clock + `ms`. */
export async function issueItem(store: Store, ms: number) {
  const r = await store.get(sql`SELECT status, CASE WHEN due_at <= ${databaseTime(ms)}
    THEN 1 ELSE 0 END AS due FROM kessai_outbox WHERE topic = ${TOPIC.issue}`);
  return { status: r?.status, dueWithin: Number(r?.due) === 1 };
}

/** Another instance, on a host whose clock is right, claims what it finds due. */
export const otherClaims = (store: Store) =>
  outbox
    .claim(store, {
      worker: "other-host",
      topics: Object.values(TOPIC),
      limit: 10,
      leaseMs: 60_000,
      now: new Date(RealDate.now()),
    })
    .then((c) => c.map((i) => i.topic));
