import type { KessaiContext } from "../../context/connect.js";
import { decodeRevertData } from "../../errors/decode.js";
import type { ContractError } from "../../errors/contract.js";
import { InvalidBatchError } from "../../errors/input.js";
import { receiptLogs, sendTx, type TxResult } from "../../context/send.js";
import { termsArg } from "../../settlement/terms.js";
import { normaliseTerms, settlementOutcomes, type TermsLike } from "./common.js";

/** Parameters of {@link settleBatch}. */
export interface SettleBatchParams {
  terms: TermsLike[];
  /** `all` (default): all or nothing; `perItem`: each on its own, failures reported. */
  mode?: "all" | "perItem";
}
/** The outcome of one item of {@link settleBatch}. */
export interface SettleBatchItem {
  id: string;
  /**
   * `settled`; `attemptFailed`: an open settlement was tried and reverted (see `error`);
   * `skipped`: `perItem` did not try it because it was not open (never created, or already
   * settled, cancelled, expired, rejected or failed).
   */
  status: "settled" | "attemptFailed" | "skipped";
  /** For `attemptFailed`: the decoded reason the item reverted with. */
  error?: ContractError<object>;
}
/** What {@link settleBatch} resolves to. */
export interface SettleBatchResult extends TxResult {
  items: SettleBatchItem[];
}

/** Settles many settlements in one transaction, all-or-nothing or per item. */
export async function settleBatch(
  ctx: KessaiContext,
  p: SettleBatchParams,
): Promise<SettleBatchResult> {
  if (!Array.isArray(p.terms) || p.terms.length === 0)
    throw new InvalidBatchError("terms", p.terms, "must not be empty");
  const list = p.terms.map((t) => normaliseTerms(t));
  const ids = new Set<string>();
  for (const t of list) {
    if (ids.has(t.id)) throw new InvalidBatchError("terms", t.id, `repeats settlement ${t.id}`);
    ids.add(t.id);
  }
  const args = list.map(termsArg);
  const dvp = ctx.dvp;
  const r =
    p.mode === "perItem"
      ? await sendTx(ctx, "agent.settleBatchPerItem", dvp, () =>
          dvp.settleBatchPerItem.populateTransaction(args),
        )
      : await sendTx(ctx, "agent.settleBatch", dvp, () =>
          dvp.settleBatch.populateTransaction(args),
        );
  const { out, reasons } = settlementOutcomes(ctx, receiptLogs(r.receipt));
  return {
    ...r,
    items: list.map((t) => {
      const status = out.get(t.id) ?? "attemptFailed";
      const reason = reasons.get(t.id);
      return {
        id: t.id,
        status,
        ...(reason ? { error: decodeRevertData(reason, { action: "settleItem" }) } : {}),
      };
    }),
  };
}
