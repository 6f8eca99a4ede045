import * as a from "../actions/index.js";
import { readCall } from "../context/send.js";
import { hashTerms } from "../settlement/terms.js";
import { normaliseTerms, type TermsLike } from "../actions/settlement/common.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/** A read-only observer: settlements, listings, live events and reconciliation. */
export class AuditorClient extends BaseClient {
  /** {@inheritDoc getSettlement} */
  getSettlement(id: string) {
    return a.getSettlement(this.ctx, { id });
  }
  /** {@inheritDoc listSettlements} */
  listSettlements(p: P<typeof a.listSettlements> = {}) {
    return a.listSettlements(this.ctx, p);
  }
  /** {@inheritDoc watchSettlements} */
  watch(p: P<typeof a.watchSettlements>) {
    return a.watchSettlements(this.ctx, p);
  }
  /** {@inheritDoc reconcile} */
  reconcile(p: P<typeof a.reconcile> = {}) {
    return a.reconcile(this.ctx, p);
  }
  /** DCJPY issuances (`Issued` events) in a block range, optionally for one account. */
  listIssuances(p: { account?: string; fromBlock?: number; toBlock?: number } = {}) {
    return a.listDepositEvents(this.ctx, { kind: "issued", ...p });
  }
  /** DCJPY redemptions (`Redeemed` events) in a block range, optionally for one account. */
  listRedemptions(p: { account?: string; fromBlock?: number; toBlock?: number } = {}) {
    return a.listDepositEvents(this.ctx, { kind: "redeemed", ...p });
  }
  /** Whether the SDK's terms hash equals the contract's `hashTerms` and the stored commitment. */
  async verifyTerms(terms: TermsLike) {
    const t = normaliseTerms(terms);
    const [onChainHash, matches] = await readCall("dvp.hashTerms", () =>
      Promise.all([this.ctx.dvp.hashTerms(t), this.ctx.dvp.verifyTerms(t)]),
    );
    return {
      hash: hashTerms(t),
      onChainHash,
      hashesAgree: onChainHash === hashTerms(t),
      matchesCommitment: matches,
    };
  }
}
