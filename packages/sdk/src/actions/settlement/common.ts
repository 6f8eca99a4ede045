import type { EventFragment, Interface, Log } from "ethers";
import type { KessaiContext } from "../../context/connect.js";
import { readDomain } from "../../context/domain.js";
import { readCall } from "../../context/send.js";
import { approvalTypedData, type TypedData } from "../../settlement/eip712.js";
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

/** What a settle call emits per item: it settles, or (per-item batch) reverts or skips it. */
const OUTCOME_EVENTS = ["SettlementSettled", "SettlementAttemptFailed", "SettlementAttemptSkipped"];
const outcomeTopicsByInterface = new WeakMap<Interface, Map<string, EventFragment>>();

/** topic0 -> fragment of the DVP's outcome events (computed once per interface). */
function outcomeTopics(iface: Interface): Map<string, EventFragment> {
  let m = outcomeTopicsByInterface.get(iface);
  if (!m) {
    m = new Map();
    for (const name of OUTCOME_EVENTS) {
      const f = iface.getEvent(name);
      if (f) m.set(f.topicHash, f);
    }
    outcomeTopicsByInterface.set(iface, m);
  }
  return m;
}

/**
 * Settlement outcomes found in a receipt's DVP logs, by settlement ID (lowercase). Logs are
 * matched on address and topic0; the ID is the first indexed topic of each outcome event.
 */
export function settlementOutcomes(ctx: KessaiContext, logs: readonly Log[]) {
  const out = new Map<string, "settled" | "attemptFailed" | "skipped">();
  const reasons = new Map<string, string>();
  const dvp = ctx.addresses.dvp.toLowerCase();
  const iface = ctx.dvp.interface;
  const topics = outcomeTopics(iface);
  for (const l of logs) {
    if (l.address.toLowerCase() !== dvp) continue;
    const fragment = l.topics.length > 0 ? topics.get(l.topics[0].toLowerCase()) : undefined;
    if (!fragment) continue;
    // `id` is the first indexed parameter of all three events; only a failed attempt's data
    // (its revert reason) needs decoding.
    if (l.topics.length < 2) continue;
    const id = l.topics[1].toLowerCase();
    if (fragment.name === "SettlementSettled") out.set(id, "settled");
    else if (fragment.name === "SettlementAttemptSkipped") {
      // a per-item batch did not try an ID that is not open; keep a settlement earlier in it
      if (!out.has(id)) out.set(id, "skipped");
    } else {
      let args;
      try {
        args = iface.decodeEventLog(fragment, l.data, l.topics);
      } catch {
        continue;
      }
      out.set(id, "attemptFailed");
      reasons.set(id, args.reason as string);
    }
  }
  return { out, reasons };
}

/** Typed data of the named agent's approval of `terms` in its current epoch on the DVP. */
export async function agentApprovalTypedData(
  ctx: KessaiContext,
  terms: SettlementTerms,
): Promise<TypedData> {
  const [domain, epoch] = await Promise.all([
    readDomain(ctx),
    readCall("dvp.agentEpochOf", () => ctx.dvp.agentEpochOf(terms.agent)),
  ]);
  return approvalTypedData(domain, terms, epoch);
}
