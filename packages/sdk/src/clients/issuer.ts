import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * The ST issuer: investor register, issuance and redemption (free or locked buckets), bulk
 * operations, enforcement (forced transfer, force lock / unlock / relocate, terminating a
 * settlement), switches, pause, transfer approvals and the bond / share terms. Each method binds
 * the action of its name to the signer; the reads are {@link BaseClient}'s.
 */
export class IssuerClient extends BaseClient {
  // the investor register
  /** {@inheritDoc registerInvestor} */
  registerInvestor(p: P<typeof a.registerInvestor>) {
    return a.registerInvestor(this.ctx, p);
  }
  /** {@inheritDoc registerInvestors} */
  registerInvestors(p: P<typeof a.registerInvestors>) {
    return a.registerInvestors(this.ctx, p);
  }
  /** {@inheritDoc updateInvestor} */
  updateInvestor(p: P<typeof a.updateInvestor>) {
    return a.updateInvestor(this.ctx, p);
  }
  /** {@inheritDoc suspendInvestor} */
  suspendInvestor(p: P<typeof a.suspendInvestor>) {
    return a.suspendInvestor(this.ctx, p);
  }
  /** {@inheritDoc reinstateInvestor} */
  reinstateInvestor(p: P<typeof a.reinstateInvestor>) {
    return a.reinstateInvestor(this.ctx, p);
  }
  /** {@inheritDoc removeInvestor} */
  removeInvestor(p: P<typeof a.removeInvestor>) {
    return a.removeInvestor(this.ctx, p);
  }
  // issuance and redemption
  /** {@inheritDoc issueSecurity} */
  issueSecurity(p: P<typeof a.issueSecurity>) {
    return a.issueSecurity(this.ctx, p);
  }
  /** {@inheritDoc redeemSecurity} */
  redeemSecurity(p: P<typeof a.redeemSecurity>) {
    return a.redeemSecurity(this.ctx, p);
  }
  /** {@inheritDoc bulkIssueSecurity} */
  bulkIssueSecurity(p: P<typeof a.bulkIssueSecurity>) {
    return a.bulkIssueSecurity(this.ctx, p);
  }
  /** {@inheritDoc bulkRedeemSecurity} */
  bulkRedeemSecurity(p: P<typeof a.bulkRedeemSecurity>) {
    return a.bulkRedeemSecurity(this.ctx, p);
  }
  // enforcement
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
  /** {@inheritDoc forceChangeLockedAccount} */
  forceChangeLockedAccount(p: P<typeof a.forceChangeLockedAccount>) {
    return a.forceChangeLockedAccount(this.ctx, p);
  }
  /** {@inheritDoc terminateSettlement} */
  terminateSettlement(p: P<typeof a.terminateSettlement>) {
    return a.terminateSettlement(this.ctx, p);
  }
  // switches, pause, transfer approvals, product terms
  /** {@inheritDoc setSecuritySwitches} */
  setSecuritySwitches(p: P<typeof a.setSecuritySwitches>) {
    return a.setSecuritySwitches(this.ctx, p);
  }
  /** {@inheritDoc setEligibilityExempt} */
  setEligibilityExempt(p: P<typeof a.setEligibilityExempt>) {
    return a.setEligibilityExempt(this.ctx, p);
  }
  /** {@inheritDoc setSecurityPaused} */
  setSecurityPaused(p: P<typeof a.setSecurityPaused>) {
    return a.setSecurityPaused(this.ctx, p);
  }
  /** Alias of {@link setSecurityPaused}: pauses the security token (PAUSER_ROLE). */
  pause() {
    return this.setSecurityPaused({ paused: true });
  }
  /** Alias of {@link setSecurityPaused}: unpauses the security token (PAUSER_ROLE). */
  unpause() {
    return this.setSecurityPaused({ paused: false });
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
}
