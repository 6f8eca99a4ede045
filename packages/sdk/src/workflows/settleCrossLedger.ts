import { getAddress } from "ethers";
import * as a from "../actions/index.js";
import type { CashLedgerClient, StLedgerClient } from "../clients/crossLedger.js";
import { sentFields, withSendOptions, type TxResult } from "../context/send.js";
import { KessaiError } from "../errors/base.js";
import { ContractError } from "../errors/contract.js";
import {
  CrossLedgerAttestationNotReadyError,
  CrossLedgerStateError,
  CrossLedgerTermsConflictError,
  CrossLedgerTimeoutError,
  VerifierRequestError,
  VerifierUnreachableError,
} from "../errors/crossLedger.js";
import { InvalidParameterError, InvalidTermsError } from "../errors/input.js";
import { SettlementInFlightError } from "../errors/settlement.js";
import {
  buildCrossLedgerTerms,
  crossLedgerTermsDigest,
  type CrossLedgerTerms,
  type CrossLedgerTermsInput,
} from "../settlement/crossLedger.js";
import { toRpcUrl } from "../utils/rpc.js";

/** The steps of a two-ledger settlement one party's workflow reports. */
export const CROSS_LEDGER_STEPS = {
  lock: 1,
  instruct: 4,
  decide: 5,
  refund: 5,
  deliver: 6,
  return: 6,
} as const;
/** Name of a step {@link settleCrossLedger} reports. */
export type CrossLedgerStepName = keyof typeof CROSS_LEDGER_STEPS;

/**
 * Reported to {@link SettleCrossLedgerParams.onProgress}: `started` / `done` around a transaction
 * this party sends, `skipped` when the ledger already shows the step, `waiting` when the party
 * starts waiting for another (the seller's lock, the verifier's decision, the delivery or the
 * return), and `done` without a transaction when another party did the step.
 */
export interface CrossLedgerProgressEvent {
  /** 1, 4, 5 or 6 (the seven steps' numbering). */
  step: number;
  name: CrossLedgerStepName;
  status: "started" | "done" | "skipped" | "waiting";
  /** The transaction this party sent for the step. */
  txHash?: string;
  gasUsed?: bigint;
  /** Why a step was skipped, what it waits for, or what the ledgers show. */
  reason?: string;
  /** The step's transaction had been sent before (journal) and this call waited for it. */
  resumed?: boolean;
}

/** Parameters of {@link settleCrossLedger}. */
export interface SettleCrossLedgerParams {
  /** Whose side this call carries: the seller locks (step 1), the buyer instructs (step 4). */
  side: "seller" | "buyer";
  /** The ST ledger; signed by the seller for the seller's side (by the buyer to deliver itself). */
  st: StLedgerClient;
  /** The cash ledger; signed by the buyer for the buyer's side (read-only is enough for the seller). */
  cash: CashLedgerClient;
  /** The terms both firms agreed (step 2). */
  terms: CrossLedgerTermsInput | CrossLedgerTerms;
  /** Buyer: instruct with a DCJPY transfer authorization instead of an allowance. Default false. */
  useAuthorization?: boolean;
  /** Seller: lock even when the security token would refuse the delivery now. Default false. */
  force?: boolean;
  /** Longest wait, from the call, for the outcome (ms). Default 600,000. */
  timeoutMs?: number;
  /** Milliseconds between two reads of both ledgers. Default 1,000. */
  pollMs?: number;
  /**
   * The verifier service's HTTP endpoint (e.g. `http://127.0.0.1:9464`): where the party fetches
   * the ST ledger's attestation to present it itself ({@link fetchCrossLedgerAttestation}).
   * Without it the party waits for the verifier's own relay.
   */
  verifierUrl?: string;
  /** A fetch for the verifier's endpoint (default: the global one). */
  fetch?: typeof fetch;
  /**
   * Once the cash ledger has decided and the ST ledger still shows `Locked` this long (ms), the
   * party presents the verifier's attestation itself (fetched from `verifierUrl`) instead of
   * waiting for the verifier's relay: the buyer `deliver`s a `Paid` outcome, the seller
   * `returnToSeller`s a `Refunded` one (needs a signer on `st`). The verifier signs it only after
   * the cash ledger's outcome has its confirmations; until it serves it (404), or while it does
   * not answer, the party asks again with backoff (from `pollMs`, doubling, at most 30 s) until
   * `timeoutMs`. Default 30,000; `Infinity` never.
   */
  selfRelayAfterMs?: number;
  /** Buyer: after the deadline, refund an undecided instruction itself. Default true. */
  refundAfterDeadline?: boolean;
  /** Stops the workflow (and its sends) between two reads; call again to resume. */
  signal?: AbortSignal;
  /** Called on every {@link CrossLedgerProgressEvent}; an exception it throws stops the run. */
  onProgress?: (e: CrossLedgerProgressEvent) => void | Promise<void>;
}

