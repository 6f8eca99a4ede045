import { DepositToken__factory } from "../../generated/contracts.js";
import type { CashLedgerContext } from "../../context/crossLedger.js";
import {
  latestBlock,
  readCall,
  sendTx,
  signTyped,
  signerAddress,
  withSendOptions,
  type SendContext,
  type TxResult,
} from "../../context/send.js";
import { InvalidDeadlineError, InvalidParameterError } from "../../errors/input.js";
import {
  crossLedgerTermsArg,
  hashCrossLedgerTerms,
  type CrossLedgerTerms,
} from "../../settlement/crossLedger.js";
import { eip712Domain, transferAuthorizationTypedData } from "../../settlement/eip712.js";
import { toAuthorization, toBool } from "../../utils/validate.js";
import { ledgerAddress, termsFor, type CrossLedgerTermsLike } from "./common.js";

/** Parameters of {@link crossLedgerInstruct}. */
export interface CrossLedgerInstructParams {
  /** The settlement's terms. */
  terms: CrossLedgerTermsLike;
  /**
   * When the buyer's DCJPY allowance to the payment contract is below `terms.amount`, approve
   * exactly that amount first (one more transaction; it overwrites the allowance). Default true.
   */
  approve?: boolean;
}

/** What {@link crossLedgerInstruct} and {@link crossLedgerInstructWithAuthorization} resolve to. */
export interface CrossLedgerInstructResult extends TxResult {
  /** The settlement ID. */
  id: string;
  /** The normalised terms. */
  terms: CrossLedgerTerms;
  /** The approval sent first, when one was needed. */
  approval?: TxResult;
}

/** The cash ledger's block time, and the deadline check every instruction makes. */
async function checkDeadline(ctx: CashLedgerContext, terms: CrossLedgerTerms): Promise<void> {
  const block = await readCall("getBlock", () => latestBlock(ctx));
  const now = BigInt(block?.timestamp ?? 0);
  if (terms.deadline <= now)
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      `has passed on the cash ledger (block time ${now}): the buyer can no longer instruct`,
    );
}

/**
 * Step 4 on the cash ledger, by the buyer: `instruct(terms)`: `terms.amount` DCJPY moves from the
 * buyer into the payment contract's escrow (`Instructed`). With `approve` (default) an allowance
 * below the amount is raised to it first, under the journal key `<key>:approve` when the context
 * carries a key.
 *
 * Checked first, nothing sent on failure: the terms, that they name this ledger's chain and
 * payment contract and the signer as buyer, a deadline not passed on this ledger. The contract's
 * refusals come back as their generated error classes (`CrossLedgerUnknownCounterpart`,
 * `PaymentUnlistedCashToken`, `PaymentUnexpectedState`, DCJPY's own errors, …).
 */
export async function crossLedgerInstruct(
  ctx: CashLedgerContext,
  p: CrossLedgerInstructParams,
): Promise<CrossLedgerInstructResult> {
  const approve = p.approve === undefined ? true : toBool(p.approve, "approve");
  const terms = termsFor(ctx, p.terms);
  await signerAddress(ctx, "cash.instruct", { field: "terms.buyer", account: terms.buyer });
  await checkDeadline(ctx, terms);
  const payment = ctx.payment;
  const spender = ledgerAddress(ctx);
  let approval: TxResult | undefined;
  if (approve) {
    const dcjpy = DepositToken__factory.connect(terms.cashToken, ctx.runner);
    const allowance = await readCall("cashToken.allowance", () =>
      dcjpy.allowance(terms.buyer, spender),
    );
    if (allowance < terms.amount) {
      const key = (ctx as SendContext).sendOptions?.key;
      const actx = key ? withSendOptions(ctx, { key: `${key}:approve` }) : ctx;
      approval = await sendTx(actx, "cash.approve", dcjpy, () =>
        dcjpy.approve.populateTransaction(spender, terms.amount),
      );
    }
  }
  const r = await sendTx(ctx, "cash.instruct", payment, () =>
    payment.instruct.populateTransaction(crossLedgerTermsArg(terms)),
  );
  return { ...r, id: terms.id, terms, ...(approval ? { approval } : {}) };
}

