import type { KessaiContext } from "../../context/connect.js";
import { InvalidTermsError } from "../../errors/input.js";
import type { IneligibleTradeError } from "../../errors/settlement.js";
import { latestBlockTime, type TxResult } from "../../context/send.js";
import { readViews, readViewsAt } from "../../context/readMany.js";
import { checksumAddress, toBool } from "../../utils/validate.js";
import {
  buildTerms,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../../settlement/terms.js";
import { lockChecked, tradeCheckReads, tradeFinding, type TradeIneligibility } from "./lock.js";

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
 * not frozen. These reads and the block time are one `eth_call` (`readViewsAt`), and concurrent
 * calls for the same parties and quantity share it while it is in flight.
 */
export async function createSettlement(
  ctx: KessaiContext,
  p: CreateSettlementParams,
): Promise<CreateSettlementResult> {
  const force = p.force === undefined ? false : toBool(p.force, "force");
  const terms = buildTerms(p.terms as SettlementTermsInput);
  if (ctx.account && checksumAddress(ctx.account) !== terms.seller) {
    throw new InvalidTermsError("terms.seller", terms.seller, `is not the signer ${ctx.account}`);
  }
  if (terms.securityToken !== checksumAddress(ctx.addresses.securityToken)) {
    throw new InvalidTermsError(
      "terms.securityToken",
      terms.securityToken,
      "is not this deployment's security token",
    );
  }
  // The block time is read past ethers' request cache (right after the clock moved, a cached
  // block would pass a deadline that has already gone), with the checks' reads when there are.
  const { now, finding } = force
    ? { now: await latestBlockTime(ctx), finding: undefined }
    : await sharedCheck(ctx, terms);
  return lockChecked(ctx, terms, now, finding);
}

export type { TradeIneligibility } from "./lock.js";

/** The block time and the trade's finding (see {@link checkTrade}), from one request. */
interface TimedCheck {
  now: bigint;
  finding: TradeIneligibility | undefined;
}

const inFlight = new WeakMap<object, Map<string, Promise<TimedCheck>>>();

/**
 * The checks of {@link checkTrade} and the block time they were read at (one request,
 * `readViewsAt`), shared by concurrent callers with the same parties, quantity and tokens on one
 * provider (e.g. a burst of trades between two firms): one set of reads in flight, nothing kept
 * once it has answered, so every caller sees the chain as of a request sent no earlier than the
 * first of them.
 */
function sharedCheck(ctx: KessaiContext, t: SettlementTerms): Promise<TimedCheck> {
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
    const q = readViewsAt(ctx, tradeCheckReads(ctx, t)).then(({ time, answers }) => ({
      now: time,
      finding: tradeFinding(ctx, t, answers),
    }));
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

/** Why the trade could not settle as things stand, or undefined when it could (one request). */
async function checkTrade(
  ctx: KessaiContext,
  t: SettlementTerms,
): Promise<TradeIneligibility | undefined> {
  return tradeFinding(ctx, t, await readViews(ctx, tradeCheckReads(ctx, t)));
}
