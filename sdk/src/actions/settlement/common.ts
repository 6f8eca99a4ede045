import type { Log } from "ethers";
import type { KessaiContext } from "../../connect.js";
import {
  buildTerms,
  type SettlementTerms,
  type SettlementTermsInput,
} from "../../settlement/terms.js";

/** Terms as normalised terms or as input to normalise. */
export type TermsLike = SettlementTerms | SettlementTermsInput;

/** Validates and normalises terms (no deadline-in-future check: the contract reports that). */
export function normaliseTerms(t: TermsLike): SettlementTerms {
  return buildTerms(t as SettlementTermsInput);
}

/** Settlement outcomes found in a receipt's DVP logs, by settlement ID. */
export function settlementOutcomes(ctx: KessaiContext, logs: readonly Log[]) {
  const out = new Map<string, "settled" | "failed" | "attemptFailed">();
  const reasons = new Map<string, string>();
  const dvp = ctx.addresses.dvp.toLowerCase();
  for (const l of logs) {
    if (l.address.toLowerCase() !== dvp) continue;
    let ev;
    try {
      ev = ctx.dvp.interface.parseLog(l);
    } catch {
      continue;
    }
    if (!ev) continue;
    const id = String(ev.args.id).toLowerCase();
    if (ev.name === "SettlementSettled") out.set(id, "settled");
    else if (ev.name === "SettlementFailed") out.set(id, "failed");
    else if (ev.name === "SettlementAttemptFailed") {
      out.set(id, "attemptFailed");
      reasons.set(id, ev.args.reason as string);
    }
  }
  return { out, reasons };
}