/** Parameters of {@link crossLedgerSignAuthorization}. */
export interface CrossLedgerSignAuthorizationParams {
  /** The settlement's terms. */
  terms: CrossLedgerTermsLike;
  /** Valid strictly before this unix time; default `terms.deadline + 1`. */
  validBefore?: bigint;
}

/** The buyer's DCJPY transfer authorization for one two-ledger instruction. */
export interface CrossLedgerAuthorization {
  /** Valid strictly before this unix time. */
  validBefore: bigint;
  /** The buyer's EIP-712 signature. */
  signature: string;
}

/**
 * The buyer signs the cash leg of exactly one two-ledger settlement (no transaction): DCJPY's
 * `TransferWithAuthorization(from = buyer, to = the payment contract, value = terms.amount,
 * spender = the payment contract, validBefore, nonce = hashTerms(terms))`, under the cash token's
 * EIP-712 domain (read from its `eip712Domain()`). The nonce binds it to these exact terms: it
 * cannot be attached to another settlement, amount or contract. Anyone submits it with
 * {@link crossLedgerInstructWithAuthorization}.
 */
export async function crossLedgerSignAuthorization(
  ctx: CashLedgerContext,
  p: CrossLedgerSignAuthorizationParams,
): Promise<CrossLedgerAuthorization> {
  const terms = termsFor(ctx, p.terms);
  const validBefore = p.validBefore ?? terms.deadline + 1n;
  if (typeof validBefore !== "bigint" || validBefore <= 0n)
    throw new InvalidParameterError("validBefore", validBefore, "must be a positive bigint");
  const action = "cash.signAuthorization";
  await signerAddress(ctx, action, { field: "terms.buyer", account: terms.buyer });
  const dcjpy = DepositToken__factory.connect(terms.cashToken, ctx.runner);
  const domain = eip712Domain(await readCall("cashToken.eip712Domain", () => dcjpy.eip712Domain()));
  const payment = ledgerAddress(ctx);
  const td = transferAuthorizationTypedData(domain, {
    from: terms.buyer,
    to: payment,
    value: terms.amount,
    spender: payment,
    validBefore,
    nonce: hashCrossLedgerTerms(terms),
  });
  return { validBefore, signature: await signTyped(ctx, action, td) };
}

/** Parameters of {@link crossLedgerInstructWithAuthorization}. */
export interface CrossLedgerInstructWithAuthorizationParams {
  /** The settlement's terms. */
  terms: CrossLedgerTermsLike;
  /**
   * The buyer's authorization ({@link crossLedgerSignAuthorization}), or `true`: the signer is
   * the buyer and signs one now.
   */
  authorization: true | CrossLedgerAuthorization;
}

/**
 * Step 4 without an allowance: `instructWithAuthorization(terms, validBefore, signature)`, sent
 * by anyone (the buyer, or a relayer holding the buyer's authorization). Checked first as
 * {@link crossLedgerInstruct} (but the signer need not be the buyer unless `authorization` is
 * `true`). DCJPY's refusals of the authorization come back typed
 * (`DepositTokenInvalidAuthorization`, `DepositTokenAuthorizationUsed`, …).
 */
export async function crossLedgerInstructWithAuthorization(
  ctx: CashLedgerContext,
  p: CrossLedgerInstructWithAuthorizationParams,
): Promise<CrossLedgerInstructResult> {
  const terms = termsFor(ctx, p.terms);
  const auth = await toAuthorization(p.authorization, () =>
    crossLedgerSignAuthorization(ctx, { terms }),
  );
  await checkDeadline(ctx, terms);
  const payment = ctx.payment;
  const r = await sendTx(ctx, "cash.instructWithAuthorization", payment, () =>
    payment.instructWithAuthorization.populateTransaction(
      crossLedgerTermsArg(terms),
      auth.validBefore,
      auth.signature,
    ),
  );
  return { ...r, id: terms.id, terms };
}
