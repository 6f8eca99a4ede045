import type { KessaiContext } from "../../context/connect.js";
import { readCall } from "../../context/send.js";
import { toAddress, toBlock } from "../../utils/validate.js";

/** Parameters of {@link listDepositEvents}. */
export interface ListDepositEventsParams {
  kind: "issued" | "redeemed";
  account?: string;
  fromBlock?: number;
  toBlock?: number;
}
/** One DCJPY `Issued` or `Redeemed` event. */
export interface DepositEvent {
  kind: "issued" | "redeemed";
  reference: string;
  account: string;
  amount: bigint;
  /** For redemptions: the holder itself or the bank acting for it. */
  operator?: string;
  blockNumber: number;
  txHash: string;
  logIndex: number;
}
/** What {@link listDepositEvents} resolves to. */
export type ListDepositEventsResult = DepositEvent[];

/** Lists DCJPY issuances (`Issued`) or redemptions (`Redeemed`) from events, oldest first. */
export async function listDepositEvents(
  ctx: KessaiContext,
  p: ListDepositEventsParams,
): Promise<ListDepositEventsResult> {
  const account = p.account === undefined ? null : toAddress(p.account, "account");
  const from = toBlock(p.fromBlock, "fromBlock") ?? 0;
  const to = toBlock(p.toBlock, "toBlock") ?? "latest";
  const dt = ctx.depositToken;
  if (p.kind === "issued") {
    const logs = await readCall("deposit.Issued", () =>
      dt.queryFilter(dt.filters.Issued(undefined, account ?? undefined), from, to),
    );
    return logs.map((l) => ({
      kind: "issued" as const,
      reference: l.args.bankReference,
      account: l.args.account,
      amount: l.args.amount,
      blockNumber: l.blockNumber,
      txHash: l.transactionHash,
      logIndex: l.index,
    }));
  }
  const logs = await readCall("deposit.Redeemed", () =>
    dt.queryFilter(dt.filters.Redeemed(undefined, account ?? undefined), from, to),
  );
  return logs.map((l) => ({
    kind: "redeemed" as const,
    reference: l.args.redemptionRef,
    account: l.args.account,
    amount: l.args.amount,
    operator: l.args.operator,
    blockNumber: l.blockNumber,
    txHash: l.transactionHash,
    logIndex: l.index,
  }));
}
