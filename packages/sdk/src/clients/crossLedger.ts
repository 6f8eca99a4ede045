import * as a from "../actions/index.js";
import {
  connectCashLedger,
  connectStLedger,
  type CashLedgerConnectOptions,
  type CashLedgerContext,
  type StLedgerConnectOptions,
  type StLedgerContext,
} from "../context/crossLedger.js";
import { MissingSignerError } from "../errors/input.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * One party on the ST ledger of two-ledger settlements (`CrossLedgerDelivery`): the seller locks
 * (step 1); anyone delivers or returns with the verifier's attestation (step 6); the buyer may
 * waive. Methods are named after the contract functions.
 */
export class StLedgerClient {
  readonly ctx: StLedgerContext;
  constructor(ctx: StLedgerContext) {
    this.ctx = ctx;
  }
  /** Connects ({@link connectStLedger}) and wraps the context. */
  static async connect(options: StLedgerConnectOptions): Promise<StLedgerClient> {
    return new StLedgerClient(await connectStLedger(options));
  }
  /** The signer's address (throws MissingSignerError for a read-only client). */
  get address(): string {
    if (!this.ctx.account) throw new MissingSignerError("address");
    return this.ctx.account;
  }
  /** Destroys the provider if the client created it from `rpcUrl`. */
  close(): void {
    if (this.ctx.ownsProvider) (this.ctx.provider as { destroy?: () => void }).destroy?.();
  }
  /** {@inheritDoc crossLedgerLock} */
  lock(p: P<typeof a.crossLedgerLock>) {
    return a.crossLedgerLock(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerDeliver} */
  deliver(p: P<typeof a.crossLedgerDeliver>) {
    return a.crossLedgerDeliver(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerReturnToSeller} */
  returnToSeller(p: P<typeof a.crossLedgerReturnToSeller>) {
    return a.crossLedgerReturnToSeller(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerWaive} */
  waive(p: P<typeof a.crossLedgerWaive>) {
    return a.crossLedgerWaive(this.ctx, p);
  }
  /** {@inheritDoc getCrossLedgerDelivery} */
  getDelivery(p: P<typeof a.getCrossLedgerDelivery>) {
    return a.getCrossLedgerDelivery(this.ctx, p);
  }
}

/**
 * One party on the cash ledger of two-ledger settlements (`CrossLedgerPayment`): the buyer
 * instructs (step 4) or signs an authorization anyone submits; anyone refunds after the deadline
 * or completes a deferred transfer. Methods are named after the contract functions. (`pay` and
 * `refuse` are the verifier's: see `@kessai/verifier`.)
 */
export class CashLedgerClient {
  readonly ctx: CashLedgerContext;
  constructor(ctx: CashLedgerContext) {
    this.ctx = ctx;
  }
  /** Connects ({@link connectCashLedger}) and wraps the context. */
  static async connect(options: CashLedgerConnectOptions): Promise<CashLedgerClient> {
    return new CashLedgerClient(await connectCashLedger(options));
  }
  /** The signer's address (throws MissingSignerError for a read-only client). */
  get address(): string {
    if (!this.ctx.account) throw new MissingSignerError("address");
    return this.ctx.account;
  }
  /** Destroys the provider if the client created it from `rpcUrl`. */
  close(): void {
    if (this.ctx.ownsProvider) (this.ctx.provider as { destroy?: () => void }).destroy?.();
  }
  /** {@inheritDoc crossLedgerInstruct} */
  instruct(p: P<typeof a.crossLedgerInstruct>) {
    return a.crossLedgerInstruct(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerSignAuthorization} */
  signAuthorization(p: P<typeof a.crossLedgerSignAuthorization>) {
    return a.crossLedgerSignAuthorization(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerInstructWithAuthorization} */
  instructWithAuthorization(p: P<typeof a.crossLedgerInstructWithAuthorization>) {
    return a.crossLedgerInstructWithAuthorization(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerRefund} */
  refund(p: P<typeof a.crossLedgerRefund>) {
    return a.crossLedgerRefund(this.ctx, p);
  }
  /** {@inheritDoc crossLedgerCompleteTransfer} */
  completeTransfer(p: P<typeof a.crossLedgerCompleteTransfer>) {
    return a.crossLedgerCompleteTransfer(this.ctx, p);
  }
  /** {@inheritDoc getCrossLedgerPayment} */
  getPayment(p: P<typeof a.getCrossLedgerPayment>) {
    return a.getCrossLedgerPayment(this.ctx, p);
  }
  /** {@inheritDoc findCrossLedgerOutcome} */
  findOutcome(p: P<typeof a.findCrossLedgerOutcome>) {
    return a.findCrossLedgerOutcome(this.ctx, p);
  }
}
