import { type Result } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import type { ViewRead } from "../../context/readMany.js";
import { sendTx, type TxResult, populateCall } from "../../context/send.js";
import type { ContractError } from "../../errors/contract.js";
import { decodeRevertData } from "../../errors/decode.js";
import { InvalidDeadlineError } from "../../errors/input.js";
import { IneligibleTradeError, type IneligibilityReason } from "../../errors/settlement.js";
import { encodeTerms, type SettlementTerms } from "../../settlement/terms.js";
import { checksumAddress } from "../../utils/validate.js";

/** Why a trade could not settle as things stand (independent of its ID). */
export interface TradeIneligibility {
  reason: IneligibilityReason;
  account: string;
  cause?: ContractError<object>;
}

/**
 * Errors of the security token's `canTransfer` that `lock` raises itself (with the same typed
 * error), so they are left to it rather than reported as the buyer's ineligibility.
 */
const LOCK_REPORTS = new Set([
  "SecurityTokenInsufficientUnlockedBalance",
  "SecurityTokenPaused",
  "SecurityTokenInactive",
]);

/**
 * The reads behind the checks before step 1 (see `createSettlement`): the security token's
 * `canTransfer(seller, buyer, quantity)`, and, when the cash token is this deployment's DCJPY,
 * whether the buyer's and the seller's DCJPY accounts are open and not frozen. Read them with
 * `readViews` (one request, with any other reads of the caller) and judge them with
 * {@link tradeFinding}.
 */
export function tradeCheckReads(ctx: KessaiContext, t: SettlementTerms): ViewRead[] {
  const dt = ctx.depositToken;
  const reads: ViewRead[] = [
    {
      action: "securityToken.canTransfer",
      contract: ctx.securityToken,
      method: "canTransfer",
      args: [t.seller, t.buyer, t.quantity],
    },
  ];
  if (t.cashToken !== checksumAddress(ctx.addresses.depositToken)) return reads;
  for (const account of [t.buyer, t.seller]) {
    for (const method of ["isAccountOpen", "isAccountFrozen"]) {
      reads.push({ action: `deposit.${method}`, contract: dt, method, args: [account] });
    }
  }
  return reads;
}

/**
 * Why the trade could not settle as things stand, from the answers to
 * {@link tradeCheckReads} (in its order), or undefined when it could.
 */
export function tradeFinding(
  ctx: KessaiContext,
  t: SettlementTerms,
  answers: readonly Result[],
): TradeIneligibility | undefined {
  const [ok, reason] = answers[0] as unknown as [boolean, string];
  if (!ok) {
    const cause = decodeRevertData(reason, {
      action: "securityToken.canTransfer",
      contractAddress: ctx.addresses.securityToken,
    });
    if (!LOCK_REPORTS.has(cause.errorName)) {
      const named = (cause.args as { account?: unknown }).account;
      const account = typeof named === "string" ? named : t.buyer;
      return { reason: "securityTokenRefuses", account, cause };
    }
  }
  if (answers.length < 5) return undefined;
  const [buyerOpen, buyerFrozen, sellerOpen, sellerFrozen] = answers
    .slice(1, 5)
    .map((r) => r[0] as boolean);
  if (!buyerOpen) return { reason: "buyerAccountNotOpen", account: t.buyer };
  if (buyerFrozen) return { reason: "buyerAccountFrozen", account: t.buyer };
  if (!sellerOpen) return { reason: "sellerAccountNotOpen", account: t.seller };
  if (sellerFrozen) return { reason: "sellerAccountFrozen", account: t.seller };
  return undefined;
}

/**
 * Step 1 once its reads are made: refuses a deadline at or before the block time `now` and a
 * trade with a `finding` ({@link IneligibleTradeError}), then locks. `createSettlement` reads
 * both itself; `settleTrade` passes what its checks before step 1 have just read.
 */
export async function lockChecked(
  ctx: KessaiContext,
  terms: SettlementTerms,
  now: bigint,
  finding: TradeIneligibility | undefined,
): Promise<TxResult & { id: string; terms: SettlementTerms }> {
  if (terms.deadline <= now) {
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      `must be after the current block time ${now}`,
    );
  }
  if (finding) {
    throw new IneligibleTradeError(terms.id, finding.reason, finding.account, {
      cause: finding.cause,
    });
  }
  const st = ctx.securityToken;
  const r = await sendTx(ctx, "firm.createSettlement", st, () =>
    populateCall(st, st.lock, ctx.addresses.dvp, terms.quantity, encodeTerms(terms)),
  );
  return { ...r, id: terms.id, terms };
}
