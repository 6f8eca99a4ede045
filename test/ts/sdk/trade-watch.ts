/**
 * Runs many trades at once with a bound on their time: past it, what still waits is written out
 * (each trade's last step, each account's open sends with their nonce and last event, its nonce
 * queue, the node's counts and pool), every trade is stopped (its signal aborted, the node's pool
 * emptied so nothing of it is mined later), and the test fails with that account of the wait
 * instead of running into mocha's timeout with the trades still going. The trades' clients are on
 * a provider of their own, which {@link TradeWatch.stop} destroys: their nonce queues are no other
 * test's.
 */
import type { JsonRpcProvider } from "ethers";
import type { ProgressEvent, TxEngine, TxEvent } from "../../../packages/sdk/src/index.js";

/** A client whose engine is watched, under a name for the report. */
export interface Watched {
  name: string;
  engine: TxEngine;
}

const CLOSED = new Set<TxEvent["type"]>(["confirmed", "reverted", "abandoned"]);

/** The trades' progress and the engines' events, and what still waits, described. */
export class TradeWatch {
  /** Aborted when the trades are stopped (see {@link stop}). */
  readonly controller = new AbortController();
  private readonly last = new Map<string, Map<string, TxEvent>>();
  private readonly steps = new Map<string, ProgressEvent>();
  private readonly done = new Set<string>();
  private readonly offs: (() => void)[] = [];
  private readonly t0 = Date.now();
  private stopped = false;

  constructor(
    private readonly provider: JsonRpcProvider,
    private readonly watched: Watched[],
  ) {
    for (const { name, engine } of watched) {
      const byKey = new Map<string, TxEvent>();
      this.last.set(name, byKey);
      this.offs.push(engine.on((e) => byKey.set(e.key, e)));
    }
  }

  /** The trade's `onProgress`, recording its last step. */
  progress(id: string): (e: ProgressEvent) => void {
    return (e) => {
      this.steps.set(id, e);
    };
  }

  /** Marks trade `id` over (whatever its outcome). */
  over(id: string): void {
    this.done.add(id);
  }

  /** The trades not over, with their last progress. */
  running(ids: string[]): string[] {
    return ids
      .filter((id) => !this.done.has(id))
      .map((id) => {
        const s = this.steps.get(id);
        return `${id.slice(0, 10)} ${s ? `step ${s.step} (${s.name}) ${s.status}` : "before step 1"}`;
      });
  }

  /** What waits: per account, its open sends, its nonce queue, the node's counts and pool. */
  async describe(): Promise<string> {
    const lines: string[] = [];
    const pool = await this.provider
      .send("txpool_inspect", [])
      .catch(() => undefined)
      .then(
        (p) =>
          p as
            | {
                pending?: Record<string, Record<string, string>>;
                queued?: Record<string, Record<string, string>>;
              }
            | undefined,
      );
    const inPool = (part: "pending" | "queued", address: string) => {
      const byAddress = pool?.[part] ?? {};
      const k = Object.keys(byAddress).find((a) => a.toLowerCase() === address.toLowerCase());
      return k ? Object.keys(byAddress[k]).map(Number) : [];
    };
    for (const { name, engine } of this.watched) {
      const address = await engine.getAddress();
      const [latest, pending] = await Promise.all([
        this.provider.send("eth_getTransactionCount", [address, "latest"]).then(Number),
        this.provider.send("eth_getTransactionCount", [address, "pending"]).then(Number),
      ]).catch(() => [NaN, NaN]);
      const q = engine.queue();
      const open = [...this.last.get(name)!.values()]
        .filter((e) => !CLOSED.has(e.type))
        .sort((a, b) => a.nonce - b.nonce)
        .map(
          (e) =>
            `nonce ${e.nonce} ${e.action ?? "?"} ${e.type}${e.reason ? `(${e.reason})` : ""} ` +
            `${((e.at - this.t0) / 1000).toFixed(1)} s`,
        );
      const range = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b).join(",") || "-";
      lines.push(
        `${name} ${address.slice(0, 8)}: node latest ${latest} pending ${pending}` +
          ` pool pending [${range(inPool("pending", address))}] queued [${range(inPool("queued", address))}];` +
          ` queue next ${q.next} holes [${range(q.holes)}] live [${range(q.live)}]` +
          ` broadcasting [${range(q.inflight.keys())}] abandoned [${range(q.abandoned)}]`,
      );
      for (const o of open) lines.push(`  open: ${o}`);
    }
    return lines.join("\n");
  }

  /**
   * Awaits `trades` (ids and promises) for at most `ms`. Past it: describes what waits, stops the
   * trades (aborts the signal, waits for them to end, empties the node's pool) and throws an
   * Error naming them and what waited.
   */
  async within<T>(ms: number, trades: { id: string; run: Promise<T> }[]): Promise<T[]> {
    const all = Promise.all(
      trades.map(({ id, run }) =>
        run.finally(() => {
          this.over(id);
        }),
      ),
    );
    all.catch(() => undefined);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), ms)));
    try {
      const first = await Promise.race([all, late]);
      if (first !== "late") return first;
    } finally {
      clearTimeout(timer);
    }
    const ids = trades.map((t) => t.id);
    const left = this.running(ids);
    const state = await this.describe();
    await this.stop(trades.map((t) => t.run));
    throw new Error(
      `${left.length} of ${trades.length} trades still running after ${ms} ms:\n` +
        `${left.slice(0, 20).join("\n")}${left.length > 20 ? `\n... ${left.length - 20} more` : ""}\n` +
        `what waits:\n${state}`,
    );
  }

  /**
   * Aborts the trades and waits (at most 5 s each) for them to end and for their engines to have
   * nothing in flight (no broadcast unanswered, nothing watched); then empties the node's pool and
   * destroys the provider, so that nothing of them reaches the node afterwards.
   */
  async stop(runs: Promise<unknown>[] = []): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.controller.abort(new Error("the test stopped its trades"));
    const bound = (p: Promise<unknown>) =>
      Promise.race([p, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await bound(Promise.allSettled(runs));
    await bound(
      (async () => {
        while (!this.watched.every(({ engine }) => engine.queue().idle))
          await new Promise((r) => setTimeout(r, 20));
      })(),
    );
    for (const off of this.offs) off();
    await this.provider.send("anvil_dropAllTransactions", []).catch(() => undefined);
    this.provider.destroy();
  }
}
