import * as a from "../actions/index.js";
import { connect, type ConnectOptions, type KessaiContext } from "../context/connect.js";
import { MissingSignerError } from "../errors/input.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];
type Range = { account?: string; fromBlock?: number; toBlock?: number };

/**
 * What every client shares: a context, the signer's address and the read actions, which any
 * party may call (viem's public actions). Each method is named as the action it binds and takes
 * that action's parameters; the role clients add the actions their role sends.
 */
export abstract class BaseClient {
  readonly ctx: KessaiContext;
  constructor(ctx: KessaiContext) {
    this.ctx = ctx;
  }
  /** The signer's address (throws MissingSignerError for a read-only client). */
  get address(): string {
    if (!this.ctx.account) throw new MissingSignerError("address");
    return this.ctx.account;
  }
  /**
   * Releases the connection: destroys the provider if {@link connect} created it from `rpcUrl`
   * (stopping its polling so the process can exit). A provider passed in as `runner` belongs to
   * the caller and is left alone. The client must not be used afterwards.
   */
  close(): void {
    if (this.ctx.ownsProvider) (this.ctx.provider as { destroy?: () => void }).destroy?.();
  }
  /** Connects and wraps the context in this client class. */
  static async connect<T extends BaseClient>(
    this: new (ctx: KessaiContext) => T,
    options: ConnectOptions,
  ): Promise<T> {
    return new this(await connect(options));
  }

  // the investor register and the security token
  /** {@inheritDoc getInvestor} */
  getInvestor(p: P<typeof a.getInvestor>) {
    return a.getInvestor(this.ctx, p);
  }
  /** {@inheritDoc getSecurityBalance} */
  getSecurityBalance(p: P<typeof a.getSecurityBalance>) {
    return a.getSecurityBalance(this.ctx, p);
  }
  /** {@inheritDoc getProductTerms} */
  getProductTerms() {
    return a.getProductTerms(this.ctx);
  }
  // DCJPY
  /** {@inheritDoc getDepositAccount} */
  getDepositAccount(p: P<typeof a.getDepositAccount>) {
    return a.getDepositAccount(this.ctx, p);
  }
  /** Alias of {@link getDepositAccount}: whether `account` has an open DCJPY account. */
  async isAccountOpen(account: string): Promise<boolean> {
    return (await this.getDepositAccount({ account })).open;
  }
  /** {@inheritDoc getDepositBalance} */
  getDepositBalance(p: P<typeof a.getDepositBalance>) {
    return a.getDepositBalance(this.ctx, p);
  }
  /** {@inheritDoc getReferenceRecord} */
  getReferenceRecord(p: P<typeof a.getReferenceRecord>) {
    return a.getReferenceRecord(this.ctx, p);
  }
  /** Alias of {@link getReferenceRecord} for the issuance recorded under `bankReference`. */
  getIssuance(bankReference: string) {
    return this.getReferenceRecord({ kind: "issuance", reference: bankReference });
  }
  /** Alias of {@link getReferenceRecord} for the redemption recorded under `redemptionRef`. */
  getRedemption(redemptionRef: string) {
    return this.getReferenceRecord({ kind: "redemption", reference: redemptionRef });
  }
  /** {@inheritDoc listDepositEvents} */
  listDepositEvents(p: P<typeof a.listDepositEvents>) {
    return a.listDepositEvents(this.ctx, p);
  }
  /** Alias of {@link listDepositEvents} for DCJPY issuances (`Issued` events). */
  listIssuances(p: Range = {}) {
    return this.listDepositEvents({ kind: "issued", ...p });
  }
  /** Alias of {@link listDepositEvents} for DCJPY redemptions (`Redeemed` events). */
  listRedemptions(p: Range = {}) {
    return this.listDepositEvents({ kind: "redeemed", ...p });
  }
  /** {@inheritDoc getBalances} */
  getBalances(p: P<typeof a.getBalances> = {}) {
    return a.getBalances(this.ctx, p);
  }
  // settlements
  /** {@inheritDoc getSettlement} */
  getSettlement(p: P<typeof a.getSettlement>) {
    return a.getSettlement(this.ctx, p);
  }
  /** {@inheritDoc getUnassignedLock} */
  getUnassignedLock(p: P<typeof a.getUnassignedLock>) {
    return a.getUnassignedLock(this.ctx, p);
  }
  /** {@inheritDoc listSettlements} */
  listSettlements(p: P<typeof a.listSettlements> = {}) {
    return a.listSettlements(this.ctx, p);
  }
  /** {@inheritDoc watchSettlements} */
  watchSettlements(p: P<typeof a.watchSettlements>) {
    return a.watchSettlements(this.ctx, p);
  }
  /** {@inheritDoc verifyTerms} */
  verifyTerms(p: P<typeof a.verifyTerms>) {
    return a.verifyTerms(this.ctx, p);
  }
  /** {@inheritDoc verifyAffirmation} */
  verifyAffirmation(p: P<typeof a.verifyAffirmation>) {
    return a.verifyAffirmation(this.ctx, p);
  }
  /** {@inheritDoc verifyApproval} */
  verifyApproval(p: P<typeof a.verifyApproval>) {
    return a.verifyApproval(this.ctx, p);
  }
  /** {@inheritDoc reconcile} */
  reconcile(p: P<typeof a.reconcile> = {}) {
    return a.reconcile(this.ctx, p);
  }
}
