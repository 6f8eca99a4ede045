import { ZeroAddress, type Result } from "ethers";
import * as a from "../actions/index.js";
import type { AgentClient } from "../clients/agent.js";
import type { BankClient } from "../clients/bank.js";
import type { FirmClient } from "../clients/firm.js";
import type { KessaiContext } from "../context/connect.js";
import { KessaiError } from "../errors/base.js";
import { ContractError } from "../errors/contract.js";
import { DvpUnexpectedState } from "../generated/errors.js";
import {
  SettlementInFlightError,
  SettlementReorgError,
  SettlementStateError,
  SettlementTermsMismatchError,
} from "../errors/settlement.js";
import { ReferenceConflictError, ReferenceUsedError } from "../errors/reference.js";
import { InvalidAmountError, InvalidDeadlineError, InvalidTermsError } from "../errors/input.js";
import { DeploymentMismatchError } from "../errors/configuration.js";
import type { Journal } from "../transactions/journal.js";
import type { ChainReader } from "../transactions/rpc.js";
import { readView, sentFields, withSendOptions, type TxResult } from "../context/send.js";
import { readViews, readViewsAt, type ViewRead } from "../context/readMany.js";
import { settlementStateName, type SettlementStateName } from "../constants/enums.js";
import { toBankReference, tradeReference } from "../utils/reference.js";
import {
  buildTerms,
  termsDigest,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../settlement/terms.js";
import { checksumAddress } from "../utils/validate.js";

/** The seven steps of the domain, in order. */
export const SETTLEMENT_STEPS = [
  "lock", // 1. seller locks the ST to the DVP with the encoded terms (creates the settlement)
  "affirm", // 2. buyer affirms the exact terms
  "issue", // 3. bank issues DCJPY to the buyer against its deposit-account debit
  "authorise", // 4. buyer authorises the cash leg (ERC-20 approval, or an authorization signed at step 6)
  "approve", // 5. the named agent approves (skipped when the terms name no agent)
  "settle", // 6. both legs move in one transaction
  "redeem", // 7. seller redeems its DCJPY
] as const;
/** Name of one of the seven {@link SETTLEMENT_STEPS}. */
export type SettlementStepName = (typeof SETTLEMENT_STEPS)[number];

/**
 * Reported to {@link SettleTradeParams.onProgress} before (`started`) and after each step; and
 * `reorged` when the chain no longer has a step done earlier (a reorg removed it): the workflow
 * then goes through the steps again and redoes what is missing. A step is usually reported
 * `skipped` without `started`; one whose send finds it done after all (step 2 right after the
 * lock, refused because the settlement was affirmed meanwhile) is `started`, then `skipped`, and
 * one whose send finds an earlier step gone is `started`, then the earlier step `reorged`.
 */
export interface ProgressEvent {
  step: number;
  name: SettlementStepName;
  status: "started" | "done" | "skipped" | "reorged";
  txHash?: string;
  gasUsed?: bigint;
  /** Why a step was skipped, or what the chain no longer has. */
  reason?: string;
  /** The step's transaction had been sent before (by a killed process, or under a reorg) and this call waited for it. */
  resumed?: boolean;
}

/** Parameters of {@link settleTrade}. */
export interface SettleTradeParams {
  seller: FirmClient;
  buyer: FirmClient;
  bank: BankClient;
  /** Required when the terms name an agent whose approval is not yet recorded. */
  agent?: AgentClient;
  terms: SettlementTermsInput | SettlementTerms;
  /**
   * Reference of the buyer's deposit-account debit (step 3), unique per issuance: 0x + 64 hex
   * digits, or a text of up to 31 UTF-8 bytes (see {@link toBankReference}). Default: derived
   * from the settlement ID, `tradeReference(id, "issuance")`.
   */
  bankReference?: string;
  /**
   * Reference of the seller's redemption (step 7), unique per redemption; as `bankReference`.
   * Default: `tradeReference(id, "redemption")`.
   */
  redemptionRef?: string;
  /**
   * Step 1 locks even when the trade could not settle as things stand (the buyer not eligible,
   * a DCJPY account not open or frozen): see `createSettlement`. Default false.
   */
  force?: boolean;
  /**
   * How the buyer pays (step 4). `true` (the default): a DCJPY transfer authorization the buyer
   * signs for exactly this settlement (nonce = the settlement ID) and submits with step 6
   * (`settleWithAuthorization`); no step-4 transaction, nothing shared between trades, so any
   * number of one buyer's trades run at once. `false`: an ERC-20 approval of exactly this
   * trade's amount to the DVP: it overwrites the buyer's allowance, so run one such trade per
   * buyer at a time.
   */
  useAuthorization?: boolean;
  /** Longest time from now (seconds) a new trade's deadline may lie ahead. Default 90 days. */
  deadlineHorizon?: number;
  /** Stops every send of the trade (`SendAbortedError`); resume later with the same call. */
  signal?: AbortSignal;
  /** How many times steps that a reorg removed are redone before giving up. Default 3. */
  maxRedo?: number;
  /** Called before and after every step; an exception it throws stops the run (resume later). */
  onProgress?: (e: ProgressEvent) => void | Promise<void>;
}

/** What {@link settleTrade} resolves to: the final state and every step done or skipped. */
export interface SettleTradeResult {
  id: string;
  state: SettlementStateName;
  /** Every step done, skipped or found undone by a reorg, in order (a redone step appears again). */
  steps: ProgressEvent[];
  /** The issuance reference used (step 3). */
  bankReference: string;
  /** The redemption reference used (step 7). */
  redemptionRef: string;
  /** How many times the workflow found a step undone by a reorg and went through the steps again. */
  redone: number;
}

/** Default {@link SettleTradeParams.deadlineHorizon}: 90 days. */
export const DEFAULT_DEADLINE_HORIZON = 90 * 24 * 3600;
/** A deadline at or above this is read as milliseconds (year 33658 in seconds). */
const MILLISECONDS_FROM = 1_000_000_000_000n;
/** DCJPY's supply cap (`DepositToken.SUPPLY_CAP`, 2^128 - 1). */
export const DEPOSIT_SUPPLY_CAP = (1n << 128n) - 1n;

const TERMINAL_FAILED: SettlementStateName[] = ["Cancelled", "Expired", "Rejected", "Failed"];

/**
 * Steps whose effect an outside event can undo while their transaction stays mined: the buyer's
 * allowance (step 4 with `useAuthorization: false`, spent or overwritten) and the agent's approval
 * (step 5, withdrawn when the agent is revoked). They are sent under a key per attempt.
 */
export const RENEWABLE_STEPS: readonly SettlementStepName[] = ["authorise", "approve"];

/** Where a trade is settled: the chain and the DVP (the seller's client's deployment). */
export interface SettleTradeScope {
  chainId: bigint | string | number;
  dvp: string;
}

/**
 * Journal key of one transaction of one trade:
 * `settleTrade:<chain ID>:<DVP address>:<settlement ID>:<step>`, and for the
 * {@link RENEWABLE_STEPS} `...:<step>:<attempt>` (attempt 0, 1, ...; see {@link settleTrade}).
 * Another step's attempt 1 is `...:<step>:1` (step 2's redo of an affirmation mined reverted).
 * Lower-case hex.
 */
export function settleTradeKey(
  scope: SettleTradeScope,
  id: string,
  step: SettlementStepName,
  attempt?: number,
): string {
  const base = `settleTrade:${BigInt(scope.chainId)}:${scope.dvp.toLowerCase()}:${id.toLowerCase()}:${step}`;
  if (RENEWABLE_STEPS.includes(step)) return `${base}:${attempt ?? 0}`;
  return attempt ? `${base}:${attempt}` : base;
}

/**
 * The key earlier releases used, `settleTrade:<id>:<step>` (neither chain nor DVP, one key per
 * step). A journal entry under it that holds a transaction is still taken up (see
 * {@link settleTrade}), so trades in flight across an upgrade resume without sending twice.
 */
export function legacySettleTradeKey(id: string, step: SettlementStepName): string {
  return `settleTrade:${id.toLowerCase()}:${step}`;
}

/**
 * The key to send `step` of trade `id` under, from the sender's journal. The legacy key first
 * (attempt -1), then attempts 0, 1, ...: the first one that has no entry, or whose entry is not a
 * confirmed transaction still in the chain (pending, mined, abandoned, reverted, replaced, or
 * mined and then removed by a reorg: the engine waits for it, puts the same signed transaction
 * back, or sends afresh), is the one. An attempt confirmed and still in the chain whose effect is
 * gone (the caller only asks when the step is not done) was undone by an outside event: the next
 * attempt. Only {@link RENEWABLE_STEPS} go past their first key. Before all of them, step 2's
 * redo (`...:affirm:1`, see {@link settleTrade}) once it holds a transaction: it was sent after
 * whatever the other keys hold.
 */
export async function settleTradeSendKey(
  journal: Journal,
  reader: Pick<ChainReader, "receipt">,
  scope: SettleTradeScope,
  id: string,
  step: SettlementStepName,
): Promise<string> {
  const legacy = legacySettleTradeKey(id, step);
  const old = await journal.get(legacy);
  const holds = (e: { nonce?: number; txs: unknown[] } | undefined) =>
    e !== undefined && e.nonce !== undefined && e.txs.length > 0;
  const renewable = RENEWABLE_STEPS.includes(step);
  const chainId = BigInt(scope.chainId).toString();
  if (step === "affirm") {
    // the redo of an affirmation mined reverted (see settleTrade), once sent, is the one to wait
    // for, also when the reverted one is under the legacy key (only this release sends a redo)
    const redo = settleTradeKey(scope, id, step, 1);
    if (holds(await journal.get(redo))) return redo;
  }
  if (holds(old) && old!.chainId === chainId) {
    if (!renewable || !(await stillMined(old!, reader))) return legacy;
  }
  for (let attempt = 0; ; attempt++) {
    const key = settleTradeKey(scope, id, step, attempt);
    if (!renewable) return key;
    const e = await journal.get(key);
    if (!holds(e) || !(await stillMined(e!, reader))) return key;
  }
}

/** True when the entry is confirmed and its mined transaction is still in the chain. */
async function stillMined(
  e: { state: string; mined?: { hash: string } },
  reader: Pick<ChainReader, "receipt">,
): Promise<boolean> {
  if (e.state !== "confirmed" || !e.mined) return false;
  const r = await reader.receipt(e.mined.hash);
  return r !== null && r !== undefined && r.status === 1;
}

/** Settlement IDs being carried through their steps in this process. */
const running = new Set<string>();
/** References held by the trades in flight in this process: reference -> settlement ID. */
const held = new Map<string, string>();

/** A step the chain no longer has: the pass stops and starts again from step 1. */
class Lost {
  constructor(
    readonly step: number,
    readonly reason: string,
  ) {}
}

/**
 * Carries a trade through the seven steps. Idempotent and resumable, in one call:
 *
 * - **Checks first.** Before step 1, with nothing sent: the buyer's, bank's and agent's clients
 *   are on the seller's chain, DVP and DCJPY ({@link DeploymentMismatchError}); the parties are
 *   the clients' signers and the tokens this deployment's; the amount fits under DCJPY's supply
 *   cap ({@link DEPOSIT_SUPPLY_CAP}, also with what is in circulation); the deadline is in seconds
 *   (not milliseconds), not passed and, for a new trade, within `deadlineHorizon`; a settlement
 *   already under the ID has these terms ({@link SettlementTermsMismatchError}) and has not
 *   failed ({@link SettlementStateError}); no other call of this process is settling the ID
 *   ({@link SettlementInFlightError}); the two references belong to this trade: a reference
 *   recorded for another account or amount throws {@link ReferenceConflictError}; an explicit
 *   reference recorded before this trade could have used it (an issuance before the settlement
 *   exists, a redemption before it settled) or held by another trade of this process throws
 *   {@link ReferenceUsedError}. References are derived from the settlement ID unless given
 *   ({@link tradeReference}); a derived one recorded for this buyer (or seller) and amount is the
 *   trade's own whatever the settlement's state (a reorg can remove the lock and keep the
 *   issuance).
 * - **Journal keys** ({@link settleTradeKey}): every transaction is sent under
 *   `settleTrade:<chain ID>:<DVP>:<id>:<step>`. With a durable journal
 *   (`connect({ transactions: { journal } })`, e.g. `FileJournal`), a process restarted after a
 *   crash calls `settleTrade` again with the same parameters: a step whose transaction is still
 *   pending is waited for (or replaced if the node dropped it), never sent twice; the chain tells
 *   which steps are done. An entry written by an earlier release under `settleTrade:<id>:<step>`
 *   ({@link legacySettleTradeKey}) is still taken up.
 * - **Steps an outside event can undo** ({@link RENEWABLE_STEPS}: step 4 with
 *   `useAuthorization: false`, whose allowance can be spent or overwritten, and step 5, whose
 *   approval revoking the agent withdraws) get a key per attempt, `...:<step>:<attempt>`, found in
 *   the sender's journal ({@link settleTradeSendKey}): the last attempt while its transaction is
 *   pending or was removed by a reorg (the same signed transaction goes back), the next one when
 *   it is mined and the step is nevertheless not done. A restarted process finds the attempt it
 *   last sent the same way.
 * - **Reorgs.** Before each step it checks that the chain still has what the earlier steps did
 *   (the settlement, the affirmation, the issuance, the allowance, the agent's approval, the
 *   settlement's outcome, the redemption). When one is gone it reports a `reorged` progress event
 *   and goes through the steps again: a step a reorg removed is sent again under its key, so the
 *   engine puts the same signed transaction back (or waits for it). After `maxRedo` such rounds it
 *   throws {@link SettlementReorgError}. An affirmation mined reverted before the lock it needs
 *   (a reorg put the lock after it: `DvpUnexpectedState` with current None) is sent once more,
 *   under `...:affirm:1`, when the settlement is then Pending with these terms; never when the
 *   state or the revert says anything else.
 * - **Concurrency.** By default the buyer pays with a transfer authorization per trade
 *   (`useAuthorization`), so many trades of one buyer run at once.
 */
export async function settleTrade(p: SettleTradeParams): Promise<SettleTradeResult> {
  const terms = buildTerms(p.terms as SettlementTermsInput);
  const id = terms.id.toLowerCase();
  // The trade's two references, resolved in this one place (text or hex, one convention).
  const bankReference =
    p.bankReference === undefined
      ? tradeReference(id, "issuance")
      : toBankReference(p.bankReference, "bankReference");
  const redemptionRef =
    p.redemptionRef === undefined
      ? tradeReference(id, "redemption")
      : toBankReference(p.redemptionRef, "redemptionRef");
  // Claimed synchronously, before the first await: a second call is refused at once.
  if (running.has(id)) throw new SettlementInFlightError(terms.id);
  for (const [kind, ref] of [
    ["issuance", bankReference],
    ["redemption", redemptionRef],
  ] as const) {
    const other = held.get(`${kind}:${ref}`);
    if (other !== undefined && other !== id)
      throw new ReferenceUsedError(
        kind,
        ref,
        terms.id,
        `is held by settlement ${other}, in flight in this process`,
        other,
      );
  }
  running.add(id);
  held.set(`issuance:${bankReference}`, id);
  held.set(`redemption:${redemptionRef}`, id);
  try {
    return await carry(p, terms, bankReference, redemptionRef);
  } finally {
    running.delete(id);
    held.delete(`issuance:${bankReference}`);
    held.delete(`redemption:${redemptionRef}`);
  }
}

async function carry(
  p: SettleTradeParams,
  terms: SettlementTerms,
  bankReference: string,
  redemptionRef: string,
): Promise<SettleTradeResult> {
  const { seller, buyer, bank, agent } = p;
  const useAuthorization = p.useAuthorization ?? true;
  const ctx = seller.ctx;
  const steps: ProgressEvent[] = [];
  const emit = async (e: ProgressEvent) => {
    if (e.status !== "started") steps.push(e);
    await p.onProgress?.(e);
  };
  const scope: SettleTradeScope = { chainId: ctx.chainId, dvp: ctx.addresses.dvp };
  /** The client's context, sending under the step's key (see settleTradeSendKey). */
  const keyed = async (
    client: { ctx: KessaiContext },
    step: number,
    attempt?: number,
  ): Promise<KessaiContext> => {
    const name = SETTLEMENT_STEPS[step - 1];
    const engine = client.ctx.signer?.engine;
    const key =
      engine && attempt === undefined
        ? await settleTradeSendKey(engine.journal, engine.reader, scope, terms.id, name)
        : settleTradeKey(scope, terms.id, name, attempt);
    return withSendOptions(client.ctx, { key, ...(p.signal ? { signal: p.signal } : {}) });
  };
  /** Whether the step before was sent by this pass (its check was the chain's, at its estimate). */
  let sentBefore = false;
  /**
   * A step: skipped when its check gives a reason; else sent, unless the send finds the step
   * done after all (`act` resolves to the reason, see step 2).
   */
  const run = async (
    step: number,
    skip: (sentBefore: boolean) => Promise<string | undefined>,
    act: () => Promise<TxResult | undefined | { skipped: string }>,
  ) => {
    const name = SETTLEMENT_STEPS[step - 1];
    const before = sentBefore;
    sentBefore = false;
    const reason = await skip(before);
    if (reason !== undefined) return emit({ step, name, status: "skipped", reason });
    await emit({ step, name, status: "started" });
    const r = await act();
    if (r !== undefined && "skipped" in r)
      return emit({ step, name, status: "skipped", reason: r.skipped });
    sentBefore = true;
    await emit({ step, name, status: "done", ...sentFields(r) });
  };
  // the checks before every step read the chain as it is now (past ethers' request cache)
  const state = async (): Promise<SettlementStateName> =>
    settlementStateName(
      (await readView(ctx, "dvp.stateOf", ctx.dvp, "stateOf", [terms.id]))[0] as bigint,
    );
  /** The state, refused when the settlement has failed. */
  const stateOk = (s: SettlementStateName) => {
    if (TERMINAL_FAILED.includes(s)) {
      throw new SettlementStateError(
        terms.id,
        s,
        `Settlement ${terms.id} is ${s}; it cannot settle`,
      );
    }
    return s;
  };
  const guard = async () => stateOk(await state());
  /** Whether the settlement on chain under the ID commits to these terms. */
  const sameTerms = async () => {
    const [rec] = await readView(ctx, "dvp.settlementOf", ctx.dvp, "settlementOf", [terms.id]);
    const digest = String((rec as { termsDigest: string }).termsDigest);
    return digest.toLowerCase() === termsDigest(terms).toLowerCase();
  };
  const dt = ctx.depositToken;
  /**
   * The reads before a step, in one request ({@link readViews}): the settlement's state, with
   * step 1 required (as `created`), and what the step asks for: whether the issuance
   * (`issued`) or the redemption (`redeemed`) is recorded under the trade's reference, the
   * buyer's allowance to the DVP, whether the agent's approval counts.
   */
  const look = async (want: {
    issued?: boolean;
    redeemed?: boolean;
    allowance?: boolean;
    approval?: boolean;
  }) => {
    const reads: ViewRead[] = [
      { action: "dvp.stateOf", contract: ctx.dvp, method: "stateOf", args: [terms.id] },
    ];
    const at = (wanted: boolean | undefined, read: ViewRead) =>
      wanted ? reads.push(read) - 1 : undefined;
    const iIssued = at(want.issued, refRead(ctx, "issuance", bankReference));
    const iRedeemed = at(want.redeemed, refRead(ctx, "redemption", redemptionRef));
    const iAllowance = at(want.allowance, {
      action: "deposit.allowance",
      contract: dt,
      method: "allowance",
      args: [terms.buyer, ctx.addresses.dvp],
    });
    const iApproval = at(want.approval, {
      action: "dvp.isApprovalValid",
      contract: ctx.dvp,
      method: "isApprovalValid",
      args: [terms],
    });
    const answers = await readViews(ctx, reads);
    const s = stateOk(settlementStateName(answers[0][0] as bigint));
    if (s === "None") throw new Lost(1, "the settlement is no longer on chain");
    const used = (i: number | undefined, kind: "issuance" | "redemption", account: string) =>
      i === undefined
        ? false
        : recordOwned(
            kind,
            kind === "issuance" ? bankReference : redemptionRef,
            account,
            terms.amount,
            refRecord(answers[i]),
          );
    return {
      s,
      issued: used(iIssued, "issuance", terms.buyer),
      redeemed: used(iRedeemed, "redemption", terms.seller),
      allowance: iAllowance === undefined ? undefined : (answers[iAllowance][0] as bigint),
      approved: iApproval === undefined ? true : (answers[iApproval][0] as boolean),
    };
  };

  // 0. every check before step 1: nothing is sent when one fails (its read of the settlement's
  // state serves step 1 of the first pass)
  let preflighted: Preflight | undefined = await preflight(p, terms, bankReference, redemptionRef);

  const pass = async () => {
    // 1. lock
    let checked: Preflight | undefined;
    await run(
      1,
      async () => {
        checked = preflighted;
        preflighted = undefined;
        const s = checked?.state ?? (await guard());
        return s === "None" ? undefined : "settlement exists";
      },
      // the lock's own checks (block time, the trade's eligibility) are read again here, right
      // before it is sent: the caller's progress callback and the journal lookup run after the
      // checks before step 1, and a deadline or an eligibility that changed in between must stop
      // the lock, not the settlement after it
      async () => a.createSettlement(await keyed(seller, 1), { terms, force: p.force }),
    );
    // 2. affirm. Right after this pass's lock the state is not read first when the buyer's send is
    // estimated: the contract refuses to affirm a settlement that is not Pending (DvpUnexpectedState)
    // at the estimate, before anything is sent. Whatever the refusal says (a node may give it without
    // its data, a paused DVP refuses before it looks at the state), the state is then read to tell
    // why, as the read before the step would have: affirmed by another run of this trade, failed,
    // or no longer on chain after a reorg (see `look`); still Pending, the refusal is the error. A
    // fixed gas limit sends without an estimate (a refusal would be a reverted transaction): read.
    // An affirmation mined reverted because the settlement was not there (DvpUnexpectedState,
    // current None) while it is now Pending with these terms was mined before the lock it needs
    // (a reorg put the lock after it): sent again once, under the step's attempt 1 key (its own
    // entry: nothing takes the reverted one up), never when the state or the revert says
    // anything else.
    const estimated = buyer.ctx.signer?.engine.gasLimit === undefined;
    await run(
      2,
      async (locked) => {
        if (locked && estimated) return undefined;
        return (await look({})).s === "Pending" ? undefined : "already affirmed";
      },
      async () => {
        for (let attempt: number | undefined = undefined; ; attempt = 1) {
          try {
            return await a.affirmSettlement(await keyed(buyer, 2, attempt), { terms });
          } catch (err) {
            if (!(err instanceof ContractError)) throw err;
            if ((await look({})).s !== "Pending") return { skipped: "already affirmed" };
            // redone only when it reverted because the settlement was not there yet (current
            // None): any other revert (a pause, the buyer's eligibility) would revert again
            const beforeLock = err instanceof DvpUnexpectedState && err.args.current === 0n;
            if (attempt !== undefined || err.txHash === undefined || !beforeLock) throw err;
            if (!(await sameTerms())) throw err;
          }
        }
      },
    );
    // 3. issue
    await run(
      3,
      async () => {
        const { s, issued } = await look({ issued: true });
        if (s === "Settled") return "already settled";
        return issued ? "already issued under this bank reference" : undefined;
      },
      async () =>
        a.issueDeposit(await keyed(bank, 3), {
          account: terms.buyer,
          amount: terms.amount,
          bankReference,
        }),
    );
    // 4. authorise the cash leg
    await run(
      4,
      async () => {
        if (useAuthorization) return "authorization is signed with the settlement (step 6)";
        const { s, allowance } = await look({ allowance: true });
        if (s === "Settled") return "already settled";
        return allowance! >= terms.amount ? "allowance already sufficient" : undefined;
      },
      async () => a.approveDeposit(await keyed(buyer, 4), { amount: terms.amount }),
    );
    // 5. agent approval
    await run(
      5,
      async () => {
        if (terms.agent === ZeroAddress) return "no agent named";
        // an approval counts only in the agent's current epoch (revoking the agent withdraws it)
        const { s, approved } = await look({ approval: true });
        if (s === "Settled") return "already settled";
        if (approved) return "already approved";
        if (!agent)
          throw new KessaiError(
            `Settlement ${terms.id} needs agent ${terms.agent}'s approval; pass an AgentClient`,
          );
        return undefined;
      },
      async () => a.approveSettlement(await keyed(agent!, 5), { terms }),
    );
    // 6. settle
    await run(
      6,
      async () => {
        // what steps 2 to 5 did must still be there: one request
        const { s, issued, allowance, approved } = await look({
          issued: true,
          allowance: !useAuthorization,
          approval: terms.agent !== ZeroAddress,
        });
        if (s === "Settled") return "already settled";
        if (s !== "Affirmed") throw new Lost(2, "the settlement is no longer affirmed");
        if (!issued) throw new Lost(3, "the issuance is no longer on chain");
        // the allowance can be spent or overwritten, and the agent revoked, while the
        // transactions of steps 4 and 5 stay mined: those steps are sent again as a new attempt
        if (allowance !== undefined && allowance < terms.amount)
          throw new Lost(4, "the buyer's allowance no longer covers the amount");
        if (!approved) throw new Lost(5, "the agent's approval is no longer on chain");
        return undefined;
      },
      // a settlement that cannot settle reverts with the contract's error
      async () =>
        a.settleSettlement(await keyed(buyer, 6), {
          terms,
          authorization: useAuthorization ? true : undefined,
        }),
    );
    // 7. redeem
    await run(
      7,
      async () => {
        const { s, redeemed } = await look({ redeemed: true });
        if (s !== "Settled") throw new Lost(6, "the settlement is no longer settled");
        return redeemed ? "already redeemed under this redemption reference" : undefined;
      },
      async () => a.redeemDeposit(await keyed(seller, 7), { amount: terms.amount, redemptionRef }),
    );
    // and all of it is still there
    const { s, redeemed } = await look({ redeemed: true });
    if (s !== "Settled") throw new Lost(6, "the settlement is no longer settled");
    if (!redeemed) throw new Lost(7, "the redemption is no longer on chain");
    return s;
  };

  const maxRedo = p.maxRedo ?? 3;
  for (let redone = 0; ; redone++) {
    try {
      const final = await pass();
      return { id: terms.id, state: final, steps, bankReference, redemptionRef, redone };
    } catch (err) {
      if (!(err instanceof Lost)) throw err;
      await emit({
        step: err.step,
        name: SETTLEMENT_STEPS[err.step - 1],
        status: "reorged",
        reason: err.reason,
      });
      if (redone >= maxRedo) throw new SettlementReorgError(terms.id, err.step, redone);
    }
  }
}

/** What the checks before step 1 read that step 1 uses: the settlement's state. */
interface Preflight {
  state: SettlementStateName;
}

/**
 * Every check of {@link settleTrade} before step 1 (see there). Reads only (one `eth_call` for
 * the block time and the rest, {@link readViewsAt}); throws a typed error on the
 * first problem. Resolves to what step 1 uses.
 */
async function preflight(
  p: SettleTradeParams,
  terms: SettlementTerms,
  bankReference: string,
  redemptionRef: string,
): Promise<Preflight> {
  const ctx = p.seller.ctx;
  // every party's client talks to the seller's deployment
  const others: [string, { ctx: KessaiContext } | undefined][] = [
    ["buyer", p.buyer],
    ["bank", p.bank],
    ["agent", p.agent],
  ];
  for (const [name, client] of others) {
    if (!client) continue;
    const c = client.ctx;
    if (c.chainId !== ctx.chainId)
      throw new DeploymentMismatchError(name, "chainId", String(ctx.chainId), String(c.chainId));
    for (const field of ["dvp", "depositToken"] as const) {
      if (checksumAddress(c.addresses[field]) !== checksumAddress(ctx.addresses[field]))
        throw new DeploymentMismatchError(
          name,
          `addresses.${field}`,
          checksumAddress(ctx.addresses[field]),
          checksumAddress(c.addresses[field]),
        );
    }
  }
  const parties: [string, { ctx: KessaiContext } | undefined, string][] = [
    ["terms.seller", p.seller, terms.seller],
    ["terms.buyer", p.buyer, terms.buyer],
  ];
  if (terms.agent !== ZeroAddress && p.agent) parties.push(["terms.agent", p.agent, terms.agent]);
  for (const [field, client, account] of parties) {
    const me = client?.ctx.account;
    if (me && checksumAddress(me) !== account)
      throw new InvalidTermsError(field, account, `is not the signer ${me} of the client given`);
  }
  if (terms.securityToken !== checksumAddress(ctx.addresses.securityToken))
    throw new InvalidTermsError(
      "terms.securityToken",
      terms.securityToken,
      `is not this deployment's security token ${ctx.addresses.securityToken}`,
    );
  if (terms.cashToken !== checksumAddress(ctx.addresses.depositToken))
    throw new InvalidTermsError(
      "terms.cashToken",
      terms.cashToken,
      `is not this deployment's DCJPY ${ctx.addresses.depositToken}`,
    );
  if (terms.amount > DEPOSIT_SUPPLY_CAP)
    throw new InvalidAmountError(
      "terms.amount",
      terms.amount,
      `exceeds DCJPY's supply cap 2^128 - 1 (${DEPOSIT_SUPPLY_CAP})`,
    );
  if (terms.deadline >= MILLISECONDS_FROM)
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      "looks like milliseconds; give the unix time in seconds",
    );
  // the block time past ethers' request cache (a deadline check right after the clock moved), in
  // the same request as the reads; the trade's eligibility is step 1's own check
  // (createSettlement), read right before the lock
  const { time: now, answers } = await readViewsAt(ctx, [
    { action: "dvp.settlementOf", contract: ctx.dvp, method: "settlementOf", args: [terms.id] },
    refRead(ctx, "issuance", bankReference),
    refRead(ctx, "redemption", redemptionRef),
    {
      action: "deposit.totalSupply",
      contract: ctx.depositToken,
      method: "totalSupply",
      args: [],
    },
  ]);
  const rec = answers[0][0] as { state: bigint; termsDigest: string };
  const issuance = refRecord(answers[1]);
  const redemption = refRecord(answers[2]);
  const supply = answers[3][0] as bigint;
  const state = settlementStateName(rec.state);
  // an existing settlement under this ID must be this trade, and still able to settle
  await checkExisting(ctx, terms, rec);
  if (TERMINAL_FAILED.includes(state))
    throw new SettlementStateError(
      terms.id,
      state,
      `Settlement ${terms.id} is ${state}; it cannot settle`,
    );
  if (state !== "Settled" && terms.deadline <= now)
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      `has passed (block time ${now}): the trade can no longer settle`,
    );
  const horizon = BigInt(p.deadlineHorizon ?? DEFAULT_DEADLINE_HORIZON);
  if (state === "None" && terms.deadline > now + horizon)
    throw new InvalidDeadlineError(
      "terms.deadline",
      terms.deadline,
      `is more than ${horizon} s after the block time ${now} (deadlineHorizon)`,
    );
  // the references: recorded for someone else, or before this trade could have used them
  const owned = (kind: "issuance" | "redemption", ref: string, account: string, r?: RefRecord) => {
    if (!r) return;
    if (checksumAddress(r.account) !== account || r.amount !== terms.amount)
      throw new ReferenceConflictError(kind, ref, r, { account, amount: terms.amount });
  };
  owned("issuance", bankReference, terms.buyer, issuance);
  owned("redemption", redemptionRef, terms.seller, redemption);
  // A reference derived from the settlement ID (tradeReference) can only have been recorded by
  // this trade: a reorg may have removed the settlement (or its outcome) and kept the issuance
  // (or the redemption); the steps then carry on from what the chain has.
  const derived = (kind: "issuance" | "redemption", ref: string) =>
    ref.toLowerCase() === tradeReference(terms.id, kind);
  if (issuance && state === "None" && !derived("issuance", bankReference))
    throw new ReferenceUsedError(
      "issuance",
      bankReference,
      terms.id,
      "already records an issuance, and the settlement does not exist yet: it belongs to another trade",
    );
  if (redemption && state !== "Settled" && !derived("redemption", redemptionRef))
    throw new ReferenceUsedError(
      "redemption",
      redemptionRef,
      terms.id,
      `already records a redemption, and the settlement is ${state}, not settled: it belongs to another trade`,
    );
  if (!issuance && state !== "Settled" && terms.amount > DEPOSIT_SUPPLY_CAP - supply)
    throw new InvalidAmountError(
      "terms.amount",
      terms.amount,
      `would take DCJPY's supply ${supply} above its cap 2^128 - 1 at step 3`,
    );
  return { state };
}

