import * as a from "../actions/index.js";
import type { TermsLike } from "../actions/settlement/common.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * A securities firm, as seller (create = lock with the encoded terms, cancel, reclaim, redeem
 * DCJPY) or buyer (affirm or sign the affirmation, request issuance, approve or sign a settlement
 * authorization, settle).
 */
export class FirmClient extends BaseClient {
  // seller
  /** {@inheritDoc createSettlement} */
  createSettlement(p: P<typeof a.createSettlement>) {
    return a.createSettlement(this.ctx, p);
  }
  /** {@inheritDoc cancelSettlement} */
  cancel(p: P<typeof a.cancelSettlement>) {
    return a.cancelSettlement(this.ctx, p);
  }
  /** {@inheritDoc reclaimSettlement} */
  reclaim(p: P<typeof a.reclaimSettlement>) {
    return a.reclaimSettlement(this.ctx, p);
  }
  /** {@inheritDoc redeemDeposit} */
  redeem(p: P<typeof a.redeemDeposit>) {
    return a.redeemDeposit(this.ctx, p);
  }
  // buyer
  /** {@inheritDoc affirmSettlement} */
  affirm(p: P<typeof a.affirmSettlement>) {
    return a.affirmSettlement(this.ctx, p);
  }
  /** Signs the buyer's EIP-712 affirmation of `terms` (for `affirmBySig`); sends nothing. */
  signAffirmation(terms: TermsLike) {
    return a.signAffirmation(this.ctx, { terms });
  }
  /** {@inheritDoc requestIssuance} */
  requestIssuance(p: P<typeof a.requestIssuance>) {
    return a.requestIssuance(this.ctx, p);
  }
  /** {@inheritDoc cancelIssuanceRequest} */
  cancelIssuanceRequest(p: P<typeof a.cancelIssuanceRequest>) {
    return a.cancelIssuanceRequest(this.ctx, p);
  }
  /** {@inheritDoc approveDeposit} */
  approve(p: P<typeof a.approveDeposit>) {
    return a.approveDeposit(this.ctx, p);
  }
  /** {@inheritDoc signPermit} */
  signPermit(p: P<typeof a.signPermit>) {
    return a.signPermit(this.ctx, p);
  }
  /**
   * Signs the buyer's payment for exactly one settlement, a DCJPY transfer authorization only the
   * DVP may execute (for `settle({ terms, authorization })`); sends nothing. `validBefore`
   * defaults to the deadline + 1.
   */
  signSettlementAuthorization(terms: TermsLike, validBefore?: bigint) {
    return a.signSettlementAuthorization(this.ctx, { terms, validBefore });
  }
  /** {@inheritDoc settleSettlement} */
  settle(p: P<typeof a.settleSettlement>) {
    return a.settleSettlement(this.ctx, p);
  }
  // both
  /** {@inheritDoc transferSecurity} */
  transferSecurity(p: P<typeof a.transferSecurity>) {
    return a.transferSecurity(this.ctx, p);
  }
  /** {@inheritDoc applyForTransfer} */
  applyForTransfer(p: P<typeof a.applyForTransfer>) {
    return a.applyForTransfer(this.ctx, p);
  }
  /** {@inheritDoc cancelTransfer} */
  cancelTransfer(p: P<typeof a.cancelTransfer>) {
    return a.cancelTransfer(this.ctx, p);
  }
  /** {@inheritDoc getSettlement} */
  getSettlement(id: string) {
    return a.getSettlement(this.ctx, { id });
  }
  /** ST and DCJPY positions of `account` (default: this firm). */
  async balances(account?: string) {
    const who = account ?? this.address;
    const [security, deposit] = await Promise.all([
      a.getSecurityBalance(this.ctx, { account: who }),
      a.getDepositBalance(this.ctx, { account: who }),
    ]);
    return { security, deposit };
  }
}
