import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];
type Range = { account?: string; fromBlock?: number; toBlock?: number };

/**
 * The bank: DCJPY issuance by bank reference, issuance requests, redemption on a holder's
 * behalf, freezes, pause, the cash-side investor register, and issuance / redemption listings.
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
  freezePartial(account: string, amount: bigint | number) {
    return a.setPartialFreeze(this.ctx, { account, delta: amount });
  }
  /** Releases `amount` of `account`'s partial freeze (FREEZER_ROLE); see {@link setPartialFreeze}. */
  unfreezePartial(account: string, amount: bigint | number) {
    return a.setPartialFreeze(this.ctx, { account, delta: -BigInt(amount) });
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
  /** Registers an investor in the cash-side (DCJPY) registry (REGISTRAR_ROLE). */
  register(p: Omit<P<typeof a.registerInvestor>, "registry">) {
    return a.registerInvestor(this.ctx, { ...p, registry: "cash" });
  }
  /** Registers several investors in the cash-side registry in one transaction (REGISTRAR_ROLE). */
  registerBatch(p: Omit<P<typeof a.registerInvestors>, "registry">) {
    return a.registerInvestors(this.ctx, { ...p, registry: "cash" });
  }
  /** Suspends `account` in the cash-side registry: it can no longer hold or receive DCJPY. */
  suspend(account: string) {
    return a.suspendInvestor(this.ctx, { account, registry: "cash" });
  }
  /** Reinstates a suspended `account` in the cash-side registry. */
  reinstate(account: string) {
    return a.reinstateInvestor(this.ctx, { account, registry: "cash" });
  }
  /** DCJPY balance of `account`, with its frozen and available parts. */
  balanceOf(account: string) {
    return a.getDepositBalance(this.ctx, { account });
  }
}
