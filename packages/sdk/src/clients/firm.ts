import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * A securities firm, as seller (create = lock with the encoded terms, cancel, reclaim, redeem
 * DCJPY) or buyer (affirm or sign the affirmation, request issuance, approve or sign a settlement
 * authorization, settle). Each method binds the action of its name to the signer; the reads are
 * {@link BaseClient}'s.
 */
export class FirmClient extends BaseClient {
  // seller
  /** {@inheritDoc createSettlement} */
  createSettlement(p: P<typeof a.createSettlement>) {
    return a.createSettlement(this.ctx, p);
  }
  /** {@inheritDoc cancelSettlement} */
  cancelSettlement(p: P<typeof a.cancelSettlement>) {
    return a.cancelSettlement(this.ctx, p);
  }
  /** {@inheritDoc reclaimSettlement} */
  reclaimSettlement(p: P<typeof a.reclaimSettlement>) {
    return a.reclaimSettlement(this.ctx, p);
  }
  /** {@inheritDoc redeemDeposit} */
  redeemDeposit(p: P<typeof a.redeemDeposit>) {
    return a.redeemDeposit(this.ctx, p);
  }
  // buyer
  /** {@inheritDoc affirmSettlement} */
  affirmSettlement(p: P<typeof a.affirmSettlement>) {
    return a.affirmSettlement(this.ctx, p);
  }
  /** {@inheritDoc signAffirmation} */
  signAffirmation(p: P<typeof a.signAffirmation>) {
    return a.signAffirmation(this.ctx, p);
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
  approveDeposit(p: P<typeof a.approveDeposit>) {
    return a.approveDeposit(this.ctx, p);
  }
  /** {@inheritDoc signPermit} */
  signPermit(p: P<typeof a.signPermit>) {
    return a.signPermit(this.ctx, p);
  }
  /** {@inheritDoc signSettlementAuthorization} */
  signSettlementAuthorization(p: P<typeof a.signSettlementAuthorization>) {
    return a.signSettlementAuthorization(this.ctx, p);
  }
  /** {@inheritDoc settleSettlement} */
  settleSettlement(p: P<typeof a.settleSettlement>) {
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
}
