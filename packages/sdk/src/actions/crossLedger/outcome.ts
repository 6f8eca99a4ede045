import type { CashLedgerContext, StLedgerContext } from "../../context/crossLedger.js";
import { sendTx, signerAddress, type TxResult } from "../../context/send.js";
import { InvalidParameterError } from "../../errors/input.js";
import { crossLedgerTermsArg } from "../../settlement/crossLedger.js";
import { toBytes } from "../../utils/validate.js";
import { termsFor, type CrossLedgerTermsLike } from "./common.js";

/** Parameters of the calls that take only the terms. */
export interface CrossLedgerTermsParams {
  /** The settlement's terms, as registered. */
  terms: CrossLedgerTermsLike;
}

/** Parameters of the calls that present the verifier's attestation. */
export interface CrossLedgerAttestationParams {
  /** The settlement's terms, as registered. */
  terms: CrossLedgerTermsLike;
  /**
   * The verifier's attestation: `Paid` for `deliver`, `Refunded` for `returnToSeller` (as the
   * verifier serves it once the cash ledger's outcome has its confirmations: see
   * {@link fetchCrossLedgerAttestation}).
   */
  attestation: string;
}

/**
 * Sends `deliver` or `returnToSeller` (the two calls that present an attestation) with `p`'s terms
 * and its non-empty attestation (`InvalidParameterError` for an empty one, before sending).
 */
function sendAttested(
  ctx: StLedgerContext,
  p: CrossLedgerAttestationParams,
  method: "deliver" | "returnToSeller",
): Promise<TxResult> {
  const terms = termsFor(ctx, p.terms);
  const attestation = toBytes(p.attestation, "attestation");
  if (attestation === "0x")
    throw new InvalidParameterError("attestation", p.attestation, "must not be empty");
  const delivery = ctx.delivery;
  return sendTx(ctx, `st.${method}`, delivery, () =>
    delivery[method].populateTransaction(crossLedgerTermsArg(terms), attestation),
  );
}

/**
 * After the deadline, anyone refunds an undecided instruction on the cash ledger: `refund(terms)`
 * moves the escrow back to the buyer, no signature needed. Before the deadline the contract
 * refuses with `CrossLedgerDeadlineNotPassed`; a settlement not `Instructed` with
 * `PaymentUnexpectedState`.
 */
export async function crossLedgerRefund(
  ctx: CashLedgerContext,
  p: CrossLedgerTermsParams,
): Promise<TxResult> {
  const terms = termsFor(ctx, p.terms);
  const payment = ctx.payment;
  return sendTx(ctx, "cash.refund", payment, () =>
    payment.refund.populateTransaction(crossLedgerTermsArg(terms)),
  );
}

/**
 * Anyone completes a decided transfer that DCJPY refused at the time (payee frozen, DCJPY
 * paused): `completeTransfer(terms)` moves the amount owed out of escrow. Without one pending the
 * contract refuses with `PaymentNoTransferPending`.
 */
export async function crossLedgerCompleteTransfer(
  ctx: CashLedgerContext,
  p: CrossLedgerTermsParams,
): Promise<TxResult> {
  const terms = termsFor(ctx, p.terms);
  const payment = ctx.payment;
  return sendTx(ctx, "cash.completeTransfer", payment, () =>
    payment.completeTransfer.populateTransaction(crossLedgerTermsArg(terms)),
  );
}

/**
 * Step 6 on a `Paid` outcome, by anyone (the buyer itself, a relayer): `deliver(terms,
 * attestation)` moves the seller's locked units to the buyer. An attestation that is not the
 * verifier's `Paid` is refused with `CrossLedgerInvalidAttestation`; a token that refuses the
 * delivery (paused, buyer suspended) with its own error, and the settlement stays deliverable.
 */
export async function crossLedgerDeliver(
  ctx: StLedgerContext,
  p: CrossLedgerAttestationParams,
): Promise<TxResult> {
  return sendAttested(ctx, p, "deliver");
}

/**
 * Step 6 on a `Refunded` outcome, by anyone: `returnToSeller(terms, attestation)` releases the
 * seller's locked units back to it. An attestation that is not the verifier's `Refunded` is
 * refused with `CrossLedgerInvalidAttestation`.
 */
export async function crossLedgerReturnToSeller(
  ctx: StLedgerContext,
  p: CrossLedgerAttestationParams,
): Promise<TxResult> {
  return sendAttested(ctx, p, "returnToSeller");
}

/**
 * The buyer gives up its claim on the ST ledger: `waive(terms)` returns the seller's units without
 * the verifier. Only the buyer may (`InvalidParameterError` for another signer, before sending).
 */
export async function crossLedgerWaive(
  ctx: StLedgerContext,
  p: CrossLedgerTermsParams,
): Promise<TxResult> {
  const terms = termsFor(ctx, p.terms);
  await signerAddress(ctx, "st.waive", { field: "terms.buyer", account: terms.buyer });
  const delivery = ctx.delivery;
  return sendTx(ctx, "st.waive", delivery, () =>
    delivery.waive.populateTransaction(crossLedgerTermsArg(terms)),
  );
}