/** What {@link settleCrossLedger} resolves to. */
export interface SettleCrossLedgerResult {
  id: string;
  /**
   * The combined status it ended on: `delivered`, `returned` or `failed`; for the buyer also
   * `refunded` (its DCJPY is back; the seller's units wait for the verifier's return).
   */
  status: a.CrossLedgerStatusName;
  /** The cash ledger's decision (`None` when the buyer never instructed). */
  cashState: string;
  /** Every step done, skipped or waited for, in order. */
  steps: CrossLedgerProgressEvent[];
}

/** Journal key of one step of one party's two-ledger settlement. */
export function settleCrossLedgerKey(id: string, step: CrossLedgerStepName): string {
  return `settleCrossLedger:${id.toLowerCase()}:${step}`;
}

const running = new Set<string>();

/**
 * Carries one party's side of a two-ledger settlement to its end, resumable from what both
 * ledgers show (call again with the same parameters after a crash: a step the ledger already
 * shows is skipped, a transaction still pending is waited for under its journal key
 * {@link settleCrossLedgerKey}, never sent twice).
 *
 * - **Checks first**, nothing sent: the terms, the clients' chains and contracts, the party's
 *   signer (`InvalidTermsError`); a record under the ID with other terms on either ledger
 *   ({@link CrossLedgerTermsConflictError}); no other call of this process on the same side and
 *   ID (`SettlementInFlightError`).
 * - **Seller**: step 1, the lock on the ST ledger (`crossLedgerLock`), unless the ledger shows it.
 * - **Buyer**: waits for the seller's lock with these terms, then step 4 on the cash ledger
 *   (`crossLedgerInstruct`, or with an authorization), unless the ledger shows it. Past the
 *   deadline before instructing: {@link CrossLedgerStateError}.
 * - **Both** then wait for the verifier's decision on the cash ledger and its carrying to the ST
 *   ledger (the buyer's side ends as soon as a refund is back in its account). A decided
 *   settlement the verifier does not relay within `selfRelayAfterMs` is relayed by the party
 *   itself with the attestation the verifier serves at `verifierUrl` (asked again with backoff
 *   while it is not signed yet or the service does not answer), and the buyer refunds an
 *   undecided instruction after the deadline. A delivery the token refuses is reported
 *   (`waiting`) and tried again at the next relay.
 * - **Timeout**: {@link CrossLedgerTimeoutError} after `timeoutMs`, naming what it waited for.
 */
export async function settleCrossLedger(
  p: SettleCrossLedgerParams,
): Promise<SettleCrossLedgerResult> {
  if (p?.side !== "seller" && p?.side !== "buyer")
    throw new InvalidParameterError("side", p?.side, 'must be "seller" or "buyer"');
  const terms = buildCrossLedgerTerms(p.terms as CrossLedgerTermsInput);
  a.termsFor(p.st.ctx, terms);
  a.termsFor(p.cash.ctx, terms);
  const [me, field, account] =
    p.side === "seller"
      ? [p.st.ctx.account, "terms.seller", terms.seller]
      : [p.cash.ctx.account, "terms.buyer", terms.buyer];
  if (!me || getAddress(me) !== account)
    throw new InvalidTermsError(
      field,
      account,
      `is not the signer ${me ?? "(none)"} of the ${p.side === "seller" ? "st" : "cash"} client`,
    );
  const timeoutMs = p.timeoutMs ?? 600_000;
  const pollMs = p.pollMs ?? 1_000;
  for (const [k, v] of [
    ["timeoutMs", timeoutMs],
    ["pollMs", pollMs],
  ] as const)
    if (typeof v !== "number" || !(v > 0))
      throw new InvalidParameterError(k, v, "must be a positive number of milliseconds");
  if (p.verifierUrl !== undefined) toRpcUrl(p.verifierUrl, "verifierUrl");
  const key = `${p.side}:${terms.id}`;
  if (running.has(key)) throw new SettlementInFlightError(terms.id);
  running.add(key);
  try {
    return await carry(p, terms, timeoutMs, pollMs);
  } finally {
    running.delete(key);
  }
}

