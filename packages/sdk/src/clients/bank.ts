import * as a from "../actions/index.js";
import { toAmount } from "../utils/validate.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];
type Range = { account?: string; fromBlock?: number; toBlock?: number };

/**
 * The bank: its DCJPY account book (open and close accounts bound to deposit accounts), DCJPY
 * issuance by bank reference, issuance requests, redemption on a holder's behalf, freezes (which
 * suspend an account), pause, and issuance / redemption listings.
 */
export class BankClient extends BaseClient {
  /** {@inheritDoc issueDeposit} */
  issue(p: P<typeof a.issueDeposit>) {
    return a.issueDeposit(this.ctx, p);
  }
  /** {@inheritDoc fulfilIssuanceRequest} */
  fulfilRequest(p: P<typeof a.fulfilIssuanceRequest>) {
    return a.fulfilIssuanceRequest(this.ctx, p);
  }
  /** {@inheritDoc rejectIssuanceRequest} */
  rejectRequest(p: P<typeof a.rejectIssuanceRequest>) {
    return a.rejectIssuanceRequest(this.ctx, p);
  }
  /** {@inheritDoc redeemDepositFrom} */
  redeemFrom(p: P<typeof a.redeemDepositFrom>) {
    return a.redeemDepositFrom(this.ctx, p);
  }
  /** Freezes `account` entirely: it can neither send nor receive DCJPY (FREEZER_ROLE). */
  freeze(account: string) {
    return a.setAccountFrozen(this.ctx, { account, frozen: true });
  }
  /** Lifts the full freeze of `account` (FREEZER_ROLE). */
  unfreeze(account: string) {
    return a.setAccountFrozen(this.ctx, { account, frozen: false });
  }
  /** Freezes `amount` more of `account`'s balance (FREEZER_ROLE); see {@link setPartialFreeze}. */
  async freezePartial(account: string, amount: bigint) {
    return a.setPartialFreeze(this.ctx, { account, delta: toAmount(amount, "amount") });
  }
  /** Releases `amount` of `account`'s partial freeze (FREEZER_ROLE); see {@link setPartialFreeze}. */
  async unfreezePartial(account: string, amount: bigint) {
    return a.setPartialFreeze(this.ctx, { account, delta: -toAmount(amount, "amount") });
  }
  /** Pauses DCJPY transfers, issuance and redemption (PAUSER_ROLE). */
  pause() {
    return a.setDepositPaused(this.ctx, { paused: true });
  }
  /** Unpauses DCJPY (PAUSER_ROLE). */
  unpause() {
    return a.setDepositPaused(this.ctx, { paused: false });
  }
  /** DCJPY issuances (`Issued` events) in a block range, optionally for one account. */
  listIssuances(p: Range = {}) {
    return a.listDepositEvents(this.ctx, { kind: "issued", ...p });
  }
  /** DCJPY redemptions (`Redeemed` events) in a block range, optionally for one account. */
  listRedemptions(p: Range = {}) {
    return a.listDepositEvents(this.ctx, { kind: "redeemed", ...p });
  }
  /** The issuance recorded under `bankReference`, or undefined when the reference is unused. */
  getIssuance(bankReference: string) {
    return a.getReferenceRecord(this.ctx, { kind: "issuance", reference: bankReference });
  }
  /** The redemption recorded under `redemptionRef`, or undefined when the reference is unused. */
  getRedemption(redemptionRef: string) {
    return a.getReferenceRecord(this.ctx, { kind: "redemption", reference: redemptionRef });
  }
  /** {@inheritDoc openDepositAccount} */
  openAccount(p: P<typeof a.openDepositAccount>) {
    return a.openDepositAccount(this.ctx, p);
  }
  /** {@inheritDoc openDepositAccounts} */
  openAccounts(p: P<typeof a.openDepositAccounts>) {
    return a.openDepositAccounts(this.ctx, p);
  }
  /**
   * Closes the (empty) DCJPY account of `account`: it may no longer hold, send or receive DCJPY
   * (REGISTRAR_ROLE); see {@link closeDepositAccount}.
   */
  closeAccount(account: string) {
    return a.closeDepositAccount(this.ctx, { account });
  }
  /** {@inheritDoc closeOutDepositAccount} */
  closeOutAccount(p: P<typeof a.closeOutDepositAccount>) {
    return a.closeOutDepositAccount(this.ctx, p);
  }

  /** Whether `account` has an open DCJPY account. */
  async isAccountOpen(account: string): Promise<boolean> {
    return (await a.getDepositAccount(this.ctx, { account })).open;
  }
  /** The deposit account the DCJPY account of `account` is bound to; undefined when not open. */
  async depositAccountOf(account: string): Promise<string | undefined> {
    return (await a.getDepositAccount(this.ctx, { account })).depositAccountRef;
  }
  /** DCJPY balance of `account`, with its frozen and available parts. */
  balanceOf(account: string) {
    return a.getDepositBalance(this.ctx, { account });
  }
}
