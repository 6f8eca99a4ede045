import * as a from "../actions/index.js";
import { toAmount } from "../utils/validate.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * The bank: its DCJPY account book (open and close accounts bound to deposit accounts), DCJPY
 * issuance by bank reference, issuance requests, redemption on a holder's behalf, freezes (which
 * suspend an account) and pause. Each method binds the action of its name to the signer; the
 * reads (balances, accounts, references, issuance and redemption listings) are
 * {@link BaseClient}'s.
 */
export class BankClient extends BaseClient {
  // the account book
  /** {@inheritDoc openDepositAccount} */
  openDepositAccount(p: P<typeof a.openDepositAccount>) {
    return a.openDepositAccount(this.ctx, p);
  }
  /** {@inheritDoc openDepositAccounts} */
  openDepositAccounts(p: P<typeof a.openDepositAccounts>) {
    return a.openDepositAccounts(this.ctx, p);
  }
  /** {@inheritDoc closeDepositAccount} */
  closeDepositAccount(p: P<typeof a.closeDepositAccount>) {
    return a.closeDepositAccount(this.ctx, p);
  }
  /** {@inheritDoc closeOutDepositAccount} */
  closeOutDepositAccount(p: P<typeof a.closeOutDepositAccount>) {
    return a.closeOutDepositAccount(this.ctx, p);
  }
  // issuance and redemption
  /** {@inheritDoc issueDeposit} */
  issueDeposit(p: P<typeof a.issueDeposit>) {
    return a.issueDeposit(this.ctx, p);
  }
  /** {@inheritDoc fulfilIssuanceRequest} */
  fulfilIssuanceRequest(p: P<typeof a.fulfilIssuanceRequest>) {
    return a.fulfilIssuanceRequest(this.ctx, p);
  }
  /** {@inheritDoc rejectIssuanceRequest} */
  rejectIssuanceRequest(p: P<typeof a.rejectIssuanceRequest>) {
    return a.rejectIssuanceRequest(this.ctx, p);
  }
  /** {@inheritDoc redeemDepositFrom} */
  redeemDepositFrom(p: P<typeof a.redeemDepositFrom>) {
    return a.redeemDepositFrom(this.ctx, p);
  }
  // freezes and pause
  /** {@inheritDoc setAccountFrozen} */
  setAccountFrozen(p: P<typeof a.setAccountFrozen>) {
    return a.setAccountFrozen(this.ctx, p);
  }
  /** Alias of {@link setAccountFrozen}: `account` can neither send nor receive DCJPY (FREEZER_ROLE). */
  freeze(account: string) {
    return this.setAccountFrozen({ account, frozen: true });
  }
  /** Alias of {@link setAccountFrozen}: lifts the full freeze of `account` (FREEZER_ROLE). */
  unfreeze(account: string) {
    return this.setAccountFrozen({ account, frozen: false });
  }
  /** {@inheritDoc setPartialFreeze} */
  setPartialFreeze(p: P<typeof a.setPartialFreeze>) {
    return a.setPartialFreeze(this.ctx, p);
  }
  /** Alias of {@link setPartialFreeze}: freezes `amount` more of `account`'s balance. */
  async freezePartial(account: string, amount: bigint) {
    return this.setPartialFreeze({ account, delta: toAmount(amount, "amount") });
  }
  /** Alias of {@link setPartialFreeze}: releases `amount` of `account`'s partial freeze. */
  async unfreezePartial(account: string, amount: bigint) {
    return this.setPartialFreeze({ account, delta: -toAmount(amount, "amount") });
  }
  /** {@inheritDoc setDepositPaused} */
  setDepositPaused(p: P<typeof a.setDepositPaused>) {
    return a.setDepositPaused(this.ctx, p);
  }
  /** Alias of {@link setDepositPaused}: pauses DCJPY transfers, issuance and redemption. */
  pause() {
    return this.setDepositPaused({ paused: true });
  }
  /** Alias of {@link setDepositPaused}: unpauses DCJPY (PAUSER_ROLE). */
  unpause() {
    return this.setDepositPaused({ paused: false });
  }
}
