import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * The ST issuer: investor register, issuance and redemption (free or locked buckets), bulk
 * operations, enforcement (forced transfer, force lock / unlock / relocate), switches, pause,
 * transfer approvals and the bond / share terms. Each method binds one action to the signer.
 */
export class IssuerClient extends BaseClient {
  /** {@inheritDoc registerInvestor} */
  register(p: P<typeof a.registerInvestor>) {
    return a.registerInvestor(this.ctx, p);
  }
  /** {@inheritDoc registerInvestors} */
  registerBatch(p: P<typeof a.registerInvestors>) {
    return a.registerInvestors(this.ctx, p);
  }
  /** {@inheritDoc updateInvestor} */
  updateInvestor(p: P<typeof a.updateInvestor>) {
    return a.updateInvestor(this.ctx, p);
  }
  /** {@inheritDoc suspendInvestor} */
  suspend(p: P<typeof a.suspendInvestor>) {
    return a.suspendInvestor(this.ctx, p);
  }
  /** {@inheritDoc reinstateInvestor} */
  reinstate(p: P<typeof a.reinstateInvestor>) {
    return a.reinstateInvestor(this.ctx, p);
  }
  /** {@inheritDoc removeInvestor} */
  remove(p: P<typeof a.removeInvestor>) {
    return a.removeInvestor(this.ctx, p);
  }
  /** {@inheritDoc getInvestor} */
  getInvestor(p: P<typeof a.getInvestor>) {
    return a.getInvestor(this.ctx, p);
  }
  /** {@inheritDoc issueSecurity} */
  issue(p: P<typeof a.issueSecurity>) {
    return a.issueSecurity(this.ctx, p);
  }
  /** {@inheritDoc redeemSecurity} */
  redeem(p: P<typeof a.redeemSecurity>) {
    return a.redeemSecurity(this.ctx, p);
  }
  /** {@inheritDoc bulkIssueSecurity} */
  bulkIssue(p: P<typeof a.bulkIssueSecurity>) {
    return a.bulkIssueSecurity(this.ctx, p);
  }
  /** {@inheritDoc bulkRedeemSecurity} */
  bulkRedeem(p: P<typeof a.bulkRedeemSecurity>) {
    return a.bulkRedeemSecurity(this.ctx, p);
  }
  /** {@inheritDoc forcedTransfer} */
  forcedTransfer(p: P<typeof a.forcedTransfer>) {
    return a.forcedTransfer(this.ctx, p);
  }
  /** {@inheritDoc bulkForcedTransfer} */
  bulkForcedTransfer(p: P<typeof a.bulkForcedTransfer>) {
    return a.bulkForcedTransfer(this.ctx, p);
  }
  /** {@inheritDoc forceLock} */
  forceLock(p: P<typeof a.forceLock>) {
    return a.forceLock(this.ctx, p);
  }
  /** {@inheritDoc forceUnlock} */
  forceUnlock(p: P<typeof a.forceUnlock>) {
    return a.forceUnlock(this.ctx, p);
  }
  /** {@inheritDoc terminateSettlement} */
  terminateSettlement(p: P<typeof a.terminateSettlement>) {
    return a.terminateSettlement(this.ctx, p);
  }
  /** {@inheritDoc forceChangeLockedAccount} */
  forceChangeLockedAccount(p: P<typeof a.forceChangeLockedAccount>) {
    return a.forceChangeLockedAccount(this.ctx, p);
  }
  /** {@inheritDoc setSecuritySwitches} */
  setSwitches(p: P<typeof a.setSecuritySwitches>) {
    return a.setSecuritySwitches(this.ctx, p);
  }
  /** {@inheritDoc setEligibilityExempt} */
  setEligibilityExempt(p: P<typeof a.setEligibilityExempt>) {
    return a.setEligibilityExempt(this.ctx, p);
  }
  /** Pauses the security token (PAUSER_ROLE). */
  pause() {
    return a.setSecurityPaused(this.ctx, { paused: true });
  }
  /** Unpauses the security token (PAUSER_ROLE). */
  unpause() {
    return a.setSecurityPaused(this.ctx, { paused: false });
  }
  /** {@inheritDoc approveTransfer} */
  approveTransfer(p: P<typeof a.approveTransfer>) {
    return a.approveTransfer(this.ctx, p);
  }
  /** {@inheritDoc cancelTransfer} */
  cancelTransfer(p: P<typeof a.cancelTransfer>) {
    return a.cancelTransfer(this.ctx, p);
  }
  /** {@inheritDoc setBondTerms} */
  setBondTerms(p: P<typeof a.setBondTerms>) {
    return a.setBondTerms(this.ctx, p);
  }
  /** {@inheritDoc setShareTerms} */
  setShareTerms(p: P<typeof a.setShareTerms>) {
    return a.setShareTerms(this.ctx, p);
  }
  /** {@inheritDoc getProductTerms} */
  getProductTerms() {
    return a.getProductTerms(this.ctx);
  }
  /** {@inheritDoc getSecurityBalance} */
  balanceOf(p: P<typeof a.getSecurityBalance>) {
    return a.getSecurityBalance(this.ctx, p);
  }
}
