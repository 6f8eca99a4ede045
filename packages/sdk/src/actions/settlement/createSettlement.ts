import { getAddress } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { decodeRevertData } from "../../errors/decode.js";
import { InvalidDeadlineError, InvalidTermsError } from "../../errors/input.js";
import type { ContractError } from "../../errors/contract.js";
import { IneligibleTradeError, type IneligibilityReason } from "../../errors/settlement.js";
import { latestBlockTime, readCall, sendTx, type TxResult } from "../../context/send.js";
import { toBool } from "../../utils/validate.js";
import {
  buildTerms,
  encodeTerms,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../../settlement/terms.js";

/** Parameters of {@link createSettlement}. */
export interface CreateSettlementParams {
  terms: SettlementTermsInput | SettlementTerms;
  /**
   * Lock even when the trade could not settle as things stand (see {@link IneligibleTradeError}):
   * skips the eligibility and account checks. Default false.
   */
  force?: boolean;
}
/** What {@link createSettlement} resolves to. */
export interface CreateSettlementResult extends TxResult {
  id: string;
  terms: SettlementTerms;
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
 * Step 1, by the seller: `securityToken.lock(dvp, quantity, abi.encode(terms))`. The units stay in
 * the seller's balance, locked to the DVP, and the DVP registers the settlement in the same
 * transaction. The terms are validated first (signer is the seller, deadline after the latest
 * block time, tokens are this deployment's).
 *
 * Unless `force`, it then checks that the trade could settle, and throws
 * {@link IneligibleTradeError} (nothing locked) when it could not: the security token's
 * `canTransfer(seller, buyer, quantity)` must pass (the buyer eligible to receive, the seller to
 * send, transfers switched on and not restricted to the approval workflow), and, when the cash
 * token is this deployment's DCJPY, the buyer's and the seller's DCJPY accounts must be open and
 * not frozen (read in one `multicall`). These reads run in parallel with the block read, and
 * concurrent calls for the same parties and quantity share them while they are in flight.
 */
export async function createSettlement(
  ctx: KessaiContext,
  p: CreateSettlementParams,
): Promise<CreateSettlementResult> {
  const force = p.force === undefined ? false : toBool(p.force, "force");
  const terms = buildTerms(p.terms as SettlementTermsInput);
  if (ctx.account && getAddress(ctx.account) !== terms.seller) {
    throw new InvalidTermsError("terms.seller", terms.seller, `is not the signer ${ctx.account}`);
  }
  if (terms.securityToken !== getAddress(ctx.addresses.securityToken)) {
    throw new InvalidTermsError(
      "terms.securityToken",
      terms.securityToken,
      "is not this deployment's security token",
    );
  }
  // The block time is read past ethers' request cache: right after the clock moved, a cached
  // block would pass a deadline that has already gone.
  const [now, finding] = await Promise.all([
    latestBlockTime(ctx),
    force ? undefined : sharedCheck(ctx, terms),
  ]);
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
    st.lock.populateTransaction(ctx.addresses.dvp, terms.quantity, encodeTerms(terms)),
  );
  return { ...r, id: terms.id, terms };
}

/** Why a trade could not settle as things stand (independent of its ID). */
export interface TradeIneligibility {
  reason: IneligibilityReason;
  account: string;
  cause?: ContractError<object>;
}

const inFlight = new WeakMap<object, Map<string, Promise<TradeIneligibility | undefined>>>();

/**
 * The checks of {@link checkTrade}, shared by concurrent callers with the same parties, quantity
 * and tokens on one provider (e.g. a burst of trades between two firms): one set of reads in
 * flight, nothing kept once it has answered, so every caller sees the chain as of a request sent
 * no earlier than the first of them.
 */
function sharedCheck(
  ctx: KessaiContext,
  t: SettlementTerms,
): Promise<TradeIneligibility | undefined> {
  let m = inFlight.get(ctx.provider);
  if (!m) inFlight.set(ctx.provider, (m = new Map()));
  const key = [
    ctx.addresses.securityToken,
    ctx.addresses.depositToken,
    t.cashToken,
    t.seller,
    t.buyer,
    t.quantity,
  ].join(":");
  let p = m.get(key);
  if (!p) {
    const q = checkTrade(ctx, t);
    const clear = () => {
      if (m.get(key) === q) m.delete(key);
    };
    q.then(clear, clear);
    m.set(key, (p = q));
  }
  return p;
}

/**
 * The checks {@link createSettlement} runs before it locks (unless `force`), for a caller that
 * locks many trades between the same parties and checks once per distinct parties, quantity and
 * cash token: why the trade could not settle as things stand (the {@link IneligibleTradeError}
 * that `createSettlement` throws is built from it), or undefined when it could.
 */
export async function tradeIneligibility(
  ctx: KessaiContext,
  terms: SettlementTerms,
): Promise<TradeIneligibility | undefined> {
  return checkTrade(ctx, terms);
}

/** Why the trade could not settle as things stand, or undefined when it could. */
async function checkTrade(
  ctx: KessaiContext,
  t: SettlementTerms,
): Promise<TradeIneligibility | undefined> {
  const dt = ctx.depositToken;
  const isDcjpy = t.cashToken === getAddress(ctx.addresses.depositToken);
  const calls = [
    dt.interface.encodeFunctionData("isAccountOpen", [t.buyer]),
    dt.interface.encodeFunctionData("isAccountFrozen", [t.buyer]),
    dt.interface.encodeFunctionData("isAccountOpen", [t.seller]),
    dt.interface.encodeFunctionData("isAccountFrozen", [t.seller]),
  ];
  const [[ok, reason], book] = await readCall("firm.createSettlement checks", () =>
    Promise.all([
      ctx.securityToken.canTransfer(t.seller, t.buyer, t.quantity),
      isDcjpy ? dt.multicall.staticCall(calls) : undefined,
    ]),
  );
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
  if (book) {
    const flag = (i: number) =>
      i % 2 === 0
        ? (dt.interface.decodeFunctionResult("isAccountOpen", book[i])[0] as boolean)
        : (dt.interface.decodeFunctionResult("isAccountFrozen", book[i])[0] as boolean);
    const [buyerOpen, buyerFrozen, sellerOpen, sellerFrozen] = [0, 1, 2, 3].map(flag);
    if (!buyerOpen) return { reason: "buyerAccountNotOpen", account: t.buyer };
    if (buyerFrozen) return { reason: "buyerAccountFrozen", account: t.buyer };
    if (!sellerOpen) return { reason: "sellerAccountNotOpen", account: t.seller };
    if (sellerFrozen) return { reason: "sellerAccountFrozen", account: t.seller };
  }
  return undefined;
}