type RefRecord = { account: string; amount: bigint };

/** The read of DCJPY's record under a single-use `reference` (see `getReferenceRecord`). */
function refRead(ctx: KessaiContext, kind: "issuance" | "redemption", reference: string): ViewRead {
  const method = kind === "issuance" ? "issuanceOf" : "redemptionOf";
  return { action: `deposit.${method}`, contract: ctx.depositToken, method, args: [reference] };
}

/** The record {@link refRead} answered, or undefined when the reference is unused. */
function refRecord(answer: Result): RefRecord | undefined {
  const r = answer[0] as { account: string; amount: bigint };
  return r.account === ZeroAddress ? undefined : { account: r.account, amount: r.amount };
}

/**
 * Whether the single-use DCJPY `reference`, whose record is `rec`, already records `amount` for
 * `account` (the step is done); false when it is unused; {@link ReferenceConflictError} when it
 * records anything else.
 */
function recordOwned(
  kind: "issuance" | "redemption",
  reference: string,
  account: string,
  amount: bigint,
  rec: RefRecord | undefined,
): boolean {
  if (!rec) return false;
  if (checksumAddress(rec.account) !== account || rec.amount !== amount) {
    throw new ReferenceConflictError(kind, reference, rec, { account, amount });
  }
  return true;
}

const TERMS_FIELDS = [
  "seller",
  "buyer",
  "securityToken",
  "quantity",
  "cashToken",
  "amount",
  "deadline",
  "agent",
] as const;

/** Throws SettlementTermsMismatchError when a settlement with other terms holds `terms.id`. */
async function checkExisting(
  ctx: KessaiContext,
  terms: SettlementTerms,
  rec: { state: bigint; termsDigest: string },
): Promise<void> {
  const state = settlementStateName(rec.state);
  if (state === "None") return;
  const expected = termsDigest(terms).toLowerCase();
  const stored = String(rec.termsDigest).toLowerCase();
  if (stored === expected) return;
  // Which fields differ, when the creation event can be read (best effort: the mismatch itself
  // is established by the stored commitment).
  let fields: string[] | undefined;
  try {
    const onChain = (await a.getSettlement(ctx, { id: terms.id })).terms;
    if (onChain) fields = TERMS_FIELDS.filter((f) => String(onChain[f]) !== String(terms[f]));
  } catch {
    fields = undefined;
  }
  throw new SettlementTermsMismatchError(terms.id, state, expected, stored, fields);
}
