import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress, toBlock } from "../../utils/validate.js";
import {
  SETTLEMENT_STATE_NAMES,
  settlementStateName,
  type SettlementStateName,
} from "../../constants/enums.js";
import { termsFromResult } from "../../settlement/terms.js";
import type { SettlementView } from "./getSettlement.js";

/** Parameters of {@link listSettlements}. */
export interface ListSettlementsParams {
  /** Seller or buyer. */
  party?: string;
  seller?: string;
  buyer?: string;
  /** Current state(s) to keep. */
  state?: SettlementStateName | SettlementStateName[];
  /** Creation block range (inclusive). */
  fromBlock?: number;
  toBlock?: number;
  /** Creation time range, unix seconds (inclusive). */
  fromTime?: number | bigint;
  toTime?: number | bigint;
}
/** A settlement found by {@link listSettlements}, with the block that created it. */
export interface ListedSettlement extends SettlementView {
  createdTime: number;
}
/** What {@link listSettlements} resolves to. */
export type ListSettlementsResult = ListedSettlement[];

/** Lists settlements created in a block or time range, filtered by party and current state. */
export async function listSettlements(
  ctx: KessaiContext,
  p: ListSettlementsParams = {},
): Promise<ListSettlementsResult> {
  const party = p.party === undefined ? undefined : toAddress(p.party, "party");
  const seller = p.seller === undefined ? null : toAddress(p.seller, "seller");
  const buyer = p.buyer === undefined ? null : toAddress(p.buyer, "buyer");
  const from = toBlock(p.fromBlock, "fromBlock") ?? 0;
  const to = toBlock(p.toBlock, "toBlock") ?? "latest";
  const states =
    p.state === undefined ? undefined : new Set(Array.isArray(p.state) ? p.state : [p.state]);
  if (states)
    for (const s of states)
      if (!SETTLEMENT_STATE_NAMES.includes(s)) throw new TypeError(`unknown state ${s}`);
  const dvp = ctx.dvp;
  const logs = await readCall("dvp.SettlementCreated", () =>
    dvp.queryFilter(
      dvp.filters.SettlementCreated(undefined, seller ?? undefined, buyer ?? undefined),
      from,
      to,
    ),
  );
  const selected = party
    ? logs.filter((l) => l.args.seller === party || l.args.buyer === party)
    : logs;
  const blockTimes = new Map<number, number>();
  const timeOf = async (n: number) => {
    if (!blockTimes.has(n)) blockTimes.set(n, (await ctx.provider.getBlock(n))?.timestamp ?? 0);
    return blockTimes.get(n)!;
  };
  const out: ListedSettlement[] = [];
  for (const l of selected) {
    const createdTime = await readCall("getBlock", () => timeOf(l.blockNumber));
    if (p.fromTime !== undefined && createdTime < Number(p.fromTime)) continue;
    if (p.toTime !== undefined && createdTime > Number(p.toTime)) continue;
    const id = String(l.args.id).toLowerCase();
    const rec = await readCall("dvp.settlementOf", () => dvp.settlementOf(id));
    const state = settlementStateName(rec.state);
    if (states && !states.has(state)) continue;
    out.push({
      id,
      state,
      agentApproved: rec.agentApproved,
      sellerCancelConsent: rec.sellerCancelConsent,
      buyerCancelConsent: rec.buyerCancelConsent,
      termsDigest: rec.termsDigest,
      terms: termsFromResult(l.args.terms),
      createdBlock: l.blockNumber,
      createdTx: l.transactionHash,
      createdTime,
    });
  }
  return out;
}
