import * as a from "@kessai/sdk";
import { optional } from "../args.js";
import type { Command } from "../command.js";
import { kv, table } from "../output.js";
import { termsJson } from "./settlement.js";

export const reconcileCommand: Command = {
  path: ["reconcile"],
  summary: "check settlements, balances and DCJPY supply against the events",
  usage: "[--party ADDR] [--from-block N] [--to-block N]",
  description:
    "Every settlement touched in the range with its two legs, each account's ST and DCJPY\n" +
    "balance change against the Transfer events, and DCJPY supply against totalIssued -\n" +
    "totalRedeemed and the Issued / Redeemed events. Exits 1 when anything does not reconcile.\n" +
    "Lists unfinished business as of the last block (open settlements past or near their\n" +
    "deadline, DCJPY issued for an open settlement, units locked without a settlement): it\n" +
    "makes the report not clean, not the exit status.\n" +
    "Needs a node that serves historical state.",
  options: {
    party: { type: "string", arg: "ADDR", help: "only this account's settlements and balances" },
    "from-block": { type: "string", arg: "N", help: "first block (default 0)" },
    "to-block": { type: "string", arg: "N", help: "last block (default latest)" },
  },
  async run(inv) {
    const party = optional(inv.values, "party", a.toAddress);
    const fromBlock = optional(inv.values, "from-block", a.parseInteger);
    const toBlock = optional(inv.values, "to-block", a.parseInteger);
    const ctx = await inv.chain();
    const r = await inv.progress.run("reconciling", () =>
      a.reconcile(ctx, { party, fromBlock, toBlock }),
    );
    const counts = r.settlements.reduce<Record<string, number>>((m, s) => {
      m[s.state] = (m[s.state] ?? 0) + 1;
      return m;
    }, {});
    const human = [
      kv([
        ["blocks", `${r.fromBlock}..${r.toBlock}`],
        ["party", party ?? "all"],
        [
          "settlements",
          `${r.settlements.length}${
            r.settlements.length
              ? ` (${Object.entries(counts)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(", ")})`
              : ""
          }`,
        ],
        [
          "balances checked",
          `${r.balances.length} (${r.balances.filter((b) => !b.ok).length} off)`,
        ],
        [
          "DCJPY supply",
          `${r.supply.totalSupply} = issued ${r.supply.totalIssued} - redeemed ${r.supply.totalRedeemed}: ${r.supply.ok ? "ok" : "MISMATCH"}`,
        ],
        ["result", r.ok ? "OK" : `${r.mismatches.length} MISMATCH(ES)`],
        ["clean", r.clean ? "yes" : `no (${r.unfinished.length} unfinished)`],
      ]),
      ...(r.balances.length
        ? [
            "",
            table(
              ["TOKEN", "ACCOUNT", "BEFORE", "AFTER", "EVENTS", "OK"],
              r.balances.map((b) => [
                b.token,
                b.account,
                String(b.before),
                String(b.after),
                String(b.eventDelta),
                b.ok ? "ok" : "MISMATCH",
              ]),
            ),
          ]
        : []),
      ...r.mismatches.map((m) => `mismatch: ${m}`),
      ...r.unfinished.map((u) => `unfinished: ${u.kind}: ${u.detail}`),
    ].join("\n");
    return {
      json: {
        ...r,
        settlements: r.settlements.map((s) => ({
          ...s,
          terms: s.terms ? termsJson(s.terms) : undefined,
        })),
      },
      human,
      exitCode: r.ok ? 0 : 1,
      errorLine: r.ok ? undefined : `reconciliation found ${r.mismatches.length} mismatch(es)`,
    };
  },
};
