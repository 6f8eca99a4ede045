import { EventFragment } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { toKessaiError } from "../../errors/decode.js";
import { toSettlementId } from "../../utils/validate.js";

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
  /**
   * Called with the parse error of a log that cannot be decoded, and with every `error` event the provider emits
   * while watching (converted by `toKessaiError`; for a JSON-RPC provider: failed network
   * detection, malformed batch responses). Note that ethers' polling itself swallows some failed
   * polls, so a node that stops answering does not always reach this callback.
   */
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
  const onProviderError = (err: unknown) => p.onError?.(toKessaiError(err, { action: "watch" }));
  if (p.onError) await ctx.provider.on("error", onProviderError);
  await ctx.provider.on(filter, listener);
  return async () => {
    await ctx.provider.off(filter, listener);
    if (p.onError) await ctx.provider.off("error", onProviderError);
  };
}
