import type { CashLedgerContext, StLedgerContext } from "../../context/crossLedger.js";
import { readBatch } from "../../context/readBatch.js";
import { latestBlockTime, readCall } from "../../context/send.js";
import {
  deliveryStateName,
  paymentStateName,
  type DeliveryStateName,
  type PaymentStateName,
} from "../../constants/enums.js";
import {
  buildCrossLedgerTerms,
  crossLedgerTermsDigest,
  type CrossLedgerTerms,
  type CrossLedgerTermsInput,
} from "../../settlement/crossLedger.js";
import { toBlock, toSettlementId } from "../../utils/validate.js";
import { ledgerAddress, type CrossLedgerTermsLike } from "./common.js";

/** Parameters of the single-ledger reads. */
export interface CrossLedgerIdParams {
  /** The settlement ID. */
  id: string;
}

/** A settlement's record on the ST ledger (`deliveryOf`). */
export interface CrossLedgerDeliveryView {
  id: string;
  state: DeliveryStateName;
  /** The stored 28-byte terms commitment (zero when unknown). */
  termsDigest: string;
}

/** A settlement's record on the cash ledger (`paymentOf`). */
export interface CrossLedgerPaymentView {
  id: string;
  state: PaymentStateName;
  /** Whether the decided transfer waits in escrow (`completeTransfer`). */
  transferPending: boolean;
  /** The stored 28-byte terms commitment (zero when unknown). */
  termsDigest: string;
}

/** Reads a settlement's record on the ST ledger: `deliveryOf(id)`. */
export async function getCrossLedgerDelivery(
  ctx: StLedgerContext,
  p: CrossLedgerIdParams,
): Promise<CrossLedgerDeliveryView> {
  const id = toSettlementId(p?.id, "id");
  return deliveryView(id, await readCall("st.deliveryOf", () => ctx.delivery.deliveryOf(id)));
}

const deliveryView = (
  id: string,
  r: { state: bigint | number; termsDigest: string },
): CrossLedgerDeliveryView => ({
  id,
  state: deliveryStateName(r.state),
  termsDigest: r.termsDigest.toLowerCase(),
});

const paymentView = (
  id: string,
  r: { state: bigint | number; transferPending: boolean; termsDigest: string },
): CrossLedgerPaymentView => ({
  id,
  state: paymentStateName(r.state),
  transferPending: r.transferPending,
  termsDigest: r.termsDigest.toLowerCase(),
});

/** Reads a settlement's record on the cash ledger: `paymentOf(id)`. */
export async function getCrossLedgerPayment(
  ctx: CashLedgerContext,
  p: CrossLedgerIdParams,
): Promise<CrossLedgerPaymentView> {
  const id = toSettlementId(p?.id, "id");
  return paymentView(id, await readCall("cash.paymentOf", () => ctx.payment.paymentOf(id)));
}

/**
 * One word for where a two-ledger settlement stands, from both records:
 * - `none`: on neither ledger;
 * - `locked`: the seller locked (step 1), the buyer has not instructed;
 * - `instructed`: the buyer instructed (step 4), no lock on the ST ledger;
 * - `awaitingDecision`: both, undecided (the verifier's step 5);
 * - `paid`: the cash ledger paid the seller, the units are still to be delivered (anyone can,
 *   with the attestation the verifier signs once the payment has its confirmations: see
 *   {@link fetchCrossLedgerAttestation});
 * - `refunded`: the cash ledger refunded the buyer, the units are still to be returned;
 * - `delivered`, `returned`: the ST ledger is done (final);
 * - `failed`: the issuer ended the settlement on the ST ledger (see docs/two-ledger.md);
 * - `mismatch`: the two ledgers (or a ledger and the terms given) hold different terms.
 */
export type CrossLedgerStatusName =
  | "none"
  | "locked"
  | "instructed"
  | "awaitingDecision"
  | "paid"
  | "refunded"
  | "delivered"
  | "returned"
  | "failed"
  | "mismatch";

/** Parameters of {@link getCrossLedgerStatus}: the terms (checked against both records), or the ID. */
export interface GetCrossLedgerStatusParams {
  /** The terms; each record's commitment is compared with theirs. */
  terms?: CrossLedgerTermsLike;
  /** The ID, when the terms are not at hand (the records are then compared with each other). */
  id?: string;
}

/** Both records and the combined status of one two-ledger settlement. */
export interface CrossLedgerStatus {
  id: string;
  /** The combined status. */
  status: CrossLedgerStatusName;
  /** True when nothing more will happen on either ledger. */
  final: boolean;
  st: CrossLedgerDeliveryView;
  cash: CrossLedgerPaymentView;
  /** The cash ledger's latest block time (it decides the deadline). */
  cashTime: bigint;
  /** With terms: whether the cash ledger's block time is past the deadline. */
  deadlinePassed: boolean | undefined;
}

/**
 * Reads a two-ledger settlement on both ledgers in parallel and names where it stands
 * ({@link CrossLedgerStatusName}). With `terms`, each existing record is checked against their
 * commitment (a record under the ID with other terms gives `mismatch`).
 */
export async function getCrossLedgerStatus(
  st: StLedgerContext,
  cash: CashLedgerContext,
  p: GetCrossLedgerStatusParams,
): Promise<CrossLedgerStatus> {
  let terms: CrossLedgerTerms | undefined;
  let id: string;
  if (p?.terms !== undefined) {
    terms = buildCrossLedgerTerms(p.terms as CrossLedgerTermsInput);
    id = terms.id;
  } else id = toSettlementId(p?.id, "id");
  const [d, c, cashTime] = await Promise.all([
    getCrossLedgerDelivery(st, { id }),
    getCrossLedgerPayment(cash, { id }),
    latestBlockTime(cash),
  ]);
  return statusOf(id, terms, d, c, cashTime);
}

