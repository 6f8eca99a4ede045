import * as a from "../actions/index.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/**
 * The settlement agent: approve or reject (on-chain or by signature) and settle batches. Each
 * method binds the action of its name to the signer; the reads are {@link BaseClient}'s.
 */
export class AgentClient extends BaseClient {
  /** {@inheritDoc approveSettlement} */
  approveSettlement(p: P<typeof a.approveSettlement>) {
    return a.approveSettlement(this.ctx, p);
  }
  /** {@inheritDoc signApproval} */
  signApproval(p: P<typeof a.signApproval>) {
    return a.signApproval(this.ctx, p);
  }
  /** {@inheritDoc rejectSettlement} */
  rejectSettlement(p: P<typeof a.rejectSettlement>) {
    return a.rejectSettlement(this.ctx, p);
  }
  /** {@inheritDoc settleBatch} */
  settleBatch(p: P<typeof a.settleBatch>) {
    return a.settleBatch(this.ctx, p);
  }
}
