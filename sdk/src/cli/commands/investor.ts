import * as a from "../../actions/index.js";
import {
  UsageError,
  parseAddress,
  parseBytes32,
  parseTime,
  str,
  type OptionSpecs,
} from "../args.js";
import type { Command } from "../command.js";
import type { Invocation } from "../context.js";
import { bytes32Text, kv, timeText, txJson, txText } from "../output.js";

type Registry = "security" | "cash";

const REGISTRY: OptionSpecs = {
  registry: {
    type: "string",
    arg: "security|cash",
    help: "the issuer's register (security, default) or the bank's (cash)",
  },
};

function registryOf(inv: Invocation): Registry {
  const r = str(inv.values, "registry") ?? "security";
  if (r !== "security" && r !== "cash")
    throw new UsageError(`--registry must be security or cash: ${JSON.stringify(r)}`);
  return r;
}

function subject(inv: Invocation): string {
  return parseAddress(inv.positionals[0], "address");
}

const simple = (
  name: "suspend" | "reinstate" | "remove",
  summary: string,
  verb: string,
): Command => ({
  path: ["investor", name],
  summary,
  usage: "<address> [--registry security|cash]",
  options: REGISTRY,
  positionals: [1, 1],
  async run(inv) {
    const account = subject(inv);
    const registry = registryOf(inv);
    await inv.requireSigner(`investor ${name}`);
    const ctx = await inv.chain();
    const fn =
      name === "suspend"
        ? a.suspendInvestor
        : name === "reinstate"
          ? a.reinstateInvestor
          : a.removeInvestor;
    const r = await inv.progress.run(`${verb} ${account} in the ${registry} register`, () =>
      fn(ctx, { account, registry }),
    );
    return {
      json: { action: `investor.${name}`, registry, account, ...txJson(r) },
      human: `${verb} ${account} in the ${registry} register ${txText(r)}`,
    };
  },
});

export const investorCommands: Command[] = [
  {
    path: ["investor", "register"],
    summary: "register an account as an active investor (REGISTRAR_ROLE)",
    usage: "<address> --ref REF [--expiry TIME] [--registry security|cash]",
    description:
      "REF is the off-chain investor reference: 32-byte hex, or a short text such as FIRM-0001.\n" +
      "TIME is unix seconds, +N[s|m|h|d] from the latest block, or an ISO date-time; default none.",
    options: {
      ref: { type: "string", arg: "REF", help: "investor reference (bytes32 hex or short text)" },
      expiry: { type: "string", arg: "TIME", help: "eligibility expiry (default: none)" },
      ...REGISTRY,
    },
    positionals: [1, 1],
    examples: [
      "kessai investor register 0x90F7…b906 --ref FIRM-0001 --registry security --account 1",
    ],
    async run(inv) {
      const account = subject(inv);
      const registry = registryOf(inv);
      const ref = str(inv.values, "ref");
      if (ref === undefined) throw new UsageError("--ref is required");
      const investorRef = parseBytes32(ref, "--ref", { allowZero: true });
      const exp = str(inv.values, "expiry");
      const expiryAt = exp === undefined ? undefined : parseTime(exp, "--expiry", () => inv.now());
      await inv.requireSigner("investor register");
      const ctx = await inv.chain();
      const expiry = expiryAt ? await expiryAt() : 0n;
      const r = await inv.progress.run(`registering ${account} in the ${registry} register`, () =>
        a.registerInvestor(ctx, { account, investorRef, expiry, registry }),
      );
      return {
        json: { action: "investor.register", registry, account, investorRef, expiry, ...txJson(r) },
        human: `registered ${account} in the ${registry} register ${txText(r)}`,
      };
    },
  },
  simple("suspend", "suspend an investor: it can neither send nor receive", "suspended"),
  simple("reinstate", "reinstate a suspended investor", "reinstated"),
  simple("remove", "remove an investor (holdings stay, frozen)", "removed"),
  {
    path: ["investor", "show"],
    summary: "show an account's record and eligibility",
    usage: "<address> [--registry security|cash]",
    options: REGISTRY,
    positionals: [1, 1],
    async run(inv) {
      const account = subject(inv);
      const registry = registryOf(inv);
      const ctx = await inv.chain();
      const r = await a.getInvestor(ctx, { account, registry });
      return {
        json: { registry, ...r },
        human: kv([
          ["account", r.account],
          [
            "registry",
            `${registry} (${registry === "cash" ? ctx.addresses.cashRegistry : ctx.addresses.securityRegistry})`,
          ],
          ["status", r.status],
          ["eligible", r.eligible],
          ["investorRef", bytes32Text(r.investorRef)],
          ["expiry", timeText(r.expiry)],
        ]),
      };
    },
  },
];
