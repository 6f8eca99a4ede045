import { ZeroAddress, getAddress } from "ethers";
import * as a from "../actions/index.js";
import type { AgentClient } from "../clients/agent.js";
import type { BankClient } from "../clients/bank.js";
import type { FirmClient } from "../clients/firm.js";
import type { KessaiContext } from "../context/connect.js";
import { KessaiError } from "../errors/base.js";
import { SettlementTermsMismatchError } from "../errors/settlement.js";
import { ReferenceConflictError } from "../errors/reference.js";
import { SettlementStateError } from "../errors/settlement.js";
import { readCall, type TxResult } from "../context/send.js";
import { settlementStateName, type SettlementStateName } from "../constants/enums.js";
import { toBankReference } from "../utils/reference.js";
import {
  buildTerms,
  termsDigest,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../settlement/terms.js";

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

/** Reported to {@link SettleTradeParams.onProgress} before (`started`) and after each step. */
export interface ProgressEvent {
  step: number;
  name: SettlementStepName;
  status: "started" | "done" | "skipped";
  txHash?: string;
  gasUsed?: bigint;
  /** Why a step was skipped. */
  reason?: string;
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
   * digits, or a text of up to 31 UTF-8 bytes (see {@link toBankReference}).
   */
  bankReference: string;
  /** Reference of the seller's redemption (step 7), unique per redemption; as `bankReference`. */
  redemptionRef: string;
  /**
   * Step 1 locks even when the trade could not settle as things stand (the buyer not eligible,
   * a DCJPY account not open or frozen): see `createSettlement`. Default false.
   */
  force?: boolean;
  /**
   * Settle with a DCJPY transfer authorization the buyer signs for exactly this settlement
   * (`settleWithAuthorization`) instead of an approval transaction.
   */
  useAuthorization?: boolean;
  /** Called before and after every step; an exception it throws stops the run (resume later). */
  onProgress?: (e: ProgressEvent) => void | Promise<void>;
}

/** What {@link settleTrade} resolves to: the final state and every step done or skipped. */
export interface SettleTradeResult {
  id: string;
  state: SettlementStateName;
  steps: ProgressEvent[];
}

const TERMINAL_FAILED: SettlementStateName[] = ["Cancelled", "Expired", "Rejected", "Failed"];

/**
 * Carries a trade through the seven steps. Idempotent and resumable: before each step it reads
 * the chain (settlement state and agent approval, issuance under `bankReference`, redemption under
 * `redemptionRef`, the buyer's allowance) and skips what is already done. Calling it again with
 * the same terms and references after an interruption never repeats a transfer: the lock, the
 * settlement and both references are single-use on chain, and every step checks them first.
 * A reference already recorded for another account or amount throws
 * {@link ReferenceConflictError} (steps 3 and 7); nothing is sent for that step.
 *
 * Before step 1 it reads the settlement stored under `terms.id`: if one exists with other terms
 * (its stored commitment differs from `termsDigest(terms)`), it throws
 * {@link SettlementTermsMismatchError} and runs no step, so a resumed call never reports the
 * steps of someone else's settlement as done.
 */
export async function settleTrade(p: SettleTradeParams): Promise<SettleTradeResult> {
  const terms = buildTerms(p.terms as SettlementTermsInput);
  // The trade's two references, resolved in this one place (text or hex, one convention).
  const bankReference = toBankReference(p.bankReference, "bankReference");
  const redemptionRef = toBankReference(p.redemptionRef, "redemptionRef");
  const { seller, buyer, bank, agent } = p;
  const ctx = seller.ctx;
  const steps: ProgressEvent[] = [];
  const emit = async (e: ProgressEvent) => {
    if (e.status !== "started") steps.push(e);
    await p.onProgress?.(e);
  };
  const run = async (
    step: number,
    skip: () => Promise<string | undefined>,
    act: () => Promise<TxResult | undefined>,
  ) => {
    const name = SETTLEMENT_STEPS[step - 1];
    const reason = await skip();
    if (reason !== undefined) return emit({ step, name, status: "skipped", reason });
    await emit({ step, name, status: "started" });
    const r = await act();
    await emit({ step, name, status: "done", txHash: r?.hash, gasUsed: r?.gasUsed });
  };
  const state = async (): Promise<SettlementStateName> =>
    settlementStateName(await readCall("dvp.stateOf", () => ctx.dvp.stateOf(terms.id)));
  const guard = async () => {
    const s = await state();
    if (TERMINAL_FAILED.includes(s)) {
      throw new SettlementStateError(
        terms.id,
        s,
        `Settlement ${terms.id} is ${s}; it cannot settle`,
      );
    }
    return s;
  };

  // 0. an existing settlement under this ID must be this trade
  await checkExisting(ctx, terms);
  // 1. lock
  await run(
    1,
    async () => ((await guard()) === "None" ? undefined : "settlement exists"),
    () => seller.createSettlement({ terms, force: p.force }),
  );
  // 2. affirm
  await run(
    2,
    async () => ((await guard()) === "Pending" ? undefined : "already affirmed"),
    () => buyer.affirmSettlement({ terms }),
  );
  // 3. issue
  await run(
    3,
    async () => {
      if ((await guard()) === "Settled") return "already settled";
      return (await referenceUsed(ctx, "issuance", bankReference, terms.buyer, terms.amount))
        ? "already issued under this bank reference"
        : undefined;
    },
    () => bank.issueDeposit({ account: terms.buyer, amount: terms.amount, bankReference }),
  );
  // 4. authorise the cash leg
  await run(
    4,
    async () => {
      if ((await guard()) === "Settled") return "already settled";
      if (p.useAuthorization) return "authorization is signed with the settlement (step 6)";
      const allowance = await readCall("deposit.allowance", () =>
        ctx.depositToken.allowance(terms.buyer, ctx.addresses.dvp),
      );
      return allowance >= terms.amount ? "allowance already sufficient" : undefined;
    },
    () => buyer.approveDeposit({ amount: terms.amount }),
  );
  // 5. agent approval
  await run(
    5,
    async () => {
      if (terms.agent === ZeroAddress) return "no agent named";
      if ((await guard()) === "Settled") return "already settled";
      // an approval counts only in the agent's current epoch (revoking the agent withdraws it)
      const valid = await readCall("dvp.isApprovalValid", () => ctx.dvp.isApprovalValid(terms));
      if (valid) return "already approved";
      if (!agent)
        throw new KessaiError(
          `Settlement ${terms.id} needs agent ${terms.agent}'s approval; pass an AgentClient`,
        );
      return undefined;
    },
    () => agent!.approveSettlement({ terms }),
  );
  // 6. settle
  await run(
    6,
    async () => ((await guard()) === "Settled" ? "already settled" : undefined),
    async () => {
      const r = await buyer.settleSettlement({
        terms,
        authorization: p.useAuthorization ? true : undefined,
      });
      if (!r.settled) {
        throw new SettlementStateError(
          terms.id,
          await state(),
          `Settlement ${terms.id} failed: the seller's lock was short`,
        );
      }
      return r;
    },
  );
  // 7. redeem
  await run(
    7,
    async () => {
      return (await referenceUsed(ctx, "redemption", redemptionRef, terms.seller, terms.amount))
        ? "already redeemed under this redemption reference"
        : undefined;
    },
    () => seller.redeemDeposit({ amount: terms.amount, redemptionRef }),
  );
  return { id: terms.id, state: await state(), steps };
}

/**
 * Whether the single-use DCJPY `reference` already records `amount` for `account` (the step is
 * done); false when it is unused; {@link ReferenceConflictError} when it records anything else.
 */
async function referenceUsed(
  ctx: KessaiContext,
  kind: "issuance" | "redemption",
  reference: string,
  account: string,
  amount: bigint,
): Promise<boolean> {
  const rec = await a.getReferenceRecord(ctx, { kind, reference });
  if (!rec) return false;
  if (getAddress(rec.account) !== account || rec.amount !== amount) {
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
async function checkExisting(ctx: KessaiContext, terms: SettlementTerms): Promise<void> {
  const rec = await readCall("dvp.settlementOf", () => ctx.dvp.settlementOf(terms.id));
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
