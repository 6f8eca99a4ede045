import * as a from "../actions/index.js";
import type { TermsLike } from "../actions/settlement/common.js";
import { BaseClient } from "./base.js";

type P<F extends (ctx: never, p: never) => unknown> = Parameters<F>[1];

/** The settlement agent: approve or reject (on-chain or by signature) and settle batches. */
export class AgentClient extends BaseClient {
  /** {@inheritDoc approveSettlement} */
  approve(p: P<typeof a.approveSettlement>) {
    return a.approveSettlement(this.ctx, p);
  }
  /** Signs the EIP-712 approval of `terms` (for `approveBySig`); sends nothing. */
  signApproval(terms: TermsLike) {
    return a.signApproval(this.ctx, { terms });
  }
  /** {@inheritDoc rejectSettlement} */
  reject(p: P<typeof a.rejectSettlement>) {
    return a.rejectSettlement(this.ctx, p);
  }
  /** All or nothing. */
  settleBatch(terms: TermsLike[]) {
    return a.settleBatch(this.ctx, { terms, mode: "all" });
  }
  /** Each item on its own; failures reported per item. */
  settleBatchPerItem(terms: TermsLike[]) {
    return a.settleBatch(this.ctx, { terms, mode: "perItem" });
  }
  /** Whether `signature` is the buyer's valid EIP-712 affirmation of `terms`. */
  verifyAffirmation(terms: TermsLike, signature: string) {
    return a.verifyAffirmation(this.ctx, { terms, signature });
  }
  /** Whether `signature` is the named agent's valid EIP-712 approval of `terms`. */
  verifyApproval(terms: TermsLike, signature: string) {
    return a.verifyApproval(this.ctx, { terms, signature });
  }
  /** {@inheritDoc getSettlement} */
  getSettlement(id: string) {
    return a.getSettlement(this.ctx, { id });
  }
}
