import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * The ST issuer: investor register, issuance and redemption (free or locked buckets), bulk
 * operations, enforcement (forced transfer, force lock / unlock / relocate), switches, pause,
 * transfer approvals and the bond / share terms. Each method binds one action to the signer.
 */
export class IssuerClient extends BaseClient {
  register(p: P<typeof a.registerInvestor>) {
    return a.registerInvestor(this.ctx, p);
  }
  registerBatch(p: P<typeof a.registerInvestors>) {
    return a.registerInvestors(this.ctx, p);
  }
  updateInvestor(p: P<typeof a.updateInvestor>) {
    return a.updateInvestor(this.ctx, p);
  }
  suspend(p: P<typeof a.suspendInvestor>) {
    return a.suspendInvestor(this.ctx, p);
  }
  reinstate(p: P<typeof a.reinstateInvestor>) {
    return a.reinstateInvestor(this.ctx, p);
  }
  remove(p: P<typeof a.removeInvestor>) {
    return a.removeInvestor(this.ctx, p);
  }
  getInvestor(p: P<typeof a.getInvestor>) {
    return a.getInvestor(this.ctx, p);
  }
  issue(p: P<typeof a.issueSecurity>) {
    return a.issueSecurity(this.ctx, p);
  }
  redeem(p: P<typeof a.redeemSecurity>) {
    return a.redeemSecurity(this.ctx, p);
  }
  bulkIssue(p: P<typeof a.bulkIssueSecurity>) {
    return a.bulkIssueSecurity(this.ctx, p);
  }
  bulkRedeem(p: P<typeof a.bulkRedeemSecurity>) {
    return a.bulkRedeemSecurity(this.ctx, p);
  }
  forcedTransfer(p: P<typeof a.forcedTransfer>) {
    return a.forcedTransfer(this.ctx, p);
  }
  bulkForcedTransfer(p: P<typeof a.bulkForcedTransfer>) {
    return a.bulkForcedTransfer(this.ctx, p);
  }
  forceLock(p: P<typeof a.forceLock>) {
    return a.forceLock(this.ctx, p);
  }
  forceUnlock(p: P<typeof a.forceUnlock>) {
    return a.forceUnlock(this.ctx, p);
  }
  forceChangeLockedAccount(p: P<typeof a.forceChangeLockedAccount>) {
    return a.forceChangeLockedAccount(this.ctx, p);
  }
  setSwitches(p: P<typeof a.setSecuritySwitches>) {
    return a.setSecuritySwitches(this.ctx, p);
  }
  setEligibilityExempt(p: P<typeof a.setEligibilityExempt>) {
    return a.setEligibilityExempt(this.ctx, p);
  }
  pause() {
    return a.setSecurityPaused(this.ctx, { paused: true });
  }
  unpause() {
    return a.setSecurityPaused(this.ctx, { paused: false });
  }
  approveTransfer(p: P<typeof a.approveTransfer>) {
    return a.approveTransfer(this.ctx, p);
  }
  cancelTransfer(p: P<typeof a.cancelTransfer>) {
    return a.cancelTransfer(this.ctx, p);
  }
  setBondTerms(p: P<typeof a.setBondTerms>) {
    return a.setBondTerms(this.ctx, p);
  }
  setShareTerms(p: P<typeof a.setShareTerms>) {
    return a.setShareTerms(this.ctx, p);
  }
  getProductTerms() {
    return a.getProductTerms(this.ctx);
  }
  balanceOf(p: P<typeof a.getSecurityBalance>) {
    return a.getSecurityBalance(this.ctx, p);
  }
}
