import * as a from "../actions/index.js";
import type { TermsLike } from "../actions/settlement/common.js";
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
  /** {@inheritDoc verifyTerms} */
  verifyTerms(terms: TermsLike) {
    return a.verifyTerms(this.ctx, { terms });
  }
}
