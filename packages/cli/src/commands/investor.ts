import * as a from "@kessai/sdk";
import { need, parseTime, str } from "../args.js";
import { addressCommand, showCommand, subject, type Command } from "../command.js";
import { bytes32Text, kv, timeText, txJson, txText } from "../output.js";

const simple = (name: "suspend" | "reinstate" | "remove", summary: string, verb: string): Command =>
  addressCommand(["investor", name], summary, async (inv, account) => {
    await inv.requireSigner(`investor ${name}`);
    const ctx = await inv.chain();
    const fn =
      name === "suspend"
        ? a.suspendInvestor
        : name === "reinstate"
          ? a.reinstateInvestor
          : a.removeInvestor;
    const r = await inv.progress.run(`${verb} ${account} in the investor register`, () =>
      fn(ctx, { account }),
    );
    return {
      json: { action: `investor.${name}`, account, ...txJson(r) },
      human: `${verb} ${account} in the investor register ${txText(r)}`,
    };
  });

export const investorCommands: Command[] = [
  {
    path: ["investor", "register"],
    summary: "register an account as an active investor (issuer, REGISTRAR_ROLE)",
    usage: "<address> --ref REF [--expiry TIME]",
    description:
      "Registers in the issuer's investor register, which the security token consults. (DCJPY\n" +
      "accounts are opened by the bank: see `kessai account open`.)\n" +
      "REF is the off-chain investor reference: 32-byte hex, or a short text such as FIRM-0001.\n" +
      "TIME is unix seconds, +N[s|m|h|d] from the latest block, or an ISO date-time; default none.",
    options: {
      ref: { type: "string", arg: "REF", help: "investor reference (bytes32 hex or short text)" },
      expiry: { type: "string", arg: "TIME", help: "eligibility expiry (default: none)" },
    },
    positionals: [1, 1],
    examples: ["kessai investor register 0x90F7…b906 --ref FIRM-0001 --account 1"],
    async run(inv) {
      const account = subject(inv);
      const investorRef = a.toBankReference(need(inv.values, "ref"), "--ref", { allowZero: true });
      const exp = str(inv.values, "expiry");
      const expiryAt = exp === undefined ? undefined : parseTime(exp, "--expiry", () => inv.now());
      await inv.requireSigner("investor register");
      const ctx = await inv.chain();
      const expiry = expiryAt ? await expiryAt() : 0n;
      const r = await inv.progress.run(`registering ${account} in the investor register`, () =>
        a.registerInvestor(ctx, { account, investorRef, expiry }),
      );
      return {
        json: { action: "investor.register", account, investorRef, expiry, ...txJson(r) },
        human: `registered ${account} in the investor register ${txText(r)}`,
      };
    },
  },
  simple("suspend", "suspend an investor: it can neither send nor receive the ST", "suspended"),
  simple("reinstate", "reinstate a suspended investor", "reinstated"),
  simple("remove", "remove an investor (holdings stay, frozen)", "removed"),
  showCommand(
    "investor",
    "show an account's record and eligibility in the investor register",
    async (ctx, account) => {
      const r = await a.getInvestor(ctx, { account });
      return {
        json: { registry: ctx.addresses.securityRegistry, ...r },
        human: kv([
          ["account", r.account],
          ["registry", ctx.addresses.securityRegistry],
          ["status", r.status],
          ["eligible", r.eligible],
          ["investorRef", bytes32Text(r.investorRef)],
          ["expiry", timeText(r.expiry)],
        ]),
      };
    },
  ),
];