/** Parameters of {@link getCrossLedgerStatuses}. */
export interface GetCrossLedgerStatusesParams {
  /** The settlements' terms; each record's commitment is compared with theirs. */
  terms: CrossLedgerTerms[];
}

/**
 * {@link getCrossLedgerStatus} for many settlements at once, in one batched `eth_call` per ledger
 * (every `deliveryOf` on the ST ledger, every `paymentOf` on the cash ledger, through the
 * never-deployed reader of `readBatch`; a node's 24 KB answer limit splits a very long list)
 * plus the cash ledger's block time. A record the batch could not read, or every one on a node
 * that does not run the batch, is read on its own, with the usual typed errors. One status per
 * terms, in order.
 */
export async function getCrossLedgerStatuses(
  st: StLedgerContext,
  cash: CashLedgerContext,
  p: GetCrossLedgerStatusesParams,
): Promise<CrossLedgerStatus[]> {
  const ids = p.terms.map((t) => t.id);
  if (ids.length === 0) return [];
  const d = st.delivery.interface;
  const c = cash.payment.interface;
  const [ds, cs, cashTime] = await Promise.all([
    readBatch(
      st,
      ledgerAddress(st),
      ids.map((id) => d.encodeFunctionData("deliveryOf", [id])),
      { answerBytes: 64 },
    ),
    readBatch(
      cash,
      ledgerAddress(cash),
      ids.map((id) => c.encodeFunctionData("paymentOf", [id])),
      { answerBytes: 96 },
    ),
    latestBlockTime(cash),
  ]);
  return Promise.all(
    p.terms.map(async (terms, i) => {
      const id = ids[i];
      const dv = ds?.[i]?.ok
        ? deliveryView(id, d.decodeFunctionResult("deliveryOf", ds[i].data)[0])
        : await getCrossLedgerDelivery(st, { id });
      const cv = cs?.[i]?.ok
        ? paymentView(id, c.decodeFunctionResult("paymentOf", cs[i].data)[0])
        : await getCrossLedgerPayment(cash, { id });
      return statusOf(id, terms, dv, cv, cashTime);
    }),
  );
}

function statusOf(
  id: string,
  terms: CrossLedgerTerms | undefined,
  d: CrossLedgerDeliveryView,
  c: CrossLedgerPaymentView,
  cashTime: bigint,
): CrossLedgerStatus {
  const expected = terms ? crossLedgerTermsDigest(terms).toLowerCase() : undefined;
  const digests = [d, c].filter((r) => r.state !== "None").map((r) => r.termsDigest);
  const mismatch =
    (expected !== undefined && digests.some((x) => x !== expected)) ||
    (digests.length === 2 && digests[0] !== digests[1]);
  const status: CrossLedgerStatusName = mismatch ? "mismatch" : combine(d.state, c.state);
  const final =
    status === "delivered" ||
    (status === "returned" && c.state !== "Instructed") ||
    (status === "failed" && c.state !== "Instructed");
  return {
    id,
    status,
    final: final && !c.transferPending,
    st: d,
    cash: c,
    cashTime,
    deadlinePassed: terms ? cashTime > terms.deadline : undefined,
  };
}

function combine(d: DeliveryStateName, c: PaymentStateName): CrossLedgerStatusName {
  if (d === "Delivered") return "delivered";
  if (d === "Returned") return "returned";
  if (d === "Failed") return "failed";
  if (c === "Paid") return "paid";
  if (c === "Refunded") return "refunded";
  if (d === "Locked") return c === "Instructed" ? "awaitingDecision" : "locked";
  return c === "Instructed" ? "instructed" : "none";
}

/** Parameters of {@link findCrossLedgerOutcome}. */
export interface FindCrossLedgerOutcomeParams {
  /** The settlement ID. */
  id: string;
  /** First block of the cash ledger to search (default 0). */
  fromBlock?: number;
}

/** The decision the cash ledger executed (its events carry no attestation). */
export interface CrossLedgerOutcomeRecord {
  outcome: "Paid" | "Refunded";
  /** The transaction that executed it. */
  txHash: string;
  blockNumber: number;
}

/**
 * The outcome the cash ledger executed for `id`, from its `SettlementPaid` / `SettlementRefunded`
 * event, and the transaction that executed it. Undefined while undecided. The key to the ST
 * ledger is not there: the verifier signs the attestation once this event has its confirmations
 * and serves it ({@link fetchCrossLedgerAttestation}).
 */
export async function findCrossLedgerOutcome(
  ctx: CashLedgerContext,
  p: FindCrossLedgerOutcomeParams,
): Promise<CrossLedgerOutcomeRecord | undefined> {
  const id = toSettlementId(p?.id, "id");
  const from = toBlock(p.fromBlock, "fromBlock") ?? 0;
  const pay = ctx.payment;
  const [paid, refunded] = await readCall("cash.queryFilter", () =>
    Promise.all([
      pay.queryFilter(pay.filters.SettlementPaid(id), from, "latest"),
      pay.queryFilter(pay.filters.SettlementRefunded(id), from, "latest"),
    ]),
  );
  const e = paid[0] ?? refunded[0];
  if (!e) return undefined;
  return {
    outcome: paid[0] ? "Paid" : "Refunded",
    txHash: e.transactionHash,
    blockNumber: e.blockNumber,
  };
}
