import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];
type Range = { account?: string; fromBlock?: number; toBlock?: number };

/**
 * The bank: DCJPY issuance by bank reference, issuance requests, redemption on a holder's
 * behalf, freezes, pause, the cash-side investor register, and issuance / redemption listings.
 */
export class BankClient extends BaseClient {
  issue(p: P<typeof a.issueDeposit>) {
    return a.issueDeposit(this.ctx, p);
  }
  fulfilRequest(p: P<typeof a.fulfilIssuanceRequest>) {
    return a.fulfilIssuanceRequest(this.ctx, p);
  }
  rejectRequest(p: P<typeof a.rejectIssuanceRequest>) {
    return a.rejectIssuanceRequest(this.ctx, p);
  }
  redeemFrom(p: P<typeof a.redeemDepositFrom>) {
    return a.redeemDepositFrom(this.ctx, p);
  }
  freeze(account: string) {
    return a.setAccountFrozen(this.ctx, { account, frozen: true });
  }
  unfreeze(account: string) {
    return a.setAccountFrozen(this.ctx, { account, frozen: false });
  }
  freezePartial(account: string, amount: bigint | number) {
    return a.setPartialFreeze(this.ctx, { account, delta: amount });
  }
  unfreezePartial(account: string, amount: bigint | number) {
    return a.setPartialFreeze(this.ctx, { account, delta: -BigInt(amount) });
  }
  pause() {
    return a.setDepositPaused(this.ctx, { paused: true });
  }
  unpause() {
    return a.setDepositPaused(this.ctx, { paused: false });
  }
  listIssuances(p: Range = {}) {
    return a.listDepositEvents(this.ctx, { kind: "issued", ...p });
  }
  listRedemptions(p: Range = {}) {
    return a.listDepositEvents(this.ctx, { kind: "redeemed", ...p });
  }
  getIssuance(bankReference: string) {
    return a.getReferenceRecord(this.ctx, { kind: "issuance", reference: bankReference });
  }
  getRedemption(redemptionRef: string) {
    return a.getReferenceRecord(this.ctx, { kind: "redemption", reference: redemptionRef });
  }
  register(p: Omit<P<typeof a.registerInvestor>, "registry">) {
    return a.registerInvestor(this.ctx, { ...p, registry: "cash" });
  }
  registerBatch(p: Omit<P<typeof a.registerInvestors>, "registry">) {
    return a.registerInvestors(this.ctx, { ...p, registry: "cash" });
  }
  suspend(account: string) {
    return a.suspendInvestor(this.ctx, { account, registry: "cash" });
  }
  reinstate(account: string) {
    return a.reinstateInvestor(this.ctx, { account, registry: "cash" });
  }
  balanceOf(account: string) {
    return a.getDepositBalance(this.ctx, { account });
  }
}
