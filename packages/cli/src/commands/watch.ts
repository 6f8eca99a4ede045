import { ZeroAddress, type Log, type LogDescription } from "ethers";
import { parseInteger, toPlain, toSettlementId } from "@kessai/sdk";
import { list, optional } from "../args.js";
import { CliUsageError } from "../errors.js";
import type { Command } from "../command.js";
import { toJson } from "../output.js";

/** One DVP event as `watch` prints it. */
interface WatchedEvent {
  event: string;
  id: string | undefined;
  blockNumber: number;
  txHash: string;
  logIndex: number;
  args: Record<string, unknown>;
}

function toEvent(log: Log, ev: LogDescription): WatchedEvent {
  const args: Record<string, unknown> = {};
  ev.fragment.inputs.forEach((inp, i) => (args[inp.name] = toPlain(ev.args[i])));
  return {
    event: ev.name,
    id: ev.args.id === undefined ? undefined : String(ev.args.id).toLowerCase(),
    blockNumber: log.blockNumber,
    txHash: log.transactionHash,
    logIndex: log.index,
    args,
  };
}

function line(e: WatchedEvent): string {
  const a = e.args;
  const detail = (() => {
    switch (e.event) {
      case "SettlementCreated": {
        const t = a.terms as Record<string, unknown>;
        const agent = t.agent !== ZeroAddress ? ` agent ${t.agent}` : "";
        return `seller ${a.seller} buyer ${a.buyer} quantity ${t.quantity} amount ${t.amount} deadline ${t.deadline}${agent}`;
      }
      case "SettlementAffirmed":
        return `buyer ${a.buyer} submitter ${a.submitter}`;
      case "SettlementApproved":
        return `agent ${a.agent}`;
      case "SettlementSettled":
        return `seller ${a.seller} buyer ${a.buyer}`;
      case "SettlementCancelConsented":
        return `party ${a.party}`;
      case "SettlementCancelled":
      case "SettlementExpired":
        return `released ${a.released}`;
      case "SettlementRejected":
        return `agent ${a.agent} reason ${a.reason} released ${a.released}`;
      case "SettlementTerminated":
        return `issuer ${a.issuer} reason ${a.reason} released ${a.released}`;
      case "SettlementFailed":
        return `operator ${a.operator} removed ${a.removed} released ${a.released}`;
      default:
        return Object.entries(a)
          .filter(([k]) => k !== "id")
          .map(([k, v]) => `${k} ${typeof v === "object" ? toJson(v, 0) : String(v)}`)
          .join(" ");
    }
  })();
  return `block ${e.blockNumber}  ${e.event.padEnd(25)} ${e.id ?? "-"}  ${detail}`.trimEnd();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const watchCommand: Command = {
  path: ["watch"],
  summary: "follow DVP events live until Ctrl-C or --count N",
  usage: "[--id ID] [--event NAME] [--from-block N] [--count N] [--interval MS]",
  description:
    "Polls the node's logs block by block (no gaps, no duplicates). Starts after the latest\n" +
    "block unless --from-block replays history first. One line per event; with --json one\n" +
    "JSON object per line (JSON Lines). A line `watching …` on stderr says when it follows.",
  options: {
    id: { type: "string", arg: "ID", help: "only this settlement" },
    event: {
      type: "string",
      multiple: true,
      arg: "NAME",
      help: "only these events, e.g. SettlementSettled (comma list)",
    },
    "from-block": { type: "string", arg: "N", help: "replay events from this block first" },
    count: { type: "string", arg: "N", help: "stop after N events" },
    interval: { type: "string", arg: "MS", help: "polling interval (default 500)" },
  },
  examples: ["kessai watch --event SettlementSettled,SettlementFailed --json"],
  async run(inv) {
    const id = optional(inv.values, "id", toSettlementId);
    const names = new Set(list(inv.values, "event"));
    const count = optional(inv.values, "count", parseInteger);
    if (count === 0) throw new CliUsageError("--count", "--count must be at least 1", "0");
    const interval = optional(inv.values, "interval", parseInteger) ?? 500;
    const fromFlag = optional(inv.values, "from-block", parseInteger);
    const ctx = await inv.chain();
    const known = new Set(
      ctx.dvp.interface.fragments
        .filter((f) => f.type === "event")
        .map((f) => (f as unknown as { name: string }).name),
    );
    for (const n of names)
      if (!known.has(n))
        throw new CliUsageError(
          "--event",
          `--event ${n} is not a DVP event (${[...known].join(", ")})`,
          n,
        );
    const provider = ctx.provider;
    let next = fromFlag ?? (await provider.getBlockNumber()) + 1;
    inv.io.err(
      `watching DVP ${ctx.addresses.dvp} from block ${next}${count ? ` for ${count} event(s)` : " (Ctrl-C to stop)"}\n`,
    );
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    let seen = 0;
    try {
      while (!stop) {
        const latest = await provider.getBlockNumber();
        if (latest >= next) {
          const to = Math.min(latest, next + 1999);
          const logs = await provider.getLogs({
            address: ctx.addresses.dvp,
            fromBlock: next,
            toBlock: to,
          });
          for (const log of logs) {
            let ev: LogDescription | null = null;
            try {
              ev = ctx.dvp.interface.parseLog(log);
            } catch {
              ev = null;
            }
            if (!ev) continue;
            if (names.size && !names.has(ev.name)) continue;
            const e = toEvent(log, ev);
            if (id && e.id !== id) continue;
            inv.io.out((inv.json ? toJson(e, 0) : line(e)) + "\n");
            seen++;
            if (count !== undefined && seen >= count)
              return { json: undefined, human: "", streamed: true };
          }
          next = to + 1;
          continue;
        }
        await sleep(interval);
      }
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return { json: undefined, human: "", streamed: true };
  },
};
