import { SecurityToken__factory } from "../../generated/contracts.js";
import type { StLedgerContext } from "../../context/crossLedger.js";
import { latestBlock, readCall, sendTx, signerAddress, type TxResult } from "../../context/send.js";
import { decodeRevertData } from "../../errors/decode.js";
import { InvalidDeadlineError } from "../../errors/input.js";
import { IneligibleTradeError } from "../../errors/settlement.js";
import {
  encodeCrossLedgerTerms,
  hashCrossLedgerTerms,
  type CrossLedgerTerms,
} from "../../settlement/crossLedger.js";
import { toBool } from "../../utils/validate.js";
import { ledgerAddress, termsFor, type CrossLedgerTermsLike } from "./common.js";

/** Parameters of {@link crossLedgerLock}. */
export interface CrossLedgerLockParams {
  /** The settlement's terms (both ledgers, both tokens, the verifier). */
  terms: CrossLedgerTermsLike;
  /**
   * Lock even when the security token would refuse the delivery to the buyer as things stand
   * (`canTransfer`); default false.
   */
  force?: boolean;
}

/** What {@link crossLedgerLock} resolves to. */
export interface CrossLedgerLockResult extends TxResult {
  /** The settlement ID. */
  id: string;
  /** The normalised terms. */
  terms: CrossLedgerTerms;
  /** Their EIP-712 hash, which the cash ledger's instruction must match. */
  termsHash: string;
}

/** Errors of `canTransfer` that `lock` raises itself with the same typed error. */
const LOCK_REPORTS = new Set([
  "SecurityTokenInsufficientUnlockedBalance",
  "SecurityTokenPaused",
  "SecurityTokenInactive",
]);

/**
 * Step 1 on the ST ledger, by the seller: `securityToken.lock(delivery, quantity,
 * abi.encode(terms))`. The units stay in the seller's balance, locked to `CrossLedgerDelivery`,
 * which registers the settlement (`Locked`) in the same transaction.
 *
 * Checked first, nothing sent on failure: the terms (`buildCrossLedgerTerms`), that they name
 * this ledger's chain and delivery contract and the signer as seller (`InvalidTermsError` /
 * `InvalidParameterError`), a deadline after the latest block time (`InvalidDeadlineError`) and,
 * unless `force`, the security token's `canTransfer(seller, buyer, quantity)`
 * (`IneligibleTradeError`). The contract's refusals (an unlisted token or counterpart, a verifier
 * without the role, a used ID) come back as their generated error classes, e.g.
 * `CrossLedgerUnknownCounterpart`.
 */
export async function crossLedgerLock(
  ctx: StLedgerContext,
  p: CrossLedgerLockParams,
): Promise<CrossLedgerLockResult> {
  const force = p.force === undefined ? false : toBool(p.force, "force");
  const terms = termsFor(ctx, p.terms);
  await signerAddress(ctx, "st.lock", { field: "terms.seller", account: terms.seller });
  const token = SecurityToken__factory.connect(terms.securityToken, ctx.runner);
  const [block, check] = await Promise.all([
    readCall("getBlock", () => latestBlock(ctx)),
    force
      ? undefined
      : readCall("securityToken.canTransfer", () =>
          token.canTransfer(terms.seller, terms.buyer, terms.quantity),
        ),
  ]);
  const now = BigInt(block?.timestamp ?? 0);
  if (terms.deadline <= now)
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      `must be after the ST ledger's block time ${now}`,
    );
  if (check && !check[0]) {
    const cause = decodeRevertData(check[1], {
      action: "securityToken.canTransfer",
      contractAddress: terms.securityToken,
    });
    if (!LOCK_REPORTS.has(cause.errorName)) {
      const named = (cause.args as { account?: unknown }).account;
      throw new IneligibleTradeError(
        terms.id,
        "securityTokenRefuses",
        typeof named === "string" ? named : terms.buyer,
        { cause },
      );
    }
  }
  const delivery = ledgerAddress(ctx);
  const r = await sendTx(ctx, "st.lock", token, () =>
    token.lock.populateTransaction(delivery, terms.quantity, encodeCrossLedgerTerms(terms)),
  );
  return { ...r, id: terms.id, terms, termsHash: hashCrossLedgerTerms(terms) };
}