async function carry(
  p: SettleCrossLedgerParams,
  terms: CrossLedgerTerms,
  timeoutMs: number,
  pollMs: number,
): Promise<SettleCrossLedgerResult> {
  const { st, cash, side } = p;
  const id = terms.id;
  const until = Date.now() + timeoutMs;
  const relayAfter = p.selfRelayAfterMs ?? 30_000;
  const steps: CrossLedgerProgressEvent[] = [];
  const emit = async (e: CrossLedgerProgressEvent) => {
    if (e.status !== "started") steps.push(e);
    await p.onProgress?.(e);
  };
  const keyed = <C extends StLedgerClient["ctx"] | CashLedgerClient["ctx"]>(
    ctx: C,
    step: CrossLedgerStepName,
  ): C =>
    withSendOptions(ctx, {
      key: settleCrossLedgerKey(id, step),
      ...(p.signal ? { signal: p.signal } : {}),
    });
  const send = async (name: CrossLedgerStepName, act: () => Promise<TxResult>) => {
    const step = CROSS_LEDGER_STEPS[name];
    await emit({ step, name, status: "started" });
    const r = await act();
    await emit({ step, name, status: "done", ...sentFields(r) });
  };
  const read = async () => {
    const s = await a.getCrossLedgerStatus(st.ctx, cash.ctx, { terms });
    if (s.status === "mismatch") {
      const mine = crossLedgerTermsDigest(terms).toLowerCase();
      const ledger = s.st.state !== "None" && s.st.termsDigest !== mine ? "st" : "cash";
      throw new CrossLedgerTermsConflictError(
        id,
        ledger,
        ledger === "st" ? s.st.state : s.cash.state,
      );
    }
    return s;
  };
  const pause = async () => {
    if (p.signal?.aborted) throw new KessaiError(`settleCrossLedger ${id} was aborted`);
    await new Promise((r) => setTimeout(r, pollMs));
  };
  const waitFor = async (what: string, done: (s: a.CrossLedgerStatus) => boolean) => {
    let s = await read();
    while (!done(s)) {
      if (Date.now() >= until)
        throw new CrossLedgerTimeoutError(id, what, timeoutMs, s.st.state, s.cash.state);
      await pause();
      s = await read();
    }
    return s;
  };

  let s = await read();
  if (side === "seller") {
    // A cash leg already decided (the verifier refunded an instruction that found no lock) would
    // leave a lock made now with no outcome to carry: the units would stay locked.
    if (s.st.state === "None" && (s.cash.state === "Paid" || s.cash.state === "Refunded"))
      throw new CrossLedgerStateError(
        id,
        "cash",
        s.cash.state,
        "the cash leg is already decided, so a lock now would never be settled",
      );
    if (s.st.state === "None")
      await send("lock", () => a.crossLedgerLock(keyed(st.ctx, "lock"), { terms, force: p.force }));
    else
      await emit({
        step: 1,
        name: "lock",
        status: "skipped",
        reason: `the ST ledger shows ${s.st.state}`,
      });
  } else if (s.cash.state === "None") {
    if (s.st.state === "None") {
      await emit({
        step: 1,
        name: "lock",
        status: "waiting",
        reason: "the seller's lock on the ST ledger",
      });
      s = await waitFor("lock by the seller", (x) => x.st.state !== "None");
    }
    if (s.st.state !== "Locked")
      throw new CrossLedgerStateError(
        id,
        "st",
        s.st.state,
        "the units are no longer locked for this settlement",
      );
    await emit({ step: 1, name: "lock", status: "done", reason: "the seller locked the units" });
    if (s.deadlinePassed)
      throw new CrossLedgerStateError(
        id,
        "cash",
        s.cash.state,
        "the deadline passed before the buyer instructed",
      );
    await send("instruct", () =>
      p.useAuthorization
        ? a.crossLedgerInstructWithAuthorization(keyed(cash.ctx, "instruct"), {
            terms,
            authorization: true,
          })
        : a.crossLedgerInstruct(keyed(cash.ctx, "instruct"), { terms }),
    );
  } else
    await emit({
      step: 4,
      name: "instruct",
      status: "skipped",
      reason: `the cash ledger shows ${s.cash.state}`,
    });

  // Steps 5 and 6: the verifier decides on the cash ledger and carries the outcome across.
  let reported = "";
  /** When this party may present the verifier's attestation itself (once decided). */
  let relayAt: number | undefined;
  /** The wait before asking the verifier's endpoint again, doubled on each miss. */
  let backoff = pollMs;
  /** The last reason the attestation was not to be had, reported once. */
  let missing = "";
  for (;;) {
    s = await read();
    if (s.status !== reported) {
      reported = s.status;
      // A read may find the outcome already carried across (a fast relay, or a resumed call):
      // step 5 is done then too, and is reported before step 6.
      const decided = s.cash.state === "Paid" || s.cash.state === "Refunded";
      if ((s.status === "paid" || s.status === "refunded" || (s.final && decided)) && !relayAt) {
        relayAt = Date.now() + relayAfter;
        await emit({
          step: 5,
          name: "decide",
          status: "done",
          reason: `the cash ledger shows ${s.cash.state}`,
        });
      } else if (
        s.status === "awaitingDecision" ||
        s.status === "locked" ||
        s.status === "instructed"
      )
        await emit({
          step: 5,
          name: "decide",
          status: "waiting",
          reason: "the verifier's decision",
        });
    }
    if (s.final) {
      const name = s.status === "delivered" ? "deliver" : "return";
      await emit({ step: 6, name, status: "done", reason: `the ST ledger shows ${s.st.state}` });
      return { id, status: s.status, cashState: s.cash.state, steps };
    }
    // The buyer's side is over once its DCJPY is back: the units' return is the seller's.
    if (side === "buyer" && s.cash.state === "Refunded" && !s.cash.transferPending)
      return { id, status: s.status, cashState: s.cash.state, steps };
    const instructed = s.cash.state === "Instructed";
    if (side === "buyer" && instructed && s.deadlinePassed && (p.refundAfterDeadline ?? true)) {
      try {
        await send("refund", () => a.crossLedgerRefund(keyed(cash.ctx, "refund"), { terms }));
      } catch (e) {
        // Another party decided first (a pay mined at the deadline, anyone's refund): the next
        // read shows it. Anything else stops the run.
        const now = await a.getCrossLedgerPayment(cash.ctx, { id });
        if (!(e instanceof ContractError) || now.state === "Instructed") throw e;
      }
      continue;
    } else if (
      relayAt !== undefined &&
      Date.now() >= relayAt &&
      p.verifierUrl !== undefined &&
      s.st.state === "Locked" &&
      st.ctx.signer &&
      ((side === "buyer" && s.cash.state === "Paid") ||
        (side === "seller" && s.cash.state === "Refunded"))
    ) {
      const name = s.cash.state === "Paid" ? "deliver" : "return";
      const found = await fetchAttestation(p, terms);
      if (typeof found === "string" || found.outcome !== s.cash.state) {
        const why =
          typeof found === "string"
            ? found
            : `the verifier serves ${found.outcome}, the cash ledger shows ${s.cash.state}`;
        if (why !== missing) {
          missing = why;
          await emit({ step: 6, name, status: "waiting", reason: why });
        }
        relayAt = Date.now() + backoff;
        backoff = Math.min(backoff * 2, Math.max(pollMs, ATTESTATION_BACKOFF_MAX_MS));
      } else {
        relayAt = Date.now() + relayAfter;
        backoff = pollMs;
        missing = "";
        try {
          await send(name, () =>
            name === "deliver"
              ? a.crossLedgerDeliver(keyed(st.ctx, name), {
                  terms,
                  attestation: found.attestation,
                })
              : a.crossLedgerReturnToSeller(keyed(st.ctx, name), {
                  terms,
                  attestation: found.attestation,
                }),
          );
        } catch (e) {
          // The token refuses the delivery for now (paused, buyer suspended): it stays deliverable.
          if (!(e instanceof ContractError)) throw e;
          await emit({
            step: 6,
            name,
            status: "waiting",
            reason: `refused for now: ${e.shortMessage}`,
          });
        }
        continue;
      }
    }
    if (Date.now() >= until) {
      const what =
        s.status === "paid"
          ? "delivery"
          : s.status === "refunded"
            ? "return"
            : "decision by the verifier";
      throw new CrossLedgerTimeoutError(id, what, timeoutMs, s.st.state, s.cash.state);
    }
    await pause();
  }
}

