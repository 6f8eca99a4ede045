import { EventFragment } from "ethers";
import type { KessaiContext } from "../../connect.js";
import { toSettlementId } from "../../internal/validate.js";

/** One DVP event as delivered to a watcher. */
export interface SettlementEvent {
  name: string;
  id: string;
  args: Record<string, unknown>;
  blockNumber: number;
  txHash: string;
}
/** Parameters of {@link watchSettlements}. */
export interface WatchSettlementsParams {
  /** Called once per matching event, in block order. */
  onEvent: (e: SettlementEvent) => void;
  /** Only this settlement. */
  id?: string;
  /** Only these event names (default: every Settlement* event). */
  names?: string[];
  /** Errors from the subscription (transport), if any. */
  onError?: (err: unknown) => void;
}
/** Stops watching. */
export type Unsubscribe = () => Promise<void>;

/**
 * Watches the DVP's settlement events live (polling or subscription, as the provider does).
 * Returns an unsubscribe function.
 */
export async function watchSettlements(
  ctx: KessaiContext,
  p: WatchSettlementsParams,
): Promise<Unsubscribe> {
  const id = p.id === undefined ? undefined : toSettlementId(p.id, "id");
  const dvp = ctx.dvp;
  const iface = dvp.interface;
  const wanted = new Set(
    p.names ??
      iface.fragments
        .filter(
          (f): f is EventFragment => EventFragment.isFragment(f) && f.name.startsWith("Settlement"),
        )
        .map((f) => f.name),
  );
  const filter = { address: ctx.addresses.dvp };
  const listener = (log: {
    topics: readonly string[];
    data: string;
    blockNumber: number;
    transactionHash: string;
  }) => {
    let ev;
    try {
      ev = iface.parseLog(log);
    } catch (err) {
      p.onError?.(err);
      return;
    }
    if (!ev || !wanted.has(ev.name)) return;
    const evId = ev.args.id === undefined ? undefined : String(ev.args.id).toLowerCase();
    if (id && evId !== id) return;
    const args: Record<string, unknown> = {};
    ev.fragment.inputs.forEach((inp, i) => (args[inp.name] = ev!.args[i]));
    p.onEvent({
      name: ev.name,
      id: evId ?? "",
      args,
      blockNumber: log.blockNumber,
      txHash: log.transactionHash,
    });
  };
  await ctx.provider.on(filter, listener);
  return async () => {
    await ctx.provider.off(filter, listener);
  };
}
