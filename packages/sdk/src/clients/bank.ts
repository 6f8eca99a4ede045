import * as a from "../actions/index.js";
import type { KessaiContext } from "../context/connect.js";
import { GatewayNotConfiguredError } from "../errors/gateway.js";
import { GatewayClient, type GatewayClientOptions } from "../gateway/client.js";
import { toAmount } from "../utils/validate.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/** Options of {@link BankClient} beside its context. */
export interface BankClientOptions {
  /** The bank gateway to reach: a client, or its URL and API key (a firm's or the operator's). */
  gateway?: GatewayClient | GatewayClientOptions;
}

/**
 * The bank: its DCJPY account book (open and close accounts bound to deposit accounts), DCJPY
 * issuance by bank reference, issuance requests, redemption on a holder's behalf, freezes (which
 * suspend an account) and pause. Each method binds the action of its name to the signer; the
 * reads (balances, accounts, references, issuance and redemption listings) are
 * {@link BaseClient}'s.
 *
 * With a bank gateway (`{ gateway: { url, apiKey } }` or {@link BankClient.withGateway}), the
 * deposit ledger's calls are under {@link BankClient.gateway}: a firm's key requests issuance
 * (step 3) and redemption (step 7) with an Idempotency-Key and reads its balances and statements;
 * the operator's key opens, freezes and closes firms, funds deposits and reconciles. They are one
 * namespace, not methods of their own here, because the chain's reads of the same names
 * (`getIssuance`, `getRedemption`, `reconcile`) mean the DCJPY records, not the ledger's.
 */
export class BankClient extends BaseClient {
  readonly #gateway: GatewayClient | undefined;
  constructor(ctx: KessaiContext, options: BankClientOptions = {}) {
    super(ctx);
    const g = options.gateway;
    this.#gateway = g === undefined || g instanceof GatewayClient ? g : new GatewayClient(g);
  }
  /**
   * The bank gateway's API (deposit ledger, issuance and redemption requests, operator calls).
   * Throws GatewayNotConfiguredError when the client was made without one.
   */
  get gateway(): GatewayClient {
    if (!this.#gateway) throw new GatewayNotConfiguredError();
    return this.#gateway;
  }
  /** Whether {@link BankClient.gateway} is set. */
  get hasGateway(): boolean {
    return this.#gateway !== undefined;
  }
  /** The same bank (same context and signer) with a gateway: a client, or its URL and key. */
  withGateway(gateway: GatewayClient | GatewayClientOptions): BankClient {
    return new BankClient(this.ctx, { gateway });
  }

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