/** The longest wait between two requests for the verifier's attestation (ms). */
const ATTESTATION_BACKOFF_MAX_MS = 30_000;

/**
 * The verifier's attestation for `terms` from its endpoint `p.verifierUrl`, or why it cannot be
 * had yet: not signed (404), the service not answering or failing (5xx). Any other refusal (a 4xx
 * other than 404) is thrown. (Shared with `settleCrossLedgerTrades`.)
 */
export async function fetchAttestation(
  p: Pick<SettleCrossLedgerParams, "verifierUrl" | "fetch" | "signal">,
  terms: CrossLedgerTerms,
): Promise<a.CrossLedgerAttestation | string> {
  try {
    return await a.fetchCrossLedgerAttestation({
      verifierUrl: p.verifierUrl!,
      terms,
      ...(p.signal ? { signal: p.signal } : {}),
      ...(p.fetch ? { fetch: p.fetch } : {}),
    });
  } catch (e) {
    if (e instanceof CrossLedgerAttestationNotReadyError)
      return "the verifier's attestation (not signed yet: the outcome awaits its confirmations)";
    if (
      e instanceof VerifierUnreachableError ||
      (e instanceof VerifierRequestError && e.status >= 500)
    )
      return `the verifier's attestation (the service: ${e.shortMessage})`;
    throw e;
  }
}
